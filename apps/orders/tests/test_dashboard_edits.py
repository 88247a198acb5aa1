"""Editing an order in the dashboard: each change previewed with its new totals and what the
customer will be charged or refunded, then made through the order edit services."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from apps.orders.enums import OrderEventKind, OrderStatus
from apps.orders.models import Order, Payment, Refund
from apps.orders.tests.dashboard_support import in_store, role_client, url
from apps.orders.tests.factories import (
    CARD_REQUIRES_AUTHENTICATION,
    checkout_ready,
    draft_make,
    order_placed,
    order_row,
    place,
    variant_make,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(alpha):  # type: ignore[no-untyped-def]
    return role_client(alpha, "owner")


@pytest.fixture
def staff(alpha):  # type: ignore[no-untyped-def]
    return role_client(alpha, "staff")


def _line_ids(world, order) -> list[int]:  # type: ignore[no-untyped-def]
    with in_store(world):
        return list(order.lines.order_by("position", "id").values_list("pk", flat=True))


def _reload(world, order) -> Order:  # type: ignore[no-untyped-def]
    with in_store(world):
        return Order.objects.get(pk=order.pk)


def _confirm(client, order, preview, **fields):  # type: ignore[no-untyped-def]
    """Post the change back as the preview page's confirm button does."""
    data = {**fields, "confirm": "1", "expected_total": str(preview.context["preview"].new_total)}
    return client.post(url(order, "edit/preview"), data)


def test_the_edit_page_lists_lines_and_finds_products_to_add(alpha, staff):
    with in_store(alpha):
        order = order_placed(price="20.00")
        variant_make(title="Wool socks", price="8.00")
    page = staff.get(url(order, "edit"))
    assert page.status_code == 200 and "Edit order #1001" in page.text
    assert page.text.count('name="action" value="set_quantity"') == 1
    found = staff.get(url(order, "edit"), {"q": "wool"})
    assert [v.title for v in found.context["results"]] == ["Wool socks"]


def test_more_of_a_paid_order_is_previewed_then_charged_through_a_payment_link(alpha, staff):
    with in_store(alpha):
        order = order_placed(price="20.00", quantity=1)  # 20 + 5 shipping, paid
    (line_id,) = _line_ids(alpha, order)
    change = {"action": "set_quantity", "line": line_id, "quantity": "3"}
    preview = staff.post(url(order, "edit/preview"), change)
    assert preview.status_code == 200
    assert "The customer will be charged €40.00." in preview.text
    assert "€25.00" in preview.text and "€65.00" in preview.text  # total before, new total
    assert _reload(alpha, order).total == Decimal("25.000")  # nothing written by a preview
    done = _confirm(staff, order, preview, **change)
    assert done.status_code == 302 and done["Location"] == url(order)
    edited = _reload(alpha, order)
    assert edited.total == Decimal("65.000") and edited.status == OrderStatus.PAID
    with in_store(alpha):
        balance = Payment.objects.get(order=order, gateway="")
        assert balance.amount == Decimal("40.00") and balance.status == "pending"
        assert edited.events.filter(kind=OrderEventKind.EDITED).count() == 1
    page = staff.get(url(order)).text
    assert "The customer owes €40.00" in page and 'id="payment-link-url"' in page
    assert "Resend payment link" in page


def test_removing_a_line_of_a_paid_order_refunds_and_needs_the_refund_permission(alpha, owner, staff):
    with in_store(alpha):
        cheap, dear = variant_make(price="10.00"), variant_make(price="30.00")
        order = place(checkout_ready(items=[(cheap, 1), (dear, 1)])).order  # 40 + 5 shipping
    assert order.status == OrderStatus.PAID
    dear_line = _line_ids(alpha, order)[1]
    change = {"action": "remove_line", "line": dear_line}
    preview = staff.post(url(order, "edit/preview"), change)
    assert "€30.00 will be refunded." in preview.text
    assert "Your role cannot give money back" in preview.text and 'name="confirm"' not in preview.text
    assert _confirm(staff, order, preview, **change).status_code == 403
    assert _reload(alpha, order).total == Decimal("45.000")
    # an owner may
    preview = owner.post(url(order, "edit/preview"), change)
    done = _confirm(owner, order, preview, **change)
    assert done.status_code == 302
    edited = _reload(alpha, order)
    assert edited.total == Decimal("15.000") and edited.amount_refunded == Decimal("30.00")
    with in_store(alpha):
        assert Refund.objects.get(order=order).amount == Decimal("30.00")
        assert edited.lines.count() == 1
    assert "Order #1001 changed; €30.00 was refunded." in owner.get(url(order)).text


