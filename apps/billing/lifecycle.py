"""The billing lifecycle's periodic job (`billing_lifecycle_run`, a platform beat job): the
emails no webhook announces, on the schedule docs/billing-lifecycle.md documents.

- Trial ending: BILLING_TRIAL_ENDING_NOTICE_DAYS before a trial ends, once per trial end (a
  trial extended by staff is announced again before its new end).
- Trial ended: a trial without a Stripe subscription (the cardless trial) whose end has passed
  moves the merchant to past due, the path a failed payment takes: stores read-only for
  BILLING_GRACE_DAYS from the trial's end (at least one day from the run that notices it), a
  "your trial ended" email, the dunning reminders, then suspension. Subscribing through
  Checkout within the grace period makes the merchant active again (the webhook's recompute)
  and restores everything. Once per trial end: the merchant is no longer trialing afterwards.
- Dunning: while a merchant is past due, reminders on the days BILLING_DUNNING_REMINDER_DAYS
  after the payment failed, plus one on the last day of the read-only grace period; a reminder
  that would fall within a day of the last-day reminder or of the suspension is left out (those
  emails say it already). Day 0 is the "payment failed" email itself. Each reminder is a
  `BillingNotice` keyed on the past-due episode (its grace end) and the reminder, so it goes out
  once; when the job was down, only the latest reminder due is sent, never a burst. Paying (or a
  cancellation) ends the past-due state and with it the reminders.
- Suspension: when the grace period of a past-due merchant has ended, its stores are suspended
  (`billing_grace_expire`) and the owners told, once per episode.
- Retention: warnings and deletion after the retention period (apps.billing.retention).
- Retry: notices whose delivery failed are sent again (apps.billing.notices).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.billing.models import BillingAuditEntry, BillingNotice, MerchantPlan
from apps.billing.notices import notice_record, notices_retry, retention_days
from apps.billing.retention import RetentionResult, retention_run
from apps.billing.services import merchant_plan_snapshot
from apps.billing.subscriptions import (
    BILLING_SUSPENSION_REASON,
    billing_grace_expire,
    merchant_store_access,
    stores_apply_billing_state,
)
from apps.tenants.models import Tenant
from apps.tenants.routing import routing_cache_clear

logger = logging.getLogger(__name__)

Kind = BillingNotice.Kind
Status = MerchantPlan.Status
DAY = timedelta(days=1)


@dataclass(frozen=True)
class LifecycleRunResult:
    trial_ending: int
    trials_ended: int
    reminders: int
    suspended: int
    retention: RetentionResult
    retried: int


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def trial_ending_notices_record(*, now: datetime) -> int:
    """Record "your trial ends on ..." for trials ending within the notice window."""
    window = now + timedelta(days=settings.BILLING_TRIAL_ENDING_NOTICE_DAYS)
    due = MerchantPlan.objects.filter(
        status=Status.TRIALING, trial_ends_at__gt=now, trial_ends_at__lte=window
    ).select_related("plan")
    count = 0
    for merchant_plan in due:
        assert merchant_plan.trial_ends_at is not None
        with transaction.atomic():
            notice = notice_record(
                merchant_id=merchant_plan.merchant_id,
                kind=Kind.TRIAL_ENDING,
                key=f"trial_ending:{merchant_plan.trial_ends_at.isoformat()}",
                context={
                    "plan_name": merchant_plan.plan.name,
                    "trial_ends_at": _iso(merchant_plan.trial_ends_at),
                },
            )
        count += notice is not None
    return count


def trial_grace_until(*, trial_ends_at: datetime, now: datetime) -> datetime:
    """The end of the read-only grace after a trial ended: BILLING_GRACE_DAYS from the trial's
    end, the date the trial-ending email announced, but never less than a day from `now` (a
    job that was down does not suspend stores without a warning)."""
    return max(trial_ends_at + timedelta(days=settings.BILLING_GRACE_DAYS), now + DAY)


def trials_end(*, now: datetime) -> int:
    """Move merchants whose cardless trial has ended to past due (read-only grace, then
    suspension by `billing_grace_expire`), with a "your trial ended" email. A trial with a
    Stripe subscription is left to Stripe: its end is an invoice, paid or failed. Returns how
    many merchants moved; a second run moves none (they are no longer trialing)."""
    due = MerchantPlan.objects.filter(
        status=Status.TRIALING, trial_ends_at__lte=now, stripe_subscription_id=""
    ).values_list("pk", flat=True)
    count = 0
    for pk in list(due):
        with transaction.atomic():
            # The limit checks and the webhooks take this lock too: a subscription that arrived
            # meanwhile is seen here and the trial is left alone.
            merchant_plan = (
                MerchantPlan.objects.select_for_update(of=("self",))
                .select_related("plan")
                .filter(pk=pk, status=Status.TRIALING, trial_ends_at__lte=now, stripe_subscription_id="")
                .first()
            )
            if merchant_plan is None or merchant_plan.trial_ends_at is None:
                continue
            trial_ends_at = merchant_plan.trial_ends_at
            before = merchant_plan_snapshot(merchant_plan)
            merchant_plan.status = Status.PAST_DUE
            merchant_plan.grace_until = trial_grace_until(trial_ends_at=trial_ends_at, now=now)
            merchant_plan.save(update_fields=["status", "grace_until", "updated_at"])
            BillingAuditEntry.objects.create(
                merchant_id=merchant_plan.merchant_id,
                action=BillingAuditEntry.Action.STATUS_CHANGED,
                before=before,
                after={**merchant_plan_snapshot(merchant_plan), "reason": "trial_ended"},
            )
            notice_record(
                merchant_id=merchant_plan.merchant_id,
                kind=Kind.TRIAL_ENDED,
                key=f"trial_ended:{trial_ends_at.isoformat()}",
                context={
                    "plan_name": merchant_plan.plan.name,
                    "trial_ends_at": _iso(trial_ends_at),
                    "grace_until": _iso(merchant_plan.grace_until),
                },
            )
            stores_apply_billing_state(merchant_plan=merchant_plan, now=now)
            # The routed store carries its merchant's billing row: show the banner at once.
            transaction.on_commit(routing_cache_clear)
        count += 1
    return count


def trial_ended_without_subscription(merchant_plan: MerchantPlan) -> bool:
    """Past due because a cardless trial ended (no subscription, so no payment to retry)."""
    return merchant_plan.status == Status.PAST_DUE and not merchant_plan.stripe_subscription_id


def payment_failed_at(grace_until: datetime) -> datetime:
    """When the past-due episode ending its grace at `grace_until` began."""
    return grace_until - timedelta(days=settings.BILLING_GRACE_DAYS)


def dunning_schedule(*, grace_until: datetime) -> list[tuple[str, datetime]]:
    """The reminders of one past-due episode as (label, due), in order. Day 0 (the "payment
    failed" email) and the suspension email at `grace_until` are not reminders."""
    failed_at = payment_failed_at(grace_until)
    last_day = grace_until - DAY
    steps: list[tuple[str, datetime]] = []
    if last_day > failed_at:
        steps.append(("last_day", last_day))
    for day in sorted(set(settings.BILLING_DUNNING_REMINDER_DAYS)):
        due = failed_at + timedelta(days=int(day))
        if (
            due <= failed_at
            or abs(due - grace_until) < DAY
            or (last_day > failed_at and abs(due - last_day) < DAY)
        ):
            continue
        steps.append((f"day_{int(day)}", due))
    return sorted(steps, key=lambda step: step[1])


def dunning_reminders_record(*, now: datetime) -> int:
    """Record the latest reminder due for each past-due merchant, unless it was recorded."""
    count = 0
    for merchant_plan in MerchantPlan.objects.filter(status=Status.PAST_DUE, grace_until__isnull=False):
        grace_until = merchant_plan.grace_until
        assert grace_until is not None
        due = [step for step in dunning_schedule(grace_until=grace_until) if step[1] <= now]
        if not due:
            continue
        label, _due_at = due[-1]
        if label == "last_day" and grace_until <= now:
            continue  # the grace period is over: the suspension email says more
        with transaction.atomic():
            notice = notice_record(
                merchant_id=merchant_plan.merchant_id,
                kind=Kind.DUNNING_REMINDER,
                key=f"dunning:{grace_until.isoformat()}:{label}",
                context={
                    "grace_until": _iso(grace_until),
                    "failed_at": _iso(payment_failed_at(grace_until)),
                    "suspended": grace_until <= now,
                    "last_day": label == "last_day",
                    "kept_until": _iso(grace_until + timedelta(days=retention_days())),
                    "trial_ended": trial_ended_without_subscription(merchant_plan),
                },
            )
        count += notice is not None
    return count


def suspension_notices_record(*, now: datetime) -> int:
    """Tell the owners of past-due merchants whose grace period ended that their stores are
    suspended (once per past-due episode)."""
    count = 0
    due = MerchantPlan.objects.filter(status=Status.PAST_DUE, grace_until__lte=now)
    for merchant_plan in due:
        if merchant_store_access(merchant_plan, now=now) != "suspended":
            continue
        grace_until = merchant_plan.grace_until
        assert grace_until is not None
        stores = list(
            Tenant.objects.filter(
                merchant_id=merchant_plan.merchant_id,
                status=Tenant.Status.SUSPENDED,
                status_reason=BILLING_SUSPENSION_REASON,
            )
            .order_by("name")
            .values_list("name", flat=True)
        )
        with transaction.atomic():
            notice = notice_record(
                merchant_id=merchant_plan.merchant_id,
                kind=Kind.STORES_SUSPENDED,
                key=f"stores_suspended:{grace_until.isoformat()}",
                context={
                    "store_names": stores,
                    "kept_until": _iso(grace_until + timedelta(days=retention_days())),
                    "trial_ended": trial_ended_without_subscription(merchant_plan),
                },
            )
        count += notice is not None
    return count


def billing_lifecycle_run(*, now: datetime | None = None) -> LifecycleRunResult:
    """One run of the lifecycle job. Idempotent: a second run at the same time sends nothing."""
    now = now or timezone.now()
    trials_ended = trials_end(now=now)
    billing_grace_expire(now=now)
    result = LifecycleRunResult(
        trial_ending=trial_ending_notices_record(now=now),
        trials_ended=trials_ended,
        reminders=dunning_reminders_record(now=now),
        suspended=suspension_notices_record(now=now),
        retention=retention_run(now=now),
        retried=notices_retry(now=now),
    )
    logger.info("billing lifecycle run: %s", result)
    return result
