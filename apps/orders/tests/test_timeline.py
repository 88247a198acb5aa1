"""The order timeline's sentences: one unit is one unit, in every language."""

from __future__ import annotations

import pytest
from django.utils import translation

from apps.orders.enums import OrderEventKind as K
from apps.orders.models import OrderEvent
from apps.orders.timeline import order_event_message

SHIPPED = {"carrier": "DHL", "tracking_number": "1234567890"}


@pytest.mark.parametrize(
    ("kind", "params", "one", "two"),
    [
        (K.FULFILMENT_CREATED, SHIPPED, "1 unit shipped with DHL", "2 units shipped with DHL"),
        (K.STOCK_RESTOCKED, {}, "1 unit returned to stock.", "2 units returned to stock."),
        (K.STOCK_RESERVED, {}, "1 unit reserved", "2 units reserved"),
        (K.STOCK_COMMITTED, {}, "1 unit left stock.", "2 units left stock."),
        (K.STOCK_RELEASED, {}, "1 reserved unit released.", "2 reserved units released."),
        (K.STOCK_SHORT, {"sku": "TEE"}, "1 unit of TEE could", "2 units of TEE could"),
        (
            K.RETURN_REQUESTED,
            {"reason": "too small"},
            "Return of 1 unit requested",
            "Return of 2 units requested",
        ),
    ],
)
def test_a_count_of_units_is_singular_for_one(kind, params, one, two):
    assert one in order_event_message(OrderEvent(kind=kind, params={**params, "units": 1}))
    assert two in order_event_message(OrderEvent(kind=kind, params={**params, "units": 2}))


def test_the_singular_is_translated():
    event = OrderEvent(kind=K.STOCK_RESTOCKED, params={"units": 1})
    with translation.override("es"):
        assert order_event_message(event) == "1 unidad devuelta a las existencias."
    event.params["units"] = 3
    with translation.override("es"):
        assert order_event_message(event) == "3 unidades devueltas a las existencias."
