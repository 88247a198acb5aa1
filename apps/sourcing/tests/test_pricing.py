from __future__ import annotations

from decimal import Decimal

import pytest

from apps.sourcing.errors import PricingRuleInvalid
from apps.sourcing.models import PricingRule
from apps.sourcing.pricing import price_apply_rule, price_for_cost, pricing_rule_for, round_price
from apps.sourcing.services import PricingRuleInput, pricing_rule_save
from apps.sourcing.tests.factories import make_rule, make_supplier

R = PricingRule.Rounding
D = Decimal


@pytest.mark.parametrize(
    ("amount", "rounding", "expected"),
    [
        ("10.00", R.NINETY_NINE, "10.99"),
        ("10.99", R.NINETY_NINE, "10.99"),
        ("10.991", R.NINETY_NINE, "11.99"),
        ("9.5", R.NINETY_NINE, "9.99"),
        ("0.10", R.NINETY_NINE, "0.99"),
        ("10.00", R.NINETY_FIVE, "10.95"),
        ("10.96", R.NINETY_FIVE, "11.95"),
        ("10.95", R.NINETY_FIVE, "10.95"),
        ("10.00", R.WHOLE, "10.00"),
        ("10.01", R.WHOLE, "11.00"),
        ("10.004", R.NONE, "10.00"),
        ("10.005", R.NONE, "10.01"),
        ("0", R.NINETY_NINE, "0.00"),
    ],
)
def test_round_price(amount, rounding, expected):
    result = round_price(D(amount), rounding=rounding, currency="EUR")
    assert result == D(expected)
    assert isinstance(result, Decimal)
    assert result.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("cost", "markup", "margin", "rounding", "compare_at", "price", "compare_price"),
    [
        ("10.00", "100", "0", R.NINETY_NINE, None, "20.99", None),
        ("10.00", "50", "2.00", R.NONE, None, "17.00", None),
        ("7.35", "40", "0", R.NINETY_FIVE, None, "10.95", None),  # 10.29 -> 10.95
        ("7.35", "40", "0.50", R.WHOLE, None, "11.00", None),  # 10.79 -> 11
        ("12.40", "0", "0", R.NONE, None, "12.40", None),
        ("10.00", "100", "0", R.NINETY_NINE, "30", "20.99", "27.99"),  # 27.287 -> 27.99
        ("10.00", "-100", "0", R.NINETY_NINE, None, "0.00", None),
        ("0.01", "33.33", "0", R.NONE, None, "0.01", None),
        ("1234.56", "12.5", "3.10", R.NINETY_NINE, "0", "1391.99", None),  # 1391.98 -> .99
    ],
)
def test_price_apply_rule_table(cost, markup, margin, rounding, compare_at, price, compare_price):
    rule = PricingRule(
        markup_percent=D(markup),
        fixed_margin=D(margin),
        rounding=rounding,
        compare_at_percent=D(compare_at) if compare_at is not None else None,
    )
    assert price_apply_rule(cost=D(cost), rule=rule, currency="EUR") == (
        D(price),
        D(compare_price) if compare_price is not None else None,
    )


def test_without_a_rule_the_price_is_the_cost():
    assert price_apply_rule(cost=D("4.5"), rule=None, currency="EUR") == (D("4.50"), None)


@pytest.mark.django_db
def test_the_most_specific_active_rule_wins(in_alpha):
    acme = make_supplier(code="acme")
    other = make_supplier(name="Other", code="other")
    # no rule at all: price = cost
    assert price_for_cost(cost=D("10"), supplier=acme) == (D("10.00"), None)
    make_rule(markup="100", name="Everyone")
    assert price_for_cost(cost=D("10"), supplier=acme) == (D("20.99"), None)
    own = make_rule(supplier=acme, markup="50", margin="1", rounding=R.WHOLE, name="Acme")
    assert price_for_cost(cost=D("10"), supplier=acme) == (D("16.00"), None)
    assert price_for_cost(cost=D("10"), supplier=other) == (D("20.99"), None)  # the store-wide rule
    assert price_for_cost(cost=D("10"), supplier=None) == (D("20.99"), None)
    # an inactive supplier rule no longer applies
    pricing_rule_save(
        rule=own,
        data=PricingRuleInput(
            name="Acme", supplier_id=acme.pk, markup_percent=D("50"), rounding=R.WHOLE, is_active=False
        ),
    )
    rule = pricing_rule_for(supplier=acme)
    assert rule is not None and rule.name == "Everyone"


@pytest.mark.django_db
def test_one_active_rule_per_scope(in_alpha):
    acme = make_supplier(code="acme")
    make_rule(name="Everyone")
    make_rule(supplier=acme, name="Acme")
    with pytest.raises(PricingRuleInvalid, match="Everyone"):
        make_rule(name="Second store-wide")
    with pytest.raises(PricingRuleInvalid, match="Acme"):
        make_rule(supplier=acme, name="Second Acme")
    # an inactive second rule is fine
    pricing_rule_save(rule=PricingRule(), data=PricingRuleInput(name="Spare", is_active=False))


@pytest.mark.django_db
def test_rule_input_is_validated(in_alpha):
    with pytest.raises(PricingRuleInvalid) as error:
        pricing_rule_save(rule=PricingRule(), data=PricingRuleInput(name="x", markup_percent=D("-150")))
    assert error.value.field == "markup_percent"
    with pytest.raises(PricingRuleInvalid) as error:
        pricing_rule_save(rule=PricingRule(), data=PricingRuleInput(name=" "))
    assert error.value.field == "name"
