"""Plans as Stripe Products and recurring Prices, mirrored into dj-stripe.

`plan_push` makes Stripe agree with one `Plan` row: a Product (created once, then updated when the
plan's name, description or active flag changed) and a monthly Price of the plan's
`monthly_price`. A Price's amount cannot change on Stripe, so a new amount makes a new Price that
takes over the plan's lookup key (`transfer_lookup_key`), and the old Price is archived
(`active=false`); subscriptions on it keep it until they change plan. The ids are kept on the
plan (`stripe_product_id`, `stripe_price_id`) and both objects are synced into dj-stripe's
`Product` and `Price` tables in the public schema.

AI credits. A plan with an `ai_credit_price` also gets a metered Price on the platform's
AI-credits Billing Meter (apps.billing.stripe_setup.meter_ensure; the meter the usage reporter
sends `ai_credits` events to), kept in `stripe_metered_price_id` and added to Checkout as a
second line (no quantity: Stripe sums the meter over the billing period). The price charges
only what is beyond the plan: graduated tiers, the plan's `ai_credits_per_month` at 0, every
credit after at `ai_credit_price` (a plan with unlimited credits and a price bills every
credit). As long as the plan's limit refuses credits beyond it (apps.billing.metering), only
merchants whose limit staff raised or removed (an override) are charged. Stripe sums per
billing period, the limit per calendar month (UTC). The included credits, price, currency and
meter are written into the price's metadata; when one changes, a new price takes over the
lookup key and the old one is archived, as for the monthly price. Without a price the plan's
metered price is archived and AI credits are not billed.

Idempotent: a second push of an unchanged plan only reads from Stripe. Every create carries an
idempotency key derived from what it creates (the plan, the old price and the new amount), so a
push that crashed after Stripe answered and before the ids were saved gets the same objects back
when it is run again, never a duplicate.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

import stripe
from django.db import transaction
from djstripe.models import Account, APIKey
from djstripe.models import Price as DjstripePrice
from djstripe.models import Product as DjstripeProduct

from apps.billing.models import BillingAuditEntry, Plan
from apps.billing.services import plan_snapshot
from apps.billing.stripe_setup import meter_ensure, portal_configuration_ensure
from apps.billing.subscriptions import _client, _provider_error
from apps.payments.stripe_client import stripe_exponent

if TYPE_CHECKING:
    from apps.accounts.models import User

logger = logging.getLogger(__name__)


@dataclass
class PlanPushResult:
    plan: str
    product_id: str
    price_id: str
    created: list[str] = field(default_factory=list)  # "product", "price"
    updated: list[str] = field(default_factory=list)  # "product"
    archived: list[str] = field(default_factory=list)  # old price ids
    metered_price_id: str = ""

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.archived)


def plan_unit_amount(plan: Plan) -> int:
    """The plan's monthly price as Stripe's integer amount (0 for a free plan)."""
    return int((plan.monthly_price or Decimal("0")).scaleb(stripe_exponent(plan.currency)))


def plan_lookup_key(plan: Plan) -> str:
    return f"plan-{plan.code}-monthly"


def _product_fields(plan: Plan) -> dict[str, Any]:
    return {
        "name": plan.name,
        "description": plan.description or "",
        "active": plan.active,
    }


def _as_dict(obj: Any) -> dict[str, Any]:
    # Through JSON, as dj-stripe does: to_dict() would keep Decimals a JSONField cannot store.
    return cast(dict[str, Any], json.loads(str(obj)) if hasattr(obj, "to_dict") else dict(obj))


@contextmanager
def _djstripe_api_base() -> Iterator[None]:
    """dj-stripe's sync makes a few calls of its own through the SDK's global client (a
    product's features); they go where ours go (the fake in tests), not to api.stripe.com."""
    from django.conf import settings

    previous = stripe.api_base
    stripe.api_base = settings.STRIPE_API_BASE.rstrip("/")
    try:
        yield
    finally:
        stripe.api_base = previous


def _djstripe_owner_ensure(client: stripe.StripeClient, api_key: str) -> None:
    """dj-stripe's sync asks which Stripe account an api key belongs to (and would ask Stripe
    through the SDK's global settings, not our client). Answer it once, through our client."""
    key, _created = APIKey.objects.get_or_create_by_api_key(api_key)
    if key.djstripe_owner_account_id:
        return
    account = _as_dict(client.v1.accounts.retrieve_current())
    owner, _ = Account.objects.get_or_create(
        id=account["id"], defaults={"livemode": bool(account.get("livemode")), "stripe_data": account}
    )
    key.djstripe_owner_account = owner
    key.save(update_fields=["djstripe_owner_account"])


def _djstripe_sync(client: stripe.StripeClient, product: Any, prices: list[Any]) -> None:
    from django.conf import settings

    api_key = settings.STRIPE_SECRET_KEY
    _djstripe_owner_ensure(client, api_key)
    with _djstripe_api_base():
        DjstripeProduct.sync_from_stripe_data(_as_dict(product), api_key=api_key)
        for price in prices:
            DjstripePrice.sync_from_stripe_data(_as_dict(price), api_key=api_key)


def _retrieve_or_none(retrieve: Any, object_id: str) -> Any:
    if not object_id:
        return None
    try:
        return retrieve(object_id)
    except stripe.InvalidRequestError as error:
        if getattr(error, "code", "") == "resource_missing":
            logger.warning("plan sync: Stripe does not know %s; creating a new one", object_id)
            return None
        raise


def _price_matches(price: Any, plan: Plan) -> bool:
    recurring = price.get("recurring") or {}
    return (
        bool(price.get("active"))
        and int(price.get("unit_amount") or 0) == plan_unit_amount(plan)
        and str(price.get("currency") or "").upper() == plan.currency.upper()
        and recurring.get("interval") == "month"
        and int(recurring.get("interval_count") or 1) == 1
    )


def plan_metered_lookup_key(plan: Plan) -> str:
    return f"plan-{plan.code}-ai-credits"


def plan_credit_amount(plan: Plan) -> str:
    """The price of one AI credit in Stripe's minor units, as a decimal string ("2", "0.5")."""
    assert plan.ai_credit_price is not None
    value = Decimal(plan.ai_credit_price).scaleb(stripe_exponent(plan.currency)).normalize()
    return format(value, "f")


def _metered_signature(plan: Plan, meter_id: str) -> dict[str, str]:
    """What the metered price must say; kept in its metadata to be compared on the next push
    (Stripe shows a price's tiers only when asked to expand them)."""
    return {
        "plan_code": plan.code,
        "meter": meter_id,
        "included_credits": "" if plan.ai_credits_per_month is None else str(plan.ai_credits_per_month),
        "credit_amount": plan_credit_amount(plan),
        "currency": plan.currency.lower(),
    }


def _metered_price_matches(price: Any, product_id: str, signature: dict[str, str]) -> bool:
    recurring = price.get("recurring") or {}
    metadata = price.get("metadata") or {}
    return (
        bool(price.get("active"))
        and price.get("product") == product_id
        and recurring.get("usage_type") == "metered"
        and recurring.get("meter") == signature["meter"]
        and all(metadata.get(name) == value for name, value in signature.items())
    )


def _metered_price_push(
    client: stripe.StripeClient, plan: Plan, product_id: str, result: PlanPushResult, synced: list[Any]
) -> str:
    """Create, keep or archive the plan's metered AI-credits price; returns its id ("" none)."""
    old_price = _retrieve_or_none(client.v1.prices.retrieve, plan.stripe_metered_price_id)
    if plan.ai_credit_price is None:
        if old_price is not None and old_price.get("active"):
            synced.append(client.v1.prices.update(old_price.id, params={"active": False}))
            result.archived.append(str(old_price.id))
        return ""
    meter_id = meter_ensure(client)
    signature = _metered_signature(plan, meter_id)
    if old_price is not None and _metered_price_matches(old_price, product_id, signature):
        return str(old_price.id)
    amount = signature["credit_amount"]
    included = plan.ai_credits_per_month
    pricing: dict[str, Any] = (
        {
            "billing_scheme": "tiered",
            "tiers_mode": "graduated",
            "tiers": [{"up_to": included, "unit_amount": 0}, {"up_to": "inf", "unit_amount_decimal": amount}],
        }
        if included
        else {"billing_scheme": "per_unit", "unit_amount_decimal": amount}
    )
    old_id = plan.stripe_metered_price_id or "none"
    key = "-".join(
        signature[name] or "unlimited" for name in ("meter", "included_credits", "credit_amount", "currency")
    )
    price = client.v1.prices.create(
        params=cast(
            Any,
            {
                "product": product_id,
                "currency": plan.currency.lower(),
                "recurring": {"interval": "month", "usage_type": "metered", "meter": meter_id},
                **pricing,
                "lookup_key": plan_metered_lookup_key(plan),
                "transfer_lookup_key": True,
                "nickname": f"{plan.name} AI credits",
                "metadata": signature,
            },
        ),
        options={"idempotency_key": f"billing-plan-metered-{plan.pk}-{old_id}-{key}"},
    )
    result.created.append("metered_price")
    if old_price is not None and old_price.get("active"):
        synced.append(client.v1.prices.update(old_price.id, params={"active": False}))
        result.archived.append(str(old_price.id))
    synced.append(price)
    return str(price.id)


def plan_push(*, plan: Plan, actor: User | None = None) -> PlanPushResult:
    """Create or update the plan's Stripe Product and monthly Price; see the module docstring.
    Raises `SubscriptionError` when Stripe is not configured or refuses."""
    client = _client()
    before = plan_snapshot(plan)
    result = PlanPushResult(plan=plan.code, product_id=plan.stripe_product_id, price_id=plan.stripe_price_id)
    wanted = _product_fields(plan)
    metadata = {"plan_code": plan.code}
    try:
        product = _retrieve_or_none(client.v1.products.retrieve, plan.stripe_product_id)
        if product is not None:
            current = {
                "name": product.get("name"),
                "description": product.get("description") or "",
                "active": bool(product.get("active")),
            }
            if current != wanted:
                product = client.v1.products.update(product.id, params=cast(Any, wanted))
                result.updated.append("product")
        else:
            product = client.v1.products.create(
                params=cast(Any, {**wanted, "metadata": metadata}),
                options={"idempotency_key": f"billing-plan-product-{plan.pk}-{plan.code}"},
            )
            result.created.append("product")
        result.product_id = str(product.id)

        # A price id Stripe does not know (typed in by hand, another account) is replaced.
        old_price = _retrieve_or_none(client.v1.prices.retrieve, plan.stripe_price_id)
        synced_prices: list[Any] = []
        if (
            old_price is not None
            and _price_matches(old_price, plan)
            and old_price.get("product") == product.id
        ):
            price = old_price
        else:
            amount = plan_unit_amount(plan)
            old_id = plan.stripe_price_id or "none"
            price = client.v1.prices.create(
                params=cast(
                    Any,
                    {
                        "product": product.id,
                        "currency": plan.currency.lower(),
                        "unit_amount": amount,
                        "recurring": {"interval": "month"},
                        "lookup_key": plan_lookup_key(plan),
                        "transfer_lookup_key": True,
                        "nickname": plan.name,
                        "metadata": metadata,
                    },
                ),
                options={
                    "idempotency_key": f"billing-plan-price-{plan.pk}-{old_id}-{amount}-{plan.currency.lower()}"
                },
            )
            result.created.append("price")
            if old_price is not None and old_price.get("active"):
                old_price = client.v1.prices.update(old_price.id, params={"active": False})
                result.archived.append(str(old_price.id))
            if old_price is not None:
                synced_prices.append(old_price)
        result.price_id = str(price.id)
        synced_prices.append(price)
        result.metered_price_id = _metered_price_push(client, plan, str(product.id), result, synced_prices)
    except stripe.StripeError as error:
        raise _provider_error(error) from error

    ids = (result.product_id, result.price_id, result.metered_price_id)
    with transaction.atomic():
        locked = Plan.objects.select_for_update().get(pk=plan.pk)
        if (locked.stripe_product_id, locked.stripe_price_id, locked.stripe_metered_price_id) != ids:
            locked.stripe_product_id, locked.stripe_price_id, locked.stripe_metered_price_id = ids
            locked.save(
                update_fields=[
                    "stripe_product_id",
                    "stripe_price_id",
                    "stripe_metered_price_id",
                    "updated_at",
                ]
            )
            BillingAuditEntry.objects.create(
                merchant=None,
                actor=actor,
                actor_email=getattr(actor, "email", "") or "",
                action=BillingAuditEntry.Action.PLAN_EDITED,
                before={"code": plan.code, **before},
                after={
                    "code": plan.code,
                    **plan_snapshot(locked),
                    "stripe_product_id": result.product_id,
                    "stripe_metered_price_id": result.metered_price_id,
                },
            )
        plan.stripe_product_id, plan.stripe_price_id, plan.stripe_metered_price_id = ids
        _djstripe_sync(client, product, synced_prices)
    return result


def plans_push(*, plans: list[Plan] | None = None, actor: User | None = None) -> list[PlanPushResult]:
    """`plan_push` for each plan (every plan when none are given), cheapest first, after making
    sure the Customer Portal configuration (no plan switching) is as wanted."""
    client = _client()
    try:
        portal_configuration_ensure(client)
    except stripe.StripeError as error:
        raise _provider_error(error) from error
    chosen = list(Plan.objects.all()) if plans is None else plans
    return [plan_push(plan=plan, actor=actor) for plan in chosen]
