"""The totals of a checkout or an order: pure Decimal arithmetic, no database, no Django.

`calculate` takes the lines, the tax rate of the destination, the shipping method, the
discounts, gift cards and store credit, and returns every amount a page, an order or a payment
needs (`Totals`). Checkout selectors, order placement, order edits and the benchmark all call
it, so one set of rules decides what a shopper pays. Amounts are `Decimal` in the currency's
minor units (JPY 0 decimals, EUR 2, KWD 3; `apps.core.money`); a float is refused.

Prices
    `unit_price` is the price as entered in the catalog: tax included when the store's
    `prices_include_tax` is set, tax excluded otherwise. Shipping amounts are entered the same
    way. With prices including tax the shopper pays the catalog price whatever the destination
    and the tax is worked out of it at the destination's rate (EU-style destination VAT with
    uniform shelf prices); with prices excluding tax the destination's rate is added on top.

Rounding (half up, `apps.core.money.MONEY_ROUNDING`)
    1. Per unit: the unit price is rounded to the currency first, so unit x quantity is the
       line's subtotal exactly.
    2. Per order, then per line: a discount's amount is worked out once for the whole order
       (e.g. 10 % of the eligible subtotal, rounded), then allocated to its eligible lines in
       proportion to what is left of each, in whole minor units, by the largest-remainder
       method: every line gets the rounded-down share, and the units left over go to the
       lines with the largest remainders (the earlier line on a tie). The allocations add up to
       the discount exactly and never exceed a line.
    3. Per line: tax is worked out and rounded on each line's discounted amount (and on the
       discounted shipping), then summed; the order's tax is that sum, never a rounding of the
       order's total (so an order line, a refund of that line and an invoice agree).
    Every sum of rounded amounts is exact, so `total` is the sum of the line totals and the
    shipping total, to the minor unit.

Discounts and how they combine
    - `percentage`: `value` % off the eligible lines; `fixed`: `value` off the eligible lines
      (at most what they cost); `buy_x_get_y`: for every `buy_quantity` + `get_quantity`
      eligible units in the cart, the `get_quantity` cheapest of them are `get_percent` % off;
      `free_shipping`: the shipping costs nothing.
    - A discount restricted to products and/or collections applies to the lines whose product
      is one of them or is in one of them; with neither it applies to every line.
    - `min_subtotal` is compared with the order's subtotal before any discount.
    - Free shipping combines with everything. Shipping is waived once: a second free-shipping
      discount is reported as not applied.
    - Of the other discounts, the ones that `combine` stack with each other; a discount that
      does not combine applies alone. The shopper gets whichever is worth more: all combining
      discounts together, or the single best non-combining one (the earlier in the order given
      on a tie, the combining set first). Automatic discounts and codes follow the same rule.
    - Within a stack, buy-X-get-Y discounts apply first, then percentages, then fixed amounts,
      each to what the earlier ones left (so stacked percentages multiply: 10 % then 10 % is
      19 %, never more than the price).
    - A discount that is not applied is listed in `Totals.not_applied` with the reason.

Paying
    `total` is what the order costs, tax included. Gift cards are used in the order given (each
    up to its balance), then store credit, and `amount_due` is what is left to pay by card; it
    is never below 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from apps.core.money import MONEY_COLUMN_LIMIT, MONEY_ROUNDING, currency_unit

__all__ = [
    "AppliedDiscount",
    "DiscountInput",
    "DiscountKind",
    "LineInput",
    "LineTotals",
    "NotApplied",
    "ShippingInput",
    "TaxInput",
    "Totals",
    "calculate",
]

ZERO = Decimal(0)
HUNDRED = Decimal(100)


class DiscountKind:
    PERCENTAGE = "percentage"
    FIXED = "fixed"
    FREE_SHIPPING = "free_shipping"
    BUY_X_GET_Y = "buy_x_get_y"


# Why a discount given to `calculate` took nothing off (`NotApplied.reason`).
REASON_MIN_SUBTOTAL = "min_subtotal"
REASON_NO_ELIGIBLE_LINES = "no_eligible_lines"
REASON_NOT_COMBINABLE = "not_combinable"
REASON_SHIPPING_ALREADY_FREE = "shipping_already_free"
REASON_NO_EFFECT = "no_effect"  # e.g. buy X get Y with fewer than X + Y units


# ------------------------------------------------------------------------------
# inputs
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class LineInput:
    key: str  # stable id (cart line uuid / order line id)
    variant_id: int
    product_id: int
    unit_price: Decimal  # as entered in the catalog (gross if prices_include_tax else net)
    quantity: int
    weight_grams: int = 0  # of one unit
    collection_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class DiscountInput:
    """One discount rule (a `Discount` row, code or automatic)."""

    id: int
    code: str
    name: str
    kind: str  # a DiscountKind value
    value: Decimal  # percent (10 = 10 %) or a fixed amount
    min_subtotal: Decimal | None = None
    product_ids: frozenset[int] | None = None  # None (or empty) with no collections: whole order
    collection_ids: frozenset[int] | None = None
    buy_quantity: int = 0
    get_quantity: int = 0
    get_percent: Decimal = HUNDRED
    combines: bool = False  # may stack with other discounts (see the module docstring)


@dataclass(frozen=True)
class ShippingInput:
    amount: Decimal  # as entered (gross if prices_include_tax else net)
    name: str
    rate_id: int | None
    taxable: bool = True


@dataclass(frozen=True)
class TaxInput:
    rate: Decimal  # a fraction: 0.19 for 19 %
    name: str
    applies_to_shipping: bool = True


# ------------------------------------------------------------------------------
# outputs
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class LineTotals:
    key: str
    quantity: int
    unit_price: Decimal  # rounded to the currency, as entered
    subtotal: Decimal  # unit_price x quantity
    discount: Decimal  # every discount's share of this line
    tax: Decimal  # included in `total` either way
    total: Decimal  # what the line costs, tax included
    # (discount id, amount) of each discount's share, in the order they applied.
    discount_allocations: tuple[tuple[int, Decimal], ...] = ()

    @property
    def net(self) -> Decimal:
        """The line's discounted amount without tax."""
        return self.total - self.tax


