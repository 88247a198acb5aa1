"""The emails of the billing lifecycle: which change of a merchant's billing state announces what
to the merchant's owners, recorded once per transition and delivered after commit.

Each email is a `BillingNotice` row unique on (merchant, key). The key names the transition
itself, never the delivery: "payment_failed:<grace end>" for one past-due episode,
"subscription_active:<event id>" for the event that made the subscription active. A duplicate
webhook, a re-ordered one that does not change the state, or a job run twice finds the row and
sends nothing again. The row is written in the transaction of the change (a change rolled back
leaves no email behind) and delivered once that transaction commits; when the mail server is
down, `sent_at` stays empty and `notices_retry` (the lifecycle job) sends it later.

Which transitions send which email (`transition_notices_record`, called by
`merchant_billing_recompute`): a change to trialing sends "trial started" (once per merchant),
to active "subscription active", to past due "payment failed" (with the read-only grace end),
to cancelled "cancelled" (with the retention date); a change from past due or cancelled back to
trialing or active sends "reactivated" instead. The scheduled emails (trial ending, dunning
reminders, suspension, deletion warnings) and "trial ended" (a cardless trial's end moving the
merchant to past due) are recorded by the jobs in `apps.billing.lifecycle`
and `apps.billing.retention`. Staff changes (comp, trial extension) send nothing: staff tell
the merchant themselves.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from apps.billing.models import BillingNotice, MerchantPlan
from apps.tenants.models import StoreAuditEntry, Tenant

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from apps.platform.models import Merchant

logger = logging.getLogger(__name__)

Kind = BillingNotice.Kind
Status = MerchantPlan.Status

# apps.billing.subscriptions.BILLING_SUSPENSION_REASON (which imports this module).
BILLING_SUSPENSION_REASON = "billing"
# apps.platform.models.Membership.Role.OWNER (the platform app imports billing, not the reverse).
OWNER_ROLE = "owner"
# A notice not delivered within this long after it was recorded is retried by the job (its
# on-commit delivery may still be running before then).
RETRY_AFTER = timedelta(minutes=5)
MAX_ATTEMPTS = 20

SUBJECTS: dict[str, StrOrPromise] = {
    Kind.TRIAL_STARTED: _("Your free trial has started"),
    Kind.TRIAL_ENDING: _("Your free trial ends on %(trial_ends_at)s"),
    Kind.TRIAL_ENDED: _("Your free trial has ended: your stores are read-only until %(grace_until)s"),
    Kind.SUBSCRIPTION_ACTIVE: _("Your subscription is active"),
    Kind.PAYMENT_FAILED: _("Payment failed: your stores are read-only until %(grace_until)s"),
    Kind.DUNNING_REMINDER: _("Reminder: your payment is overdue"),
    Kind.STORES_SUSPENDED: _("Your stores are suspended"),
    Kind.CANCELLED: _("Your subscription is cancelled"),
    Kind.REACTIVATED: _("Welcome back: your stores are available again"),
    Kind.DELETION_WARNING: _("%(store_name)s will be deleted on %(deletion_at)s"),
    Kind.STORE_DELETED: _("%(store_name)s has been deleted"),
}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def retention_days() -> int:
    return int(settings.BILLING_RETENTION_DAYS)


def billing_url(merchant: Merchant) -> str:
    """The merchant's billing page in the console, always on PLATFORM_URL."""
    path = reverse(
        "platform:billing", kwargs={"merchant_uuid": merchant.uuid}, urlconf=settings.PUBLIC_SCHEMA_URLCONF
    )
    return settings.PLATFORM_URL.rstrip("/") + path


def owner_emails(*, merchant_id: int) -> list[str]:
    """The merchant's owners: the platform users who receive its billing emails."""
    merchant_model = BillingNotice._meta.get_field("merchant").related_model
    memberships = merchant_model._meta.get_field("memberships").related_model  # type: ignore[union-attr]
    emails = (
        memberships._default_manager.filter(  # type: ignore[union-attr]
            merchant_id=merchant_id, role=OWNER_ROLE, user__is_active=True
        )
        .exclude(user__email="")
        .order_by("user__email")
        .values_list("user__email", flat=True)
    )
    return list(dict.fromkeys(emails))


