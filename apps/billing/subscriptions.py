"""Merchants' Stripe subscriptions: the console's Checkout and Customer Portal sessions, the
invoices list, and the lifecycle the billing webhooks drive.

Lifecycle. Every subscription or invoice event is a claim "from `created` on, this merchant is
trialing / active / past due / cancelled". The verified events are kept in dj-stripe's `Event`
table (one row per Stripe event id), and the merchant's status is recomputed from all of them:
the claim with the latest `created` wins (a subscription snapshot before an invoice at the same
second, then the later lifecycle stage, then the event id). The result is a function of the set
of events, so every arrival order ends in the same state, and a duplicate changes nothing.

From the merchant's status follows each store's: trialing, active and comped keep stores
serving (and bring back stores that billing suspended); past due leaves them serving read-only
until `grace_until` (now + BILLING_GRACE_DAYS when the payment first failed), after which, or
when cancelled, they are suspended with reason "billing" (the store's domain then answers the
suspension page; apps.tenants.middleware). Nothing is deleted before the retention period
ends (apps.billing.retention; docs/billing-lifecycle.md). A store suspended by staff for
another reason is never reactivated here.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

import stripe
from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from djstripe.models import Event

from apps.billing.limits import merchant_plan_for
from apps.billing.models import BillingAuditEntry, MerchantPlan, Plan
from apps.billing.notices import transition_notices_record
from apps.billing.services import merchant_plan_snapshot
from apps.billing.stripe_setup import portal_configuration_ensure, portal_configuration_forget
from apps.core.errors import ApplicationError
from apps.payments.stripe_client import StripeNotConfigured, stripe_client
from apps.tenants.models import Tenant
from apps.tenants.routing import routing_cache_clear
from apps.tenants.services import store_reactivate, store_suspend

if TYPE_CHECKING:
    from apps.platform.models import Merchant

logger = logging.getLogger(__name__)

Status = MerchantPlan.Status
BILLING_SUSPENSION_REASON = "billing"

SUBSCRIPTION_EVENTS = frozenset(
    {"customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted"}
)
INVOICE_EVENTS: dict[str, str] = {"invoice.paid": Status.ACTIVE, "invoice.payment_failed": Status.PAST_DUE}
HANDLED_EVENTS = SUBSCRIPTION_EVENTS | frozenset(INVOICE_EVENTS)

# Stripe's subscription statuses in ours; `incomplete` (a Checkout not finished) claims nothing.
SUBSCRIPTION_STATUS: dict[str, str] = {
    "trialing": Status.TRIALING,
    "active": Status.ACTIVE,
    "past_due": Status.PAST_DUE,
    "unpaid": Status.PAST_DUE,
    "paused": Status.PAST_DUE,
    "canceled": Status.CANCELLED,
    "incomplete_expired": Status.CANCELLED,
}
# Ties within one second: the later stage of a subscription's life wins.
STAGE: dict[str, int] = {Status.TRIALING: 0, Status.ACTIVE: 1, Status.PAST_DUE: 2, Status.CANCELLED: 3}
SERVING = frozenset({Status.TRIALING, Status.ACTIVE, Status.COMPED})


class SubscriptionErrorCode(models.TextChoices):
    NOT_CONFIGURED = "billing_stripe_not_configured", _lazy("Paying online is not set up")
    PLAN_NOT_PURCHASABLE = "billing_plan_not_purchasable", _lazy("Plan not purchasable")
    NO_CUSTOMER = "billing_no_customer", _lazy("No billing account yet")
    PROVIDER = "billing_provider_error", _lazy("Payment provider error")


class SubscriptionError(ApplicationError):
    codes = SubscriptionErrorCode
    code = SubscriptionErrorCode.PROVIDER


def _provider_error(error: stripe.StripeError) -> SubscriptionError:
    logger.warning("stripe billing call failed: %s", error)
    return SubscriptionError(
        _("The payment provider could not complete the request. Please try again."),
        code=SubscriptionErrorCode.PROVIDER,
        params={"type": type(error).__name__, "code": getattr(error, "code", None) or ""},
    )


def _client() -> stripe.StripeClient:
    try:
        return stripe_client()
    except StripeNotConfigured as error:
        raise SubscriptionError(
            _("Paying for a plan is not set up on this platform yet."),
            code=SubscriptionErrorCode.NOT_CONFIGURED,
        ) from error


# ------------------------------------------------------------------------------
# Console: customer, Checkout, Customer Portal, invoices
# ------------------------------------------------------------------------------
def billing_customer_ensure(*, merchant: Merchant, email: str) -> str:
    """The merchant's Stripe customer id, created once (the idempotency key is the merchant's,
    so a retry after a lost answer gets the same customer) and kept on its plan row."""
    merchant_plan = merchant_plan_for(merchant=merchant)
    if merchant_plan.stripe_customer_id:
        return merchant_plan.stripe_customer_id
    try:
        customer = _client().v1.customers.create(
            params={"name": merchant.name, "email": email, "metadata": {"merchant_uuid": str(merchant.uuid)}},
            options={"idempotency_key": f"billing-customer-{merchant.uuid}"},
        )
    except stripe.StripeError as error:
        raise _provider_error(error) from error
    with transaction.atomic():
        locked = merchant_plan_for(merchant=merchant, lock=True)
        if not locked.stripe_customer_id:
            locked.stripe_customer_id = customer.id
            locked.save(update_fields=["stripe_customer_id", "updated_at"])
        return locked.stripe_customer_id


def checkout_session_create(
    *, merchant: Merchant, plan: Plan, email: str, success_url: str, cancel_url: str, attempt: str
) -> str:
    """A Stripe Checkout Session (subscription mode) for `plan`; returns the URL to send the
    merchant to. `attempt` (one per console form shown) makes a double submit one session."""
    if not plan.active or not plan.stripe_price_id:
        raise SubscriptionError(
            _("The plan %(plan)s cannot be bought online.") % {"plan": plan.name},
            code=SubscriptionErrorCode.PLAN_NOT_PURCHASABLE,
            params={"plan": plan.code},
        )
    customer_id = billing_customer_ensure(merchant=merchant, email=email)
    metadata = {"merchant_uuid": str(merchant.uuid), "plan": plan.code}
    line_items: list[dict[str, Any]] = [{"price": plan.stripe_price_id, "quantity": 1}]
    if plan.stripe_metered_price_id:
        # AI credits beyond the plan (apps.billing.plan_sync): metered, so no quantity.
        line_items.append({"price": plan.stripe_metered_price_id})
    try:
        session = _client().v1.checkout.sessions.create(
            params=cast(
                Any,
                {
                    "mode": "subscription",
                    "customer": customer_id,
                    "client_reference_id": str(merchant.uuid),
                    "line_items": line_items,
                    "success_url": success_url,
                    "cancel_url": cancel_url,
                    "metadata": metadata,
                    "subscription_data": {"metadata": metadata},
                },
            ),
            options={"idempotency_key": f"billing-checkout-{merchant.uuid}-{plan.code}-{attempt}"},
        )
    except stripe.StripeError as error:
        raise _provider_error(error) from error
    return str(session.url)


def portal_session_create(*, merchant: Merchant, return_url: str) -> str:
    """A Customer Portal session (change card, see invoices, cancel; plans change in the
    console); returns its URL."""
    customer_id = merchant_plan_for(merchant=merchant).stripe_customer_id
    if not customer_id:
        raise SubscriptionError(
            _("Subscribe to a plan first; then you can manage your billing here."),
            code=SubscriptionErrorCode.NO_CUSTOMER,
        )
    client = _client()
    try:
        # Always the platform's configuration (no plan switching: apps.billing.stripe_setup),
        # never the account's default Portal settings.
        configuration = portal_configuration_ensure(client, verify=False)
        try:
            session = client.v1.billing_portal.sessions.create(
                params={"customer": customer_id, "return_url": return_url, "configuration": configuration}
            )
        except stripe.InvalidRequestError as error:
            if getattr(error, "param", "") != "configuration":
                raise
            # The stored configuration is gone on Stripe's side: make it again, once.
            portal_configuration_forget()
            configuration = portal_configuration_ensure(client)
            session = client.v1.billing_portal.sessions.create(
                params={"customer": customer_id, "return_url": return_url, "configuration": configuration}
            )
    except stripe.StripeError as error:
        raise _provider_error(error) from error
    return str(session.url)


@dataclass(frozen=True)
class InvoiceRow:
    number: str
    created: datetime
    status: str
    amount_due: int  # minor units, as Stripe sends them
    currency: str
    hosted_invoice_url: str
    invoice_pdf: str


def merchant_invoices(*, merchant: Merchant, limit: int = 24) -> list[InvoiceRow]:
    """The merchant's latest invoices, read from Stripe (none before a first subscription)."""
    customer_id = merchant_plan_for(merchant=merchant).stripe_customer_id
    if not customer_id:
        return []
    try:
        page = _client().v1.invoices.list(params={"customer": customer_id, "limit": limit})
    except stripe.StripeError as error:
        raise _provider_error(error) from error
    return [
        InvoiceRow(
            number=str(row.get("number") or row["id"]),
            created=datetime.fromtimestamp(int(row["created"]), tz=UTC),
            status=str(row.get("status") or ""),
            amount_due=int(row.get("amount_due") or 0),
            currency=str(row.get("currency") or "").upper(),
            hosted_invoice_url=str(row.get("hosted_invoice_url") or ""),
            invoice_pdf=str(row.get("invoice_pdf") or ""),
        )
        for row in (cast(Mapping[str, Any], invoice) for invoice in page.data)
    ]


