"""The demo checkout set-up of `make run` (`apps.checkout.demo`): what it makes, that a shopper
can use it, that a second run adds nothing, and that it stays in its own store."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from apps.checkout.demo import (
    DEMO_DISCOUNT_CODE,
    DEMO_GIFT_CARD_CODE,
    REST_OF_WORLD,
    checkout_demo_load,
)
from apps.checkout.eu_vat import EU_STANDARD_VAT_RATES
from apps.checkout.models import Discount, GiftCard, GiftCardTransaction, ShippingRate, ShippingZone, TaxRate
from apps.checkout.selectors.checkout import checkout_totals, shipping_options
from apps.checkout.services import checkout_address_set, checkout_code_apply, checkout_shipping_set
from apps.checkout.tests.factories import address_input, checkout_make, pickup_location_make
from apps.payments.gateways.base import gateways_available
from apps.payments.selectors import payment_settings_get

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {
        "zones": ShippingZone.objects.count(),
        "rates": ShippingRate.objects.count(),
        "tax_rates": TaxRate.objects.count(),
        "discounts": Discount.objects.count(),
        "gift_cards": GiftCard.objects.count(),
        "gift_card_rows": GiftCardTransaction.objects.count(),
    }


def test_the_demo_sets_up_shipping_taxes_discounts_a_gift_card_and_payments(in_alpha):
    # when the demo set-up runs in a store without a country
    result = checkout_demo_load()

    # then it made a home zone (the demo's default country) and a rest-of-world zone
    assert result.zones == ["Domestic (DE)", REST_OF_WORLD]
    home = ShippingZone.objects.get(name="Domestic (DE)")
    world = ShippingZone.objects.get(name=REST_OF_WORLD)
    assert home.countries == ["DE"]
    assert "DE" not in world.countries and {"US", "FR", "JP"} <= set(world.countries)
    kinds = set(ShippingRate.objects.values_list("kind", flat=True))
    assert kinds == {"free_over", "flat", "weight"}  # no pickup point in this store
    # every EU member state's standard VAT plus California's sales tax
    assert result.tax_rates == len(EU_STANDARD_VAT_RATES) + 1
    assert TaxRate.objects.get(country="DE").rate == Decimal("0.190000")
    california = TaxRate.objects.get(country="US", region="CA")
    assert (california.rate, california.applies_to_shipping) == (Decimal("0.072500"), False)
    # an automatic free-shipping discount and the once-per-customer welcome code
    welcome = Discount.objects.get(code=DEMO_DISCOUNT_CODE)
    assert (welcome.kind, welcome.value, welcome.once_per_customer) == ("percentage", Decimal(10), True)
    assert Discount.objects.get(automatic=True).kind == "free_shipping"
    card = GiftCard.objects.get(code=DEMO_GIFT_CARD_CODE)
    assert card.balance == Decimal("50.000") and card.transactions.count() == 1
    # and shoppers can pay with test cards or by bank transfer
    assert [choice.code for choice in gateways_available()] == ["dummy", "bank_transfer"]
    assert payment_settings_get().bank_transfer_instructions


def test_a_second_run_adds_nothing_and_keeps_the_merchants_changes(in_alpha):
    checkout_demo_load()
    before = _counts()
    # given the merchant changed what the demo made
    Discount.objects.filter(code=DEMO_DISCOUNT_CODE).update(active=False)
    ShippingRate.objects.filter(name="Express").delete()
    payment_settings_get()
    from apps.payments.models import PaymentSettings

    PaymentSettings.objects.update(dummy_enabled=False)

    # when it runs again
    result = checkout_demo_load()

    # then nothing was added or switched back on
    assert result.summary() == (
        "0 shipping zones, 0 rates, 0 tax rates, 0 discounts, no gift card, payments unchanged"
    )
    assert _counts() == {**before, "rates": before["rates"] - 1}
    assert not Discount.objects.get(code=DEMO_DISCOUNT_CODE).active
    assert not payment_settings_get().dummy_enabled


def test_a_shopper_can_use_the_demo_rates_code_and_gift_card(in_alpha):
    checkout_demo_load()
    checkout = checkout_make(lines=2, price="20.00", quantity=1)  # 40.00, 2 x 0 g

    # a German address: standard (4.90, free from 60) and express
    checkout_address_set(checkout=checkout, shipping_address=address_input())
    options = {choice.name: choice.amount for choice in shipping_options(checkout=checkout)}
    assert options == {"Standard": Decimal("4.90"), "Express": Decimal("12.90")}
    checkout_shipping_set(
        checkout=checkout,
        rate_id=ShippingRate.objects.get(zone__name="Domestic (DE)", name="Standard").pk,
    )
    checkout_code_apply(checkout=checkout, code=DEMO_DISCOUNT_CODE.lower())
    checkout_code_apply(checkout=checkout, code=DEMO_GIFT_CARD_CODE)
    totals = checkout_totals(checkout=checkout)
    # 40.00 - 10 % = 36.00, + 4.90 shipping = 40.90 net, + 19 % VAT
    assert totals.discount_total == Decimal("4.00")
    assert totals.tax_total == Decimal("7.77")
    assert totals.total == Decimal("48.67")
    assert totals.gift_card_total == Decimal("48.67") and totals.amount_due == Decimal("0.00")

    # a Californian address: the rest-of-world rate by weight, sales tax not on shipping
    checkout_address_set(
        checkout=checkout,
        shipping_address=address_input(
            line1="1 Market St", city="San Francisco", region="CA", postal_code="94105", country="US"
        ),
    )
    options = {choice.name: choice.amount for choice in shipping_options(checkout=checkout)}
    assert options == {"International (up to 2 kg)": Decimal("14.90")}


def test_a_pickup_point_gets_a_pickup_rate(in_alpha):
    location = pickup_location_make()
    checkout_demo_load()
    rate = ShippingRate.objects.get(kind="pickup")
    assert (rate.zone.name, rate.pickup_location_id, rate.amount) == ("Domestic (DE)", location.pk, 0)


def test_the_demo_stays_in_its_store(alpha, beta):
    with schema_context(beta.tenant.schema_name):
        before = _counts()
    with schema_context(alpha.tenant.schema_name):
        checkout_demo_load()
    with schema_context(beta.tenant.schema_name):
        assert _counts() == before
        assert not GiftCard.objects.filter(code=DEMO_GIFT_CARD_CODE).exists()