# ------------------------------------------------------------------------------
# Recording and delivery
# ------------------------------------------------------------------------------
def notice_record(
    *, merchant_id: int, kind: str, key: str, context: Mapping[str, Any] | None = None
) -> BillingNotice | None:
    """Record the email `key` for the merchant unless it already was; deliver it after commit.
    Returns the new notice, or None when this key was recorded before."""
    notice, created = BillingNotice.objects.get_or_create(
        merchant_id=merchant_id, key=key[:200], defaults={"kind": kind, "context": dict(context or {})}
    )
    if not created:
        return None
    notice_id = notice.pk

    def deliver() -> None:
        from apps.billing.lifecycle_tasks import billing_notice_deliver_task

        try:
            billing_notice_deliver_task.delay(notice_id)
        except Exception:
            # The broker is down: the lifecycle job's retry sends it.
            logger.exception("billing notice %s could not be queued", notice_id)

    transaction.on_commit(deliver)
    return notice


def _template_context(notice: BillingNotice) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for name, value in (notice.context or {}).items():
        if isinstance(value, str) and (name.endswith("_at") or name.endswith("_until")):
            context[name] = parse_datetime(value) or value
        else:
            context[name] = value
    context.update(
        {
            "merchant_name": notice.merchant.name,
            "platform_name": settings.PLATFORM_NAME,
            "billing_url": billing_url(notice.merchant),
            "retention_days": retention_days(),
            "grace_days": int(settings.BILLING_GRACE_DAYS),
        }
    )
    return context


def _subject(notice: BillingNotice, context: Mapping[str, Any]) -> str:
    from django.utils.formats import date_format

    params = {
        name: date_format(timezone.localtime(value), "DATE_FORMAT") if isinstance(value, datetime) else value
        for name, value in context.items()
    }
    subject = str(SUBJECTS[notice.kind])
    try:
        subject = subject % params
    except (KeyError, TypeError, ValueError):
        logger.warning("billing notice %s: subject placeholders missing", notice.pk)
    return f"[{settings.PLATFORM_NAME}] {subject}"


def notice_messages(notice: BillingNotice, recipients: list[str]) -> list[EmailMultiAlternatives]:
    """One plain-text + HTML message per owner (owners do not see each other's address)."""
    with translation.override(settings.LANGUAGE_CODE):
        context = _template_context(notice)
        subject = _subject(notice, context)
        text = render_to_string(f"billing/email/{notice.kind}.txt", context)
        html = render_to_string(f"billing/email/{notice.kind}.html", context)
    messages = []
    for recipient in recipients:
        message = EmailMultiAlternatives(subject=subject, body=text, to=[recipient])
        message.attach_alternative(html, "text/html")
        messages.append(message)
    return messages


def notice_deliver(*, notice_id: int) -> bool:
    """Send one recorded notice to the merchant's owners, once: the row is locked while it is
    sent and marked sent after. Returns whether it was sent by this call."""
    with transaction.atomic():
        notice = (
            BillingNotice.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("merchant")
            .filter(pk=notice_id, sent_at__isnull=True)
            .first()
        )
        if notice is None:
            return False  # sent already, or being sent by another worker right now
        recipients = owner_emails(merchant_id=notice.merchant_id)
        notice.attempts += 1
        try:
            messages = notice_messages(notice, recipients)
            if messages:
                get_connection().send_messages(messages)  # type: ignore[arg-type]
        except Exception as error:
            logger.warning("billing notice %s (%s) not sent: %s", notice.pk, notice.kind, error)
            notice.last_error = f"{type(error).__name__}: {error}"[:2000]
            notice.save(update_fields=["attempts", "last_error"])
            return False
        notice.recipients = recipients
        notice.sent_at = timezone.now()
        notice.last_error = ""
        notice.save(update_fields=["attempts", "last_error", "recipients", "sent_at"])
        return True


