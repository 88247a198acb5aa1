"""Completing a checkout: success, decline and retry, authentication, refusals before any charge,
repeats, redemptions, manual payments."""

from __future__ import annotations

from decimal import Decimal
from unittest import mock

import pytest

from apps.checkout.models import Cart, Checkout, Discount, GiftCard
from apps.checkout.selectors.checkout import checkout_review
from apps.core.models import EventRecord
from apps.customers.models import Customer
from apps.inventory.models import Reservation, StockLevel
from apps.inventory.services import inventory_reserve
from apps.orders.enums import OrderEventKind, OrderStatus, OrderStockStatus
from apps.orders.errors import OrderError, OrderErrorCode
from apps.orders.models import Order, Payment
from apps.orders.placement import order_place
from apps.orders.services import order_mark_paid
from apps.orders.tests.factories import (
    CARD_DECLINED,
    CARD_REQUIRES_AUTHENTICATION,
    CARD_SUCCEEDS,
    RETURN_URL,
    checkout_ready,
    manual_payments_enable,
    place,
    shipping_rate_make,
    variant_make,
)
from apps.payments.errors import PaymentError
from apps.payments.models import DummyPayment
from apps.payments.services import dummy_authenticate
from tests.fixtures import make_store_user

pytestmark = pytest.mark.django_db


def _stock(variant) -> tuple[int, int]:
    level = StockLevel.objects.get(variant=variant)
    return level.on_hand, level.reserved


def _kinds(order: Order) -> list[str]:
    return list(order.events.order_by("id").values_list("kind", flat=True))


def test_successful_placement_snapshots_charges_and_completes(in_alpha):
    # given a checkout of 2 x 20.00 with 5.00 shipping and no tax
    variant = variant_make(price="20.00", stock=5, title="Linen shirt")
    checkout = checkout_ready(items=[(variant, 2)], email="Ann@Example.com")
    # when it is completed with the succeeding test card
    placement = place(checkout)
    # then the order is paid, numbered, and holds what was bought
    order = Order.objects.get(pk=placement.order.pk)
    assert placement.paid and placement.result is not None and placement.result.status == "succeeded"
    assert order.status == OrderStatus.PAID and order.number >= 1001 and order.paid_at is not None
    assert (order.subtotal, order.shipping_total, order.total) == (
        Decimal("40.00"),
        Decimal("5.00"),
        Decimal("45.00"),
    )
    assert order.amount_paid == Decimal("45.00") and order.amount_refunded == 0
    assert order.shipping_method_name == "Standard" and order.shipping_address["city"] == "Berlin"
    line = order.lines.get()
    assert (line.product_title, line.sku, line.quantity, line.unit_price, line.total) == (
        "Linen shirt",
        variant.sku,
        2,
        Decimal("20.00"),
        Decimal("40.00"),
    )
    # one payment with the attempt's idempotency key, and one charge at the gateway
    payment = order.payments.get()
    assert payment.idempotency_key == f"order:{order.uuid}:attempt:1"
    assert (payment.status, payment.amount, payment.captured) == ("succeeded", Decimal("45.00"), True)
    assert DummyPayment.objects.filter(reference=str(order.uuid)).count() == 1
    # stock left the shelf; nothing stays reserved
    assert _stock(variant) == (3, 0)
    assert order.stock_status == OrderStockStatus.COMMITTED
    # the checkout is completed and its cart converted
    checkout.refresh_from_db()
    assert checkout.status == Checkout.Status.COMPLETED and checkout.order_reference == str(order.uuid)
    assert Cart.objects.get(pk=checkout.cart_id).status == Cart.Status.CONVERTED
    # the customer record exists and counts the order
    customer = Customer.objects.get(email="ann@example.com")
    assert order.customer_id == customer.pk and customer.orders_count == 1
    # the timeline and the events tell the story
    assert _kinds(order)[:3] == [
        OrderEventKind.PLACED,
        OrderEventKind.STOCK_RESERVED,
        OrderEventKind.PAYMENT_STARTED,
    ]
    assert OrderEventKind.PAYMENT_SUCCEEDED in _kinds(order) and OrderEventKind.STATUS_CHANGED in _kinds(
        order
    )
    names = list(EventRecord.objects.filter(payload__order=str(order.uuid)).values_list("name", flat=True))
    assert sorted(names) == ["order.created", "order.paid"]


