"""The totals module: rounding per line and per order in 0-, 2- and 3-decimal currencies, tax
included and added, each discount kind and how they combine, gift cards and store credit.
Pure functions: no database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.checkout.pricing import (
    REASON_MIN_SUBTOTAL,
    REASON_NO_EFFECT,
    REASON_NO_ELIGIBLE_LINES,
    REASON_NOT_COMBINABLE,
    REASON_SHIPPING_ALREADY_FREE,
    DiscountInput,
    DiscountKind,
    LineInput,
    ShippingInput,
    TaxInput,
    Totals,
    allocate,
    calculate,
)
from apps.core.money import UnknownCurrencyError

D = Decimal
VAT_DE = TaxInput(rate=D("0.19"), name="MwSt")
VAT_FR = TaxInput(rate=D("0.20"), name="TVA")


def line(
    key: str,
    price: str,
    quantity: int = 1,
    *,
    product: int | None = None,
    collections: frozenset[int] = frozenset(),
    weight: int = 0,
) -> LineInput:
    number = int(key) if key.isdigit() else abs(hash(key)) % 10_000
    return LineInput(
        key=key,
        variant_id=number,
        product_id=product if product is not None else number,
        unit_price=D(price),
        quantity=quantity,
        weight_grams=weight,
        collection_ids=collections,
    )


def discount(
    id: int,
    kind: str,
    value: str = "0",
    *,
    code: str = "",
    combines: bool = False,
    min_subtotal: str | None = None,
    products: frozenset[int] | None = None,
    collections: frozenset[int] | None = None,
    buy: int = 0,
    get: int = 0,
    get_percent: str = "100",
) -> DiscountInput:
    return DiscountInput(
        id=id,
        code=code or f"CODE{id}",
        name=f"Discount {id}",
        kind=kind,
        value=D(value),
        min_subtotal=D(min_subtotal) if min_subtotal is not None else None,
        product_ids=products,
        collection_ids=collections,
        buy_quantity=buy,
        get_quantity=get,
        get_percent=D(get_percent),
        combines=combines,
    )


def totals(
    lines: list[LineInput],
    *,
    currency: str = "EUR",
    included: bool = False,
    tax: TaxInput | None = None,
    shipping: str | None = None,
    discounts: tuple[DiscountInput, ...] = (),
    gift_cards: tuple[tuple[str, str], ...] = (),
    store_credit: str = "0",
) -> Totals:
    return calculate(
        currency=currency,
        lines=lines,
        prices_include_tax=included,
        tax=tax,
        shipping=ShippingInput(amount=D(shipping), name="Standard", rate_id=1)
        if shipping is not None
        else None,
        discounts=discounts,
        gift_cards=[(code, D(balance)) for code, balance in gift_cards],
        store_credit=D(store_credit),
    )


def assert_consistent(result: Totals) -> None:
    """The sums every caller relies on hold to the minor unit."""
    assert result.subtotal == sum((entry.subtotal for entry in result.lines), D(0))
    assert result.discount_total == sum((entry.discount for entry in result.lines), D(0))
    line_tax = sum((entry.tax for entry in result.lines), D(0))
    assert result.tax_total == line_tax + result.shipping_tax
    assert result.total == sum((entry.total for entry in result.lines), D(0)) + result.shipping_total
    for entry in result.lines:
        assert entry.discount == sum((amount for _id, amount in entry.discount_allocations), D(0))
        assert D(0) <= entry.discount <= entry.subtotal
    for applied in result.discounts:
        if applied.kind != DiscountKind.FREE_SHIPPING:
            shares = [a for entry in result.lines for i, a in entry.discount_allocations if i == applied.id]
            assert sum(shares, D(0)) == applied.amount
    assert result.amount_due >= 0
    assert result.amount_due == result.total - result.gift_card_total - result.store_credit_applied or (
        result.amount_due == 0
    )


# ------------------------------------------------------------------------------
# largest remainder
# ------------------------------------------------------------------------------
def test_allocate_adds_up_and_gives_leftovers_to_largest_remainders() -> None:
    # 100 split 1:1:1 -> 33.33.. each; the one leftover unit goes to the first (ties: earlier).
    assert allocate(100, [100, 100, 100]) == [34, 33, 33]
    # 10 over 3000/3555 and 555/3555 -> 8.44 and 1.56: the 1.56 has the larger remainder.
    assert allocate(10, [3000, 555]) == [8, 2]
    assert allocate(0, [5, 5]) == [0, 0]
    assert allocate(7, []) == []
    # Never more than a line's own weight.
    assert allocate(12, [10, 2]) == [10, 2]
    assert allocate(50, [10, 2]) == [10, 2]


@pytest.mark.parametrize("total", [1, 7, 99, 1000, 12345])
def test_allocate_never_exceeds_a_weight_and_sums_exactly(total: int) -> None:
    weights = [1, 333, 2, 999, 50, 7]
    shares = allocate(total, weights)
    assert sum(shares) == min(total, sum(weights))
    assert all(0 <= share <= weight for share, weight in zip(shares, weights, strict=True))


# ------------------------------------------------------------------------------
# rounding per line and per order, by currency
# ------------------------------------------------------------------------------
def test_eur_tax_is_rounded_per_line_then_summed() -> None:
    # given three lines of 0.99 x 3 at 19 % added on top
    lines = [line("1", "0.99", 3), line("2", "0.99", 3), line("3", "0.99", 3)]
    # when
    result = totals(lines, tax=VAT_DE)
    # then each line's tax is 2.97 x 0.19 = 0.5643 -> 0.56, and the order's is their sum (1.68),
    # not the rounding of the order's 8.91 x 0.19 = 1.6929 -> 1.69
    assert [entry.tax for entry in result.lines] == [D("0.56")] * 3
    assert result.tax_total == D("1.68")
    assert result.subtotal == D("8.91")
    assert result.total == D("10.59")
    assert_consistent(result)


def test_jpy_has_no_minor_units() -> None:
    # given yen prices with tax added (10 %) and a 15 % discount
    lines = [line("1", "1234", 1), line("2", "999", 3)]
    result = totals(
        lines,
        currency="JPY",
        tax=TaxInput(rate=D("0.10"), name="消費税"),
        shipping="500",
        discounts=(discount(1, DiscountKind.PERCENTAGE, "15"),),
    )
    # then the discount is 15 % of 4231 = 634.65 -> 635 (per order), split 1234:2997 by largest remainder
    assert result.discount_total == D("635")
    assert [entry.discount for entry in result.lines] == [D("185"), D("450")]
    # tax per line: (1234 - 185) x 0.1 = 104.9 -> 105; (2997 - 450) x 0.1 = 254.7 -> 255; shipping 50
    assert [entry.tax for entry in result.lines] == [D("105"), D("255")]
    assert result.shipping_tax == D("50")
    assert result.total == D("4231") - D("635") + D("360") + D("550")
    for amount in (result.subtotal, result.total, result.tax_total, *(e.total for e in result.lines)):
        assert amount.as_tuple().exponent == 0
    assert_consistent(result)


def test_kwd_keeps_three_decimals() -> None:
    # given a 3-decimal currency and a unit price with more precision than it has
    lines = [line("1", "1.2345", 3), line("2", "0.3335", 1)]
    result = totals(lines, currency="KWD", tax=TaxInput(rate=D("0.05"), name="VAT"))
    # then the unit prices are rounded half up first (1.235, 0.334), then multiplied
    assert [entry.unit_price for entry in result.lines] == [D("1.235"), D("0.334")]
    assert [entry.subtotal for entry in result.lines] == [D("3.705"), D("0.334")]
    # 3.705 x 0.05 = 0.18525 -> 0.185; 0.334 x 0.05 = 0.0167 -> 0.017
    assert [entry.tax for entry in result.lines] == [D("0.185"), D("0.017")]
    assert result.total == D("4.241")
    assert result.total.as_tuple().exponent == -3
    assert_consistent(result)


def test_half_a_minor_unit_rounds_up() -> None:
    # 0.05 x 0.10 = 0.005 -> 0.01 (banker's rounding would give 0.00)
    result = totals([line("1", "0.05")], tax=TaxInput(rate=D("0.10"), name="T"))
    assert result.tax_total == D("0.01")


def test_per_order_percentage_is_rounded_once_and_allocated() -> None:
    # given three equal lines and 10 % off: 10 % of 3 x 0.35 = 0.105 -> 0.11 for the order
    result = totals(
        [line("1", "0.35"), line("2", "0.35"), line("3", "0.35")],
        discounts=(discount(1, "percentage", "10"),),
    )
    # then (not 3 x round(0.035) = 0.12) the 11 cents are split 4/4/3: earlier line on a tie
    assert result.discount_total == D("0.11")
    assert [entry.discount for entry in result.lines] == [D("0.04"), D("0.04"), D("0.03")]
    assert_consistent(result)


# ------------------------------------------------------------------------------
# prices with and without tax, destination VAT
# ------------------------------------------------------------------------------
def test_prices_including_tax_take_the_tax_out_of_the_price() -> None:
    result = totals([line("1", "119.00")], included=True, tax=VAT_DE, shipping="5.95")
    assert result.lines[0].total == D("119.00")
    assert result.lines[0].tax == D("19.00")
    assert result.lines[0].net == D("100.00")
    assert result.shipping_total == D("5.95")
    assert result.shipping_tax == D("0.95")  # 5.95 x 19/119 = 0.95
    assert result.total == D("124.95")
    assert result.tax_total == D("19.95")
    assert_consistent(result)


def test_prices_excluding_tax_add_it() -> None:
    result = totals([line("1", "100.00")], tax=VAT_DE, shipping="5.00")
    assert result.lines[0].total == D("119.00")
    assert result.shipping_total == D("5.95")
    assert result.total == D("124.95")
    assert_consistent(result)


def test_eu_destination_vat_with_prices_including_tax_keeps_the_shelf_price() -> None:
    # given a gross shelf price, shipped to Germany (19 %) and to France (20 %)
    lines = [line("1", "59.90", 2)]
    germany = totals(lines, included=True, tax=VAT_DE, shipping="4.90")
    france = totals(lines, included=True, tax=VAT_FR, shipping="4.90")
    # then the shopper pays the same; the VAT in it is the destination's
    assert germany.total == france.total == D("124.70")
    assert germany.lines[0].tax == D("19.13")  # 119.80 x 19/119 = 19.128...
    assert france.lines[0].tax == D("19.97")  # 119.80 x 20/120 = 19.966...
    assert germany.tax_name == "MwSt" and france.tax_rate == D("0.20")


def test_eu_destination_vat_with_prices_excluding_tax_adds_the_destinations_rate() -> None:
    lines = [line("1", "50.00", 2)]
    assert totals(lines, tax=VAT_DE).total == D("119.00")
    assert totals(lines, tax=VAT_FR).total == D("120.00")


def test_no_tax_rate_for_the_destination_means_no_tax() -> None:
    result = totals([line("1", "10.00")], included=True, tax=None, shipping="2.00")
    assert result.tax_total == D("0.00")
    assert result.total == D("12.00")
    assert result.tax_rate is None


def test_shipping_untaxed_when_the_rate_does_not_apply_to_it() -> None:
    tax = TaxInput(rate=D("0.08875"), name="Sales tax", applies_to_shipping=False)
    result = totals([line("1", "20.00")], tax=tax, shipping="7.00", currency="USD")
    assert result.shipping_tax == D("0.00")
    assert result.lines[0].tax == D("1.78")  # 1.775 -> 1.78
    assert result.total == D("28.78")


def test_tax_applies_to_the_discounted_amount() -> None:
    result = totals([line("1", "100.00")], tax=VAT_DE, discounts=(discount(1, "fixed", "10"),))
    assert result.lines[0].tax == D("17.10")
    assert result.total == D("107.10")


# ------------------------------------------------------------------------------
# each discount kind
# ------------------------------------------------------------------------------
def test_percentage_discount_restricted_to_products_and_collections() -> None:
    lines = [
        line("1", "10.00", product=1),
        line("2", "20.00", product=2, collections=frozenset({7})),
        line("3", "40.00", product=3),
    ]
    result = totals(
        lines,
        discounts=(discount(1, "percentage", "50", products=frozenset({1}), collections=frozenset({7})),),
    )
    assert [entry.discount for entry in result.lines] == [D("5.00"), D("10.00"), D("0.00")]
    assert result.discounts[0].amount == D("15.00")
    assert_consistent(result)


def test_fixed_discount_never_exceeds_the_eligible_lines() -> None:
    result = totals(
        [line("1", "3.00"), line("2", "4.00")], tax=VAT_DE, discounts=(discount(1, "fixed", "50"),)
    )
    assert result.discount_total == D("7.00")
    assert result.total == D("0.00")
    assert result.amount_due == D("0.00")
    assert_consistent(result)


def test_fixed_discount_is_split_by_largest_remainder() -> None:
    result = totals(
        [line("1", "10.00"), line("2", "10.00"), line("3", "10.00")], discounts=(discount(1, "fixed", "10"),)
    )
    assert [entry.discount for entry in result.lines] == [D("3.34"), D("3.33"), D("3.33")]
    assert_consistent(result)


def test_buy_two_get_one_free_gives_the_cheapest_unit() -> None:
    lines = [line("1", "30.00", 2), line("2", "10.00", 1)]
    result = totals(lines, discounts=(discount(1, "buy_x_get_y", buy=2, get=1),))
    assert [entry.discount for entry in result.lines] == [D("0.00"), D("10.00")]
    assert result.discounts[0].amount == D("10.00")


def test_buy_x_get_y_counts_whole_groups_only() -> None:
    # 5 units of buy 2 get 1 -> one group of three -> one unit free; 6 units -> two
    five = totals([line("1", "4.00", 5)], discounts=(discount(1, "buy_x_get_y", buy=2, get=1),))
    six = totals([line("1", "4.00", 6)], discounts=(discount(1, "buy_x_get_y", buy=2, get=1),))
    assert five.discount_total == D("4.00")
    assert six.discount_total == D("8.00")


def test_buy_x_get_y_at_a_percentage_off_and_restricted() -> None:
    # buy 1 get 1 half price, only product 5: the cheaper of its units is half price
    lines = [
        line("1", "8.00", 1, product=5),
        line("2", "6.00", 1, product=5),
        line("3", "1.00", 4, product=9),
    ]
    result = totals(
        lines,
        discounts=(discount(1, "buy_x_get_y", buy=1, get=1, get_percent="50", products=frozenset({5})),),
    )
    assert [entry.discount for entry in result.lines] == [D("0.00"), D("3.00"), D("0.00")]


def test_buy_x_get_y_short_of_a_group_takes_nothing() -> None:
    result = totals([line("1", "4.00", 2)], discounts=(discount(1, "buy_x_get_y", buy=2, get=1),))
    assert result.discounts == ()
    assert [(n.id, n.reason) for n in result.not_applied] == [(1, REASON_NO_EFFECT)]


def test_free_shipping_waives_shipping_and_its_tax() -> None:
    result = totals(
        [line("1", "20.00")], tax=VAT_DE, shipping="4.90", discounts=(discount(1, "free_shipping"),)
    )
    assert result.shipping_total == D("0.00")
    assert result.shipping_discount == D("4.90")
    assert result.shipping_tax == D("0.00")
    assert result.discount_total == D("0.00")  # nothing came off the lines
    assert result.discounts[0].amount == D("4.90")
    assert result.total == D("23.80")


def test_free_shipping_without_shipping_is_listed_at_zero() -> None:
    result = totals([line("1", "20.00")], discounts=(discount(1, "free_shipping"),))
    assert [(d.id, d.amount) for d in result.discounts] == [(1, D("0.00"))]


def test_min_subtotal_compares_the_subtotal_before_discounts() -> None:
    lines = [line("1", "49.99")]
    below = totals(lines, discounts=(discount(1, "percentage", "10", min_subtotal="50"),))
    at = totals([line("1", "50.00")], discounts=(discount(1, "percentage", "10", min_subtotal="50"),))
    assert below.discounts == ()
    assert [(n.id, n.reason) for n in below.not_applied] == [(1, REASON_MIN_SUBTOTAL)]
    assert at.discount_total == D("5.00")


def test_discount_restricted_to_products_not_in_the_cart_is_not_applied() -> None:
    result = totals(
        [line("1", "10.00", product=1)], discounts=(discount(1, "fixed", "5", products=frozenset({2})),)
    )
    assert result.discounts == ()
    assert [(n.id, n.reason) for n in result.not_applied] == [(1, REASON_NO_ELIGIBLE_LINES)]


# ------------------------------------------------------------------------------
# combination rules
# ------------------------------------------------------------------------------
def test_combining_discounts_stack_in_order_buy_x_percentage_fixed() -> None:
    # given a fixed 5, a 10 % and buy 1 get 1 free, all combining, listed fixed first
    lines = [line("1", "20.00", 2)]
    result = totals(
        lines,
        discounts=(
            discount(1, "fixed", "5", combines=True),
            discount(2, "percentage", "10", combines=True),
            discount(3, "buy_x_get_y", buy=1, get=1, combines=True),
        ),
    )
    # then: 40 - 20 (one free) = 20; -10 % = 18; -5 = 13
    assert {d.id: d.amount for d in result.discounts} == {1: D("5.00"), 2: D("2.00"), 3: D("20.00")}
    assert result.total == D("13.00")
    # listed in the order given
    assert [d.id for d in result.discounts] == [1, 2, 3]
    assert_consistent(result)


def test_stacked_percentages_multiply() -> None:
    result = totals(
        [line("1", "100.00")],
        discounts=(
            discount(1, "percentage", "60", combines=True),
            discount(2, "percentage", "60", combines=True),
        ),
    )
    assert result.discount_total == D("84.00")  # 60, then 60 % of 40 = 24
    assert result.total == D("16.00")


def test_best_non_combining_discount_wins_over_a_smaller_stack() -> None:
    lines = [line("1", "100.00")]
    result = totals(
        lines,
        discounts=(
            discount(1, "percentage", "5", combines=True),
            discount(2, "fixed", "3", combines=True),
            discount(3, "percentage", "20"),
            discount(4, "fixed", "15"),
        ),
    )
    assert [d.id for d in result.discounts] == [3]
    assert result.discount_total == D("20.00")
    assert {(n.id, n.reason) for n in result.not_applied} == {
        (1, REASON_NOT_COMBINABLE),
        (2, REASON_NOT_COMBINABLE),
        (4, REASON_NOT_COMBINABLE),
    }


def test_the_stack_wins_when_worth_more_and_on_a_tie() -> None:
    stack = (discount(1, "percentage", "10", combines=True), discount(2, "fixed", "10", combines=True))
    more = totals([line("1", "100.00")], discounts=(*stack, discount(3, "fixed", "15")))
    assert {d.id for d in more.discounts} == {1, 2}  # 10 + 9 = 19 > 15
    tie = totals([line("1", "100.00")], discounts=(discount(3, "fixed", "19"), *stack))
    assert {d.id for d in tie.discounts} == {1, 2}


def test_two_non_combining_discounts_never_stack() -> None:
    result = totals([line("1", "50.00")], discounts=(discount(1, "fixed", "10"), discount(2, "fixed", "10")))
    assert [d.id for d in result.discounts] == [1]  # equal: the earlier
    assert result.discount_total == D("10.00")


def test_free_shipping_combines_with_a_non_combining_discount() -> None:
    result = totals(
        [line("1", "50.00")],
        shipping="6.00",
        discounts=(
            discount(1, "percentage", "10"),
            discount(2, "free_shipping"),
            discount(3, "free_shipping"),
        ),
    )
    assert [d.id for d in result.discounts] == [1, 2]
    assert result.total == D("45.00")
    assert [(n.id, n.reason) for n in result.not_applied] == [(3, REASON_SHIPPING_ALREADY_FREE)]


# ------------------------------------------------------------------------------
# gift cards and store credit
# ------------------------------------------------------------------------------
def test_gift_card_partial_use() -> None:
    result = totals([line("1", "30.00")], gift_cards=(("GIFT-AAAA", "100.00"),))
    assert result.gift_cards == (("GIFT-AAAA", D("30.00")),)
    assert result.amount_due == D("0.00")


def test_gift_cards_in_order_then_store_credit() -> None:
    result = totals(
        [line("1", "100.00")],
        tax=VAT_DE,
        gift_cards=(("A", "50.00"), ("B", "30.00"), ("C", "40.00")),
        store_credit="25.00",
    )
    # total 119: A 50, B 30, C 39, no credit needed
    assert result.gift_cards == (("A", D("50.00")), ("B", D("30.00")), ("C", D("39.00")))
    assert result.store_credit_applied == D("0.00")
    assert result.amount_due == D("0.00")
    partial = totals([line("1", "100.00")], gift_cards=(("A", "20.00"),), store_credit="25.00")
    assert partial.store_credit_applied == D("25.00")
    assert partial.amount_due == D("55.00")
    assert partial.gift_card_total == D("20.00")


def test_empty_gift_card_is_not_listed() -> None:
    result = totals([line("1", "10.00")], gift_cards=(("EMPTY", "0"),))
    assert result.gift_cards == ()


def test_amount_due_never_negative() -> None:
    result = totals(
        [line("1", "5.00")],
        discounts=(discount(1, "fixed", "4"),),
        gift_cards=(("A", "100"),),
        store_credit="100",
    )
    assert result.total == D("1.00")
    assert result.gift_cards == (("A", D("1.00")),)
    assert result.store_credit_applied == D("0.00")
    assert result.amount_due == D("0.00")


# ------------------------------------------------------------------------------
# edges and refusals
# ------------------------------------------------------------------------------
def test_empty_cart() -> None:
    result = totals([], shipping="5.00", tax=VAT_DE)
    assert result.subtotal == D("0.00")
    assert result.total == D("5.95")
    assert result.lines == ()


def test_weight_and_item_count() -> None:
    result = totals([line("1", "1.00", 3, weight=250), line("2", "1.00", 2, weight=100)])
    assert result.weight_grams == 950
    assert result.item_count == 5


@pytest.mark.parametrize(
    "kwargs",
    [
        {"lines": [line("1", "1.00", 0)]},
        {"lines": [line("1", "-1.00")]},
        {"shipping": "-1"},
        {"tax": TaxInput(rate=D("1.5"), name="x")},
        {"gift_cards": (("A", "-1"),)},
        {"store_credit": "-0.01"},
        {"discounts": (discount(1, "bogus", "5"),)},
    ],
)
def test_bad_input_is_refused(kwargs: dict[str, object]) -> None:
    arguments: dict[str, object] = {"lines": [line("1", "1.00")], **kwargs}
    with pytest.raises(ValueError):
        totals(**arguments)  # type: ignore[arg-type]


def test_unknown_currency_is_refused() -> None:
    with pytest.raises(UnknownCurrencyError):
        totals([line("1", "1.00")], currency="XXX")


def test_fifty_lines_with_everything_add_up() -> None:
    lines = [
        line(str(n), f"{(n * 37) % 100}.{(n * 13) % 100:02d}", n % 4 + 1, collections=frozenset({n % 3}))
        for n in range(1, 51)
    ]
    result = totals(
        lines,
        included=True,
        tax=VAT_FR,
        shipping="9.99",
        discounts=(
            discount(1, "percentage", "12.5", combines=True, collections=frozenset({1})),
            discount(2, "fixed", "33.33", combines=True),
            discount(3, "free_shipping"),
        ),
        gift_cards=(("A", "25.00"),),
        store_credit="10.00",
    )
    assert_consistent(result)
    assert result.amount_due == result.total - D("35.00")
