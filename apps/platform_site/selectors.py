"""Reads of the platform site: the plans on the pricing page, the help centre's search."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from apps.billing.models import Limit
from apps.billing.selectors import plans_offered

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from wagtail.models import Page

    from apps.platform_site.models import HelpArticlePage

# The limits the pricing page lists, in this order (labels from apps.billing.models.Limit).
PRICING_LIMITS = (
    Limit.STORES,
    Limit.PRODUCTS_PER_STORE,
    Limit.ORDERS_PER_DAY,
    Limit.STAFF_SEATS,
    Limit.MEDIA_MB,
    Limit.AI_CREDITS_PER_MONTH,
)


@dataclass(frozen=True)
class PlanLimit:
    label: str
    value: int | None  # None: unlimited


@dataclass(frozen=True)
class PricedPlan:
    code: str
    name: str
    description: str
    monthly_price: Decimal
    currency: str
    trial_days: int
    limits: list[PlanLimit]


def pricing_plans() -> list[PricedPlan]:
    """The plans offered now (active and public), read on every request: a change made to a
    plan by staff shows on the pricing page at once. One query."""
    return [
        PricedPlan(
            code=plan.code,
            name=plan.name,
            description=plan.description,
            monthly_price=plan.monthly_price,
            currency=plan.currency,
            trial_days=plan.trial_days,
            limits=[
                PlanLimit(label=str(limit.label), value=plan.limit_value(limit)) for limit in PRICING_LIMITS
            ],
        )
        for plan in plans_offered()
    ]


def help_articles(index: Page, query: str = "") -> QuerySet[HelpArticlePage] | list[HelpArticlePage]:
    """The live, public articles under `index`; those matching `query` (best first) when given."""
    from apps.platform_site.models import HelpArticlePage

    articles = HelpArticlePage.objects.live().public().descendant_of(index)
    query = query.strip()[:200]
    if query:
        return list(articles.search(query))
    return articles.order_by("path")