def test_declined_card_leaves_the_order_unpaid_releases_stock_and_retry_reuses_it(in_alpha):
    # given a checkout for 1 of 3 units
    variant = variant_make(price="20.00", stock=3)
    checkout = checkout_ready(items=[(variant, 1)])
    # when the card is declined
    declined = place(checkout, card=CARD_DECLINED)
    # then the order exists, pending, with the gateway's error; stock is back; checkout open
    order = declined.order
    assert declined.failed and declined.result is not None
    assert declined.result.error_code == "card_declined" and declined.result.error_message
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING and order.amount_paid == 0
    assert order.payments.get().status == "failed" and order.payments.get().error_code == "card_declined"
    assert _stock(variant) == (3, 0)
    assert Reservation.objects.filter(reference=order.reference, status="released").count() == 1
    assert Checkout.objects.get(pk=checkout.pk).status == Checkout.Status.OPEN
    assert OrderEventKind.PAYMENT_FAILED in _kinds(order) and OrderEventKind.STOCK_RELEASED in _kinds(order)
    # when the shopper tries again with a good card on the same checkout
    retried = place(checkout)
    # then it is the same order, a second attempt with its own key, now paid
    assert retried.order.pk == order.pk and retried.paid
    keys = list(
        Payment.objects.filter(order=order).order_by("attempt").values_list("idempotency_key", "status")
    )
    assert keys == [
        (f"order:{order.uuid}:attempt:1", "failed"),
        (f"order:{order.uuid}:attempt:2", "succeeded"),
    ]
    assert Order.objects.filter(checkout_token=checkout.token).count() == 1
    assert _stock(variant) == (2, 0)


def test_a_retry_with_another_email_moves_the_order_to_that_customer(in_alpha):
    from apps.checkout.services import checkout_contact_set

    variant = variant_make(price="20.00", stock=3)
    checkout = checkout_ready(items=[(variant, 1)], email="first@example.com")
    declined = place(checkout, card=CARD_DECLINED)
    assert Customer.objects.get(email="first@example.com").orders_count == 1
    checkout_contact_set(checkout=checkout, email="second@example.com")
    paid = place(Checkout.objects.select_related("cart", "user").get(pk=checkout.pk))
    assert paid.order.pk == declined.order.pk and paid.order.email == "second@example.com"
    assert Customer.objects.get(email="first@example.com").orders_count == 0
    second = Customer.objects.get(email="second@example.com")
    assert (second.orders_count, second.total_spent) == (1, Decimal("25.00"))
    assert Order.objects.get(pk=paid.order.pk).customer_id == second.pk


def test_authentication_required_holds_stock_until_the_shopper_confirms(in_alpha):
    variant = variant_make(price="20.00", stock=3)
    checkout = checkout_ready(items=[(variant, 1)])
    # when the card needs authentication
    placement = place(checkout, card=CARD_REQUIRES_AUTHENTICATION)
    # then the order waits, with the action URL, stock held until the hold expires
    assert placement.requires_action and placement.result is not None and placement.result.action_url
    order = Order.objects.get(pk=placement.order.pk)
    assert order.status == OrderStatus.PENDING and order.hold_expires_at is not None
    assert _stock(variant) == (3, 1)
    reservation = Reservation.objects.get(reference=order.reference)
    assert reservation.status == "active" and reservation.expires_at == order.hold_expires_at
    assert Checkout.objects.get(pk=checkout.pk).status == Checkout.Status.OPEN
    # and completing the checkout again meanwhile answers with the same attempt
    again = place(checkout, card=CARD_REQUIRES_AUTHENTICATION)
    assert again.order.pk == order.pk and again.payment == placement.payment
    assert DummyPayment.objects.filter(reference=str(order.uuid)).count() == 1
    # when the shopper approves on the authentication page
    dummy_authenticate(external_id=placement.result.external_id, approve=True)
    # then the order is paid and the checkout completed
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.hold_expires_at is None
    assert _stock(variant) == (2, 0)
    assert Checkout.objects.get(pk=checkout.pk).status == Checkout.Status.COMPLETED


