"""A merchant switching its subscription to another plan from the console.

A switch to a plan whose limits are below what the merchant uses now (stores, products in its
fullest store, staff seats, media, whatever is measured) is refused with one reason per limit
exceeded, naming the usage and the new limit, and Stripe is not called. Otherwise the
subscription's item is moved to the plan's price through the SDK (prorated), and the merchant's
plan row follows at once (the `customer.subscription.updated` webhook confirms it later, and
`merchant_billing_recompute` reads the plan from the price it carries).

The check and the switch run under the lock of the merchant's plan row, the lock every limit
check takes: a store or seat cannot be added between the check and the switch.

Limits that are flows rather than stock (orders per day, AI credits, API requests per minute)
do not refuse a downgrade: the new limit applies from the next day, month or minute.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import stripe
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from apps.billing.limits import Limit, UsageRow, merchant_plan_for, usage
from apps.billing.models import BillingAuditEntry, MerchantPlan, Plan
from apps.billing.services import _locked, merchant_plan_snapshot
from apps.billing.subscriptions import _client, _provider_error
from apps.core.errors import ApplicationError

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.platform.models import Merchant

# Limits on what the merchant holds; a downgrade below them is refused.
STOCK_LIMITS = (Limit.STORES, Limit.PRODUCTS_PER_STORE, Limit.STAFF_SEATS, Limit.MEDIA_MB)


class PlanChangeErrorCode(models.TextChoices):
    BELOW_USAGE = "billing_plan_below_usage", _lazy("The plan's limits are below current usage")
    NOT_SUBSCRIBED = "billing_not_subscribed", _lazy("No subscription to change")
    PLAN_NOT_PURCHASABLE = "billing_plan_change_not_purchasable", _lazy("Plan not purchasable")
    SAME_PLAN = "billing_same_plan", _lazy("Already on this plan")


class PlanChangeError(ApplicationError):
    codes = PlanChangeErrorCode
    code = PlanChangeErrorCode.BELOW_USAGE


@dataclass(frozen=True)
class LimitExceeded:
    limit: Limit
    used: int
    allowed: int

    @property
    def message(self) -> str:
        return _("%(what)s: you use %(used)d, the new plan allows %(allowed)d") % {
            "what": str(self.limit.label).capitalize(),
            "used": self.used,
            "allowed": self.allowed,
        }


def _new_limit(merchant_plan: MerchantPlan, plan: Plan, limit: Limit) -> int | None:
    # Staff overrides stay in force on any plan.
    overrides = merchant_plan.limit_overrides or {}
    if limit.value in overrides:
        value = overrides[limit.value]
        return None if value is None else int(value)
    return plan.limit_value(limit)


def plan_change_blockers(
    *, merchant: Merchant, plan: Plan, merchant_plan: MerchantPlan | None = None
) -> list[LimitExceeded]:
    """Each stock limit the merchant's current usage exceeds on `plan` (empty: it fits)."""
    merchant_plan = merchant_plan or merchant_plan_for(merchant=merchant)
    rows: dict[Limit, UsageRow] = {row.limit: row for row in usage(merchant=merchant)}
    blockers = []
    for limit in STOCK_LIMITS:
        row = rows.get(limit)
        allowed = _new_limit(merchant_plan, plan, limit)
        if row is None or row.used is None or allowed is None:
            continue
        if row.used > allowed:
            blockers.append(LimitExceeded(limit=limit, used=row.used, allowed=allowed))
    return blockers


def _refusal(plan: Plan, blockers: list[LimitExceeded]) -> PlanChangeError:
    return PlanChangeError(
        _("You cannot move to the %(plan)s plan yet. %(reasons)s. Remove what is over the limit first.")
        % {"plan": plan.name, "reasons": "; ".join(blocker.message for blocker in blockers)},
        code=PlanChangeErrorCode.BELOW_USAGE,
        params={
            "plan": plan.code,
            "exceeded": [{"limit": b.limit.value, "used": b.used, "allowed": b.allowed} for b in blockers],
        },
    )


def _is_metered(item: Any) -> bool:
    price = item.get("price") or {}
    recurring = (price.get("recurring") if hasattr(price, "get") else None) or {}
    return bool(recurring.get("usage_type") == "metered")


def _item_changes(items: list[Any], plan: Plan) -> list[dict[str, Any]]:
    """The subscription's items moved to `plan`: the monthly item to its price, the metered
    AI-credits item to its metered price (added when the plan has one and the subscription
    not, removed when the plan has none)."""
    licensed = [item for item in items if not _is_metered(item)] or items[:1]
    metered = [item for item in items if _is_metered(item)]
    changes: list[dict[str, Any]] = [{"id": licensed[0]["id"], "price": plan.stripe_price_id}]
    for index, item in enumerate(metered):
        if plan.stripe_metered_price_id and index == 0:
            changes.append({"id": item["id"], "price": plan.stripe_metered_price_id})
        else:
            changes.append({"id": item["id"], "deleted": True})
    if plan.stripe_metered_price_id and not metered:
        changes.append({"price": plan.stripe_metered_price_id})
    return changes


@transaction.atomic
def merchant_plan_change(
    *, merchant: Merchant, plan: Plan, actor: User | None, attempt: str = ""
) -> MerchantPlan:
    """Move the merchant's Stripe subscription to `plan` (see the module docstring)."""
    merchant_plan = _locked(merchant)
    if plan.pk == merchant_plan.plan_id:
        raise PlanChangeError(
            _("You are already on the %(plan)s plan.") % {"plan": plan.name},
            code=PlanChangeErrorCode.SAME_PLAN,
            params={"plan": plan.code},
        )
    if not plan.active or not plan.stripe_price_id:
        raise PlanChangeError(
            _("The plan %(plan)s cannot be bought online.") % {"plan": plan.name},
            code=PlanChangeErrorCode.PLAN_NOT_PURCHASABLE,
            params={"plan": plan.code},
        )
    blockers = plan_change_blockers(merchant=merchant, plan=plan, merchant_plan=merchant_plan)
    if blockers:
        raise _refusal(plan, blockers)
    if not merchant_plan.stripe_subscription_id:
        raise PlanChangeError(
            _("Subscribe to a plan first; then you can change it here."),
            code=PlanChangeErrorCode.NOT_SUBSCRIBED,
        )
    client = _client()
    try:
        subscription = client.v1.subscriptions.retrieve(merchant_plan.stripe_subscription_id)
        items = (cast(Any, subscription).get("items") or {}).get("data") or []
        if not items:
            raise PlanChangeError(
                _("Subscribe to a plan first; then you can change it here."),
                code=PlanChangeErrorCode.NOT_SUBSCRIBED,
            )
        client.v1.subscriptions.update(
            merchant_plan.stripe_subscription_id,
            params=cast(
                Any,
                {
                    "items": _item_changes(items, plan),
                    "proration_behavior": "create_prorations",
                    "metadata": {"plan": plan.code},
                },
            ),
            options={
                "idempotency_key": f"billing-plan-change-{merchant.uuid}-{plan.code}-{attempt or merchant_plan.plan.code}"
            },
        )
    except stripe.StripeError as error:
        raise _provider_error(error) from error
    before = merchant_plan_snapshot(merchant_plan)
    merchant_plan.plan = plan
    merchant_plan.save()
    BillingAuditEntry.objects.create(
        merchant_id=merchant.pk,
        actor=actor,
        actor_email=getattr(actor, "email", "") or "",
        action=BillingAuditEntry.Action.PLAN_CHANGED,
        before=before,
        after={**merchant_plan_snapshot(merchant_plan), "by": "merchant"},
    )
    return merchant_plan
