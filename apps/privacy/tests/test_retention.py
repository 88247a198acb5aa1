"""The retention run: each kind purges only what is older than the store's days (or the
kind's default), and says how much it removed."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from apps.checkout.models import Cart
from apps.core.jobs import store_job_get
from apps.core.models import EventDelivery, EventRecord
from apps.core.retention import RetentionKind, retention_kind_get, retention_kinds, retention_register
from apps.integrations.enums import DeliveryStatus
from apps.integrations.models import WebhookDelivery, WebhookEndpoint
from apps.notifications.models import Delivery
from apps.privacy.errors import RetentionInvalid
from apps.privacy.jobs import RETENTION_JOB
from apps.privacy.models import RetentionSetting
from apps.privacy.retention import ABANDONED_CARTS, EMAIL_LOG, EVENT_LOG, WEBHOOK_LOG
from apps.privacy.selectors import retention_rows
from apps.privacy.services import retention_purge_run, retention_settings_save

pytestmark = pytest.mark.django_db


def _age(model, pk, days: int, field: str = "created_at") -> None:  # type: ignore[no-untyped-def]
    model.objects.filter(pk=pk).update(**{field: timezone.now() - timedelta(days=days)})


def _cart(days: int, status: str = Cart.Status.OPEN) -> Cart:
    cart = Cart.objects.create(currency="EUR", status=status)
    _age(Cart, cart.pk, days, "updated_at")
    return cart


def _email(days: int, status: str = Delivery.Status.SENT) -> Delivery:
    delivery = Delivery.objects.create(template="t", to="a@example.com", key=str(uuid.uuid4()), status=status)
    _age(Delivery, delivery.pk, days)
    return delivery


def _webhook(endpoint: WebhookEndpoint, days: int, status: str) -> WebhookDelivery:
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_id=uuid.uuid4(),
        message_id="msg",
        event_type="order.created",
        body="{}",
        status=status,
        next_attempt_at=timezone.now() if status == DeliveryStatus.RETRYING else None,
    )
    _age(WebhookDelivery, delivery.pk, days)
    return delivery


def _event(days: int, *, status: str = EventRecord.Status.DISPATCHED, pending: bool = False) -> EventRecord:
    event = EventRecord.objects.create(name="test.event", payload={}, status=status)
    EventDelivery.objects.create(
        event=event,
        subscriber="s",
        status=EventDelivery.Status.PENDING if pending else EventDelivery.Status.SUCCEEDED,
    )
    _age(EventRecord, event.pk, days)
    return event


def _ids(model, objects) -> set:  # type: ignore[no-untyped-def]
    return set(model.objects.filter(pk__in=[o.pk for o in objects]).values_list("pk", flat=True))


def test_each_kind_purges_only_what_is_older_than_its_days(in_alpha):
    # given rows on both sides of each kind's default period, and rows that are never purged
    old_cart, new_cart = _cart(100), _cart(10)
    old_merged = _cart(100, Cart.Status.MERGED)
    old_converted = _cart(400, Cart.Status.CONVERTED)  # became an order
    old_email, new_email = _email(400), _email(100)
    old_queued = _email(400, Delivery.Status.QUEUED)
    endpoint = WebhookEndpoint.objects.create(url="https://hooks.example.com/x")
    old_hook, new_hook = (
        _webhook(endpoint, 40, DeliveryStatus.SUCCEEDED),
        _webhook(endpoint, 5, DeliveryStatus.DEAD),
    )
    old_retrying = _webhook(endpoint, 40, DeliveryStatus.RETRYING)
    old_event, new_event = _event(100), _event(10)
    old_pending_event = _event(100, pending=True)
    old_undispatched = _event(100, status=EventRecord.Status.PENDING)

    # when the retention job runs
    summary = store_job_get(RETENTION_JOB).func()

    # then only the old, finished rows went
    assert _ids(Cart, [old_cart, new_cart, old_merged, old_converted]) == {new_cart.pk, old_converted.pk}
    assert _ids(Delivery, [old_email, new_email, old_queued]) == {new_email.pk, old_queued.pk}
    assert _ids(WebhookDelivery, [old_hook, new_hook, old_retrying]) == {new_hook.pk, old_retrying.pk}
    assert _ids(EventRecord, [old_event, new_event, old_pending_event, old_undispatched]) == {
        new_event.pk,
        old_pending_event.pk,
        old_undispatched.pk,
    }
    assert summary[ABANDONED_CARTS] == 2
    assert summary[EMAIL_LOG] == 1
    assert summary[WEBHOOK_LOG] == 1
    assert summary[EVENT_LOG] >= 1  # the store may have recorded events of its own on the way


def test_the_stores_setting_is_honoured(in_alpha):
    # given a store that keeps abandoned carts 7 days and emails 3,650 days
    retention_settings_save(values={ABANDONED_CARTS: 7, EMAIL_LOG: 3650}, actor=None)
    ten_days, five_days = _cart(10), _cart(5)
    old_email = _email(400)

    summary = retention_purge_run()

    assert _ids(Cart, [ten_days, five_days]) == {five_days.pk}
    assert _ids(Delivery, [old_email]) == {old_email.pk}
    assert summary[ABANDONED_CARTS] == 1 and summary[EMAIL_LOG] == 0


def test_a_cart_whose_checkout_moved_recently_is_kept(in_alpha):
    from apps.checkout.models import Checkout

    cart = _cart(100)
    Checkout.objects.create(cart=cart, email="late@example.com")  # touched now

    retention_purge_run()

    assert Cart.objects.filter(pk=cart.pk).exists()


def test_every_registered_kind_is_run(in_alpha):
    seen: list[datetime] = []

    def purge(before: datetime) -> int:
        seen.append(before)
        return 3

    retention_register(RetentionKind(key="zz_test_kind", label="Test", default_days=5, purge=purge))
    try:
        summary = retention_purge_run()
    finally:
        from apps.core import retention

        retention._kinds.pop("zz_test_kind")
    assert summary["zz_test_kind"] == 3
    assert len(seen) == 1 and timezone.now() - seen[0] >= timedelta(days=5)


def test_my_kinds_are_registered_with_sane_bounds():
    keys = {kind.key for kind in retention_kinds()}
    assert {ABANDONED_CARTS, EMAIL_LOG, WEBHOOK_LOG, EVENT_LOG} <= keys
    for key in (ABANDONED_CARTS, EMAIL_LOG, WEBHOOK_LOG, EVENT_LOG):
        kind = retention_kind_get(key)
        assert kind is not None and kind.min_days <= kind.default_days <= kind.max_days


@pytest.mark.parametrize("value", [0, 6, 731, "ten", "", "7.5"])
def test_bad_values_are_refused_and_nothing_is_saved(in_alpha, value):
    with pytest.raises(RetentionInvalid) as refused:
        retention_settings_save(values={EMAIL_LOG: 400, ABANDONED_CARTS: value}, actor=None)

    assert refused.value.field == ABANDONED_CARTS
    assert not RetentionSetting.objects.exists()


def test_rows_show_the_default_until_set(in_alpha):
    rows = {row.kind.key: row for row in retention_rows()}
    assert rows[ABANDONED_CARTS].days == 90 and not rows[ABANDONED_CARTS].customised

    retention_settings_save(values={ABANDONED_CARTS: 30}, actor=None)

    rows = {row.kind.key: row for row in retention_rows()}
    assert rows[ABANDONED_CARTS].days == 30 and rows[ABANDONED_CARTS].customised
