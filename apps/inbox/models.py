"""The dashboard's notification centre: what happened in the store that a team member should
look at, and who has seen it.

A `Notification` stores a kind, parameters and the name of the page it links to, never a
sentence: `apps.inbox.messages` words it in the reader's language when it is shown. It also
stores the permission needed to open that page, so a reader is only ever shown what they may
open, in the same query that lists or counts them.

One notification per `dedup_key` (an order, a SKU at a location, an endpoint, an import run):
a burst of the same alert bumps `occurred_at` and `occurrences` instead of adding rows, and
makes it unread again.

Read state is per team member, in two parts so that "mark all read" is one write however many
notifications there are: `InboxReadMark.all_read_at` (everything that last happened before it is
read) and one `NotificationRead` per notification opened since (read while its `read_at` is not
older than the notification's `occurred_at`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel


class NotificationKind(models.TextChoices):
    ORDER_PAID = "order_paid", _("New order")
    LOW_STOCK = "low_stock", _("Low stock")
    FRAUD_REVIEW = "fraud_review", _("Fraud review")
    WEBHOOK_FAILED = "webhook_failed", _("Failed webhook")
    IMPORT_FINISHED = "import_finished", _("Import finished")


class Notification(TimeStampedModel):
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    params = models.JSONField(default=dict, blank=True)
    # A dashboard URL name ("dashboard:orders:order_detail") and its positional arguments,
    # reversed when shown; empty when there is no page to open.
    link_name = models.CharField(max_length=100, blank=True)
    link_args = models.JSONField(default=list, blank=True)
    # The permission (apps.core.permissions.Perm value) needed to open the linked page: only
    # readers holding it see the notification.
    permission = models.CharField(max_length=50)
    dedup_key = models.CharField(max_length=200, unique=True)
    occurrences = models.PositiveIntegerField(default=1)
    occurred_at = models.DateTimeField()
    # The event that last raised it, so a redelivered event changes nothing.
    last_event_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["permission", "-occurred_at"], name="inbox_notification_feed"),
            models.Index(fields=["occurred_at"], name="inbox_notification_occurred"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.dedup_key}"


class NotificationRead(models.Model):
    """One team member opened one notification (as it was at `read_at`)."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "notification"], name="inbox_read_once_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.notification_id}"


class InboxReadMark(models.Model):
    """A team member's "mark all read": everything that last happened before `all_read_at`."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    all_read_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.user_id} read all before {self.all_read_at:%Y-%m-%d %H:%M}"