@dataclass(frozen=True)
class AppliedDiscount:
    id: int
    code: str
    name: str
    amount: Decimal  # taken off the lines, or the shipping waived for free shipping
    kind: str = ""


@dataclass(frozen=True)
class NotApplied:
    id: int
    code: str
    reason: str  # one of the REASON_* constants


@dataclass(frozen=True)
class Totals:
    currency: str
    lines: tuple[LineTotals, ...]
    subtotal: Decimal  # the lines as entered, before discounts
    discount_total: Decimal  # taken off the lines (a shipping waiver is in `shipping_discount`)
    shipping_total: Decimal  # after shipping discounts, tax included
    tax_total: Decimal  # lines' and shipping's tax (included in `total` either way)
    total: Decimal  # what the order costs, tax included
    gift_cards: tuple[tuple[str, Decimal], ...]  # (code, amount used)
    store_credit_applied: Decimal
    amount_due: Decimal  # total minus gift cards and store credit; never below 0
    discounts: tuple[AppliedDiscount, ...]
    prices_include_tax: bool
    shipping_discount: Decimal = ZERO  # shipping waived by free-shipping discounts
    shipping_tax: Decimal = ZERO  # part of `tax_total`
    tax_rate: Decimal | None = None
    tax_name: str = ""
    weight_grams: int = 0
    item_count: int = 0
    not_applied: tuple[NotApplied, ...] = field(default=())

    @property
    def fits_columns(self) -> bool:
        """Whether every amount can be stored (see `MONEY_COLUMN_LIMIT`): a cart of 99 items at
        999,999,999 each is a valid cart but no order can hold it."""
        amounts = [self.subtotal, self.total, self.shipping_total, self.tax_total, self.discount_total]
        amounts += [
            value for line in self.lines for value in (line.subtotal, line.total, line.discount, line.tax)
        ]
        return all(abs(amount) < MONEY_COLUMN_LIMIT for amount in amounts)

    @property
    def gift_card_total(self) -> Decimal:
        return sum((amount for _code, amount in self.gift_cards), ZERO)

    @property
    def lines_total(self) -> Decimal:
        return self.total - self.shipping_total

    @property
    def shipping_shown(self) -> Decimal:
        """Shipping as a totals row shows it: without its tax when prices exclude tax (the tax
        row holds it), as charged when prices include it."""
        return self.shipping_total if self.prices_include_tax else self.shipping_total - self.shipping_tax


