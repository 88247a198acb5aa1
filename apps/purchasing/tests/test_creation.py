"""Which supplier gets each line, and what a new purchase order waits for (approval, fraud review)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.orders.enums import OrderEventKind
from apps.orders.models import OrderEvent
from apps.purchasing.models import PurchaseOrder, PurchaseOrderStatus
from apps.purchasing.services import offer_choose, purchase_order_approve
from apps.purchasing.tests.factories import (
    api_supplier,
    manual_supplier,
    offer_make,
    order_paid,
    settings_set,
    supplier_variant,
)

pytestmark = pytest.mark.django_db
S = PurchaseOrderStatus


def test_the_cheapest_supplier_in_stock_wins_and_the_next_is_the_fallback(in_alpha):
    # given one variant offered by three suppliers
    cheap = manual_supplier("cheap", lead_time_days=10)
    middle = manual_supplier("middle", lead_time_days=5)
    dear = manual_supplier("dear", lead_time_days=2)
    variant, cheap_offer = supplier_variant(cheap, cost="3.00", stock=1)
    middle_offer = offer_make(middle, variant, cost="4.00", stock=10)
    dear_offer = offer_make(dear, variant, cost="4.00", stock=10)
    offers = [dear_offer, middle_offer, cheap_offer]
    for offer in offers:
        offer.refresh_from_db()

    # then the cheapest when it has the quantity
    assert offer_choose(offers, country="DE", quantity=1, max_lead_time_days=None) == cheap_offer
    # the next one when the cheapest is out of stock for the quantity; equal costs: the faster
    assert offer_choose(offers, country="DE", quantity=2, max_lead_time_days=None) == dear_offer
    # the next one when the cheapest is too slow for the store
    assert offer_choose(offers, country="DE", quantity=1, max_lead_time_days=7) == dear_offer
    # the next one when the cheapest is unavailable
    cheap_offer.is_available = False
    assert offer_choose(offers, country="DE", quantity=1, max_lead_time_days=None) == dear_offer
    # a supplier that does not ship to the country comes after every one that does
    dear_offer.supplier.ships_to_countries = ["FR"]
    assert offer_choose(offers, country="DE", quantity=1, max_lead_time_days=None) == middle_offer
    # and the slow cheapest is still chosen when nobody else has the item
    assert offer_choose([cheap_offer], country="DE", quantity=1, max_lead_time_days=1) == cheap_offer
    assert offer_choose([], country="DE", quantity=1, max_lead_time_days=None) is None


def test_a_paid_order_falls_back_to_the_next_supplier_when_the_first_is_out_of_stock(
    in_alpha, fake, django_capture_on_commit_callbacks
):
    # given the cheapest supplier has none left, a dearer one has
    empty = api_supplier(fake, "empty")
    stocked = api_supplier(fake, "stocked")
    variant, _empty_offer = supplier_variant(empty, cost="2.00", stock=0)
    offer_make(stocked, variant, cost="3.00", stock=5, sku="33000001")

    with django_capture_on_commit_callbacks(execute=True):
        order = order_paid([(variant, 2)])

    # then the order goes to the stocked supplier, at its cost
    po = PurchaseOrder.objects.get(order=order)
    assert po.supplier_id == stocked.pk and po.status == S.PLACED
    assert po.cost == Decimal("6.000") and po.lines.get().supplier_sku == "33000001"


def test_lines_of_our_own_stock_get_no_purchase_order(in_alpha, django_capture_on_commit_callbacks):
    from apps.orders.tests.factories import variant_make

    with django_capture_on_commit_callbacks(execute=True):
        order = order_paid([(variant_make(), 1)])
    assert not PurchaseOrder.objects.filter(order=order).exists()


def test_in_approval_mode_nothing_is_sent_until_staff_approve(
    in_alpha, fake, django_capture_on_commit_callbacks
):
    # given a store that approves supplier orders by hand
    settings_set(mode="approval")
    supplier = api_supplier(fake, "east")
    variant, _offer = supplier_variant(supplier)

    with django_capture_on_commit_callbacks(execute=True):
        order = order_paid([(variant, 1)])

    # then the purchase order waits, and the supplier heard nothing
    po = PurchaseOrder.objects.get(order=order)
    assert po.status == S.AWAITING_APPROVAL and not fake.order_requests
    held = OrderEvent.objects.get(order=order, kind=OrderEventKind.PURCHASE_ORDER_HELD)
    assert held.params["reason_code"] == "approval" and held.params["supplier"] == supplier.name

    # when staff approve it, it is placed
    with django_capture_on_commit_callbacks(execute=True):
        purchase_order_approve(purchase_order_id=po.pk, actor=None)
    po.refresh_from_db()
    assert po.status == S.PLACED and len(fake.orders) == 1


def test_a_fraud_held_order_places_nothing_until_the_review_approves_it(
    in_alpha, fake, django_capture_on_commit_callbacks
):
    from apps.fraud.selectors import order_is_held
    from apps.fraud.services import fraud_settings_update, order_risk_approve

    # given a store holding high-risk orders, for which every German order is high risk
    fraud_settings_update(
        medium_threshold=1, high_threshold=2, hold_high_risk=True, high_risk_countries=["DE"]
    )
    supplier = api_supplier(fake, "east")
    variant, _offer = supplier_variant(supplier)

    with django_capture_on_commit_callbacks(execute=True):
        order = order_paid([(variant, 1)])

    # then the purchase order waits for the review and nothing reached the supplier
    assert order_is_held(order)
    po = PurchaseOrder.objects.get(order=order)
    assert po.status == S.HELD_FOR_REVIEW and not fake.order_requests
    held = OrderEvent.objects.get(order=order, kind=OrderEventKind.PURCHASE_ORDER_HELD)
    assert held.params["reason_code"] == "fraud_review"
    # and staff cannot approve it around the review
    from apps.purchasing.errors import PurchasingError

    with pytest.raises(PurchasingError):
        purchase_order_approve(purchase_order_id=po.pk, actor=None)

    # when the fraud review approves the order (order.risk_approved)
    with django_capture_on_commit_callbacks(execute=True):
        order_risk_approve(order=order, actor=None)

    # then it is placed, once
    po.refresh_from_db()
    assert po.status == S.PLACED and len(fake.orders) == 1


def test_cancelling_the_order_calls_off_purchase_orders_not_placed(
    in_alpha, django_capture_on_commit_callbacks
):
    from apps.orders.services import order_cancel

    supplier = manual_supplier()
    variant, _offer = supplier_variant(supplier)
    with django_capture_on_commit_callbacks(execute=True):
        order = order_paid([(variant, 1)])
    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order=order, actor=None, reason="changed mind")
    assert PurchaseOrder.objects.get(order=order).status == S.CANCELLED
