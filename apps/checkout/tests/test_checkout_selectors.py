"""Reading a checkout: shipping options by zone, weight and subtotal; the tax rate by
destination; totals with store settings; problems; and a query count that does not grow with
the number of lines."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.models import User
from apps.catalog.models import Collection, CollectionProduct, ProductVariant
from apps.checkout.errors import CheckoutErrorCode
from apps.checkout.models import ShippingRate
from apps.checkout.selectors import (
    Destination,
    checkout_get,
    checkout_problems,
    checkout_review,
    checkout_totals,
    shipping_options,
    tax_rate_for,
)
from apps.checkout.services import (
    checkout_code_apply,
    checkout_shipping_set,
    checkout_store_credit_set,
    store_credit_grant,
)
from apps.checkout.tests.factories import (
    address_input,
    checkout_make,
    discount_make,
    gift_card_make,
    pickup_location_make,
    rate_make,
    tax_make,
    zone_make,
)
from apps.inventory.models import StockLevel
from apps.stores.selectors import store_settings_get
from apps.stores.services import StoreSettingsInput, store_settings_update
from tests.fixtures import StoreWorld

pytestmark = pytest.mark.django_db

D = Decimal


def _prices_include_tax(value: bool) -> None:
    store_settings_update(
        data=StoreSettingsInput.from_settings(store_settings_get(), prices_include_tax=value)
    )


# ------------------------------------------------------------------------------
# finding a checkout
# ------------------------------------------------------------------------------
def test_checkout_get_by_token(in_alpha: StoreWorld) -> None:
    checkout = checkout_make()
    assert checkout_get(token=str(checkout.token)) == checkout
    assert checkout_get(token="not-a-uuid") is None
    assert checkout_get(token="3f2b8f9e-0000-4000-8000-000000000000") is None
    assert checkout_get(token=None) is None


# ------------------------------------------------------------------------------
# shipping options
# ------------------------------------------------------------------------------
def test_no_options_before_an_address(in_alpha: StoreWorld) -> None:
    rate_make(zone=zone_make(countries=("DE",)))
    assert shipping_options(checkout=checkout_make()) == []


def test_options_of_the_most_specific_zone_cheapest_first(in_alpha: StoreWorld) -> None:
    country = zone_make(countries=("DE", "AT"))
    rate_make(zone=country, name="Germany standard", amount="5.90")
    berlin = zone_make(countries=("DE",), prefixes=("101",))
    express = rate_make(zone=berlin, name="Courier", amount="9.00", delivery_days_min=0, delivery_days_max=1)
    cheap = rate_make(zone=berlin, name="Bike", amount="3.00")
    rate_make(zone=berlin, name="Off", amount="1.00", active=False)
    rate_make(zone=zone_make(countries=("FR",)), name="France", amount="1.00")
    # given a Berlin address (101..): the Berlin zone replaces Germany's
    checkout = checkout_make(address=address_input(postal_code="10117"))
    options = shipping_options(checkout=checkout)
    assert [(o.rate_id, o.amount) for o in options] == [(cheap.pk, D("3.00")), (express.pk, D("9.00"))]
    assert options[1].delivery_days == (0, 1)
    # a Munich address only gets the country's rate
    munich = checkout_make(address=address_input(city="München", postal_code="80331"))
    assert [o.name for o in shipping_options(checkout=munich)] == ["Germany standard"]


def test_region_zone(in_alpha: StoreWorld) -> None:
    zone = zone_make(countries=("US",), regions=("ca",))
    rate_make(zone=zone, name="California", amount="7.00")
    rate_make(zone=zone_make(countries=("US",)), name="Rest of US", amount="12.00")
    california = checkout_make(
        address=address_input(
            line1="1 Market St", city="San Francisco", region="CA", postal_code="94105", country="US"
        )
    )
    assert [o.name for o in shipping_options(checkout=california)] == ["California"]
    texas = checkout_make(
        address=address_input(
            line1="1 Main St", city="Austin", region="TX", postal_code="73301", country="US"
        )
    )
    assert [o.name for o in shipping_options(checkout=texas)] == ["Rest of US"]


def test_weight_and_subtotal_bounds_and_free_over(in_alpha: StoreWorld) -> None:
    zone = zone_make(countries=("DE",))
    light = rate_make(
        zone=zone, name="Light", kind=ShippingRate.Kind.WEIGHT, amount="4.00", max_weight_grams=1000
    )
    heavy = rate_make(
        zone=zone, name="Heavy", kind=ShippingRate.Kind.WEIGHT, amount="9.00", min_weight_grams=1000
    )
    big = rate_make(
        zone=zone, name="Big order", kind=ShippingRate.Kind.PRICE, amount="2.00", min_subtotal=D("100")
    )
    free = rate_make(
        zone=zone,
        name="Free over 50",
        kind=ShippingRate.Kind.FREE_OVER,
        amount="5.00",
        free_over_amount=D("50"),
    )
    checkout = checkout_make(price="20.00", quantity=2, address=address_input())
    ProductVariant.objects.filter(cart_lines__cart=checkout.cart).update(weight_grams=500)
    # 2 x 500 g = 1000 g: "heavy" (from 1000 g), not "light" (below 1000 g); subtotal 40
    offered = {o.rate_id: o.amount for o in shipping_options(checkout=checkout)}
    assert offered == {heavy.pk: D("9.00"), free.pk: D("5.00")}
    assert light.pk not in offered and big.pk not in offered
    # at 60.00 the free-over rate costs nothing
    ProductVariant.objects.filter(cart_lines__cart=checkout.cart).update(price=D("30.00"))
    assert {o.rate_id: o.amount for o in shipping_options(checkout=checkout)}[free.pk] == D("0.00")


def test_pickup_is_taxed_where_it_is_collected(in_alpha: StoreWorld) -> None:
    location = pickup_location_make()  # Berlin
    zone = zone_make(countries=("DE", "AT"))
    pickup = rate_make(
        zone=zone,
        name="Pick up in Berlin",
        kind=ShippingRate.Kind.PICKUP,
        amount="0",
        pickup_location=location,
    )
    tax_make(country="DE", rate="0.19", name="MwSt")
    tax_make(country="AT", rate="0.20", name="USt")
    # an Austrian shopper collecting in Berlin pays German VAT
    checkout = checkout_make(
        price="100.00", address=address_input(city="Wien", postal_code="1010", country="AT")
    )
    options = shipping_options(checkout=checkout)
    assert options[0].is_pickup and options[0].pickup_location == location
    assert checkout_totals(checkout=checkout).tax_rate == D("0.20")
    checkout_shipping_set(checkout=checkout, rate_id=pickup.pk)
    totals = checkout_totals(checkout=checkout)
    assert (totals.tax_rate, totals.tax_name) == (D("0.19"), "MwSt")


# ------------------------------------------------------------------------------
# taxes
# ------------------------------------------------------------------------------
def test_most_specific_tax_rate_wins(in_alpha: StoreWorld) -> None:
    tax_make(country="US", rate="0", name="None")
    tax_make(country="US", region="NY", rate="0.04", name="NY state")
    tax_make(country="US", region="NY", postal_code_prefix="100", rate="0.08875", name="NYC")
    tax_make(country="US", postal_code_prefix="1", rate="0.05", name="Zone 1")
    nyc = Destination(country="US", region="ny", postal_code="10001")
    assert tax_rate_for(destination=nyc).name == "NYC"  # type: ignore[union-attr]
    buffalo = Destination(country="US", region="NY", postal_code="14201")
    # a prefix beats a region: "Zone 1" (prefix 1) over "NY state"
    assert tax_rate_for(destination=buffalo).name == "Zone 1"  # type: ignore[union-attr]
    texas = Destination(country="US", region="TX", postal_code="73301")
    assert tax_rate_for(destination=texas).name == "None"  # type: ignore[union-attr]
    assert tax_rate_for(destination=Destination(country="FR")) is None
    assert tax_rate_for(destination=None) is None


def test_eu_destination_vat_in_totals(in_alpha: StoreWorld) -> None:
    tax_make(country="DE", rate="0.19", name="MwSt")
    tax_make(country="FR", rate="0.20", name="TVA")
    _prices_include_tax(True)
    germany = checkout_make(price="119.00", address=address_input())
    france = checkout_make(
        price="119.00",
        address=address_input(line1="1 Rue de Rivoli", city="Paris", postal_code="75001", country="FR"),
    )
    de, fr = checkout_totals(checkout=germany), checkout_totals(checkout=france)
    assert de.total == fr.total == D("119.00")
    assert (de.tax_total, fr.tax_total) == (D("19.00"), D("19.83"))
    assert de.prices_include_tax is True
    # prices without tax: the destination's rate is added
    _prices_include_tax(False)
    assert checkout_totals(checkout=france).total == D("142.80")


# ------------------------------------------------------------------------------
# problems
# ------------------------------------------------------------------------------
def test_problems_of_a_new_checkout(in_alpha: StoreWorld) -> None:
    checkout = checkout_make(email="")
    codes = [p.code for p in checkout_problems(checkout=checkout)]
    assert codes == [CheckoutErrorCode.EMAIL_REQUIRED, CheckoutErrorCode.SHIPPING_ADDRESS_REQUIRED]
    # problems read as their messages
    assert all(isinstance(p, str) and p for p in checkout_problems(checkout=checkout))


def test_problems_name_sold_out_and_short_lines(in_alpha: StoreWorld) -> None:
    rate = rate_make(zone=zone_make(countries=("DE",)))
    checkout = checkout_make(lines=2, quantity=3, address=address_input())
    checkout_shipping_set(checkout=checkout, rate_id=rate.pk)
    assert checkout_problems(checkout=checkout) == []
    first, second = list(checkout.cart.lines.order_by("created_at", "id"))
    StockLevel.objects.filter(variant_id=first.variant_id).update(on_hand=0)
    StockLevel.objects.filter(variant_id=second.variant_id).update(on_hand=2)
    problems = checkout_problems(checkout=checkout)
    assert [(p.code, p.line) for p in problems] == [
        (CheckoutErrorCode.LINE_SOLD_OUT, str(first.uuid)),
        (CheckoutErrorCode.LINE_INSUFFICIENT_STOCK, str(second.uuid)),
    ]
    assert problems[1].params["available"] == 2


def test_chosen_method_no_longer_offered_is_a_problem(in_alpha: StoreWorld) -> None:
    rate = rate_make(zone=zone_make(countries=("DE",)))
    checkout = checkout_make(address=address_input())
    checkout_shipping_set(checkout=checkout, rate_id=rate.pk)
    ShippingRate.objects.filter(pk=rate.pk).update(active=False)
    checkout.refresh_from_db()
    assert [p.code for p in checkout_problems(checkout=checkout)] == [
        CheckoutErrorCode.SHIPPING_METHOD_UNAVAILABLE
    ]
    assert checkout_totals(checkout=checkout).shipping_total == D("0.00")


# ------------------------------------------------------------------------------
# automatic discounts, collections
# ------------------------------------------------------------------------------
def test_automatic_discount_for_a_collection(in_alpha: StoreWorld) -> None:
    checkout = checkout_make(lines=2, price="10.00")
    first = checkout.cart.lines.order_by("created_at", "id").select_related("variant").first()
    assert first is not None
    sale = Collection.objects.create(title="Sale", handle="sale-auto")
    CollectionProduct.objects.create(collection=sale, product_id=first.variant.product_id)
    discount_make(automatic=True, value="50", collections=[sale], name="Half off the sale")
    totals = checkout_totals(checkout=checkout)
    assert totals.discount_total == D("5.00")
    assert [(d.name, d.amount) for d in totals.discounts] == [("Half off the sale", D("5.00"))]
    line_discounts = {line.key: line.discount for line in totals.lines}
    assert line_discounts[str(first.uuid)] == D("5.00")


def test_rule_based_collection_restriction(in_alpha: StoreWorld) -> None:
    checkout = checkout_make(lines=1, price="40.00")
    rules = Collection.objects.create(
        title="Pricey",
        handle="pricey",
        kind=Collection.Kind.RULES,
        rules=[{"field": "price", "op": "gt", "value": "30"}],
    )
    discount_make(code="PRICEY", kind="fixed", value="5", collections=[rules])
    checkout_code_apply(checkout=checkout, code="PRICEY")
    assert checkout_totals(checkout=checkout).discount_total == D("5.00")


# ------------------------------------------------------------------------------
# queries
# ------------------------------------------------------------------------------
def _full_checkout(lines: int) -> object:
    shopper = User.objects.create_user(f"q{lines}@example.com", "a-long-password-1")
    checkout = checkout_make(
        lines=lines, price="12.34", user=shopper, address=address_input(postal_code=f"1{lines}".ljust(5, "1"))
    )
    rate = rate_make(zone=zone_make(countries=("DE",)), amount="4.90")
    tax_make(country="DE", region="", postal_code_prefix=f"1{lines}", rate="0.19")
    collection = Collection.objects.create(title=f"C{lines}", handle=f"c-{lines}")
    for line in checkout.cart.lines.select_related("variant"):
        CollectionProduct.objects.create(collection=collection, product_id=line.variant.product_id)
    discount_make(code=f"Q{lines}", value="10", combines=True, collections=[collection])
    discount_make(automatic=True, kind="fixed", value="1", combines=True)
    card = gift_card_make(amount="5.00")
    store_credit_grant(user=shopper, amount=D("3.00"), reason="test")
    checkout_shipping_set(checkout=checkout, rate_id=rate.pk)
    checkout_code_apply(checkout=checkout, code=f"Q{lines}")
    checkout_code_apply(checkout=checkout, code=card.code)
    checkout_store_credit_set(checkout=checkout, use=True)
    return checkout


def test_review_queries_do_not_grow_with_lines(in_alpha: StoreWorld) -> None:
    counts = {}
    for lines in (1, 50):
        checkout = checkout_get(token=_full_checkout(lines).token)  # type: ignore[attr-defined]
        assert checkout is not None
        store_settings_get()  # cached, as on any page of the store
        with CaptureQueriesContext(connection) as queries:
            review = checkout_review(checkout=checkout)
        counts[lines] = len(queries)
        assert len(review.lines) == lines
        # the code, and the automatic discounts (one more made for each size)
        assert len(review.totals.discounts) == 1 + (1 if lines == 1 else 2)
        assert review.totals.gift_cards and review.totals.store_credit_applied
        assert review.totals.tax_total > 0 and review.totals.shipping_total > 0
    assert counts[1] == counts[50], counts
    assert counts[50] <= 10, counts
