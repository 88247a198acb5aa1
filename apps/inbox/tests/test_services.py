"""Who sees which notification, the read state of each team member, bursts, and retention."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core.permissions import Perm, Role, role_permissions
from apps.core.retention import retention_kind_get
from apps.inbox.models import InboxReadMark, Notification, NotificationKind, NotificationRead
from apps.inbox.selectors import notification_feed, notification_get, notification_unread_count
from apps.inbox.services import (
    BURST_WINDOW,
    notification_mark_read,
    notifications_mark_all_read,
    notifications_purge,
)
from apps.inbox.tests.factories import KIND_PERMISSIONS, notification_make, one_of_each_kind
from tests.fixtures import make_store_user

pytestmark = pytest.mark.django_db


def _kinds(user) -> set[str]:
    return {n.kind for n in notification_feed(user=user)}


@pytest.mark.parametrize("role", list(Role))
def test_each_role_sees_only_what_it_may_open(in_alpha, role):
    # given one notification of each kind
    one_of_each_kind()
    user = make_store_user(in_alpha, f"{role}@example.com", role=role.value)
    # then the role sees exactly the kinds whose page its permissions open
    expected = {kind for kind, perm in KIND_PERMISSIONS.items() if perm in role_permissions(role)}
    assert _kinds(user) == expected
    assert notification_unread_count(user=user) == len(expected)


def test_the_roles_differ_as_the_permission_map_says(in_alpha):
    one_of_each_kind()
    staff = make_store_user(in_alpha, "staff@example.com", role="staff")
    finance = make_store_user(in_alpha, "finance@example.com", role="finance")
    # staff run the shop floor: no fraud review, no webhooks
    assert _kinds(staff) == {
        NotificationKind.ORDER_PAID,
        NotificationKind.LOW_STOCK,
        NotificationKind.IMPORT_FINISHED,
    }
    # finance reviews fraud and reads webhooks, but imports nothing
    assert _kinds(finance) == {
        NotificationKind.ORDER_PAID,
        NotificationKind.LOW_STOCK,
        NotificationKind.FRAUD_REVIEW,
        NotificationKind.WEBHOOK_FAILED,
    }


def test_shoppers_and_inactive_members_see_nothing(in_alpha):
    one_of_each_kind()
    shopper = make_store_user(in_alpha, "shopper@example.com")
    gone = make_store_user(in_alpha, "gone@example.com", role="owner")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    for user in (shopper, gone):
        assert list(notification_feed(user=user)) == []
        assert notification_unread_count(user=user) == 0


def test_reading_one_is_per_team_member(in_alpha):
    # given two staff members and two notifications
    first, second = notification_make(), notification_make()
    ann = make_store_user(in_alpha, "ann@example.com", role="staff")
    bob = make_store_user(in_alpha, "bob@example.com", role="staff")
    # when Ann opens one
    notification_mark_read(notification=first, user=ann)
    # then it is read for Ann only
    assert notification_unread_count(user=ann) == 1
    assert notification_unread_count(user=bob) == 2
    unread = {n.pk: n.is_unread for n in notification_feed(user=ann)}  # type: ignore[attr-defined]
    assert unread == {first.pk: False, second.pk: True}
    # and opening it again writes no second row
    notification_mark_read(notification=first, user=ann)
    assert NotificationRead.objects.filter(user=ann).count() == 1


def test_mark_all_read_is_one_row_and_leaves_later_ones_unread(in_alpha):
    # given three notifications and one already opened
    ann = make_store_user(in_alpha, "ann@example.com", role="owner")
    bob = make_store_user(in_alpha, "bob@example.com", role="owner")
    opened, *_rest = [notification_make() for _ in range(3)]
    notification_mark_read(notification=opened, user=ann)
    # when Ann marks everything read
    notifications_mark_all_read(user=ann)
    # then one watermark row replaces her per-notification reads, and Bob is untouched
    assert notification_unread_count(user=ann) == 0
    assert InboxReadMark.objects.filter(user=ann).count() == 1
    assert not NotificationRead.objects.filter(user=ann).exists()
    assert notification_unread_count(user=bob) == 3
    # and a notification raised afterwards is unread again
    notification_make(now=timezone.now() + timedelta(seconds=1))
    assert notification_unread_count(user=ann) == 1


def test_a_new_occurrence_makes_a_read_notification_unread_again(in_alpha):
    ann = make_store_user(in_alpha, "ann@example.com", role="owner")
    now = timezone.now()
    notification = notification_make(dedup_key="low:1", now=now)
    notification_mark_read(notification=notification, user=ann, now=now)
    assert notification_unread_count(user=ann) == 0
    # when the same alert comes back within the burst window
    again = notification_make(dedup_key="low:1", now=now + timedelta(minutes=5))
    # then the same row counts two occurrences and is unread again
    assert again.pk == notification.pk and again.occurrences == 2
    assert notification_unread_count(user=ann) == 1
    # and after the window the count starts again
    later = notification_make(
        dedup_key="low:1", now=now + timedelta(minutes=5) + BURST_WINDOW + timedelta(seconds=1)
    )
    assert later.pk == notification.pk and later.occurrences == 1
    assert Notification.objects.count() == 1


def test_the_unread_count_is_capped(in_alpha):
    ann = make_store_user(in_alpha, "ann@example.com", role="owner")
    for _ in range(5):
        notification_make()
    assert notification_unread_count(user=ann, cap=3) == 4  # "3+"
    assert notification_unread_count(user=ann) == 5


def test_get_refuses_a_notification_the_role_may_not_open(in_alpha):
    fraud = notification_make(kind=NotificationKind.FRAUD_REVIEW, permission=Perm.FRAUD_REVIEW, params={})
    staff = make_store_user(in_alpha, "staff@example.com", role="staff")
    owner = make_store_user(in_alpha, "owner@example.com", role="owner")
    assert notification_get(user=staff, notification_id=fraud.pk) is None
    assert notification_get(user=owner, notification_id=fraud.pk) == fraud


def test_the_retention_purge_deletes_what_last_happened_before_the_cut_off(in_alpha):
    # given an old notification someone read and a recent one
    ann = make_store_user(in_alpha, "ann@example.com", role="owner")
    now = timezone.now()
    old = notification_make(now=now - timedelta(days=100))
    notification_mark_read(notification=old, user=ann)
    recent = notification_make(now=now - timedelta(days=10))
    # when the registered kind purges at its default cut-off
    kind = retention_kind_get("notifications_read")
    assert kind is not None and kind.default_days == 90
    removed = kind.purge(now - timedelta(days=kind.default_days))
    # then only the old one (and its read state) is gone
    assert removed == 1
    assert list(Notification.objects.all()) == [recent]
    assert not NotificationRead.objects.exists()
    assert notifications_purge(now - timedelta(days=90)) == 0
