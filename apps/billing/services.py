"""Changes platform staff make to a merchant's plan (comp it, extend its trial, override limits,
assign another plan), each written to `BillingAuditEntry` with who did it and the state before
and after. Stripe-driven changes (H13's `subscriptions*`) record their own entries.

Every change locks the `MerchantPlan` row, the same lock the limit checks take, so a change and
a limit check are decided one after the other.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from apps.billing.limits import BillingError, BillingErrorCode, merchant_plan_for
from apps.billing.models import BillingAuditEntry, Limit, MerchantPlan, Plan

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.platform.models import Merchant

TRIAL_EXTENSION_DAYS = 14


def merchant_plan_snapshot(merchant_plan: MerchantPlan) -> dict[str, Any]:
    """The audited state of a merchant's plan, as JSON."""

    def when(value: Any) -> str | None:
        return value.isoformat() if value else None

    return {
        "plan": merchant_plan.plan.code,
        "status": merchant_plan.status,
        "trial_ends_at": when(merchant_plan.trial_ends_at),
        "current_period_end": when(merchant_plan.current_period_end),
        "grace_until": when(merchant_plan.grace_until),
        "limit_overrides": dict(merchant_plan.limit_overrides or {}),
    }


def _audit(
    *, merchant_plan: MerchantPlan, actor: User | None, action: str, before: dict[str, Any]
) -> BillingAuditEntry:
    return BillingAuditEntry.objects.create(
        merchant_id=merchant_plan.merchant_id,
        actor=actor,
        actor_email=getattr(actor, "email", "") or "",
        action=action,
        before=before,
        after=merchant_plan_snapshot(merchant_plan),
    )


def _locked(merchant: Merchant) -> MerchantPlan:
    return merchant_plan_for(merchant=merchant, lock=True)


@transaction.atomic
def merchant_plan_comp(*, merchant: Merchant, actor: User | None, plan: Plan | None = None) -> MerchantPlan:
    """Give the merchant its plan (or `plan`) free of charge: status comped, no trial end."""
    merchant_plan = _locked(merchant)
    before = merchant_plan_snapshot(merchant_plan)
    if plan is not None:
        merchant_plan.plan = plan
    merchant_plan.status = MerchantPlan.Status.COMPED
    merchant_plan.trial_ends_at = None
    merchant_plan.grace_until = None
    merchant_plan.save()
    _audit(
        merchant_plan=merchant_plan, actor=actor, action=BillingAuditEntry.Action.PLAN_COMPED, before=before
    )
    return merchant_plan


@transaction.atomic
def merchant_plan_trial_extend(
    *, merchant: Merchant, actor: User | None, days: int = TRIAL_EXTENSION_DAYS
) -> MerchantPlan:
    """Push the trial's end `days` later (from now if it has already ended); only a trialing
    merchant has a trial to extend."""
    merchant_plan = _locked(merchant)
    if merchant_plan.status != MerchantPlan.Status.TRIALING:
        raise BillingError(
            gettext("Only a trial can be extended; %(merchant)s is %(status)s.")
            % {"merchant": merchant, "status": merchant_plan.get_status_display()},
            code=BillingErrorCode.NOT_TRIALING,
            params={"status": merchant_plan.status},
        )
    before = merchant_plan_snapshot(merchant_plan)
    start = max(merchant_plan.trial_ends_at or timezone.now(), timezone.now())
    merchant_plan.trial_ends_at = start + timedelta(days=days)
    merchant_plan.save()
    _audit(
        merchant_plan=merchant_plan,
        actor=actor,
        action=BillingAuditEntry.Action.TRIAL_EXTENDED,
        before=before,
    )
    return merchant_plan


def limit_overrides_clean(overrides: Any) -> dict[str, int | None]:
    """Only known limits, each a whole number >= 0 or null (unlimited)."""
    if not isinstance(overrides, dict):
        raise BillingError(
            gettext('Overrides are a JSON object such as {"max_stores": 5}.'),
            code=BillingErrorCode.OVERRIDES_INVALID,
            field="limit_overrides",
        )
    cleaned: dict[str, int | None] = {}
    for key, value in overrides.items():
        if key not in Limit.values:
            raise BillingError(
                gettext("“%(key)s” is not a limit; use one of %(limits)s.")
                % {"key": key, "limits": ", ".join(Limit.values)},
                code=BillingErrorCode.OVERRIDES_INVALID,
                field="limit_overrides",
                params={"key": key},
            )
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise BillingError(
                gettext("%(key)s must be a whole number of at least 0, or null for unlimited.")
                % {"key": key},
                code=BillingErrorCode.OVERRIDES_INVALID,
                field="limit_overrides",
                params={"key": key},
            )
        cleaned[key] = value
    return cleaned


@transaction.atomic
def merchant_plan_update(
    *,
    merchant: Merchant,
    actor: User | None,
    plan: Plan | None = None,
    status: str | None = None,
    limit_overrides: dict[str, Any] | None = None,
) -> MerchantPlan:
    """Staff edit of a merchant's plan, status or limit overrides (the admin's change form);
    one audit entry per kind of change."""
    merchant_plan = _locked(merchant)
    changes: list[tuple[str, dict[str, Any]]] = []
    if plan is not None and plan.pk != merchant_plan.plan_id:
        changes.append((BillingAuditEntry.Action.PLAN_CHANGED, {"plan": plan}))
    if status is not None and status != merchant_plan.status:
        changes.append((BillingAuditEntry.Action.STATUS_CHANGED, {"status": MerchantPlan.Status(status)}))
    if limit_overrides is not None:
        cleaned = limit_overrides_clean(limit_overrides)
        if cleaned != (merchant_plan.limit_overrides or {}):
            changes.append((BillingAuditEntry.Action.OVERRIDES_CHANGED, {"limit_overrides": cleaned}))
    for action, values in changes:
        before = merchant_plan_snapshot(merchant_plan)
        for name, value in values.items():
            setattr(merchant_plan, name, value)
        merchant_plan.save()
        _audit(merchant_plan=merchant_plan, actor=actor, action=action, before=before)
    return merchant_plan


PLAN_AUDITED_FIELDS = (
    "name",
    "monthly_price",
    "currency",
    "stripe_price_id",
    "ai_credit_price",
    "trial_days",
    "is_public",
    "is_default_trial",
    "active",
    *Limit.values,
)


def plan_snapshot(plan: Plan) -> dict[str, Any]:
    return {
        name: str(value) if (value := getattr(plan, name)) is not None else None
        for name in PLAN_AUDITED_FIELDS
    }


@transaction.atomic
def plan_save(*, plan: Plan, actor: User | None, before: dict[str, Any] | None) -> Plan:
    """Save a plan edited by staff (`before`: its snapshot as loaded, None for a new plan) and
    audit the change. Limits apply to every merchant on the plan at their next check."""
    plan.save()
    after = plan_snapshot(plan)
    if before != after:
        BillingAuditEntry.objects.create(
            merchant=None,
            actor=actor,
            actor_email=getattr(actor, "email", "") or "",
            action=BillingAuditEntry.Action.PLAN_EDITED,
            before={"code": plan.code, **(before or {})},
            after={"code": plan.code, **after},
        )
    return plan
