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


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        (K.PAYMENT_SUCCEEDED, {"amount": "1234.5", "currency": "EUR", "gateway": "stripe"}),
        (K.REFUNDED, {"amount": "1234.50", "currency": "EUR"}),
        (K.STORE_CREDIT_ISSUED, {"amount": "1234.500", "currency": "EUR"}),
        (K.EDITED, {"action": "line_removed", "old_total": "1300", "new_total": "1234.5", "currency": "EUR"}),
    ],
)
def test_amounts_are_written_as_money_in_the_readers_language(kind, params):
    event = OrderEvent(kind=kind, params=params)
    assert "€1,234.50" in order_event_message(event)
    if "gateway" in params:  # named, not coded
        assert order_event_message(event).endswith("received via Card (Stripe).")
    with translation.override("de"):
        german = order_event_message(event)
    assert "1.234,50\xa0€" in german and "EUR" not in german and "1234" not in german


def test_an_entry_without_a_currency_keeps_its_amount_as_stored():
    assert "12.50" in order_event_message(OrderEvent(kind=K.REFUNDED, params={"amount": "12.50"}))