# ------------------------------------------------------------------------------
# Lifecycle from events
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Claim:
    created: int
    is_subscription: bool
    status: str
    event_id: str
    subscription_id: str
    snapshot: Mapping[str, Any]

    @property
    def order(self) -> tuple[int, int, int, str]:
        return (self.created, int(self.is_subscription), STAGE.get(self.status, 0), self.event_id)


def _subscription_of_invoice(invoice: Mapping[str, Any]) -> str:
    parent = invoice.get("parent") or {}
    details = parent.get("subscription_details") or {}
    return str(details.get("subscription") or invoice.get("subscription") or "")


def event_claim(data: Mapping[str, Any]) -> Claim | None:
    """What one event says about its merchant's status (None: nothing)."""
    obj = (data.get("data") or {}).get("object") or {}
    type_ = str(data.get("type") or "")
    created = int(data.get("created") or 0)
    if type_ in SUBSCRIPTION_EVENTS:
        status = SUBSCRIPTION_STATUS.get(str(obj.get("status") or ""))
        if type_ == "customer.subscription.deleted":
            status = Status.CANCELLED
        if status is None:
            return None
        return Claim(created, True, status, str(data["id"]), str(obj.get("id") or ""), obj)
    if type_ in INVOICE_EVENTS:
        subscription_id = _subscription_of_invoice(obj)
        if not subscription_id:
            return None  # a one-off invoice says nothing about the subscription
        return Claim(created, False, INVOICE_EVENTS[type_], str(data["id"]), subscription_id, obj)
    return None


