"""Placing purchase orders with the fake supplier's "ds" API: what the supplier receives, and
what a refusal, a broken answer or a manual supplier leaves behind."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from apps.orders.enums import OrderEventKind
from apps.orders.models import OrderEvent
from apps.purchasing.models import PurchaseOrder, PurchaseOrderStatus
from apps.purchasing.services import purchase_order_mark_placed, purchase_order_retry
from apps.purchasing.tests.factories import (
    api_supplier,
    manual_supplier,
    order_paid,
    settings_set,
    supplier_variant,
)
from apps.sourcing.tests.fakes import APP_KEY, APP_SECRET, reference_sign

pytestmark = pytest.mark.django_db
S = PurchaseOrderStatus


def test_a_paid_order_with_two_suppliers_places_one_order_with_each(
    in_alpha, fake, django_capture_on_commit_callbacks
):
    # given two API suppliers, each selling one of the order's items, and an item of our own
    east = api_supplier(fake, "east")
    west = api_supplier(fake, "west")
    shirt, shirt_offer = supplier_variant(east, cost="4.50", product_id="1005000000000001", sku="12000001")
    mug, mug_offer = supplier_variant(west, cost="2.25", product_id="1005000000000002", sku="12000002")
    from apps.orders.tests.factories import variant_make

    own = variant_make(price="9.00")

    # when the order is paid (its events and the placement tasks run)
    with django_capture_on_commit_callbacks(execute=True):
        order = order_paid([(shirt, 2), (mug, 1), (own, 1)])

    # then one purchase order per supplier, both placed, with the supplier's order ids and costs
    pos = {po.supplier_id: po for po in PurchaseOrder.objects.filter(order=order)}
    assert set(pos) == {east.pk, west.pk}
    for po in pos.values():
        assert po.status == S.PLACED, (po.status, po.last_error)
        assert po.supplier_order_id and po.placed_at and po.attempts == 1
    assert pos[east.pk].cost == Decimal("9.000") and pos[west.pk].cost == Decimal("2.250")
    assert [(line.supplier_sku, line.quantity) for line in pos[east.pk].lines.all()] == [("12000001", 2)]

    # and the supplier received two signed orders, each with its items, the address and our reference
    assert len(fake.order_requests) == 2 and not fake.rejections
    received = {}
    for params in fake.order_requests:
        assert params["method"] == "aliexpress.ds.order.create"
        assert params["app_key"] == APP_KEY and params["sign_method"] == "sha256"
        assert params["sign"] == reference_sign(params, APP_SECRET)
        request = json.loads(params["param_place_order_request4_open_api_d_t_o"])
        received[request["out_order_id"]] = request
    east_request = received[f"PO-{pos[east.pk].pk}"]
    assert east_request["product_items"] == [
        {
            "product_id": 1005000000000001,
            "sku_attr": "12000001",
            "product_count": 2,
            "logistics_service_name": "",
            "order_memo": f"PO-{pos[east.pk].pk}",
        }
    ]
    address = east_request["logistics_address"]
    assert (
        address["full_name"],
        address["address"],
        address["city"],
        address["zip"],
        address["country"],
    ) == (
        "Erika Mustermann",
        "Unter den Linden 1",
        "Berlin",
        "10117",
        "DE",
    )
    assert [item["sku_attr"] for item in received[f"PO-{pos[west.pk].pk}"]["product_items"]] == ["12000002"]
    assert fake.orders[pos[east.pk].supplier_order_id]["out_order_id"] == f"PO-{pos[east.pk].pk}"
    # and the timeline says so, once per supplier
    placed = OrderEvent.objects.filter(order=order, kind=OrderEventKind.PURCHASE_ORDER_PLACED)
    assert sorted(event.params["supplier_order_id"] for event in placed) == sorted(
        po.supplier_order_id for po in pos.values()
    )
    _ = shirt_offer, mug_offer


def test_a_duplicate_order_paid_delivery_makes_one_set_of_purchase_orders(
    in_alpha, fake, django_capture_on_commit_callbacks
):
    from apps.core.events import Event
    from apps.purchasing.subscribers import purchase_orders_on_paid

    # given a paid order whose purchase order was placed
    supplier = api_supplier(fake, "east")
    variant, _offer = supplier_variant(supplier)
    with django_capture_on_commit_callbacks(execute=True):
        order = order_paid([(variant, 1)])
    assert PurchaseOrder.objects.filter(order=order).count() == 1

    # when order.paid is delivered again (at-least-once delivery)
    event = Event(id="dup", name="order.paid", payload={"order": str(order.uuid)}, schema_name="")
    with django_capture_on_commit_callbacks(execute=True):
        purchase_orders_on_paid(event)
        purchase_orders_on_paid(event)

    # then still one purchase order, placed once
    assert PurchaseOrder.objects.filter(order=order).count() == 1
    assert len(fake.orders) == 1 and len(fake.order_requests) == 1


def test_a_refusal_is_retried_then_needs_attention_with_the_reason(
    in_alpha, fake, django_capture_on_commit_callbacks
):
    # given a supplier that refuses with a passing condition every time, and three attempts
    settings_set(max_attempts=3)
    supplier = api_supplier(fake, "east")
    variant, _offer = supplier_variant(supplier)
    fake.reject_next = ["SYSTEM_BUSY"] * 5

    # when the order is paid (the task retries itself eagerly)
    with django_capture_on_commit_callbacks(execute=True):
        order = order_paid([(variant, 1)])

    # then three attempts, then it waits for staff with a readable reason
    po = PurchaseOrder.objects.get(order=order)
    assert po.status == S.NEEDS_ATTENTION and po.attempts == 3
    assert len(fake.order_requests) == 3 and not fake.orders
    assert po.last_error_code == "order_rejected"
    from apps.purchasing.errors import purchase_order_error_message

    reason = purchase_order_error_message(po.last_error_code, po.last_error_params)
    assert "System busy" in reason and "SYSTEM_BUSY" in reason and "AliExpress DS" in reason
    failed = OrderEvent.objects.get(order=order, kind=OrderEventKind.PURCHASE_ORDER_FAILED)
    assert failed.params["error_code"] == "order_rejected" and failed.params["attempts"] == 3

    # when staff retry once the supplier is back
    fake.reject_next = []
    with django_capture_on_commit_callbacks(execute=True):
        purchase_order_retry(purchase_order_id=po.pk, actor=None)
    po.refresh_from_db()
    assert po.status == S.PLACED and po.attempts == 1 and po.last_error_code == ""


def test_a_permanent_refusal_needs_attention_at_once(in_alpha, fake, django_capture_on_commit_callbacks):
    # given a supplier out of the item when we order it
    supplier = api_supplier(fake, "east")
    variant, offer = supplier_variant(supplier)
    fake.out_of_stock.add(offer.supplier_product_id)

    with django_capture_on_commit_callbacks(execute=True):
        order = order_paid([(variant, 1)])

    po = PurchaseOrder.objects.get(order=order)
    assert po.status == S.NEEDS_ATTENTION and po.attempts == 1
    assert po.last_error_params["error_code"] == "INVENTORY_HOLD_ERROR"
    assert po.last_error == "Inventory is not enough for this SKU"


def test_an_invalid_address_is_refused_for_good(in_alpha, fake, django_capture_on_commit_callbacks):
    supplier = api_supplier(fake, "east")
    variant, _offer = supplier_variant(supplier)
    with django_capture_on_commit_callbacks(execute=True):
        order = order_paid([(variant, 1)])
    # given the shopper's address lost its postcode (the supplier validates it)
    po = PurchaseOrder.objects.get(order=order)
    PurchaseOrder.objects.filter(pk=po.pk).update(status=S.QUEUED, supplier_order_id="", attempts=0)
    fake.orders.clear()
    type(order).objects.filter(pk=order.pk).update(
        shipping_address={**order.shipping_address, "postal_code": ""}
    )
    from apps.purchasing.services import purchase_order_place

    outcome = purchase_order_place(purchase_order_id=po.pk)

    po.refresh_from_db()
    assert outcome.status == S.NEEDS_ATTENTION and outcome.retry_in is None
    assert po.last_error_params["error_code"] == "B_DROPSHIPPER_DELIVERY_ADDRESS_VALIDATE_FAIL"


@pytest.mark.parametrize(
    ("garbage", "expected"),
    [
        ("html", "not JSON"),
        ("no_result", "result.is_success"),
        ("no_order_list", "result.order_list"),
    ],
)
def test_a_garbage_answer_is_a_clear_error_and_nothing_half_written(
    in_alpha, fake, django_capture_on_commit_callbacks, garbage, expected
):
    from apps.purchasing.errors import purchase_order_error_message
    from apps.purchasing.services import purchase_order_place

    # given a queued purchase order (approval mode keeps it from being sent on payment)
    settings_set(mode="approval")
    supplier = api_supplier(fake, "east")
    variant, _offer = supplier_variant(supplier)
    with django_capture_on_commit_callbacks(execute=True):
        order = order_paid([(variant, 1)])
    po = PurchaseOrder.objects.get(order=order)
    PurchaseOrder.objects.filter(pk=po.pk).update(status=S.QUEUED)
    fake.garbage_next = [garbage]

    # when one attempt meets a broken answer
    outcome = purchase_order_place(purchase_order_id=po.pk)

    # then it failed with a sentence naming the problem, to be retried, and nothing says placed
    po.refresh_from_db()
    assert outcome.status == S.FAILED and outcome.retry_in == 60
    assert po.status == S.FAILED and po.supplier_order_id == "" and po.placed_at is None
    assert po.next_attempt_at is not None and po.last_error_code == "api_bad_response"
    assert expected in purchase_order_error_message(po.last_error_code, po.last_error_params)
    assert not OrderEvent.objects.filter(order=order, kind=OrderEventKind.PURCHASE_ORDER_PLACED).exists()

    # and the next attempt (same out_order_id) places it once
    outcome = purchase_order_place(purchase_order_id=po.pk)
    po.refresh_from_db()
    assert outcome.status == S.PLACED and po.attempts == 2 and len(fake.orders) == 1


def test_a_manual_supplier_order_is_placed_by_hand(in_alpha, django_capture_on_commit_callbacks):
    # given a supplier without an ordering API
    supplier = manual_supplier()
    variant, _offer = supplier_variant(supplier, cost="3.00")
    with django_capture_on_commit_callbacks(execute=True):
        order = order_paid([(variant, 2)])
    po = PurchaseOrder.objects.get(order=order)
    assert po.status == S.TO_PLACE_MANUALLY and po.attempts == 0

    # when staff record the supplier's order id and the real costs
    purchase_order_mark_placed(
        purchase_order_id=po.pk,
        supplier_order_id=" SO-991 ",
        cost=Decimal("5.50"),
        shipping_cost=Decimal("1.20"),
        actor=None,
    )

    po.refresh_from_db()
    assert (po.status, po.supplier_order_id, po.cost, po.shipping_cost) == (
        S.PLACED,
        "SO-991",
        Decimal("5.500"),
        Decimal("1.200"),
    )
    from apps.purchasing.selectors import purchase_order_cost_for_order, purchase_order_costs

    assert purchase_order_costs([order.pk]) == {order.pk: (Decimal("5.500"), Decimal("1.200"))}
    assert purchase_order_cost_for_order(order) == Decimal("6.700")


def test_mark_placed_needs_the_supplier_order_id(in_alpha, django_capture_on_commit_callbacks):
    from apps.purchasing.errors import PurchasingError

    supplier = manual_supplier()
    variant, _offer = supplier_variant(supplier)
    with django_capture_on_commit_callbacks(execute=True):
        order = order_paid([(variant, 1)])
    po = PurchaseOrder.objects.get(order=order)
    with pytest.raises(PurchasingError) as refused:
        purchase_order_mark_placed(purchase_order_id=po.pk, supplier_order_id="  ", actor=None)
    assert refused.value.field == "supplier_order_id"
    po.refresh_from_db()
    assert po.status == S.TO_PLACE_MANUALLY