def test_a_draft_gets_a_discount_and_new_shipping_with_nothing_charged(alpha, staff):
    with in_store(alpha):
        draft = draft_make(price="30.00", quantity=2)  # 60, no shipping
    discount = {
        "action": "discount",
        "discount_kind": "fixed",
        "discount_value": "5",
        "discount_name": "Sorry",
    }
    preview = staff.post(url(draft, "edit/preview"), discount)
    assert "The order is not paid yet: the customer will pay €55.00." in preview.text
    assert _confirm(staff, draft, preview, **discount).status_code == 302
    with in_store(alpha):
        applied = _reload(alpha, draft).discounts.get()
    assert (applied.name, applied.amount, applied.is_manual) == ("Sorry", Decimal("5.000"), True)
    shipping = {"action": "shipping", "shipping_name": "Express", "shipping_amount": "9.90"}
    preview = staff.post(url(draft, "edit/preview"), shipping)
    assert "the customer will pay €64.90" in preview.text
    _confirm(staff, draft, preview, **shipping)
    edited = _reload(alpha, draft)
    assert (edited.shipping_method_name, edited.total) == ("Express", Decimal("64.900"))
    # taking the discount away
    removal = {"action": "discount", "discount_kind": ""}
    _confirm(staff, draft, staff.post(url(draft, "edit/preview"), removal), **removal)
    assert _reload(alpha, draft).total == Decimal("69.900")


def test_adding_a_product_to_a_draft(alpha, staff):
    with in_store(alpha):
        draft = draft_make(price="30.00", quantity=1)
        socks = variant_make(title="Wool socks", price="8.00")
    change = {"action": "add_line", "variant": socks.pk, "quantity": "2"}
    preview = staff.post(url(draft, "edit/preview"), change)
    assert "Wool socks" in preview.text and "new" in preview.text and "€46.00" in preview.text
    assert _confirm(staff, draft, preview, **change).status_code == 302
    with in_store(alpha):
        assert sorted(_reload(alpha, draft).lines.values_list("quantity", flat=True)) == [1, 2]


def test_a_stale_confirmation_shows_the_new_preview_instead(alpha, staff):
    with in_store(alpha):
        draft = draft_make(price="30.00", quantity=1)
    (line_id,) = _line_ids(alpha, draft)
    change = {"action": "set_quantity", "line": line_id, "quantity": "2"}
    response = staff.post(url(draft, "edit/preview"), {**change, "confirm": "1", "expected_total": "1.00"})
    assert response.status_code == 409 and "The order changed since this preview was made" in response.text
    assert _reload(alpha, draft).total == Decimal("30.000")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"action": "set_quantity", "line": "{line}", "quantity": "0"}, "greater than or equal to 1"),
        ({"action": "set_quantity", "line": "999999", "quantity": "2"}, "That line is not on this order."),
        ({"action": "remove_line", "line": "{line}"}, "An order needs at least one line"),
        ({"action": "add_line", "variant": "999999", "quantity": "1"}, "does not exist"),
        (
            {"action": "discount", "discount_kind": "percentage", "discount_value": "0"},
            "how much the discount",
        ),
        ({"action": "explode"}, "Choose what to change."),
    ],
)
def test_bad_changes_are_refused_with_a_message(alpha, staff, change, message):
    with in_store(alpha):
        draft = draft_make(price="30.00", quantity=1)
    (line_id,) = _line_ids(alpha, draft)
    data = {key: value.replace("{line}", str(line_id)) for key, value in change.items()}
    response = staff.post(url(draft, "edit/preview"), data)
    assert response.status_code == 400 and message in response.text
    assert _reload(alpha, draft).total == Decimal("30.000")


def test_an_order_that_shipped_or_is_being_paid_by_card_cannot_be_edited(alpha, owner):
    with in_store(alpha):
        shipped = order_row(status="fulfilled", origin="checkout", checkout_token=uuid.uuid4())
        paying = place(checkout_ready(items=[(variant_make(), 1)]), card=CARD_REQUIRES_AUTHENTICATION).order
    page = owner.get(url(shipped, "edit"))
    assert "Order #1001 is Fulfilled and can no longer be edited." in page.text
    assert 'name="action"' not in page.text
    assert "Edit order" not in owner.get(url(shipped)).text
    refused = owner.post(url(shipped, "edit/preview"), {"action": "shipping", "shipping_amount": "1"})
    assert refused.status_code == 400 and "can no longer be edited" in refused.text
    assert "A payment for order #1002 is under way" in owner.get(url(paying, "edit")).text
