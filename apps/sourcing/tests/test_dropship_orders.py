"""Orders and tracking through the AliExpress-style client against the fake platform: a signed
POST with the documented fields, refusals and broken answers as typed errors, parcels parsed."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from apps.sourcing.connectors.dropship_api import (
    DropshipApiClient,
    SupplierOrderAddress,
    SupplierOrderItem,
    SupplierOrderRejected,
)
from apps.sourcing.errors import SourcingError
from apps.sourcing.tests.fakes import ACCESS_TOKEN, APP_KEY, APP_SECRET, reference_sign

ADDRESS = SupplierOrderAddress(
    full_name="Erika Mustermann", address="Unter den Linden 1", city="Berlin", country="de", zip="10117"
)
ITEMS = [
    SupplierOrderItem(
        product_id="1005001", sku_attr="12000001", quantity=2, logistics_service_name="CAINIAO_STANDARD"
    )
]


def _client(fake) -> DropshipApiClient:
    return DropshipApiClient(
        base_url=fake.base_url,
        app_key=APP_KEY,
        app_secret=APP_SECRET,
        access_token=ACCESS_TOKEN,
        supplier_name="AliExpress DS",
    )


def test_an_order_is_posted_signed_with_our_reference_and_answered_with_the_supplier_id(fake):
    order_id = _client(fake).order_create(
        out_order_id="PO-7", address=ADDRESS, items=ITEMS, pay_currency="EUR"
    )

    assert fake.rejections == [] and list(fake.orders) == [order_id]
    params = fake.order_requests[0]
    assert params["method"] == "aliexpress.ds.order.create" and params["sign"] == reference_sign(
        params, APP_SECRET
    )
    request = json.loads(params["param_place_order_request4_open_api_d_t_o"])
    assert request["out_order_id"] == "PO-7"
    assert request["logistics_address"]["country"] == "DE" and request["logistics_address"]["zip"] == "10117"
    assert request["product_items"][0] == {
        "product_id": 1005001,
        "sku_attr": "12000001",
        "product_count": 2,
        "logistics_service_name": "CAINIAO_STANDARD",
        "order_memo": "PO-7",
    }
    assert json.loads(params["ds_extend_request"]) == {"payment": {"pay_currency": "EUR"}}
    # the same reference again answers the same order, placing nothing new
    assert _client(fake).order_create(out_order_id="PO-7", address=ADDRESS, items=ITEMS) == order_id
    assert len(fake.orders) == 1


@pytest.mark.parametrize(
    ("setup", "code", "permanent"),
    [
        (lambda fake: fake.out_of_stock.add("1005001"), "INVENTORY_HOLD_ERROR", True),
        (lambda fake: fake.reject_next.append("SYSTEM_BUSY"), "SYSTEM_BUSY", False),
    ],
)
def test_a_refusal_is_a_typed_error_saying_whether_to_try_again(fake, setup, code, permanent):
    setup(fake)
    with pytest.raises(SupplierOrderRejected) as refused:
        _client(fake).order_create(out_order_id="PO-8", address=ADDRESS, items=ITEMS)
    assert refused.value.error_code == code and refused.value.permanent is permanent
    assert "AliExpress DS refused the order" in refused.value.message and code in refused.value.message
    assert not fake.orders


def test_an_address_without_street_is_refused_by_the_supplier(fake):
    with pytest.raises(SupplierOrderRejected) as refused:
        _client(fake).order_create(
            out_order_id="PO-9",
            address=SupplierOrderAddress(full_name="X", address="", city="Y", country="DE"),
            items=ITEMS,
        )
    assert refused.value.error_code == "B_DROPSHIPPER_DELIVERY_ADDRESS_VALIDATE_FAIL"


@pytest.mark.parametrize(
    ("garbage", "words"),
    [("html", "not JSON"), ("no_result", "result.is_success"), ("no_order_list", "result.order_list")],
)
def test_a_broken_answer_is_a_clear_error(fake, garbage, words):
    fake.garbage_next = [garbage]
    with pytest.raises(SourcingError) as failed:
        _client(fake).order_create(out_order_id="PO-10", address=ADDRESS, items=ITEMS)
    assert not isinstance(failed.value, SupplierOrderRejected)
    assert failed.value.code == "api_bad_response" and words in failed.value.message


def test_tracking_advances_to_delivered(fake):
    client = _client(fake)
    order_id = client.order_create(out_order_id="PO-11", address=ADDRESS, items=ITEMS)
    assert client.order_tracking(order_id) == []  # not shipped yet
    number = fake.ship(order_id)

    first = client.order_tracking(order_id)
    client.order_tracking(order_id)
    last = client.order_tracking(order_id)

    assert [parcel.tracking_number for parcel in first] == [number]
    assert (
        first[0].carrier == "AliExpress Standard Shipping"
        and first[0].logistics_service == "CAINIAO_STANDARD"
    )
    assert [(e.status, e.location) for e in first[0].events] == [("shipped", "Shenzhen")]
    assert not first[0].delivered
    assert [e.status for e in last[0].events] == ["shipped", "in_transit", "delivered"] and last[0].delivered
    assert last[0].events[0].occurred_at == datetime.fromtimestamp(1764500000, tz=UTC)
    assert fake.tracking_requests == [order_id] * 4