# ------------------------------------------------------------------------------
# minor units
# ------------------------------------------------------------------------------
class _Money:
    """Rounding and minor-unit conversion for one currency (looked up once per call)."""

    __slots__ = ("minor", "places", "unit")

    def __init__(self, currency: str) -> None:
        self.unit = currency_unit(currency)
        self.places = -self.unit.as_tuple().exponent  # type: ignore[operator]
        self.minor = 10**self.places

    def round(self, amount: Decimal) -> Decimal:
        return amount.quantize(self.unit, rounding=MONEY_ROUNDING)

    def to_minor(self, amount: Decimal) -> int:
        """A rounded amount in minor units (exact)."""
        return int(amount.scaleb(self.places))

    def from_minor(self, units: int) -> Decimal:
        # Exact, and with exactly the currency's decimals: no rounding needed.
        return Decimal(units).scaleb(-self.places)


def allocate(total: int, weights: Sequence[int]) -> list[int]:
    """`total` minor units split in proportion to `weights` (largest remainder): the shares add
    up to `total` exactly, none exceeds its weight when `total` <= sum(weights), and leftover
    units go to the largest remainders, the earlier index on a tie."""
    whole = sum(weights)
    if total <= 0 or whole <= 0:
        return [0] * len(weights)
    if total >= whole:
        return list(weights)
    shares: list[int] = []
    remainders: list[tuple[int, int]] = []
    for index, weight in enumerate(weights):
        share, remainder = divmod(total * weight, whole)
        shares.append(share)
        remainders.append((-remainder, index))
    left = total - sum(shares)
    for _remainder, index in sorted(remainders)[:left]:
        shares[index] += 1
    return shares


# ------------------------------------------------------------------------------
# discounts
# ------------------------------------------------------------------------------
def _eligible(discount: DiscountInput, line: LineInput) -> bool:
    products = discount.product_ids or frozenset()
    collections = discount.collection_ids or frozenset()
    if not products and not collections:
        return True
    return line.product_id in products or not collections.isdisjoint(line.collection_ids)


_STACK_ORDER = {DiscountKind.BUY_X_GET_Y: 0, DiscountKind.PERCENTAGE: 1, DiscountKind.FIXED: 2}