def event_customer(data: Mapping[str, Any]) -> str:
    obj = (data.get("data") or {}).get("object") or {}
    customer = obj.get("customer")
    if isinstance(customer, Mapping):
        customer = customer.get("id")
    return str(customer or "")


def _claims(customer_id: str) -> Iterable[Claim]:
    events = Event.objects.filter(type__in=HANDLED_EVENTS, data__object__customer=customer_id)
    for event in events.only("id", "type", "created", "data"):
        claim = event_claim(
            {
                "id": event.id,
                "type": event.type,
                "created": int(event.created.timestamp()),
                "data": event.data,
            }
        )
        if claim is not None:
            yield claim


def _timestamp(value: Any) -> datetime | None:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return datetime.fromtimestamp(value, tz=UTC)
    return None


def _period_end(snapshot: Mapping[str, Any]) -> datetime | None:
    items = ((snapshot.get("items") or {}).get("data")) or []
    ends = [item.get("current_period_end") for item in items if item.get("current_period_end")]
    return _timestamp(max(ends) if ends else snapshot.get("current_period_end"))


def _prices(snapshot: Mapping[str, Any]) -> list[str]:
    """The price ids of the subscription's items (the plan's monthly price, and its metered
    AI-credits price when it has one)."""
    items = ((snapshot.get("items") or {}).get("data")) or []
    prices = []
    for item in items:
        price = item.get("price") or {}
        prices.append(str(price.get("id") if isinstance(price, Mapping) else price or ""))
    return [price for price in prices if price]


