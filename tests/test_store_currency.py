"""Money follows the store's currency through real paths: a pricing rule in a JPY store gives
whole yen, in a KWD store three decimals; a supplier import in a JPY store prices in whole yen."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from apps.catalog.models import ImportRun, ProductVariant
from apps.sourcing.models import PricingRule, Supplier
from apps.sourcing.pricing import price_apply_rule, price_for_cost
from apps.sourcing.services import (
    PricingRuleInput,
    SupplierInput,
    pricing_rule_save,
    supplier_import_start,
    supplier_save,
)
from apps.stores.selectors import store_settings_get
from apps.stores.services import StoreSettingsInput, store_settings_update

pytestmark = pytest.mark.django_db

D = Decimal
R = PricingRule.Rounding


def _sell_in(currency: str) -> None:
    store_settings_update(data=StoreSettingsInput.from_settings(store_settings_get(), currency=currency))


def _rule(*, markup: str, rounding: str, compare_at: str | None = None) -> PricingRule:
    return pricing_rule_save(
        rule=PricingRule(),
        data=PricingRuleInput(
            name="Store-wide",
            markup_percent=D(markup),
            rounding=rounding,
            compare_at_percent=D(compare_at) if compare_at else None,
        ),
    )


@pytest.mark.parametrize(
    ("rounding", "cost", "price"),
    [
        (R.NONE, "1234.4", "2469"),  # 2468.8 -> half up
        (R.NINETY_NINE, "1234.4", "2469"),  # no .99 yen: rounds up to the whole yen
        (R.NINETY_FIVE, "1000", "2000"),
        (R.WHOLE, "1234.01", "2469"),  # 2468.02 -> up
    ],
)
def test_a_pricing_rule_in_a_jpy_store_gives_whole_yen(alpha, rounding, cost, price):
    with tenant_context(alpha.tenant):
        _sell_in("JPY")
        _rule(markup="100", rounding=rounding)
        result, _compare_at = price_for_cost(cost=D(cost), supplier=None)
    assert result == D(price)
    assert result.as_tuple().exponent == 0  # no decimals at all, not "2469.00"


def test_a_pricing_rule_in_a_kwd_store_keeps_three_decimals(alpha):
    with tenant_context(alpha.tenant):
        _sell_in("KWD")
        _rule(markup="10", rounding=R.NONE, compare_at="25")
        price, compare_at = price_for_cost(cost=D("3.1234"), supplier=None)
    assert price == D("3.436")  # 3.43574 -> 3.436, not 3.44
    assert price.as_tuple().exponent == -3
    assert compare_at == D("4.295")  # 3.436 x 1.25
    # and a .99 ending is written with the currency's three places
    rule = PricingRule(markup_percent=D("0"), fixed_margin=D("0"), rounding=R.NINETY_NINE)
    assert str(price_apply_rule(cost=D("4.2"), rule=rule, currency="KWD")[0]) == "4.990"


def test_the_same_rule_in_a_euro_store_still_ends_in_99_cents(alpha):
    with tenant_context(alpha.tenant):
        _rule(markup="100", rounding=R.NINETY_NINE)
        price, _ = price_for_cost(cost=D("1234.4"), supplier=None)
    assert str(price) == "2468.99"


def test_a_supplier_import_in_a_jpy_store_prices_in_whole_yen(alpha, django_capture_on_commit_callbacks):
    # given a store that sells in yen, a store-wide rule and a supplier's file without a currency
    feed = {
        "products": [
            {
                "id": "TEA",
                "title": "Sencha",
                "variants": [
                    {"sku": "T-50", "options": {"Size": "50 g"}, "cost": "612.4", "stock": 4},
                    {"sku": "T-100", "options": {"Size": "100 g"}, "cost": 1100},
                ],
            }
        ]
    }
    upload = SimpleUploadedFile("tea.json", json.dumps(feed).encode(), content_type="application/json")
    with tenant_context(alpha.tenant):
        _sell_in("JPY")
        _rule(markup="50", rounding=R.NINETY_NINE)
        supplier = supplier_save(supplier=Supplier(), data=SupplierInput(name="Tea House", code="tea"))
        # when it is imported
        with django_capture_on_commit_callbacks(execute=True):
            run = supplier_import_start(supplier=supplier, upload=upload)
        run.refresh_from_db()
        prices = dict(ProductVariant.objects.values_list("sku", "price"))
    # then the file's costs were read as yen and every price is a whole number of yen
    assert run.status == ImportRun.Status.SUCCEEDED, run.failure_reason
    assert prices == {"tea-T-50": D("919"), "tea-T-100": D("1650")}  # 918.6 -> 919; 1650 stays
    assert all(price == price.to_integral_value() for price in prices.values())


def test_a_kwd_store_keeps_three_decimals_and_a_jpy_store_none_through_the_product_paths(
    alpha, beta, django_capture_on_commit_callbacks
):
    """The editor's service, the CSV importer, the export and the dashboard list all round to the
    store currency's minor units, and the columns hold KWD's third decimal."""
    from apps.catalog.bulk import product_import_start
    from apps.catalog.bulk.export import products_export_csv_rows
    from apps.catalog.services import ProductInput, VariantInput, product_create
    from tests.fixtures import make_store_user, store_client

    with tenant_context(alpha.tenant):
        _sell_in("KWD")
        product = product_create(
            data=ProductInput(title="Dates", variants=(VariantInput(sku="DATES-1", price=D("12.3456")),))
        )
        variant = product.variants.get()
        variant.refresh_from_db()
        assert (variant.price, variant.currency) == (D("12.346"), "KWD")
        with django_capture_on_commit_callbacks(execute=True):
            run = product_import_start(
                upload=SimpleUploadedFile("p.csv", b"handle,title,sku,price\nfigs,Figs,FIGS-1,7.0004\n"),
                policy="",
                actor=None,
            )
        run.refresh_from_db()
        assert run.status == ImportRun.Status.SUCCEEDED
        assert ProductVariant.objects.get(sku="FIGS-1").price == D("7.000")
        exported = "".join(",".join(row) for row in products_export_csv_rows())
        assert "12.346" in exported and "7.000" in exported
    with tenant_context(beta.tenant):
        _sell_in("JPY")
        product = product_create(
            data=ProductInput(title="Tea", variants=(VariantInput(sku="TEA-1", price=D("1999.5")),))
        )
        assert product.variants.get().price == D("2000")
    owner = make_store_user(alpha, "kwd-owner@example.com", role="owner")
    client = store_client(alpha)
    with tenant_context(alpha.tenant):
        client.force_login(owner)
    page = client.get("/dashboard/catalog/products/").content.decode()
    assert "KWD" in page and "12.346" in page
