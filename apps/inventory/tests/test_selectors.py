from __future__ import annotations

import pytest

from apps.inventory.selectors import location_list, movement_list, stock_for_variants, stock_list
from apps.inventory.services import inventory_reserve, stock_adjust, stock_set
from apps.inventory.tests.factories import location_make, variant_make

pytestmark = pytest.mark.django_db


def test_stock_for_variants_groups_levels_by_priority_in_one_query(in_alpha, django_assert_num_queries):
    # given two variants, one stocked at two locations, the other nowhere
    stocked, empty = variant_make(), variant_make()
    second, first = location_make(priority=20), location_make(priority=10)
    stock_set(variant=stocked, location=second, on_hand=3, reason="x")
    stock_set(variant=stocked, location=first, on_hand=8, reason="x")
    # when their stock is read
    with django_assert_num_queries(1):
        result = stock_for_variants(variant_ids=[stocked.pk, empty.pk])
        # then each is a key, levels come by priority with their location loaded
        assert [(s.location.code, s.on_hand) for s in result[stocked.pk]] == [
            (first.code, 8),
            (second.code, 3),
        ]
    assert result[empty.pk] == []


def test_stock_list_shows_every_variant_with_this_locations_numbers(in_alpha, django_assert_num_queries):
    # given a variant stocked here, one stocked elsewhere only, and one never stocked
    here, elsewhere = location_make(), location_make()
    shirt = variant_make(sku="SHIRT-1", title="Blue shirt")
    mug = variant_make(sku="MUG-1", title="Coffee mug")
    variant_make(sku="CAP-1", title="Cap")
    stock_set(variant=shirt, location=here, on_hand=9, reason="x")
    inventory_reserve(variant=shirt, quantity=2, reference="r", location=here)
    stock_set(variant=mug, location=elsewhere, on_hand=50, reason="x")
    # when the location's stock is listed
    with django_assert_num_queries(1):
        rows = {
            v.sku: (v.product.title, v.on_hand, v.reserved, v.available, v.stock_id is not None)
            for v in stock_list(location=here)
        }
    # then every variant shows, with this location's numbers (zeros where it holds none)
    assert rows == {
        "SHIRT-1": ("Blue shirt", 9, 2, 7, True),
        "MUG-1": ("Coffee mug", 0, 0, 0, False),
        "CAP-1": ("Cap", 0, 0, 0, False),
    }


def test_stock_list_searches_sku_and_product_title(in_alpha):
    here = location_make()
    variant_make(sku="SHIRT-1", title="Blue shirt")
    variant_make(sku="MUG-1", title="Coffee mug")
    assert [v.sku for v in stock_list(location=here, query="shirt")] == ["SHIRT-1"]
    assert [v.sku for v in stock_list(location=here, query="mug-1")] == ["MUG-1"]
    assert list(stock_list(location=here, query="nothing-like-it")) == []


def test_stock_list_query_count_does_not_grow_with_variants(in_alpha, django_assert_num_queries):
    here = location_make()
    for n in range(12):
        stock_set(variant=variant_make(), location=here, on_hand=n + 1, reason="x")
    with django_assert_num_queries(1):
        assert len(list(stock_list(location=here))) == 12


def test_location_list_carries_totals(in_alpha):
    # given two locations, one holding stock of two variants
    busy, idle = location_make(priority=1, name="Busy"), location_make(priority=2, name="Idle")
    first, second = variant_make(), variant_make()
    stock_set(variant=first, location=busy, on_hand=4, reason="x")
    stock_set(variant=second, location=busy, on_hand=6, reason="x")
    inventory_reserve(variant=second, quantity=1, reference="r")
    # then the list has both, by priority, with their totals
    rows = [(loc.name, loc.variant_count, loc.on_hand_total, loc.reserved_total) for loc in location_list()]
    assert rows == [("Busy", 2, 10, 1), ("Idle", 0, 0, 0)]
    assert idle.pk in [loc.pk for loc in location_list()]


def test_movement_list_filters_by_stock_variant_and_location(in_alpha):
    first, second = variant_make(), variant_make()
    north, south = location_make(), location_make()
    a = stock_set(variant=first, location=north, on_hand=5, reason="x")
    stock_set(variant=first, location=south, on_hand=5, reason="x")
    stock_adjust(variant=second, location=north, delta=2, reason="x")
    stock_adjust(variant=first, location=north, delta=-1, reason="y")
    assert [m.on_hand_delta for m in movement_list(stock_id=a.pk)] == [-1, 5]  # newest first
    assert movement_list(variant_id=first.pk).count() == 3
    assert movement_list(location_id=north.pk).count() == 3
    assert movement_list(variant_id=first.pk, location_id=north.pk).count() == 2
    assert movement_list().count() == 4
