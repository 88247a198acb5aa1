"""Supplier tracking becomes the order's shipments: once per tracking number, delivered at the end."""

from __future__ import annotations

import pytest

from apps.purchasing.models import PurchaseOrder, PurchaseOrderShipment, PurchaseOrderStatus
from apps.purchasing.services import purchase_orders_tracking_sync
from apps.purchasing.tests.factories import api_supplier, order_paid, supplier_variant

pytestmark = pytest.mark.django_db
S = PurchaseOrderStatus


def test_each_placed_order_becomes_one_fulfilment_however_often_it_is_synced(
    in_alpha, fake, django_capture_on_commit_callbacks, mailoutbox
):
    from apps.fulfilment.models import Fulfilment

    # given an order placed with two suppliers, both handed to their carriers
    east, west = api_supplier(fake, "east"), api_supplier(fake, "west")
    shirt, _ = supplier_variant(east)
    mug, _ = supplier_variant(west)
    with django_capture_on_commit_callbacks(execute=True):
        order = order_paid([(shirt, 2), (mug, 1)])
    pos = list(PurchaseOrder.objects.filter(order=order).order_by("id"))
    assert [po.status for po in pos] == [S.PLACED, S.PLACED]
    numbers = {po.pk: fake.ship(po.supplier_order_id) for po in pos}

    # when tracking is synced twice
    with django_capture_on_commit_callbacks(execute=True):
        first = purchase_orders_tracking_sync()
    with django_capture_on_commit_callbacks(execute=True):
        second = purchase_orders_tracking_sync()

    # then each purchase order became one supplier fulfilment with its lines, once
    assert (first.checked, first.shipments, first.errors) == (2, 2, [])
    assert (second.checked, second.shipments) == (2, 0)
    fulfilments = Fulfilment.objects.filter(order=order).order_by("purchase_order_id")
    assert [(f.purchase_order_id, f.tracking_number, f.source) for f in fulfilments] == [
        (po.pk, numbers[po.pk], "supplier") for po in pos
    ]
    assert fulfilments[0].carrier == "cainiao" and fulfilments[0].tracking_url
    assert {
        (line.order_line.sku, line.quantity) for line in fulfilments[0].lines.select_related("order_line")
    } == {(shirt.sku, 2)}
    assert PurchaseOrderShipment.objects.filter(purchase_order__order=order).count() == 2
    for po in pos:
        po.refresh_from_db()
        assert po.status == S.SHIPPED and po.tracking_synced_at is not None
    # and the carrier's scans were handed over, each once
    assert fulfilments[0].events.count() == 2
    # and the shopper got one shipping email per parcel, with its tracking number
    shipped = [m for m in mailoutbox if m.extra_headers.get("X-Notification") == "order_shipped"]
    assert sorted(m.to[0] for m in shipped) == [order.email, order.email]
    for po in pos:
        assert sum(numbers[po.pk] in m.body for m in shipped) == 1

    # when the parcels arrive
    with django_capture_on_commit_callbacks(execute=True):
        third = purchase_orders_tracking_sync()
    assert third.delivered == 2
    for po in pos:
        po.refresh_from_db()
        assert po.status == S.DELIVERED
    assert all(f.delivered_at for f in Fulfilment.objects.filter(order=order))
    assert Fulfilment.objects.filter(order=order).count() == 2
    # and one "delivered" email for the whole order once its last parcel arrived
    delivered = [m for m in mailoutbox if m.extra_headers.get("X-Notification") == "order_delivered"]
    assert [m.to for m in delivered] == [[order.email]]


def test_no_parcel_yet_changes_nothing(in_alpha, fake, django_capture_on_commit_callbacks):
    supplier = api_supplier(fake, "east")
    variant, _ = supplier_variant(supplier)
    with django_capture_on_commit_callbacks(execute=True):
        order = order_paid([(variant, 1)])

    result = purchase_orders_tracking_sync()

    po = PurchaseOrder.objects.get(order=order)
    assert (result.checked, result.shipments) == (1, 0)
    assert po.status == S.PLACED and po.tracking_synced_at is not None
    assert not PurchaseOrderShipment.objects.exists()


def test_a_parcel_of_a_carrier_we_do_not_know_ships_with_a_universal_tracking_link(
    in_alpha, fake, django_capture_on_commit_callbacks, monkeypatch
):
    from apps.fulfilment.carriers import OTHER, carrier_guess
    from apps.fulfilment.models import Fulfilment
    from apps.purchasing.services import tracking

    # given a parcel whose number fits no carrier and whose logistics service we do not know
    monkeypatch.setattr(tracking, "SERVICE_CARRIERS", {})
    supplier = api_supplier(fake, "east")
    variant, _ = supplier_variant(supplier)
    with django_capture_on_commit_callbacks(execute=True):
        order = order_paid([(variant, 1)])
    po = PurchaseOrder.objects.get(order=order)
    number = fake.ship(po.supplier_order_id, mail_no="QX7K2")
    assert carrier_guess(number) is None

    # when tracking is synced
    with django_capture_on_commit_callbacks(execute=True):
        result = purchase_orders_tracking_sync()

    # then it still ships, as "other carrier" with a link that finds any carrier's parcel
    assert (result.shipments, result.errors) == (1, [])
    fulfilment = Fulfilment.objects.get(order=order)
    assert (fulfilment.carrier, fulfilment.tracking_number) == (OTHER, number)
    assert fulfilment.tracking_url == f"https://t.17track.net/en#nums={number}"
    po.refresh_from_db()
    assert po.status == S.SHIPPED and po.last_error_code == ""
