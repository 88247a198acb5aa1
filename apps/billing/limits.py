"""May this merchant do X? The one place that answers it, from the merchant's plan (with staff
overrides) and what the merchant uses now.

Usage is counted by the app that owns the thing counted: `apps.tenants` rows are counted here
(stores), the others register a counter in their AppConfig.ready with `usage_counter_register`
(catalog: products and MB of media in a store; platform: staff seats). Billing thus imports no
domain app above it, and each app that enforces a limit imports billing.

Concurrency: a check followed by a create is only safe if no other request can pass the same
check in between. `limit_check` locks the merchant's `MerchantPlan` row (SELECT ... FOR UPDATE)
and the lock is held until the caller's transaction ends, so the caller must run the check and
the create in one transaction:

    with transaction.atomic():
        limit_check(merchant=merchant, limit=Limit.STORES)
        store_register(...)

A second request for the same merchant waits at the lock until the first commits, then counts
the first one's row. Lock order: callers that also lock the `Merchant` row (store creation, team
changes) lock it first and the plan second; nothing locks them the other way round.

A shopper's order is never refused by a plan: orders per day are metered, not checked here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.billing.models import BillingAuditEntry, Limit, MerchantPlan, Plan
from apps.billing.notices import trial_started_record
from apps.core.errors import ApplicationError
from apps.core.tenancy import current_schema
from apps.tenants.models import Tenant

if TYPE_CHECKING:
    from apps.platform.models import Merchant

__all__ = [
    "BillingError",
    "BillingErrorCode",
    "Limit",
    "PlanLimitReached",
    "UsageRow",
    "default_trial_plan",
    "limit_check",
    "limit_message",
    "merchant_plan_for",
    "store_limit_check",
    "usage",
    "usage_counter_register",
]


class BillingErrorCode(models.TextChoices):
    PLAN_LIMIT_REACHED = "plan_limit_reached", _("Plan limit reached")
    NO_DEFAULT_PLAN = "no_default_plan", _("No default plan")
    LIMIT_NOT_MEASURED = "limit_not_measured", _("Limit not measured")
    STORE_REQUIRED = "store_required", _("Store required")
    NOT_TRIALING = "not_trialing", _("Not on a trial")
    OVERRIDES_INVALID = "overrides_invalid", _("Invalid limit overrides")


class BillingError(ApplicationError):
    codes = BillingErrorCode
    code = BillingErrorCode.PLAN_LIMIT_REACHED


def limit_message(params: Mapping[str, Any]) -> str:
    """The sentence of a `plan_limit_reached` error from its params (also used by callers that
    stored the code and params, such as import rows)."""
    limit = Limit(params["limit"])
    return gettext("Your %(plan)s plan allows %(allowed)d %(what)s; upgrade in Billing.") % {
        "plan": params.get("plan", ""),
        "allowed": int(params["allowed"]),
        "what": limit.label,
    }


class PlanLimitReached(BillingError):
    """Doing X would take the merchant past a limit of its plan. `params`: limit (a `Limit`
    value), allowed, used, adding, plan (name), plan_code."""

    def __init__(self, *, limit: Limit, allowed: int, used: int, adding: int, plan: Plan) -> None:
        params = {
            "limit": Limit(limit).value,
            "allowed": allowed,
            "used": used,
            "adding": adding,
            "plan": plan.name,
            "plan_code": plan.code,
        }
        super().__init__(limit_message(params), code=BillingErrorCode.PLAN_LIMIT_REACHED, params=params)


# --------------------------------------------------------------------------- usage counters

# A counter answers "how many does this merchant use now" for one limit; for a per-store limit
# it is given the store (a Tenant) and counts inside it.
UsageCounter = Callable[..., int]
_counters: dict[Limit, UsageCounter] = {}
# Orders per day are counted per store (apps.billing.order_metering) and never refused.
PER_STORE_LIMITS = frozenset({Limit.PRODUCTS_PER_STORE, Limit.MEDIA_MB, Limit.ORDERS_PER_DAY})


def usage_counter_register(limit: Limit, counter: UsageCounter) -> None:
    """`counter(*, merchant, store)` returns the current usage; registered once per limit."""
    _counters[Limit(limit)] = counter


def _stores_used(*, merchant: Merchant, store: Tenant | None = None) -> int:
    # Stores that failed to provision still hold their subdomain and count until removed.
    return Tenant.objects.filter(merchant_id=merchant.pk).count()


usage_counter_register(Limit.STORES, _stores_used)


# --------------------------------------------------------------------------- the merchant's plan


def default_trial_plan() -> Plan:
    plan = Plan.objects.filter(is_default_trial=True, active=True).first()
    if plan is None:
        raise BillingError(
            gettext("No default trial plan is set; platform staff must mark one plan as the default."),
            code=BillingErrorCode.NO_DEFAULT_PLAN,
        )
    return plan


def merchant_plan_for(*, merchant: Merchant, lock: bool = False) -> MerchantPlan:
    """The merchant's plan row; a merchant without one starts a free trial (no card) on the
    default trial plan. With `lock`, the row is locked until the transaction ends."""
    queryset = MerchantPlan.objects.select_related("plan")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    found = queryset.filter(merchant_id=merchant.pk).first()
    if found is not None:
        return found
    with transaction.atomic():
        plan = default_trial_plan()
        trial_ends_at = timezone.now() + timedelta(days=plan.trial_days)
        _merchant_plan, created = MerchantPlan.objects.get_or_create(
            merchant_id=merchant.pk,
            defaults={"plan": plan, "status": MerchantPlan.Status.TRIALING, "trial_ends_at": trial_ends_at},
        )
        if created:
            BillingAuditEntry.objects.create(
                merchant_id=merchant.pk,
                action=BillingAuditEntry.Action.TRIAL_STARTED,
                after={"plan": plan.code, "status": "trialing", "trial_ends_at": trial_ends_at.isoformat()},
            )
            trial_started_record(merchant_plan=_merchant_plan)
    # Created here or by a concurrent request: read it again, locked if asked.
    return queryset.get(merchant_id=merchant.pk)


def _used(*, merchant: Merchant, limit: Limit, store: Tenant | None) -> int:
    counter = _counters.get(limit)
    if counter is None:
        raise BillingError(
            gettext("Usage of %(limit)s is not measured.") % {"limit": limit.label},
            code=BillingErrorCode.LIMIT_NOT_MEASURED,
            params={"limit": limit.value},
        )
    if limit in PER_STORE_LIMITS and store is None:
        raise BillingError(
            gettext("Checking %(limit)s needs the store.") % {"limit": limit.label},
            code=BillingErrorCode.STORE_REQUIRED,
            params={"limit": limit.value},
        )
    return int(counter(merchant=merchant, store=store))


def limit_check(*, merchant: Merchant, limit: Limit, adding: int = 1, store: Tenant | None = None) -> None:
    """Raise `PlanLimitReached` unless the merchant may add `adding` more of `limit` (in `store`
    for a per-store limit). Locks the merchant's plan row: call it inside the transaction that
    creates the thing (see the module docstring)."""
    limit = Limit(limit)
    if not transaction.get_connection().in_atomic_block:
        # A bare check (a form's early warning): the lock ends with it, so it protects nothing.
        with transaction.atomic():
            _limit_check(merchant=merchant, limit=limit, adding=adding, store=store)
        return
    # Inside the caller's transaction, without a savepoint of its own: a refusal raised here
    # leaves that transaction usable (an import records the refused rows in it) and the lock is
    # held until it ends.
    _limit_check(merchant=merchant, limit=limit, adding=adding, store=store)


def _limit_check(*, merchant: Merchant, limit: Limit, adding: int, store: Tenant | None) -> None:
    merchant_plan = merchant_plan_for(merchant=merchant, lock=True)
    allowed = merchant_plan.limit_value(limit)
    if allowed is None:
        return
    used = _used(merchant=merchant, limit=limit, store=store)
    if used + adding > allowed:
        raise PlanLimitReached(
            limit=limit, allowed=allowed, used=used, adding=adding, plan=merchant_plan.plan
        )


def store_limit_check(*, limit: Limit, adding: int = 1) -> None:
    """`limit_check` for the store the connection is on, against its merchant's plan. A store
    without a merchant (the platform's own demo store) has no plan and no limit."""
    tenant = Tenant.objects.select_related("merchant").filter(schema_name=current_schema()).first()
    if tenant is None or tenant.merchant is None:
        return
    limit_check(merchant=tenant.merchant, limit=limit, adding=adding, store=tenant)


# --------------------------------------------------------------------------- usage bars


@dataclass(frozen=True)
class UsageRow:
    limit: Limit
    label: str
    used: int | None  # None: not measured yet
    allowed: int | None  # None: unlimited

    @property
    def percent(self) -> int:
        if self.used is None or not self.allowed:
            return 0
        return min(100, round(100 * self.used / self.allowed))

    @property
    def reached(self) -> bool:
        return self.used is not None and self.allowed is not None and self.used >= self.allowed


def _per_store_max(*, merchant: Merchant, limit: Limit) -> int:
    stores = Tenant.objects.filter(merchant_id=merchant.pk, status=Tenant.Status.ACTIVE)
    return max((_counters[limit](merchant=merchant, store=store) for store in stores), default=0)


def usage(*, merchant: Merchant) -> list[UsageRow]:
    """One row per limit of the merchant's plan: what is used now and what is allowed. A per-store
    limit shows the fullest store. Limits nobody counts yet show `used=None`."""
    merchant_plan = merchant_plan_for(merchant=merchant)
    rows = []
    for limit in Limit:
        used: int | None
        if limit not in _counters:
            used = None
        elif limit in PER_STORE_LIMITS:
            used = _per_store_max(merchant=merchant, limit=limit)
        else:
            used = _counters[limit](merchant=merchant, store=None)
        rows.append(
            UsageRow(limit=limit, label=str(limit.label), used=used, allowed=merchant_plan.limit_value(limit))
        )
    return rows
