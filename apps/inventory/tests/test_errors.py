"""Inventory error codes are one enum: services raise members of it with the parameters their
message was built from, so callers decide on the code and data, never on the text."""

from __future__ import annotations

import pytest

from apps.inventory.errors import InventoryError, InventoryErrorCode, LocationCodeTaken
from apps.inventory.models import Location
from apps.inventory.services import inventory_reserve, location_save, stock_adjust, stock_set
from apps.inventory.tests.factories import location_make, variant_make


def test_errors_keep_their_stable_codes_as_enum_members():
    assert LocationCodeTaken("x").code == "location_code_taken" == InventoryErrorCode.LOCATION_CODE_TAKEN
    assert InventoryError("x").code is InventoryErrorCode.INVENTORY_ERROR
    assert InventoryError("x", code="stock_inconsistent").code is InventoryErrorCode.STOCK_INCONSISTENT
    with pytest.raises(ValueError, match="not a member of InventoryErrorCode"):
        InventoryError("x", code="warehouse_on_fire")


@pytest.mark.django_db
def test_a_refused_removal_names_its_code_and_numbers(in_alpha):
    location, variant = location_make(name="Depot"), variant_make(sku="ERR-1")
    stock_set(variant=variant, location=location, on_hand=3, reason="count")
    inventory_reserve(variant=variant, quantity=2, reference="cart-1")
    with pytest.raises(InventoryError) as removal:
        stock_adjust(variant=variant, location=location, delta=-5, reason="broken")
    assert removal.value.code is InventoryErrorCode.INSUFFICIENT_STOCK
    assert removal.value.field == "delta"
    assert removal.value.params == {
        "quantity": 5,
        "sku": "ERR-1",
        "location": "Depot",
        "on_hand": 3,
        "reserved": 2,
        "available": 1,
    }
    with pytest.raises(InventoryError) as reservation:
        inventory_reserve(variant=variant, quantity=4, reference="cart-2")
    assert reservation.value.code is InventoryErrorCode.INSUFFICIENT_STOCK
    assert reservation.value.params == {"available": 1, "sku": "ERR-1", "quantity": 4}


@pytest.mark.django_db
def test_a_taken_location_code_carries_the_code(in_alpha):
    location_make(code="berlin")
    with pytest.raises(InventoryError) as taken:
        location_save(
            location=Location(), name="B", code="berlin", kind="warehouse", priority=1, is_active=True
        )
    assert (taken.value.code, taken.value.params, taken.value.field) == (
        InventoryErrorCode.LOCATION_CODE_TAKEN,
        {"code": "berlin"},
        "code",
    )