def test_failed_authentication_releases_the_stock(in_alpha):
    variant = variant_make(stock=2)
    checkout = checkout_ready(items=[(variant, 2)])
    placement = place(checkout, card=CARD_REQUIRES_AUTHENTICATION)
    assert placement.result is not None
    dummy_authenticate(external_id=placement.result.external_id, approve=False)
    order = Order.objects.get(pk=placement.order.pk)
    assert order.status == OrderStatus.PENDING
    assert order.payments.get().status == "failed"
    assert _stock(variant) == (2, 0)


def _nothing_written(checkout: Checkout, variant) -> None:
    assert not Order.objects.filter(checkout_token=checkout.token).exists()
    assert (
        not Payment.objects.exists()
        or not Payment.objects.filter(order__checkout_token=checkout.token).exists()
    )
    assert not DummyPayment.objects.filter(email=checkout.email).exists()
    assert not Reservation.objects.filter(stock__variant=variant).exists()
    assert Checkout.objects.get(pk=checkout.pk).status == Checkout.Status.OPEN


def test_price_changed_since_review_is_refused_before_any_charge(in_alpha):
    variant = variant_make(price="20.00")
    checkout = checkout_ready(items=[(variant, 1)], email="price@example.com")
    total = checkout_review(checkout=checkout).totals.total
    # when the price changes between review and payment
    variant.price = Decimal("25.00")
    variant.save(update_fields=["price"])
    with pytest.raises(OrderError) as refused:
        place(checkout, expected_total=total)
    # then the shopper is told, and nothing was written or charged
    assert refused.value.code == OrderErrorCode.PRICE_CHANGED
    assert "price" in refused.value.message.lower()
    assert refused.value.params["problems"][0]["code"] == "price_changed"
    _nothing_written(checkout, variant)


def test_total_different_from_the_one_confirmed_is_refused(in_alpha):
    variant = variant_make(price="20.00")
    checkout = checkout_ready(items=[(variant, 1)], email="total@example.com")
    with pytest.raises(OrderError) as refused:
        place(checkout, expected_total=Decimal("24.99"))
    assert refused.value.code == OrderErrorCode.TOTAL_CHANGED
    assert refused.value.params["total"] == "25.00"
    _nothing_written(checkout, variant)


def test_sold_out_since_review_is_refused_before_any_charge(in_alpha):
    variant = variant_make(stock=1)
    checkout = checkout_ready(items=[(variant, 1)], email="soldout@example.com")
    # when another shopper took the last unit
    inventory_reserve(variant=variant, quantity=1, reference="someone-else")
    with pytest.raises(OrderError) as refused:
        place(checkout)
    assert refused.value.code == OrderErrorCode.SOLD_OUT
    assert not Order.objects.filter(checkout_token=checkout.token).exists()
    assert not DummyPayment.objects.filter(email=checkout.email).exists()


def test_sold_out_between_the_check_and_the_reservation_writes_nothing(in_alpha):
    variant = variant_make(stock=2)
    other = variant_make(stock=5)
    checkout = checkout_ready(items=[(other, 1), (variant, 2)], email="race@example.com")
    review = checkout_review(checkout=checkout)  # what the check saw: everything in stock
    inventory_reserve(variant=variant, quantity=1, reference="someone-else")
    with (
        mock.patch("apps.orders.placement.checkout_review", return_value=review),
        pytest.raises(OrderError) as refused,
    ):
        place(checkout)
    assert refused.value.code == OrderErrorCode.SOLD_OUT
    assert refused.value.params["sku"] == variant.sku
    # the other line's reservation was undone with the rest
    assert not Reservation.objects.filter(stock__variant=other).exists()
    assert not Order.objects.filter(checkout_token=checkout.token).exists()
    assert not DummyPayment.objects.filter(email=checkout.email).exists()


