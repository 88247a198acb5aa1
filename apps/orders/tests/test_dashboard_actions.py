"""Actions on an order's page: cancelling (with its confirmation and reason), marking a manual
payment paid, and making a payment link; each with the refusals staff see."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from apps.orders.enums import OrderEventKind, OrderStatus
from apps.orders.models import Order, Refund
from apps.orders.tests.dashboard_support import in_store, role_client, url
from apps.orders.tests.factories import (
    CARD_REQUIRES_AUTHENTICATION,
    checkout_ready,
    draft_make,
    manual_payments_enable,
    order_placed,
    order_row,
    place,
    variant_make,
)
from apps.payments.models import DummyPayment

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(alpha):  # type: ignore[no-untyped-def]
    return role_client(alpha, "owner")


@pytest.fixture
def staff(alpha):  # type: ignore[no-untyped-def]
    return role_client(alpha, "staff")


def _reload(world, order) -> Order:  # type: ignore[no-untyped-def]
    with in_store(world):
        return Order.objects.get(pk=order.pk)


def _card_order_waiting():  # type: ignore[no-untyped-def]
    """A checkout order whose card payment waits for the shopper's authentication."""
    return place(checkout_ready(items=[(variant_make(), 1)]), card=CARD_REQUIRES_AUTHENTICATION).order


def _bank_transfer_order():  # type: ignore[no-untyped-def]
    manual_payments_enable()
    return place(checkout_ready(items=[(variant_make(price="30.00"), 1)]), gateway="bank_transfer").order


# ------------------------------------------------------------------------------
# cancelling
# ------------------------------------------------------------------------------
def test_cancel_asks_for_confirmation_and_a_reason_first(alpha, staff):
    with in_store(alpha):
        order = _card_order_waiting()
    page = staff.get(url(order, "cancel"))
    assert page.status_code == 200
    assert "Cancel order #1001?" in page.text and "The payment under way is cancelled." in page.text
    assert "This cannot be undone." in page.text and 'name="csrfmiddlewaretoken"' in page.text
    without_reason = staff.post(url(order, "cancel"), {"reason": " "})
    assert without_reason.status_code == 400 and "Say why the order is cancelled." in without_reason.text
    assert _reload(alpha, order).status == OrderStatus.PENDING


def test_staff_cancel_an_unpaid_order(alpha, staff):
    with in_store(alpha):
        order = _card_order_waiting()
    response = staff.post(url(order, "cancel"), {"reason": "Customer asked"})
    assert response.status_code == 302 and response["Location"] == url(order)
    cancelled = _reload(alpha, order)
    assert cancelled.status == OrderStatus.CANCELLED and cancelled.cancel_reason == "Customer asked"
    with in_store(alpha):
        assert DummyPayment.objects.get(reference=str(order.uuid)).status == "cancelled"
    page = staff.get(url(order)).text
    assert "Order #1001 was cancelled." in page and "Order cancelled: Customer asked" in page
    assert "Cancel order" not in page


def test_cancelling_a_paid_order_refunds_it_and_needs_the_refund_permission(alpha, owner, staff):
    with in_store(alpha):
        order = order_placed(price="20.00")
    assert order.status == OrderStatus.PAID
    # staff may manage orders but not give money back
    refused = staff.get(url(order, "cancel"))
    assert refused.status_code == 403 and "refunds.create" in refused.text
    assert staff.post(url(order, "cancel"), {"reason": "Out of stock"}).status_code == 403
    assert "Cancel order" not in staff.get(url(order)).text
    assert _reload(alpha, order).status == OrderStatus.PAID
    # the owner sees what will be refunded, and cancels
    page = owner.get(url(order, "cancel"))
    assert "€25.00 will be refunded to the customer" in page.text
    assert "Put the sold units back in stock" in page.text
    response = owner.post(url(order, "cancel"), {"reason": "Out of stock", "restock": "on"})
    assert response.status_code == 302
    cancelled = _reload(alpha, order)
    assert cancelled.status == OrderStatus.CANCELLED and cancelled.amount_refunded == Decimal("25.00")
    with in_store(alpha):
        assert Refund.objects.get(order=order).status == "succeeded"


def test_the_cancel_form_posted_again_says_the_order_is_already_cancelled(alpha, owner):
    with in_store(alpha):
        order = order_placed(price="20.00")
    assert owner.post(url(order, "cancel"), {"reason": "Out of stock", "restock": "on"}).status_code == 302
    again = owner.post(url(order, "cancel"), {"reason": "Out of stock", "restock": "on"})
    assert again.status_code == 302 and again["Location"] == url(order)
    assert "Order #1001 is already cancelled." in owner.get(url(order)).text
    with in_store(alpha):
        assert Refund.objects.filter(order=order).count() == 1
        assert order.events.filter(kind=OrderEventKind.CANCELLED).count() == 1