def notices_retry(*, now: datetime | None = None) -> int:
    """Send the notices whose delivery after commit did not happen or failed. Returns how many
    were sent."""
    now = now or timezone.now()
    due = BillingNotice.objects.filter(
        sent_at__isnull=True, created_at__lte=now - RETRY_AFTER, attempts__lt=MAX_ATTEMPTS
    ).values_list("pk", flat=True)
    return sum(notice_deliver(notice_id=pk) for pk in list(due[:500]))


# ------------------------------------------------------------------------------
# Transitions the webhooks drive
# ------------------------------------------------------------------------------
def transition_notices_record(
    *, merchant_plan: MerchantPlan, before: Mapping[str, Any], event_id: str
) -> BillingNotice | None:
    """Record the email for a change of the merchant's status from `before["status"]` (the
    snapshot taken before the change) to its current one; `event_id` is the Stripe event that
    decided it. Nothing when the status did not change (a later event of the same state)."""
    old, new = str(before.get("status") or ""), merchant_plan.status
    if old == new:
        return None
    merchant_id = merchant_plan.merchant_id
    if new in (Status.TRIALING, Status.ACTIVE) and old in (Status.PAST_DUE, Status.CANCELLED):
        return notice_record(merchant_id=merchant_id, kind=Kind.REACTIVATED, key=f"reactivated:{event_id}")
    if new == Status.TRIALING:
        return trial_started_record(merchant_plan=merchant_plan)
    if new == Status.ACTIVE:
        return notice_record(
            merchant_id=merchant_id,
            kind=Kind.SUBSCRIPTION_ACTIVE,
            key=f"subscription_active:{event_id}",
            context={
                "plan_name": merchant_plan.plan.name,
                "renews_at": _iso(merchant_plan.current_period_end),
            },
        )
    if new == Status.PAST_DUE and merchant_plan.grace_until is not None:
        # One past-due episode is one grace period: its end names it.
        return notice_record(
            merchant_id=merchant_id,
            kind=Kind.PAYMENT_FAILED,
            key=f"payment_failed:{merchant_plan.grace_until.isoformat()}",
            context={"grace_until": _iso(merchant_plan.grace_until)},
        )
    if new == Status.CANCELLED:
        return notice_record(
            merchant_id=merchant_id,
            kind=Kind.CANCELLED,
            key=f"cancelled:{event_id}",
            context={"kept_until": _iso(_lapse_start(merchant_id) + timedelta(days=retention_days()))},
        )
    return None


def store_lapse_start(tenant: Tenant) -> datetime | None:
    """When the store was last suspended: for a store billing suspended, the start of its
    retention period (apps.billing.retention)."""
    return (
        StoreAuditEntry.objects.filter(tenant=tenant, action=f"status:{Tenant.Status.SUSPENDED}")
        .order_by("-created_at", "-id")
        .values_list("created_at", flat=True)
        .first()
    )


def _lapse_start(merchant_id: int) -> datetime:
    """When the first of the merchant's stores now suspended by billing was suspended (now if
    they are being suspended now): the retention period counts from there."""
    stores = Tenant.objects.filter(
        merchant_id=merchant_id, status=Tenant.Status.SUSPENDED, status_reason=BILLING_SUSPENSION_REASON
    )
    starts = [start for start in (store_lapse_start(tenant) for tenant in stores) if start is not None]
    return min(starts, default=timezone.now())


def trial_started_record(*, merchant_plan: MerchantPlan) -> BillingNotice | None:
    """The trial-started email: once per merchant, whether the trial began without a card (the
    first limit check) or with a Stripe subscription."""
    return notice_record(
        merchant_id=merchant_plan.merchant_id,
        kind=Kind.TRIAL_STARTED,
        key="trial_started",
        context={"plan_name": merchant_plan.plan.name, "trial_ends_at": _iso(merchant_plan.trial_ends_at)},
    )
