"""The AliExpress-style client against the local fake platform: signed requests, parsed
products, and platform errors turned into messages that name the supplier."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.catalog.models import ImportRun
from apps.sourcing.connectors.dropship_api import DropshipApiClient, api_sign, product_ids_parse
from apps.sourcing.errors import FeedInvalid, SourcingError
from apps.sourcing.tests.fakes import ACCESS_TOKEN, APP_KEY, APP_SECRET, ds_product, reference_sign


def _client(fake, **overrides):
    options = {
        "base_url": fake.base_url,
        "app_key": APP_KEY,
        "app_secret": APP_SECRET,
        "access_token": ACCESS_TOKEN,
        "product_ids": ["1005001"],
        "ship_to_country": "DE",
        "target_currency": "EUR",
        "supplier_name": "AliExpress DS",
        **overrides,
    }
    return DropshipApiClient(**options)


def _shirt(fake):
    fake.products["1005001"] = ds_product(
        "1005001",
        title="Linen shirt",
        skus=[
            {"id": "12000001", "price": "7.35", "stock": 40, "options": {"Size": "S", "Colour": "Blue"}},
            {"id": "12000002", "price": "7.80", "stock": 0, "options": {"Size": "M", "Colour": "Blue"}},
        ],
        images=[fake.image_url("a.png"), fake.image_url("b.png")],
    )


def test_the_signature_follows_the_platform_convention():
    params = {
        "method": "aliexpress.ds.product.get",
        "app_key": "12345",
        "timestamp": "1700000000000",
        "b": "2",
    }
    assert api_sign(params, secret="s3cret") == reference_sign(params, "s3cret")
    assert api_sign({**params, "sign": "ignored"}, secret="s3cret") == api_sign(params, secret="s3cret")
    assert api_sign(params, secret="s3cret").isupper()


def test_a_product_is_fetched_with_a_signed_request_and_parsed(fake):
    _shirt(fake)
    items = _client(fake).fetch_catalog()
    # the fake platform accepted the signature and saw every documented parameter
    assert fake.rejections == []
    query = fake.api_requests[0]
    assert query["method"] == "aliexpress.ds.product.get"
    assert query["sign_method"] == "sha256"
    assert query["app_key"] == APP_KEY
    assert query["access_token"] == ACCESS_TOKEN
    assert query["timestamp"].isdigit() and len(query["timestamp"]) == 13
    assert (query["product_id"], query["ship_to_country"], query["target_currency"]) == (
        "1005001",
        "DE",
        "EUR",
    )
    assert query["target_language"] == "en_US"
    # and the answer became one item with its variants, options, costs, stock and images
    (item,) = items
    assert item.supplier_product_id == "1005001"
    assert item.title == "Linen shirt"
    assert item.description == "<p>From the fake supplier.</p>"
    assert item.images == (fake.image_url("a.png"), fake.image_url("b.png"))
    assert [(v.sku, v.cost, v.stock, v.currency, v.available) for v in item.variants] == [
        ("12000001", Decimal("7.35"), 40, "EUR", True),
        ("12000002", Decimal("7.80"), 0, "EUR", True),
    ]
    assert item.variants[0].options == (("Size", "S"), ("Colour", "Blue"))
    assert _client(fake).import_kind == ImportRun.Kind.SUPPLIER_API


def test_a_wrong_secret_is_refused_with_the_platforms_message(fake):
    _shirt(fake)
    with pytest.raises(SourcingError) as error:
        _client(fake, app_secret="not-the-secret").fetch_catalog()
    assert fake.rejections == ["IncompleteSignature"]
    message = error.value.message
    assert "AliExpress DS" in message
    assert "The request signature does not conform to platform standards" in message
    assert "IncompleteSignature" in message
    assert error.value.code == "api_error"


def test_an_expired_token_is_a_clear_error(fake):
    _shirt(fake)
    with pytest.raises(SourcingError, match="access token is invalid or expired"):
        _client(fake, access_token="old-token").fetch_items(["1005001"])


def test_a_product_that_no_longer_exists_is_missing_from_a_sync_read(fake):
    _shirt(fake)
    fake.gone.add("1005002")
    items = _client(fake).fetch_items(["1005001", "1005002"])
    assert [item.supplier_product_id for item in items] == ["1005001"]


def test_a_product_that_no_longer_exists_fails_an_import_by_row(fake):
    _shirt(fake)
    with pytest.raises(FeedInvalid) as error:
        _client(fake, product_ids=["1005001", "999999"]).fetch_catalog()
    assert [(p.row, p.column) for p in error.value.problems] == [(2, "product_id")]
    assert "999999" in error.value.problems[0].message


def test_other_platform_failures_are_errors_not_missing_products(fake):
    fake.busy.add("1005003")
    with pytest.raises(SourcingError, match="System busy") as error:
        _client(fake).fetch_items(["1005003"])
    assert error.value.code == "api_error"


def test_an_unexpected_answer_shape_is_named(fake):
    fake.products["1005004"] = {"ae_item_base_info_dto": {"product_id": 1005004, "subject": "Broken"}}
    with pytest.raises(SourcingError, match="ae_item_sku_info_dtos"):
        _client(fake).fetch_items(["1005004"])


def test_an_offline_product_is_listed_but_unavailable(fake):
    fake.products["1005005"] = ds_product(
        "1005005", title="Old lamp", status="offline", skus=[{"id": "9", "price": "3.00", "stock": 5}]
    )
    (item,) = _client(fake).fetch_items(["1005005"])
    assert item.variants[0].available is False


def test_an_unreachable_api_is_a_clear_error(fake, settings):
    settings.OUTBOUND_HTTP_ALLOWED_PRIVATE_HOSTS = []
    with pytest.raises(SourcingError) as error:
        _client(fake).fetch_items(["1005001"])
    assert error.value.code == "api_unreachable"
    assert "private or local address" in error.value.message


def test_incomplete_settings_are_refused():
    with pytest.raises(SourcingError, match="incomplete"):
        DropshipApiClient(base_url="https://api.example", app_key="", app_secret="x")


def test_product_ids_can_be_pasted_as_ids_or_urls():
    text = (
        "1005001234567890\nhttps://www.aliexpress.com/item/1005009999999999.html?spm=a2g0o, 1005001234567890"
    )
    assert product_ids_parse(text) == ["1005001234567890", "1005009999999999"]
    with pytest.raises(ValueError, match="not a product id"):
        product_ids_parse("shirt")
