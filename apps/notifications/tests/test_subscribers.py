"""Each domain event turns into the right email, once; order emails land on the timeline."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from apps.core.events import Event, subscribers_for
from apps.core.tenancy import current_schema
from apps.notifications.models import Delivery
from apps.orders.enums import OrderEventKind
from apps.orders.models import OrderEvent
from apps.orders.tests.factories import order_placed
from apps.orders.timeline import order_payload
from apps.stores.models import StoreSettings
from apps.stores.selectors import store_settings_get

pytestmark = pytest.mark.django_db


def deliver(name: str, payload: dict[str, Any], *, event_id: str = "") -> Event:
    """Hand `name` to this app's subscribers, as the dispatcher does (same event id on redelivery)."""
    event = Event(id=event_id or str(uuid.uuid4()), name=name, payload=payload, schema_name=current_schema())
    handlers = [h for key, h in subscribers_for(name).items() if key.startswith("apps.notifications.")]
    assert handlers, f"no notifications subscriber for {name}"
    for handler in handlers:
        handler(event)
    return event


def contact_email_set(address: str) -> None:
    store_settings_get()
    StoreSettings.objects.update(contact_email=address)
    from django.core.cache import cache

    from apps.core.request_memo import request_memo_forget
    from apps.stores.selectors import STORE_SETTINGS_CACHE_KEY

    cache.delete(STORE_SETTINGS_CACHE_KEY)
    request_memo_forget(STORE_SETTINGS_CACHE_KEY)


FULFILMENT = {
    "id": 1,
    "carrier": "dhl",
    "carrier_name": "DHL",
    "tracking_number": "00340434161094042557",
    "tracking_url": "https://www.dhl.com/track?id=00340434161094042557",
    "lines": [{"sku": "SKU-1", "title": "Linen shirt", "quantity": 1}],
}
RETURN = {
    "id": 7,
    "reason": "Too small",
    "instructions": "Use the box",
    "label_url": "",
    "decision_note": "Worn",
}


