"""Reads of the notification centre, always for one reader: only the notifications whose linked
page their role may open, each with whether they have read it. The unread count behind the
dashboard's bell is one query, capped, so it costs the same with a year of alerts."""

from __future__ import annotations

from datetime import UTC, datetime

from django.db.models import (
    BooleanField,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from apps.accounts.models import User
from apps.core.permissions import user_permissions
from apps.inbox.models import InboxReadMark, Notification, NotificationRead

# The bell shows "99+" past this: counting further would only cost time.
UNREAD_COUNT_CAP = 99
_NEVER = datetime(1970, 1, 1, tzinfo=UTC)


def _unread(user: User) -> Q:
    """Unread by `user`: happened after their last "mark all read", and not opened since it
    last happened."""
    all_read_at = InboxReadMark.objects.filter(user=user).values("all_read_at")[:1]
    opened = NotificationRead.objects.filter(
        notification=OuterRef("pk"), user=user, read_at__gte=OuterRef("occurred_at")
    )
    return Q(
        occurred_at__gt=Coalesce(Subquery(all_read_at), Value(_NEVER), output_field=DateTimeField())
    ) & ~Q(Exists(opened))


def notification_visible(*, user: User) -> QuerySet[Notification]:
    """The notifications `user` may see: those linking to a page their role may open."""
    permissions = sorted(user_permissions(user))
    if not permissions:
        return Notification.objects.none()
    return Notification.objects.filter(permission__in=permissions)


def notification_feed(*, user: User) -> QuerySet[Notification]:
    """`user`'s notifications, newest first, each with `is_unread`."""
    return notification_visible(user=user).annotate(
        is_unread=ExpressionWrapper(_unread(user), output_field=BooleanField())
    )


def notification_unread_count(*, user: User, cap: int = UNREAD_COUNT_CAP) -> int:
    """How many of `user`'s notifications are unread, counting at most `cap + 1` (so the bell
    can say "99+"): one query."""
    if not user_permissions(user):
        return 0
    # Newest first, so the database walks the `occurred_at` index from the top and stops at the
    # reader's "mark all read" (or after `cap + 1` rows) instead of filtering the whole table.
    return notification_visible(user=user).filter(_unread(user)).order_by("-occurred_at")[: cap + 1].count()


def notification_get(*, user: User, notification_id: int) -> Notification | None:
    """One of `user`'s notifications, or None (another role's, another store's or gone)."""
    return notification_visible(user=user).filter(pk=notification_id).first()