@transaction.atomic
def merchant_billing_recompute(*, merchant_plan_id: int) -> MerchantPlan:
    """Fold every stored event of the merchant's customer into its status, then apply it to its
    stores. Idempotent: run twice, the second run changes nothing."""
    merchant_plan = (
        MerchantPlan.objects.select_for_update(of=("self",)).select_related("plan").get(pk=merchant_plan_id)
    )
    claims = list(_claims(merchant_plan.stripe_customer_id)) if merchant_plan.stripe_customer_id else []
    if not claims or merchant_plan.status == Status.COMPED:
        # Staff comped the plan: Stripe's word does not override theirs.
        return merchant_plan
    before = merchant_plan_snapshot(merchant_plan)
    winner = max(claims, key=lambda claim: claim.order)
    # The latest subscription snapshot (of the winning subscription) carries plan and period.
    snapshots = [c for c in claims if c.is_subscription and c.subscription_id == winner.subscription_id]
    latest = max(snapshots, key=lambda claim: claim.order) if snapshots else None

    was_past_due = merchant_plan.status == Status.PAST_DUE
    merchant_plan.status = winner.status
    merchant_plan.stripe_subscription_id = winner.subscription_id
    if latest is not None:
        merchant_plan.current_period_end = _period_end(latest.snapshot) or merchant_plan.current_period_end
        merchant_plan.trial_ends_at = (
            _timestamp(latest.snapshot.get("trial_end")) or merchant_plan.trial_ends_at
        )
        plan = (
            Plan.objects.filter(stripe_price_id__in=_prices(latest.snapshot))
            .exclude(stripe_price_id="")
            .first()
        )
        if plan is not None:
            merchant_plan.plan = plan
    if winner.status == Status.PAST_DUE:
        if not (was_past_due and merchant_plan.grace_until):
            merchant_plan.grace_until = timezone.now() + timedelta(days=settings.BILLING_GRACE_DAYS)
    else:
        merchant_plan.grace_until = None
    after = merchant_plan_snapshot(merchant_plan)
    if after != before:
        merchant_plan.save()
        BillingAuditEntry.objects.create(
            merchant_id=merchant_plan.merchant_id,
            action=BillingAuditEntry.Action.STATUS_CHANGED,
            before=before,
            after={**after, "stripe_event": winner.event_id},
        )
        transition_notices_record(merchant_plan=merchant_plan, before=before, event_id=winner.event_id)
    stores_apply_billing_state(merchant_plan=merchant_plan)
    return merchant_plan


def merchant_store_access(merchant_plan: MerchantPlan, *, now: datetime | None = None) -> str:
    """ "serving", "read_only" (past due, within grace) or "suspended" for the merchant's stores."""
    if merchant_plan.status in SERVING:
        return "serving"
    if merchant_plan.status == Status.PAST_DUE:
        now = now or timezone.now()
        if merchant_plan.grace_until is not None and merchant_plan.grace_until > now:
            return "read_only"
    return "suspended"


def stores_apply_billing_state(*, merchant_plan: MerchantPlan, now: datetime | None = None) -> None:
    access = merchant_store_access(merchant_plan, now=now)
    stores = Tenant.objects.filter(merchant_id=merchant_plan.merchant_id)
    changed = False
    if access == "suspended":
        for tenant in stores.filter(status=Tenant.Status.ACTIVE):
            store_suspend(tenant=tenant, actor=None, reason=BILLING_SUSPENSION_REASON)
            changed = True
    else:
        for tenant in stores.filter(status=Tenant.Status.SUSPENDED, status_reason=BILLING_SUSPENSION_REASON):
            store_reactivate(tenant=tenant, actor=None)
            changed = True
    if changed:
        # This process stops serving a suspended store at once; others within
        # TENANT_ROUTING_CACHE_SECONDS.
        transaction.on_commit(routing_cache_clear)


def billing_grace_expire(*, now: datetime | None = None) -> int:
    """Suspend the stores of merchants whose grace period has ended (a platform beat job).
    Returns how many merchants were looked at."""
    now = now or timezone.now()
    due = MerchantPlan.objects.filter(status=Status.PAST_DUE, grace_until__lte=now)
    count = 0
    for merchant_plan in due:
        with transaction.atomic():
            locked = MerchantPlan.objects.select_for_update().get(pk=merchant_plan.pk)
            stores_apply_billing_state(merchant_plan=locked, now=now)
        count += 1
    return count