def test_a_disabled_gateway_is_refused_with_nothing_written(in_alpha):
    variant = variant_make()
    checkout = checkout_ready(items=[(variant, 1)], email="gw@example.com")
    with pytest.raises(PaymentError):
        place(checkout, gateway="bank_transfer")
    _nothing_written(checkout, variant)


def test_completing_a_paid_checkout_again_charges_nothing_more(in_alpha):
    variant = variant_make(stock=5)
    checkout = checkout_ready(items=[(variant, 1)])
    first = place(checkout)
    second = place(checkout)
    assert second.order.pk == first.order.pk and second.paid
    assert second.payment is not None and second.payment.pk == first.payment.pk  # type: ignore[union-attr]
    assert Payment.objects.filter(order=first.order).count() == 1
    assert DummyPayment.objects.filter(reference=str(first.order.uuid)).count() == 1
    assert _stock(variant) == (4, 0)


def test_discount_and_gift_card_are_recorded_per_attempt_and_given_back_on_decline(in_alpha):
    variant = variant_make(price="50.00", stock=5)
    discount = Discount.objects.create(code="TENOFF", name="10 % off", kind="percentage", value=Decimal(10))
    from apps.checkout.services import gift_card_issue

    card = gift_card_issue(amount=Decimal("20.00"), currency="EUR")
    checkout = checkout_ready(items=[(variant, 1)], codes=["TENOFF", card.code])
    # 50 - 5 discount + 5 shipping = 50; 20 from the gift card, 30 by card
    declined = place(checkout, card=CARD_DECLINED)
    order = Order.objects.get(pk=declined.order.pk)
    assert order.discount_total == Decimal("5.00") and order.gift_card_total == Decimal("20.00")
    assert declined.payment is not None and declined.payment.amount == Decimal("30.00")
    # the decline gave the use and the balance back
    assert Discount.objects.get(pk=discount.pk).times_used == 0
    assert GiftCard.objects.get(pk=card.pk).balance == Decimal("20.00")
    assert order.redemption_reference == ""
    # a successful retry records them again, under the second attempt
    paid = place(checkout)
    order.refresh_from_db()
    assert paid.paid and order.redemption_reference == f"{order.uuid}:2"
    assert Discount.objects.get(pk=discount.pk).times_used == 1
    assert GiftCard.objects.get(pk=card.pk).balance == Decimal("0.00")
    snapshot = order.discounts.get()
    assert (snapshot.code, snapshot.amount, snapshot.kind, snapshot.value) == (
        "TENOFF",
        Decimal("5.00"),
        "percentage",
        Decimal("10.000"),
    )


def test_a_gift_card_paying_for_everything_needs_no_gateway(in_alpha):
    from apps.checkout.services import gift_card_issue

    variant = variant_make(price="20.00")
    card = gift_card_issue(amount=Decimal("100.00"), currency="EUR")
    checkout = checkout_ready(items=[(variant, 1)], codes=[card.code])
    placement = place(checkout)
    assert placement.payment is None and placement.result is None and placement.paid
    order = Order.objects.get(pk=placement.order.pk)
    assert order.gift_card_total == Decimal("25.00") and order.amount_paid == 0
    assert GiftCard.objects.get(pk=card.pk).balance == Decimal("75.00")
    assert Checkout.objects.get(pk=checkout.pk).status == Checkout.Status.COMPLETED


def _no_gateway_enabled() -> None:
    from apps.payments.models import PaymentSettings
    from apps.payments.selectors import payment_settings_get

    payment_settings_get()
    PaymentSettings.objects.update(
        dummy_enabled=False, bank_transfer_enabled=False, cash_on_delivery_enabled=False, stripe_enabled=False
    )


