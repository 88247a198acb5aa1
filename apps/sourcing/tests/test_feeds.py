"""CSV and JSON feed parsing: what is read, and every problem named by row and column."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from apps.sourcing.connectors import SupplierItemVariant
from apps.sourcing.connectors.feeds import parse_csv_feed, parse_json_feed
from apps.sourcing.errors import FeedInvalid, SourcingError

CSV = """product_id,title,description,image_urls,url,sku,option1_name,option1_value,cost,currency,stock,available
P1,Linen shirt,<p>Soft</p>,https://cdn.example/a.png|https://cdn.example/b.png,https://s.example/p1,P1-S,Size,S,12.50,EUR,40,true
P1,,,,,P1-M,Size,M,"12,75",EUR,0,yes
P2,Mug,,https://cdn.example/mug.png,javascript:alert(1),MUG,,,4,,7,
"""


def test_csv_rows_become_products_with_variants():
    items = parse_csv_feed(CSV.encode(), default_currency="EUR")
    assert [item.supplier_product_id for item in items] == ["P1", "P2"]
    shirt, mug = items
    assert shirt.title == "Linen shirt"
    assert shirt.images == ("https://cdn.example/a.png", "https://cdn.example/b.png")
    assert shirt.url == "https://s.example/p1"
    assert shirt.row == 2
    assert shirt.variants == (
        SupplierItemVariant(
            sku="P1-S", cost=Decimal("12.50"), currency="EUR", stock=40, options=(("Size", "S"),)
        ),
        SupplierItemVariant(
            sku="P1-M", cost=Decimal("12.75"), currency="EUR", stock=0, options=(("Size", "M"),)
        ),
    )
    assert mug.variants[0].currency == "EUR"  # the default
    assert mug.variants[0].available is True
    assert mug.url == ""  # only http(s) product pages are kept: they become links in the dashboard


def test_semicolon_separated_csv_with_a_bom_is_read():
    content = "\ufeffproduct_id;title;sku;cost\nA;Thing;A-1;3.20\n".encode()
    (item,) = parse_csv_feed(content, default_currency="EUR")
    assert item.variants[0].cost == Decimal("3.20")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"title,sku\nX,Y\n", "no \u201cproduct_id\u201d column"),
        (b"\xff\xfe\x00bad", "not UTF-8"),
        (b"product_id,title,sku,cost\n", "no products"),
    ],
)
def test_unreadable_csv_is_refused_as_a_whole(content, message):
    with pytest.raises(SourcingError) as error:
        parse_csv_feed(content, default_currency="EUR")
    assert message in error.value.message
    assert not isinstance(error.value, FeedInvalid)


def test_every_bad_csv_row_is_named():
    content = (
        b"product_id,title,sku,cost,stock,available,currency,option1_name,option1_value\n"
        b"P1,Shirt,S1,abc,1,true,EUR,Size,S\n"  # bad cost
        b"P1,,S2,-3,1,true,EUR,Size,M\n"  # negative cost
        b"P2,Hat,H1,2,1.5,maybe,EURO,,\n"  # bad stock, available, currency
        b"P3,,X9,2,1,true,EUR,,\n"  # no title
        b"P4,Cap,X9,2,1,true,EUR,,\n"  # duplicate SKU
        b",Lost,L1,2,1,true,EUR,,\n"  # no product id
    )
    with pytest.raises(FeedInvalid) as error:
        parse_csv_feed(content, default_currency="EUR")
    found = {(p.row, p.column) for p in error.value.problems}
    assert {
        (2, "cost"),
        (3, "cost"),
        (4, "stock"),
        (4, "available"),
        (4, "currency"),
        (5, "title"),
        (6, "sku"),
        (7, "product_id"),
    } <= found
    assert "row 2" in error.value.message


def test_several_variants_need_distinct_options():
    content = b"product_id,title,sku,cost\nP1,Shirt,S1,2\nP1,,S2,2\n"
    with pytest.raises(FeedInvalid) as error:
        parse_csv_feed(content, default_currency="EUR")
    assert "same options" in error.value.problems[0].message


def test_json_feed_with_decimal_prices_and_option_lists():
    content = json.dumps(
        {
            "products": [
                {
                    "id": "J1",
                    "title": "Lamp",
                    "images": ["https://cdn.example/lamp.png"],
                    "variants": [
                        {"sku": "J1-W", "options": {"Colour": "White"}, "cost": 19.99, "stock": 3},
                        {
                            "sku": "J1-B",
                            "options": [{"name": "Colour", "value": "Black"}],
                            "cost": "21.00",
                            "available": False,
                        },
                    ],
                },
                {"id": "J2", "title": "Bulb", "sku": "BULB", "cost": "0.85", "stock": 100},
            ]
        }
    ).encode()
    lamp, bulb = parse_json_feed(content, default_currency="EUR")
    assert lamp.variants[0].cost == Decimal("19.99")  # never a float
    assert lamp.variants[1].available is False
    assert lamp.variants[1].options == (("Colour", "Black"),)
    assert bulb.variants == (
        SupplierItemVariant(sku="BULB", cost=Decimal("0.85"), currency="EUR", stock=100),
    )


def test_malformed_json_is_refused_with_the_reason():
    with pytest.raises(SourcingError) as error:
        parse_json_feed(b'{"products": [', default_currency="EUR")
    assert "not valid JSON" in error.value.message
    with pytest.raises(SourcingError) as error:
        parse_json_feed(b'{"items": []}', default_currency="EUR")
    assert "products" in error.value.message


def test_bad_json_products_are_named():
    content = json.dumps(
        {"products": [{"id": "A", "title": "", "variants": [{"sku": "", "cost": "x"}]}, "oops"]}
    ).encode()
    with pytest.raises(FeedInvalid) as error:
        parse_json_feed(content, default_currency="EUR")
    found = {(p.row, p.column) for p in error.value.problems}
    assert {(1, "title"), (1, "variants[1].sku"), (1, "variants[1].cost"), (2, "")} <= found