def _apply_stack(
    *,
    stack: Sequence[DiscountInput],
    lines: Sequence[LineInput],
    unit_prices: Sequence[Decimal],
    remaining: list[int],
    money: _Money,
) -> list[tuple[DiscountInput, list[int]]]:
    """Apply `stack` in stack order to `remaining` (minor units per line, changed in place);
    returns each discount with its per-line shares."""
    applied: list[tuple[DiscountInput, list[int]]] = []
    ordered = sorted(enumerate(stack), key=lambda item: (_STACK_ORDER[item[1].kind], item[0]))
    for _position, discount in ordered:
        eligible = [
            index for index, line in enumerate(lines) if _eligible(discount, line) and remaining[index] > 0
        ]
        shares = [0] * len(lines)
        if discount.kind == DiscountKind.BUY_X_GET_Y:
            group = discount.buy_quantity + discount.get_quantity
            units = sum(lines[index].quantity for index in eligible)
            free = (units // group) * discount.get_quantity if group > 0 and discount.get_quantity > 0 else 0
            # The cheapest eligible units are the ones given away.
            for index in sorted(eligible, key=lambda i: (unit_prices[i], i)):
                if free <= 0:
                    break
                taken = min(free, lines[index].quantity)
                free -= taken
                off = money.round(unit_prices[index] * taken * discount.get_percent / HUNDRED)
                shares[index] = min(money.to_minor(off), remaining[index])
        else:
            base = sum(remaining[index] for index in eligible)
            if discount.kind == DiscountKind.PERCENTAGE:
                amount = money.to_minor(money.round(money.from_minor(base) * discount.value / HUNDRED))
            else:
                amount = money.to_minor(money.round(discount.value))
            amount = min(amount, base)
            for index, share in zip(
                eligible, allocate(amount, [remaining[i] for i in eligible]), strict=True
            ):
                shares[index] = share
        for index, share in enumerate(shares):
            remaining[index] -= share
        applied.append((discount, shares))
    return applied


_KINDS = frozenset(
    {DiscountKind.PERCENTAGE, DiscountKind.FIXED, DiscountKind.FREE_SHIPPING, DiscountKind.BUY_X_GET_Y}
)


def _discounts_choose(
    *,
    discounts: Sequence[DiscountInput],
    lines: Sequence[LineInput],
    unit_prices: Sequence[Decimal],
    subtotals: list[int],
    money: _Money,
) -> tuple[list[tuple[DiscountInput, list[int]]], list[DiscountInput], list[NotApplied]]:
    """Which discounts apply (the combination rules of the module docstring): the line
    discounts chosen with their per-line shares, the free-shipping ones, and the others with
    why they were left out."""
    subtotal = money.from_minor(sum(subtotals))
    not_applied: list[NotApplied] = []
    free_shipping: list[DiscountInput] = []
    combining: list[DiscountInput] = []
    alone: list[DiscountInput] = []
    for discount in discounts:
        if discount.kind not in _KINDS:
            raise ValueError(f"discount {discount.id}: unknown kind {discount.kind!r}")
        if discount.value < 0:
            raise ValueError(f"discount {discount.id}: negative value")
        if discount.min_subtotal is not None and subtotal < discount.min_subtotal:
            not_applied.append(NotApplied(discount.id, discount.code, REASON_MIN_SUBTOTAL))
        elif not any(_eligible(discount, line) for line in lines):
            not_applied.append(NotApplied(discount.id, discount.code, REASON_NO_ELIGIBLE_LINES))
        elif discount.kind == DiscountKind.FREE_SHIPPING:
            free_shipping.append(discount)
        elif discount.combines:
            combining.append(discount)
        else:
            alone.append(discount)

    # The combining discounts together, or one non-combining discount alone: the best wins,
    # the earlier candidate on a tie.
    candidates: list[Sequence[DiscountInput]] = [combining] if combining else []
    candidates.extend([discount] for discount in alone)
    chosen: Sequence[DiscountInput] = ()
    best: list[tuple[DiscountInput, list[int]]] = []
    best_value = -1
    for candidate in candidates:
        remaining = list(subtotals)
        applied = _apply_stack(
            stack=candidate, lines=lines, unit_prices=unit_prices, remaining=remaining, money=money
        )
        value = sum(subtotals) - sum(remaining)
        if value > best_value:
            best_value, best, chosen = value, applied, candidate
    for discount in (*combining, *alone):
        if not any(discount is kept for kept in chosen):
            not_applied.append(NotApplied(discount.id, discount.code, REASON_NOT_COMBINABLE))
    return best, free_shipping, not_applied


# ------------------------------------------------------------------------------
# totals
# ------------------------------------------------------------------------------
def _tax_of(amount: Decimal, rate: Decimal, *, included: bool, money: _Money) -> Decimal:
    if rate <= 0 or amount <= 0:
        return ZERO * money.unit
    if included:
        return money.round(amount * rate / (1 + rate))
    return money.round(amount * rate)


def calculate(
    *,
    currency: str,
    lines: Sequence[LineInput],
    prices_include_tax: bool,
    tax: TaxInput | None,
    shipping: ShippingInput | None,
    discounts: Sequence[DiscountInput] = (),
    gift_cards: Sequence[tuple[str, Decimal]] = (),
    store_credit: Decimal = ZERO,
) -> Totals:
    """Every amount of an order made of `lines` (see the module docstring for the rules).

    Raises `ValueError` for a quantity below 1, a negative price, amount or balance, a tax rate
    outside 0..1 or an unknown discount kind, and `apps.core.money.UnknownCurrencyError` for a
    currency that is not in use."""
    money = _Money(currency)
    zero = money.round(ZERO)
    rate = tax.rate if tax is not None else ZERO
    if not ZERO <= rate < 1:
        raise ValueError(f"tax rate {rate!r} is not a fraction from 0 to 1")

    unit_prices: list[Decimal] = []
    subtotals: list[int] = []
    weight = items = 0
    for line in lines:
        if line.quantity < 1:
            raise ValueError(f"line {line.key}: quantity {line.quantity} is below 1")
        if line.unit_price < 0:
            raise ValueError(f"line {line.key}: negative price")
        unit = money.round(line.unit_price)
        unit_prices.append(unit)
        subtotals.append(money.to_minor(unit) * line.quantity)
        weight += line.weight_grams * line.quantity
        items += line.quantity
    subtotal = money.from_minor(sum(subtotals))

    best, free_shipping, not_applied = _discounts_choose(
        discounts=discounts, lines=lines, unit_prices=unit_prices, subtotals=subtotals, money=money
    )

    # Applied discounts are listed in the order they were given.
    position = {id(discount): index for index, discount in enumerate(discounts)}
    applied_discounts: list[tuple[int, AppliedDiscount]] = []
    line_discounts = [0] * len(lines)
    allocations: list[list[tuple[int, Decimal]]] = [[] for _line in lines]
    for discount, shares in best:
        total_share = sum(shares)
        if total_share <= 0:
            not_applied.append(NotApplied(discount.id, discount.code, REASON_NO_EFFECT))
            continue
        applied_discounts.append(
            (
                position[id(discount)],
                AppliedDiscount(
                    discount.id, discount.code, discount.name, money.from_minor(total_share), discount.kind
                ),
            )
        )
        for index, share in enumerate(shares):
            if share:
                line_discounts[index] += share
                allocations[index].append((discount.id, money.from_minor(share)))

    # -- shipping -----------------------------------------------------------------
    shipping_amount = zero
    if shipping is not None:
        if shipping.amount < 0:
            raise ValueError("negative shipping amount")
        shipping_amount = money.round(shipping.amount)
    shipping_discount = zero
    for number, discount in enumerate(free_shipping):
        if number:
            not_applied.append(NotApplied(discount.id, discount.code, REASON_SHIPPING_ALREADY_FREE))
            continue
        # Listed even when there is no shipping to waive yet (pickup, no method chosen): the
        # code is in use and waives whatever shipping is chosen.
        shipping_discount = shipping_amount
        applied_discounts.append(
            (
                position[id(discount)],
                AppliedDiscount(discount.id, discount.code, discount.name, shipping_amount, discount.kind),
            )
        )
    shipping_base = shipping_amount - shipping_discount
    shipping_taxed = tax is not None and tax.applies_to_shipping and shipping is not None and shipping.taxable
    shipping_tax = (
        _tax_of(shipping_base, rate, included=prices_include_tax, money=money) if shipping_taxed else zero
    )
    shipping_total = shipping_base if prices_include_tax else shipping_base + shipping_tax

    # -- lines --------------------------------------------------------------------
    line_totals: list[LineTotals] = []
    tax_total = shipping_tax
    lines_sum = zero
    for index, line in enumerate(lines):
        line_subtotal = money.from_minor(subtotals[index])
        discount_amount = money.from_minor(line_discounts[index])
        base = line_subtotal - discount_amount
        line_tax = _tax_of(base, rate, included=prices_include_tax, money=money) if tax is not None else zero
        line_total = base if prices_include_tax else base + line_tax
        tax_total += line_tax
        lines_sum += line_total
        line_totals.append(
            LineTotals(
                key=line.key,
                quantity=line.quantity,
                unit_price=unit_prices[index],
                subtotal=line_subtotal,
                discount=discount_amount,
                tax=line_tax,
                total=line_total,
                discount_allocations=tuple(allocations[index]),
            )
        )
    discount_total = money.from_minor(sum(line_discounts))
    total = lines_sum + shipping_total

    # -- paying -------------------------------------------------------------------
    left = total
    used_cards: list[tuple[str, Decimal]] = []
    for code, balance in gift_cards:
        if balance < 0:
            raise ValueError(f"gift card {code}: negative balance")
        used = min(money.round(balance), left)
        if used > 0:
            used_cards.append((code, used))
            left -= used
    if store_credit < 0:
        raise ValueError("negative store credit")
    credit = min(money.round(store_credit), left)
    left -= credit

    return Totals(
        currency=currency,
        lines=tuple(line_totals),
        subtotal=subtotal,
        discount_total=discount_total,
        shipping_total=shipping_total,
        tax_total=tax_total,
        total=total,
        gift_cards=tuple(used_cards),
        store_credit_applied=credit,
        amount_due=max(left, zero),
        discounts=tuple(
            applied for _position, applied in sorted(applied_discounts, key=lambda item: item[0])
        ),
        prices_include_tax=prices_include_tax,
        shipping_discount=shipping_discount,
        shipping_tax=shipping_tax,
        tax_rate=tax.rate if tax is not None else None,
        tax_name=tax.name if tax is not None else "",
        weight_grams=weight,
        item_count=items,
        not_applied=tuple(not_applied),
    )