def test_an_order_gift_cards_and_store_credit_pay_in_full_needs_no_payment_method_at_all(in_alpha, alpha):
    from apps.checkout.services import checkout_store_credit_set, gift_card_issue, store_credit_grant

    # given a store that takes no payments at all, and a shopper whose gift card (20.00) and
    # store credit (10.00) cover the order (20.00 + 5.00 shipping)
    _no_gateway_enabled()
    shopper = make_store_user(alpha, "covered@example.com")
    store_credit_grant(user=shopper, amount=Decimal("10.00"), reason="goodwill", actor=None)
    variant = variant_make(price="20.00", stock=3)
    card = gift_card_issue(amount=Decimal("20.00"), currency="EUR")
    checkout = checkout_ready(items=[(variant, 1)], user=shopper, email=shopper.email, codes=[card.code])
    checkout = checkout_store_credit_set(checkout=checkout, use=True)
    review = checkout_review(checkout=checkout)
    assert review.totals.amount_due == 0
    # when it is placed with no method (and any gateway lookup would fail the test)
    with mock.patch("apps.orders.placement.gateway_get", side_effect=AssertionError("no gateway")):
        placement = order_place(
            checkout=checkout,
            gateway_code="",
            payment_data={},
            expected_total=review.totals.total,
            expected_amount_due=Decimal(0),
            return_url=RETURN_URL,
        )
    # then the order is paid at once: no payment attempt, the redemptions kept, stock sold
    assert placement.paid and placement.payment is None and placement.result is None
    order = Order.objects.get(pk=placement.order.pk)
    assert order.status == OrderStatus.PAID and order.paid_at is not None and order.amount_paid == 0
    assert (order.gift_card_total, order.store_credit_total) == (Decimal("20.00"), Decimal("5.00"))
    assert not order.payments.exists()
    assert GiftCard.objects.get(pk=card.pk).balance == Decimal("0.00")
    from apps.checkout.services import store_credit_balance

    assert store_credit_balance(user=shopper) == Decimal("5.00")
    assert order.stock_status == OrderStockStatus.COMMITTED and _stock(variant) == (2, 0)
    assert Checkout.objects.get(pk=checkout.pk).status == Checkout.Status.COMPLETED
    names = list(EventRecord.objects.filter(payload__order=str(order.uuid)).values_list("name", flat=True))
    assert sorted(names) == ["order.created", "order.paid"]


def test_no_payment_method_while_something_is_left_to_pay_is_refused(in_alpha):
    variant = variant_make()
    checkout = checkout_ready(items=[(variant, 1)], email="nomethod@example.com")
    with pytest.raises(OrderError) as refused:
        place(checkout, gateway="")
    assert refused.value.code == OrderErrorCode.PAYMENT_METHOD_REQUIRED
    _nothing_written(checkout, variant)


def test_an_amount_due_other_than_the_one_confirmed_is_refused(in_alpha):
    from apps.checkout.services import gift_card_issue

    # given a shopper who saw 5.00 left to pay after their gift card (20.00 of 25.00)
    variant = variant_make(price="20.00")
    card = gift_card_issue(amount=Decimal("20.00"), currency="EUR")
    checkout = checkout_ready(items=[(variant, 1)], email="due@example.com", codes=[card.code])
    # when the card was partly spent elsewhere meanwhile (the total itself did not change)
    GiftCard.objects.filter(pk=card.pk).update(balance=Decimal("15.00"))
    with pytest.raises(OrderError) as refused:
        order_place(
            checkout=checkout,
            gateway_code="dummy",
            payment_data={"card_number": CARD_SUCCEEDS},
            expected_total="25.00",
            expected_amount_due="5.00",
            return_url=RETURN_URL,
        )
    # then nothing is charged: the shopper confirms the new amount first
    assert refused.value.code == OrderErrorCode.AMOUNT_DUE_CHANGED
    assert refused.value.params == {"expected": "5.00", "amount": "10.00", "currency": "EUR"}
    _nothing_written(checkout, variant)
    # and the amount they confirm then is charged
    placement = order_place(
        checkout=checkout,
        gateway_code="dummy",
        payment_data={"card_number": CARD_SUCCEEDS},
        expected_total="25.00",
        expected_amount_due="10.00",
        return_url=RETURN_URL,
    )
    assert placement.paid and placement.payment is not None and placement.payment.amount == Decimal("10.00")