def test_placing_and_paying_an_order_sends_one_confirmation_with_a_timeline_entry(
    in_alpha, mailoutbox, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        order = order_placed(email="buyer@example.com")
    # then
    deliveries = Delivery.objects.filter(template="order_confirmation")
    assert deliveries.count() == 1
    delivery = deliveries.get()
    assert (delivery.status, delivery.to, delivery.order_uuid) == (
        Delivery.Status.SENT,
        "buyer@example.com",
        order.uuid,
    )
    sent = [m for m in mailoutbox if m.to == ["buyer@example.com"]]
    assert len(sent) == 1
    assert f"#{order.number}" in sent[0].subject
    html = sent[0].alternatives[0][0]
    assert "Linen shirt" in html and "Store Alpha" in html
    entry = OrderEvent.objects.get(order=order, kind=OrderEventKind.EMAIL_SENT)
    assert entry.params["template"] == "order_confirmation"


@pytest.mark.parametrize(
    ("event_name", "template", "extra", "expected"),
    [
        ("order.paid", "order_confirmation", {}, "Thank you for your order"),
        ("order.fulfilled", "order_shipped", {"fulfilment": FULFILMENT}, "00340434161094042557"),
        ("order.delivered", "order_delivered", {"fulfilment": FULFILMENT}, "was delivered"),
        (
            "order.refunded",
            "order_refunded",
            {"refund": {"amount": "12.50", "currency": "EUR", "store_credit": False, "reason": "Damaged"}},
            "12.50",
        ),
        (
            "order.delivery_at_risk",
            "delivery_at_risk",
            {"estimated_delivery": "2030-05-04", "promised_delivery": "2030-05-01", "reason": "late"},
            "2030",
        ),
        ("return.approved", "return_approved", {"return": RETURN}, "Use the box"),
        ("return.refused", "return_refused", {"return": RETURN}, "Worn"),
    ],
)
def test_each_order_event_sends_its_email_once_even_when_delivered_twice(
    in_alpha, mailoutbox, django_capture_on_commit_callbacks, event_name, template, extra, expected
):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        order = order_placed(email="events@example.com")
    mailoutbox.clear()
    payload = {**order_payload(order), **extra}
    # when: the same event twice (a redelivery)
    with django_capture_on_commit_callbacks(execute=True):
        event = deliver(event_name, payload)
        deliver(event_name, payload, event_id=event.id)
    # then
    deliveries = Delivery.objects.filter(template=template, key__contains=event.id)
    assert deliveries.count() == 1
    assert deliveries.get().status == Delivery.Status.SENT, deliveries.get().error
    sent = [m for m in mailoutbox if m.extra_headers.get("X-Notification") == template]
    assert len(sent) == 1
    assert sent[0].to == ["events@example.com"]
    assert expected in sent[0].body + sent[0].alternatives[0][0]


def test_a_return_request_goes_to_the_stores_contact_email(
    in_alpha, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = order_placed(email="returner@example.com")
    contact_email_set("shop@alpha.example")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        deliver("return.requested", {**order_payload(order), "return": RETURN})
    [mail] = [m for m in mailoutbox if m.extra_headers.get("X-Notification") == "return_requested"]
    assert mail.to == ["shop@alpha.example"]
    assert "Too small" in mail.body
    assert f"/dashboard/orders/{order.number}/" in mail.body


def test_low_stock_goes_to_the_store_once(in_alpha, mailoutbox, django_capture_on_commit_callbacks):
    contact_email_set("stock@alpha.example")
    payload = {"sku": "SKU-LOW", "variant_id": None, "location": "main", "available": 2, "threshold": 5}
    with django_capture_on_commit_callbacks(execute=True):
        event = deliver("inventory.low", payload)
        deliver("inventory.low", payload, event_id=event.id)
    [mail] = [m for m in mailoutbox if m.extra_headers.get("X-Notification") == "low_stock"]
    assert mail.to == ["stock@alpha.example"]
    assert "SKU-LOW" in mail.subject
    assert Delivery.objects.filter(template="low_stock").count() == 1


def test_store_emails_are_skipped_without_a_contact_email(in_alpha, django_capture_on_commit_callbacks):
    contact_email_set("")
    with django_capture_on_commit_callbacks(execute=True):
        deliver("inventory.low", {"sku": "X", "available": 1, "threshold": 2, "location": "main"})
    assert not Delivery.objects.filter(template="low_stock").exists()


def test_a_new_shopper_account_gets_one_welcome_and_a_guest_none(
    in_alpha, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        event = deliver("customer.created", {"user_uuid": str(uuid.uuid4()), "email": "new@example.com"})
        deliver(
            "customer.created",
            {"user_uuid": str(uuid.uuid4()), "email": "new@example.com"},
            event_id=event.id,
        )
        deliver("customer.created", {"user_uuid": "", "email": "guest@example.com"})
    assert [m.to for m in mailoutbox] == [["new@example.com"]]
    assert mailoutbox[0].subject == "Welcome to Store Alpha"


def test_issuing_a_gift_card_to_an_email_sends_its_code(
    in_alpha, mailoutbox, django_capture_on_commit_callbacks
):
    from decimal import Decimal

    from apps.checkout.services.balances import gift_card_issue

    with django_capture_on_commit_callbacks(execute=True):
        card = gift_card_issue(amount=Decimal("25.00"), issued_to_email="friend@example.com")
    [mail] = [m for m in mailoutbox if m.extra_headers.get("X-Notification") == "gift_card"]
    assert mail.to == ["friend@example.com"]
    assert card.code in mail.body
    delivery = Delivery.objects.get(template="gift_card")
    assert card.code not in str(delivery.context)  # the code is read when sending, not stored


def test_the_shopper_password_reset_is_the_stores_branded_email_without_storing_the_link(alpha, mailoutbox):
    from django_tenants.utils import tenant_context

    from tests.fixtures import make_store_user, store_client

    make_store_user(alpha, "forgot@example.com")
    response = store_client(alpha).post("/accounts/password/reset/", {"email": "forgot@example.com"})
    assert response.status_code == 302
    [mail] = mailoutbox
    assert mail.subject.startswith("[Store Alpha]")
    assert f"http://{alpha.host}/accounts/password/reset/key/" in mail.body
    assert mail.alternatives and "Store Alpha" in mail.alternatives[0][0]
    with tenant_context(alpha.tenant):
        delivery = Delivery.objects.get(template="password_reset")
        assert delivery.status == Delivery.Status.SENT
        assert "reset" not in str(delivery.context)


def test_an_email_of_alpha_never_mentions_beta(alpha, beta, mailoutbox, django_capture_on_commit_callbacks):
    from django_tenants.utils import tenant_context

    with tenant_context(beta.tenant), django_capture_on_commit_callbacks(execute=True):
        order_placed(email="beta-buyer@example.com")
    with tenant_context(alpha.tenant):
        with django_capture_on_commit_callbacks(execute=True):
            order_placed(email="alpha-buyer@example.com")
        assert not Delivery.objects.filter(to="beta-buyer@example.com").exists()
    [alpha_mail] = [m for m in mailoutbox if m.to == ["alpha-buyer@example.com"]]
    text = alpha_mail.subject + alpha_mail.body + alpha_mail.alternatives[0][0] + alpha_mail.from_email
    assert "Store Alpha" in text
    assert "Store Beta" not in text and "beta" not in text.lower()
