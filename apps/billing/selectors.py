"""Billing reads for the console and the pricing page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.db.models import QuerySet
from django.utils import timezone

from apps.billing.models import MerchantPlan, Plan
from apps.core.request_memo import request_memo_get
from apps.tenants.models import Tenant


def plans_offered() -> QuerySet[Plan]:
    """Plans a merchant can choose: active and public, cheapest first."""
    return Plan.objects.filter(active=True, is_public=True).order_by("sort_order", "monthly_price")


# ------------------------------------------------------------------------------
# A store's billing state, as its dashboard sees it
# ------------------------------------------------------------------------------
STORE_ACTIVE = "active"
STORE_GRACE = "grace"
STORE_SUSPENDED = "suspended"


@dataclass(frozen=True)
class StoreBillingState:
    """ "active", "grace" (the merchant is past due: the dashboard is read-only until
    `grace_until`) or "suspended" (the grace ran out or the plan was cancelled)."""

    state: str
    grace_until: datetime | None = None
    merchant_uuid: UUID | None = None  # for the link to the console's billing page
    # The grace follows the end of a free trial without a subscription, not a failed payment.
    trial_ended: bool = False

    @property
    def read_only(self) -> bool:
        """Nothing may be changed in the store's dashboard; shoppers are never affected."""
        return self.state != STORE_ACTIVE


def store_billing_state(tenant: Tenant) -> StoreBillingState:
    """The billing state of `tenant`'s merchant as it bears on the store. The routed tenant
    (apps.tenants.routing) carries the merchant's billing row, so a request pays no query;
    any other tenant object costs one, read once per request (apps.core.request_memo)."""
    if tenant.status == Tenant.Status.SUSPENDED:
        return StoreBillingState(STORE_SUSPENDED)
    merchant_id = getattr(tenant, "merchant_id", None)
    if not merchant_id:
        return StoreBillingState(STORE_ACTIVE)
    if Tenant.merchant.is_cached(tenant):  # type: ignore[attr-defined]
        merchant = tenant.merchant
        if merchant is not None and type(merchant).billing_plan.is_cached(merchant):  # type: ignore[attr-defined]
            return _store_billing_state_of(getattr(merchant, "billing_plan", None))
    return request_memo_get(
        f"billing.store_state:{tenant.pk}", lambda: _store_billing_state_load(merchant_id)
    )


def _store_billing_state_load(merchant_id: int) -> StoreBillingState:
    return _store_billing_state_of(
        MerchantPlan.objects.filter(merchant_id=merchant_id)
        .select_related("merchant")
        .only("status", "grace_until", "stripe_subscription_id", "merchant__uuid")
        .first()
    )


def _store_billing_state_of(merchant_plan: MerchantPlan | None) -> StoreBillingState:
    if merchant_plan is None:
        # A merchant without a plan row starts a free trial at its first limit check.
        return StoreBillingState(STORE_ACTIVE)
    if merchant_plan.status in (
        MerchantPlan.Status.TRIALING,
        MerchantPlan.Status.ACTIVE,
        MerchantPlan.Status.COMPED,
    ):
        return StoreBillingState(STORE_ACTIVE)
    merchant_uuid = merchant_plan.merchant.uuid
    if (
        merchant_plan.status == MerchantPlan.Status.PAST_DUE
        and merchant_plan.grace_until is not None
        and merchant_plan.grace_until > timezone.now()
    ):
        return StoreBillingState(
            STORE_GRACE,
            merchant_plan.grace_until,
            merchant_uuid,
            trial_ended=not merchant_plan.stripe_subscription_id,
        )
    # Cancelled, or past due with the grace over and the expiry job not yet run.
    return StoreBillingState(STORE_SUSPENDED, merchant_plan.grace_until, merchant_uuid)