def test_bank_transfer_order_waits_for_staff_to_mark_it_paid(in_alpha, alpha):
    manual_payments_enable()
    variant = variant_make(stock=4)
    checkout = checkout_ready(items=[(variant, 2)])
    placement = place(checkout, gateway="bank_transfer")
    order = Order.objects.get(pk=placement.order.pk)
    # the shopper is done: checkout completed, stock held for days, order pending
    assert order.status == OrderStatus.PENDING and placement.payment is not None
    assert placement.payment.status == "pending"
    assert Checkout.objects.get(pk=checkout.pk).status == Checkout.Status.COMPLETED
    assert _stock(variant) == (4, 2)
    assert order.hold_expires_at is not None and (order.hold_expires_at - order.created_at).days >= 2
    # a repeat answers with the same order
    assert place(checkout, gateway="bank_transfer").order.pk == order.pk
    # when staff mark it paid
    order_mark_paid(order=order, actor=None)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.amount_paid == order.total
    assert _stock(variant) == (2, 0)
    assert EventRecord.objects.filter(name="order.paid", payload__order=str(order.uuid)).count() == 1
    assert OrderEventKind.MARKED_PAID in _kinds(order)


def test_mark_paid_refuses_card_orders(in_alpha):
    variant = variant_make()
    placement = place(checkout_ready(items=[(variant, 1)]), card=CARD_REQUIRES_AUTHENTICATION)
    with pytest.raises(OrderError) as refused:
        order_mark_paid(order=placement.order, actor=None)
    assert refused.value.code == OrderErrorCode.NOT_MANUAL_PAYMENT


def test_an_incomplete_checkout_is_refused(in_alpha):
    # a checkout without a shipping method cannot be paid
    variant = variant_make()
    checkout = checkout_ready(items=[(variant, 1)], rate=shipping_rate_make())
    Checkout.objects.filter(pk=checkout.pk).update(shipping_rate=None)
    checkout.refresh_from_db()
    with pytest.raises(OrderError) as refused:
        order_place(
            checkout=checkout,
            gateway_code="dummy",
            payment_data={"card_number": "4242424242424242"},
            expected_total="25.00",
            return_url=RETURN_URL,
        )
    assert refused.value.code == OrderErrorCode.CHECKOUT_NOT_READY
    assert refused.value.params["problems"][0]["code"] == "shipping_method_required"
    assert not Order.objects.filter(checkout_token=checkout.token).exists()


def test_switching_method_while_a_payment_had_just_succeeded_keeps_that_payment(in_alpha):
    manual_payments_enable()
    variant = variant_make(stock=2)
    checkout = checkout_ready(items=[(variant, 1)])
    first = place(checkout, card=CARD_REQUIRES_AUTHENTICATION)
    # the shopper approved the card, but the update has not arrived when they pick bank transfer
    DummyPayment.objects.filter(reference=str(first.order.uuid)).update(status="succeeded")
    switched = place(checkout, gateway="bank_transfer")
    assert switched.paid and switched.order.pk == first.order.pk
    assert switched.payment is not None and switched.payment.gateway == "dummy"
    order = Order.objects.get(pk=first.order.pk)
    assert order.status == OrderStatus.PAID and order.payments.count() == 1
    assert _stock(variant) == (1, 0)


def test_switching_method_cancels_the_card_attempt_and_starts_the_new_one(in_alpha):
    manual_payments_enable()
    variant = variant_make(stock=2)
    checkout = checkout_ready(items=[(variant, 1)])
    first = place(checkout, card=CARD_REQUIRES_AUTHENTICATION)
    switched = place(checkout, gateway="bank_transfer")
    assert switched.order.pk == first.order.pk and switched.payment is not None
    assert list(switched.order.payments.order_by("attempt").values_list("gateway", "status")) == [
        ("dummy", "cancelled"),
        ("bank_transfer", "pending"),
    ]
    assert DummyPayment.objects.get(reference=str(first.order.uuid)).status == "cancelled"
    assert _stock(variant) == (2, 1)
