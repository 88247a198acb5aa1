"""The order list (filters, search, pages, constant queries), the detail (constant queries),
a shopper's history, and store isolation of all of them."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.orders.drafts import draft_order_for_token, order_payment_token
from apps.orders.models import Order
from apps.orders.selectors import (
    OrderFilters,
    PaymentState,
    order_detail,
    order_for_checkout,
    order_for_shopper,
    order_list,
    order_payment_state,
    order_timeline,
    orders_for_customer,
)
from apps.orders.services import order_cancel, order_note_add
from apps.orders.tests.factories import checkout_ready, draft_make, order_row, place, variant_make
from apps.payments.enums import PaymentStatus
from apps.payments.gateways.base import PaymentUpdate
from apps.payments.updates import payment_update_dispatch
from tests.fixtures import make_store_user

pytestmark = pytest.mark.django_db


def _numbers(page) -> list[int]:
    return [order.number for order in page.object_list]


def test_filters_by_status_payment_origin_and_date(in_alpha):
    pending = order_row(status="pending")
    paid = order_row(status="paid", origin="checkout", checkout_token="11111111-1111-1111-1111-111111111111")
    refunded = order_row(
        status="refunded", amount_refunded=Decimal("10.00"), amount_refunded_kept_total=Decimal("10.00")
    )
    # refunds that kept the order's total (a return, goodwill): the shopper owes nothing
    partly = order_row(
        status="partially_refunded",
        amount_refunded=Decimal("4.00"),
        amount_refunded_kept_total=Decimal("4.00"),
    )
    owing = order_row(status="paid", total=Decimal("15.00"))
    old = order_row(status="paid")
    # refunds as store credit or onto gift cards count as given back: a 10.00 gift card order
    # with 10.00 of it back on the card is refunded, with 3.00 of a card order back partly
    credited = order_row(
        status="paid",
        amount_paid=Decimal(0),
        gift_card_total=Decimal("10.00"),
        amount_credited=Decimal("10.00"),
    )
    part_credited = order_row(status="paid", amount_credited=Decimal("3.00"))
    Order.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))

    def numbers(**filters) -> set[int]:
        return set(_numbers(order_list(filters=OrderFilters(**filters))))

    assert numbers(status="pending") == {pending.number}
    assert numbers(status="refunded") == {refunded.number}
    assert numbers(payment=PaymentState.AWAITING) == {pending.number}
    assert numbers(payment=PaymentState.PAID) == {paid.number, owing.number, old.number}
    assert numbers(payment=PaymentState.REFUNDED) == {refunded.number, credited.number}
    assert numbers(payment=PaymentState.PARTIALLY_REFUNDED) == {partly.number, part_credited.number}
    assert numbers(payment=PaymentState.BALANCE_DUE) == {owing.number}
    # and the order page's payment state (the Python reading) agrees with the filter
    for order, state in (
        (credited, PaymentState.REFUNDED),
        (part_credited, PaymentState.PARTIALLY_REFUNDED),
        (refunded, PaymentState.REFUNDED),
        (partly, PaymentState.PARTIALLY_REFUNDED),
        (paid, PaymentState.PAID),
    ):
        assert order_payment_state(order) == state, order.number
    assert numbers(origin="checkout") == {paid.number}
    today = timezone.localdate()
    assert old.number not in numbers(date_from=today - timedelta(days=7))
    assert numbers(date_to=today - timedelta(days=30)) == {old.number}
    # unknown filter values are ignored rather than failing
    assert len(numbers(status="bogus", payment="bogus")) == 8


def test_search_by_number_email_or_name(in_alpha):
    ann = order_row(email="ann@example.com", shipping_address={"name": "Ann Smith"})
    bob = order_row(email="bob@shop.test")

    def found(text: str) -> set[int]:
        return set(_numbers(order_list(filters=OrderFilters(search=text))))

    assert found(f"#{ann.number}") == {ann.number}
    assert found(str(bob.number)) == {bob.number}
    assert found("ANN@example") == {ann.number}
    assert found("shop.test") == {bob.number}
    assert found("smith") == {ann.number}
    assert found("nobody") == set()


def test_the_list_is_paginated_newest_first(in_alpha):
    orders = [order_row() for _ in range(5)]
    page = order_list(page=1, per_page=2)
    assert _numbers(page) == [orders[4].number, orders[3].number]
    assert page.paginator.count == 5 and page.paginator.num_pages == 3
    assert _numbers(order_list(page=99, per_page=2)) == [orders[0].number]


def _queries(func) -> int:
    with CaptureQueriesContext(connection) as captured:
        func()
    return len(captured.captured_queries)


def test_the_list_reads_the_same_number_of_queries_for_3_and_30_orders(in_alpha):
    def read() -> None:
        page = order_list(filters=OrderFilters(search="example"), per_page=50)
        for order in page.object_list:
            _ = (order.customer, order.number, order.total)

    for _ in range(3):
        order_row()
    few = _queries(read)
    for _ in range(27):
        order_row()
    assert _queries(read) == few <= 2


def test_the_detail_reads_a_fixed_number_of_queries(in_alpha, alpha, django_assert_max_num_queries):
    staff = make_store_user(alpha, "detail@example.com", staff=True)

    def read(order: Order) -> None:
        found = order_detail(order_id=order.pk)
        assert found is not None
        list(found.lines.all()), list(found.payments.all()), list(found.refunds.all())
        list(found.discounts.all()), [n.author for n in found.notes.all()]
        [entry.message for entry in order_timeline(found)]

    small = place(checkout_ready(items=[(variant_make(), 1)])).order
    big = place(checkout_ready(items=[(variant_make(), 1) for _ in range(6)], email="big@example.com")).order
    for n in range(4):
        order_note_add(order=big, author=staff, body=f"note {n}")
    assert _queries(lambda: read(small)) == _queries(lambda: read(big))
    with django_assert_max_num_queries(7):
        read(big)


def test_the_detail_finds_an_order_by_number_or_uuid(in_alpha):
    order = order_row()
    assert order_detail(number=f"#{order.number}") == order
    assert order_detail(number=order.number) == order
    assert order_detail(order_uuid=str(order.uuid)) == order
    assert order_detail(order_uuid="not-a-uuid") is None
    assert order_detail(number="abc") is None


def test_timeline_reads_in_words(in_alpha):
    order = place(checkout_ready(items=[(variant_make(), 1)])).order
    found = order_detail(order_id=order.pk)
    assert found is not None
    messages = [entry.message for entry in order_timeline(found)]
    assert messages[0] == "Order placed by shopper@example.com."
    assert "Status changed from Pending payment to Paid." in messages


def test_a_shoppers_history_holds_their_orders_and_their_verified_guest_orders(in_alpha, alpha):
    from apps.customers.services import customer_link_account

    user = make_store_user(alpha, "carla@example.com")
    guest = place(checkout_ready(items=[(variant_make(), 1)], email="carla@example.com")).order
    signed_in = place(checkout_ready(items=[(variant_make(), 1)], email="carla@example.com", user=user)).order
    other = place(checkout_ready(items=[(variant_make(), 1)], email="dan@example.com")).order
    draft = draft_make(email="carla@example.com")
    customer_link_account(user=user)
    history = list(orders_for_customer(user=user))
    assert signed_in in history and guest in history
    assert other not in history and draft not in history
    assert guest.customer is not None
    by_record = list(orders_for_customer(customer=guest.customer))
    assert set(by_record) == {guest, signed_in}


def test_the_live_order_of_a_checkout(in_alpha):
    import uuid

    from apps.orders.tests.factories import CARD_REQUIRES_AUTHENTICATION

    checkout = checkout_ready(items=[(variant_make(), 1)], email="live@example.com")
    assert order_for_checkout(checkout_token=checkout.token) is None
    first = place(checkout, card=CARD_REQUIRES_AUTHENTICATION).order
    assert order_for_checkout(checkout_token=checkout.token) == first
    assert order_for_checkout(checkout_token=str(checkout.token)) == first
    # an order cancelled (its payment never came) leaves the checkout without a live order
    order_cancel(order=first, actor=None, reason="hold expired")
    assert order_for_checkout(checkout_token=checkout.token) is None
    second = place(checkout).order
    assert second != first and order_for_checkout(checkout_token=checkout.token) == second
    assert order_for_checkout(checkout_token=uuid.uuid4()) is None
    assert order_for_checkout(checkout_token="not-a-token") is None


def test_one_order_of_a_shopper_with_its_page_in_five_queries(in_alpha, alpha):
    user = make_store_user(alpha, "erin@example.com")
    mine = place(checkout_ready(items=[(variant_make(), 2)], email="erin@example.com", user=user)).order
    theirs = place(checkout_ready(items=[(variant_make(), 1)], email="fred@example.com")).order
    assert order_for_shopper(user=user, order_uuid=theirs.uuid) is None
    assert order_for_shopper(user=user, order_uuid="garbage") is None
    with CaptureQueriesContext(connection) as queries:
        found = order_for_shopper(user=user, order_uuid=str(mine.uuid))
        assert found == mine
        lines, payments = list(found.lines.all()), list(found.payments.all())
        entries = order_timeline(found)
        assert list(found.discounts.all()) == [] and lines and payments
        assert all(entry.actor is None or entry.actor.pk for entry in entries)
    assert len(queries.captured_queries) == 5


# ------------------------------------------------------------------------------
# store isolation
# ------------------------------------------------------------------------------
def test_an_order_of_store_a_is_not_reachable_from_store_b(alpha, beta):
    with schema_context(alpha.tenant.schema_name):
        placement = place(checkout_ready(items=[(variant_make(), 1)], email="secret@example.com"))
        order = placement.order
        token = order_payment_token(order=order)
        payment = order.payments.get()
    with schema_context(beta.tenant.schema_name):
        # by id, number, uuid, list, search, history, payment link
        same_id = order_detail(order_id=order.pk)
        assert same_id is None or same_id.email != order.email
        assert order_detail(order_uuid=order.uuid) is None
        assert not Order.objects.filter(uuid=order.uuid).exists()
        assert all(o.email != "secret@example.com" for o in order_list(filters=OrderFilters(search="secret")))
        assert order_list(filters=OrderFilters(search=f"#{order.number}")).paginator.count == (
            Order.objects.filter(number=order.number).count()
        )
        assert draft_order_for_token(token=token) is None
        assert order.checkout_token is not None
        assert order_for_checkout(checkout_token=order.checkout_token) is None
        # a payment update naming A's payment changes nothing in B
        payment_update_dispatch(
            PaymentUpdate(
                gateway=payment.gateway,
                external_id=payment.external_id,
                status=PaymentStatus.REFUNDED,
                amount=payment.amount,
                amount_refunded=payment.amount,
                currency=payment.currency,
                occurred_at=timezone.now(),
                event_id="evt_cross_store",
            )
        )
    with schema_context(alpha.tenant.schema_name):
        order.refresh_from_db()
        assert order.status == "paid" and order.amount_refunded == 0
