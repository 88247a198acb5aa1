"""Small builders for sourcing tests (they run inside a store's schema)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from apps.sourcing.models import PricingRule, Supplier
from apps.sourcing.services import PricingRuleInput, SupplierInput, pricing_rule_save, supplier_save
from apps.sourcing.tests.fakes import ACCESS_TOKEN, APP_KEY, APP_SECRET, FakeSupplier


def make_supplier(name: str = "Acme Wholesale", code: str = "acme", **overrides: Any) -> Supplier:
    return supplier_save(supplier=Supplier(), data=SupplierInput(name=name, code=code, **overrides))


def make_feed_supplier(
    feed_url: str, *, json_feed: bool = False, code: str = "acme", **overrides: Any
) -> Supplier:
    return make_supplier(
        code=code,
        connector=Supplier.Connector.JSON_FEED if json_feed else Supplier.Connector.CSV_FEED,
        connector_config={"feed_url": feed_url},
        **overrides,
    )


def make_api_supplier(
    fake: FakeSupplier, *, product_ids: list[str], code: str = "ali", **config: Any
) -> Supplier:
    return make_supplier(
        name="AliExpress DS",
        code=code,
        connector=Supplier.Connector.DROPSHIP_API,
        connector_config={
            "base_url": fake.base_url,
            "app_key": APP_KEY,
            "app_secret": APP_SECRET,
            "access_token": ACCESS_TOKEN,
            "product_ids": product_ids,
            "ship_to_country": "DE",
            "target_currency": "EUR",
            **config,
        },
    )


def make_rule(
    *,
    supplier: Supplier | None = None,
    markup: str = "100",
    margin: str = "0",
    rounding: str = PricingRule.Rounding.NINETY_NINE,
    compare_at: str | None = None,
    name: str = "Standard",
) -> PricingRule:
    return pricing_rule_save(
        rule=PricingRule(),
        data=PricingRuleInput(
            name=name,
            supplier_id=supplier.pk if supplier else None,
            markup_percent=Decimal(markup),
            fixed_margin=Decimal(margin),
            rounding=rounding,
            compare_at_percent=Decimal(compare_at) if compare_at is not None else None,
        ),
    )
