"""Writes of the notification centre: raising a notification (collapsing a burst of the same
alert into one), a team member reading one or all of them, and the retention purge."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.core.permissions import Perm
from apps.inbox.models import InboxReadMark, Notification, NotificationKind, NotificationRead

# Occurrences of one alert closer together than this are counted as one burst ("3 times");
# a later one starts the count again. Either way the notification is unread again.
BURST_WINDOW = timedelta(hours=1)


def notification_raise(
    *,
    kind: str,
    dedup_key: str,
    permission: Perm,
    params: dict[str, Any],
    link_name: str = "",
    link_args: Sequence[Any] = (),
    event_id: str = "",
    now: datetime | None = None,
) -> Notification:
    """Create the notification for `dedup_key`, or bring the existing one back to the top with
    the new `params` (unread for everyone again). A redelivered event (the same `event_id`)
    changes nothing, so subscribers may run twice."""
    now = now or timezone.now()
    fields = {
        "kind": NotificationKind(kind),
        "params": params,
        "link_name": link_name,
        "link_args": [str(arg) if not isinstance(arg, int) else arg for arg in link_args],
        "permission": Perm(permission),
        "last_event_id": str(event_id),
    }
    # get_or_create takes the row's lock, or inserts and, when another worker inserted first,
    # reads (and locks) theirs: one row per key however many workers raise it at once.
    with transaction.atomic():
        notification, created = Notification.objects.select_for_update().get_or_create(
            dedup_key=dedup_key[:200], defaults={**fields, "occurred_at": now}
        )
        if created or (event_id and notification.last_event_id == str(event_id)):
            return notification
        in_burst = notification.occurred_at >= now - BURST_WINDOW
        for name, value in fields.items():
            setattr(notification, name, value)
        notification.occurrences = notification.occurrences + 1 if in_burst else 1
        notification.occurred_at = max(now, notification.occurred_at)
        notification.save()
        return notification


def notification_mark_read(*, notification: Notification, user: User, now: datetime | None = None) -> None:
    """`user` has opened `notification` as it is now (a later occurrence makes it unread again)."""
    now = max(now or timezone.now(), notification.occurred_at)
    NotificationRead.objects.update_or_create(notification=notification, user=user, defaults={"read_at": now})


def notifications_mark_all_read(*, user: User, now: datetime | None = None) -> None:
    """Everything `user` may see that happened until now is read: one row, whatever the number
    of notifications. The per-notification reads it makes redundant are dropped."""
    now = now or timezone.now()
    with transaction.atomic():
        InboxReadMark.objects.update_or_create(user=user, defaults={"all_read_at": now})
        NotificationRead.objects.filter(user=user, read_at__lte=now).delete()


def notifications_purge(before: datetime) -> int:
    """Delete the notifications that last happened before `before` (their read state goes with
    them); the retention job calls it in each store with the store's cut-off."""
    _deleted, per_model = Notification.objects.filter(occurred_at__lt=before).delete()
    return per_model.get(Notification._meta.label, 0)
