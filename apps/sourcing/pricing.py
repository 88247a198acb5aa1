"""Turning a supplier's cost into our selling price: pure Decimal arithmetic plus rule lookup.

price = cost x (1 + markup% / 100) + fixed margin, then rounded *up* to the rule's ending
(.99, .95 or a whole amount), so rounding never eats into the margin. The compare-at price, when
the rule asks for one, is the price plus its own percentage, rounded the same way.

Amounts have the minor units of the store's currency (`apps.core.money`): 0 decimals in JPY,
3 in KWD. An ending the currency cannot write (.99 in JPY) rounds up to the whole unit.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

from django.db.models import Q

from apps.core.money import currency_unit, money_quantize
from apps.sourcing.models import PricingRule, Supplier
from apps.stores.selectors import store_currency_get

HUNDRED = Decimal("100")


def round_price(amount: Decimal, *, rounding: str, currency: str) -> Decimal:
    """`amount` rounded up to the ending named by `rounding` (a `PricingRule.Rounding` value), in
    the minor units of `currency`."""
    if amount <= 0:
        return money_quantize(Decimal(0), currency)
    if rounding == PricingRule.Rounding.NONE:
        return money_quantize(amount, currency)
    ending = Decimal(0) if rounding == PricingRule.Rounding.WHOLE else Decimal(rounding)  # .99/.95
    if ending % currency_unit(currency):
        ending = Decimal(0)  # the currency has no such fraction (.99 yen): round up to whole units
    whole = (amount - ending).to_integral_value(rounding=ROUND_CEILING)
    return money_quantize(whole + ending, currency)


def price_apply_rule(
    *, cost: Decimal, rule: PricingRule | None, currency: str | None = None
) -> tuple[Decimal, Decimal | None]:
    """(price, compare-at price or None) for `cost` under `rule`; without a rule, price = cost.
    Amounts are in `currency`, by default the current store's."""
    currency = currency or store_currency_get()
    if rule is None:
        return money_quantize(cost, currency), None
    raw = cost * (1 + rule.markup_percent / HUNDRED) + rule.fixed_margin
    price = round_price(raw, rounding=rule.rounding, currency=currency)
    compare_at = None
    if rule.compare_at_percent is not None and rule.compare_at_percent > 0:
        compare_at = round_price(
            price * (1 + rule.compare_at_percent / HUNDRED), rounding=rule.rounding, currency=currency
        )
        if compare_at <= price:
            compare_at = None
    return price, compare_at


def pricing_rule_for(*, supplier: Supplier | None) -> PricingRule | None:
    """The most specific active rule: the supplier's own, else the store-wide one."""
    scope = Q(supplier__isnull=True)
    if supplier is not None and supplier.pk is not None:
        scope |= Q(supplier=supplier)
    rules = list(PricingRule.objects.filter(scope, is_active=True).order_by("-updated_at", "-id"))
    own = [rule for rule in rules if rule.supplier_id is not None]
    candidates = own or rules
    return candidates[0] if candidates else None


def price_for_cost(*, cost: Decimal, supplier: Supplier | None) -> tuple[Decimal, Decimal | None]:
    """Selling price and compare-at price for a supplier's `cost`, by the store's pricing rules."""
    return price_apply_rule(cost=cost, rule=pricing_rule_for(supplier=supplier))