def test_cancelling_a_fulfilled_order_is_refused_with_a_message(alpha, owner):
    with in_store(alpha):
        order = order_row(status="fulfilled", origin="checkout", checkout_token=uuid.uuid4())
    page = owner.get(url(order, "cancel"))
    assert page.status_code == 200
    assert "Order #1001 is Fulfilled and can no longer be cancelled." in page.text
    assert 'name="reason"' not in page.text
    response = owner.post(url(order, "cancel"), {"reason": "Try anyway"})
    assert response.status_code == 400
    assert "Order #1001 is Fulfilled and can no longer be cancelled." in response.text
    assert _reload(alpha, order).status == OrderStatus.FULFILLED


# ------------------------------------------------------------------------------
# marking paid
# ------------------------------------------------------------------------------
def test_a_bank_transfer_order_is_marked_paid(alpha, staff):
    with in_store(alpha):
        order = _bank_transfer_order()
    detail = staff.get(url(order)).text
    assert "Mark as paid" in detail and "Bank transfer" in detail
    page = staff.get(url(order, "mark-paid"))
    assert "You received €35.00 by Bank transfer." in page.text
    response = staff.post(url(order, "mark-paid"), {})
    assert response.status_code == 302
    paid = _reload(alpha, order)
    assert paid.status == OrderStatus.PAID and paid.amount_paid == Decimal("35.00")
    with in_store(alpha):
        assert paid.events.filter(kind=OrderEventKind.MARKED_PAID).count() == 1
    assert "Order #1001 is paid." in staff.get(url(order)).text


def test_marking_a_card_order_paid_is_refused_with_a_message(alpha, owner):
    with in_store(alpha):
        order = _card_order_waiting()
    assert "Mark as paid" not in owner.get(url(order)).text
    page = owner.get(url(order, "mark-paid"))
    assert "Only a manual payment (bank transfer, cash on delivery) can be marked as paid" in page.text
    assert "Test payments" in page.text and "<button" not in page.text.split("form-errors")[1]
    response = owner.post(url(order, "mark-paid"), {"method": "bank_transfer"})
    assert response.status_code == 400
    assert "Only a manual payment (bank transfer, cash on delivery) can be marked as paid." in response.text
    assert _reload(alpha, order).status == OrderStatus.PENDING


def test_a_draft_paid_outside_the_shop_is_marked_paid_with_the_method_chosen(alpha, staff):
    with in_store(alpha):
        draft = draft_make(price="30.00", quantity=1)
    page = staff.get(url(draft, "mark-paid"))
    assert "Bank transfer" in page.text and "Cash on delivery" in page.text
    missing = staff.post(url(draft, "mark-paid"), {})
    assert missing.status_code == 400 and "This field is required." in missing.text
    assert staff.post(url(draft, "mark-paid"), {"method": "cash_on_delivery"}).status_code == 302
    paid = _reload(alpha, draft)
    assert paid.status == OrderStatus.PAID
    with in_store(alpha):
        assert paid.payments.get().gateway == "cash_on_delivery"


def test_an_order_already_paid_cannot_be_marked_paid(alpha, owner):
    with in_store(alpha):
        order = order_placed()
    page = owner.get(url(order, "mark-paid"))
    assert "Order #1001 is not waiting for a payment." in page.text
    assert owner.post(url(order, "mark-paid"), {}).status_code == 400


# ------------------------------------------------------------------------------
# payment links
# ------------------------------------------------------------------------------
def test_sending_a_draft_shows_its_payment_link_once(alpha, staff):
    with in_store(alpha):
        draft = draft_make(email="buyer@example.com", price="30.00", quantity=1)
    page = staff.get(url(draft, "payment-link"))
    assert "Send the payment link?" in page.text and "buyer@example.com pays €30.00" in page.text
    response = staff.post(url(draft, "payment-link"))
    assert response.status_code == 302 and response["Location"] == url(draft)
    shown = staff.get(url(draft)).text
    link = shown.split('id="payment-link-url" type="url" readonly value="')[1].split('"')[0]
    assert link.startswith("http") and "/pay/" in link
    assert "Copy it now and send it to buyer@example.com" in shown
    assert "Payment link sent to buyer@example.com." in shown  # the timeline
    assert "payment-link-url" not in staff.get(url(draft)).text  # shown once
    sent = _reload(alpha, draft)
    assert sent.draft_sent_at is not None
    assert "Make a new payment link?" in staff.get(url(draft, "payment-link")).text


def test_no_payment_link_for_an_order_with_nothing_left_to_pay(alpha, owner):
    with in_store(alpha):
        order = order_placed()
    page = owner.get(url(order, "payment-link"))
    assert "Nothing is left to pay on this order." in page.text
    assert owner.post(url(order, "payment-link")).status_code == 400
