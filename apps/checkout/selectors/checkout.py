"""Reading a checkout: finding it, its lines at today's prices and stock, the shipping methods
offered, its totals and what must be fixed before paying.

`checkout_review` gathers everything a checkout page or order placement needs in a fixed number
of queries whatever the number of lines (the cart's lines with stock and collections in one,
plus at most one each for the tax rate, the shipping rates, the discounts with their
restrictions, collection membership, once-per-customer uses, gift cards and store credit); a
test pins it for 1 and 50 lines. `checkout_totals`, `checkout_problems` and `shipping_options`
are views of it.

Codes applied earlier are checked again at every read: a discount that expired or was used up
meanwhile, or a gift card that was emptied, no longer counts, and `checkout_problems` says so.
Lines are priced at the variant's price now; a line whose price differs from the one the
shopper added it at is a problem until they accept it (`checkout_prices_accept`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.catalog.models import Product, ProductImage
from apps.checkout.errors import CheckoutErrorCode
from apps.checkout.models import Cart, CartLine, Checkout
from apps.checkout.pricing import DiscountInput, LineInput, ShippingInput, TaxInput, Totals, calculate
from apps.checkout.selectors.carts import token_parse, variant_available_expression, variant_label
from apps.checkout.selectors.codes import (
    collection_members,
    discount_input,
    discount_refusal,
    discounts_for_codes,
    discounts_used_by,
    gift_card_refusal,
    gift_cards_for_codes,
    store_credit_balance,
)
from apps.checkout.selectors.shipping import (
    Destination,
    ShippingChoice,
    shipping_choices,
    tax_rate_for,
)
from apps.core.money import money_display, money_quantize
from apps.stores.selectors import store_settings_get


def checkout_get(*, token: object) -> Checkout | None:
    """The checkout a token (from a URL or a session) names, with its cart; None for a
    malformed or unknown token."""
    parsed = token_parse(token)
    if parsed is None:
        return None
    return Checkout.objects.select_related("cart", "user").filter(token=parsed).first()


def checkout_for_cart(*, cart: Cart) -> Checkout | None:
    return Checkout.objects.select_related("cart", "user").filter(cart=cart).first()


# ------------------------------------------------------------------------------
# lines
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class CheckoutLine:
    key: str  # the cart line's uuid
    line_id: int
    variant_id: int
    product_id: int
    sku: str
    product_title: str
    product_handle: str
    variant_title: str
    quantity: int
    unit_price: Decimal  # the variant's price now, rounded to the currency
    price_when_added: Decimal
    weight_grams: int  # of one unit
    available: int
    # "" when the line can be bought as it is; else a CheckoutErrorCode value.
    problem: str
    collection_ids: frozenset[int] = frozenset()
    image_url: str = ""
    image_alt: str = ""

    @property
    def price_changed(self) -> bool:
        return self.unit_price != self.price_when_added

    @property
    def display_name(self) -> str:
        return f"{self.product_title} – {self.variant_title}" if self.variant_title else self.product_title

    def pricing_input(self, *, collection_ids: frozenset[int] = frozenset()) -> LineInput:
        return LineInput(
            key=self.key,
            variant_id=self.variant_id,
            product_id=self.product_id,
            unit_price=self.unit_price,
            quantity=self.quantity,
            weight_grams=self.weight_grams,
            collection_ids=collection_ids,
        )


def _line_problem(*, active: bool, available: int, quantity: int) -> str:
    if not active:
        return CheckoutErrorCode.LINE_UNAVAILABLE
    if available <= 0:
        return CheckoutErrorCode.LINE_SOLD_OUT
    if quantity > available:
        return CheckoutErrorCode.LINE_INSUFFICIENT_STOCK
    return ""


def _cart_lines(*, cart: Cart, images: bool) -> list[CheckoutLine]:
    """The cart's lines with variant, product, stock (one query; one more for images)."""
    rows = (
        CartLine.objects.filter(cart=cart)
        .select_related("variant__product")
        .annotate(available=variant_available_expression())
        .order_by("created_at", "id")
    )
    if images:
        rows = rows.prefetch_related(
            Prefetch("variant__product__images", queryset=ProductImage.objects.order_by("position", "id"))
        )
    currency = cart.currency
    lines: list[CheckoutLine] = []
    for row in rows:
        variant, product = row.variant, row.variant.product
        available = max(int(row.available), 0)  # type: ignore[attr-defined]
        image = next(iter(product.images.all()), None) if images else None
        lines.append(
            CheckoutLine(
                key=str(row.uuid),
                line_id=row.pk,
                variant_id=variant.pk,
                product_id=product.pk,
                sku=variant.sku,
                product_title=product.title,
                product_handle=product.handle,
                variant_title=variant_label(variant),
                quantity=row.quantity,
                unit_price=money_quantize(variant.price, currency),
                price_when_added=money_quantize(row.unit_price_snapshot, currency),
                weight_grams=variant.weight_grams or 0,
                available=available,
                problem=_line_problem(
                    active=product.status == Product.Status.ACTIVE, available=available, quantity=row.quantity
                ),
                image_url=(image.thumbnail or image.image).url if image is not None else "",
                image_alt=(image.alt or product.title) if image is not None else "",
            )
        )
    return lines


def checkout_lines(*, checkout: Checkout) -> list[CheckoutLine]:
    """The checkout's lines at today's prices, with stock and first image (two queries)."""
    return _cart_lines(cart=checkout.cart, images=True)


# ------------------------------------------------------------------------------
# problems
# ------------------------------------------------------------------------------
class CheckoutProblem(str):
    """One thing to fix before paying: the message to show (the string itself), its stable
    `code`, the `params` the message was built from and the `line` (cart line uuid) or `code`
    it concerns. A `str`, so a list of them reads as the messages."""

    code: str
    params: dict[str, Any]
    line: str

    def __new__(
        cls, message: str, *, code: str, params: dict[str, Any] | None = None, line: str = ""
    ) -> CheckoutProblem:
        problem = super().__new__(cls, message)
        problem.code = code
        problem.params = dict(params or {})
        problem.line = line
        return problem


def _code_message(code: str, reason: str) -> str:
    messages: dict[str, str] = {
        CheckoutErrorCode.CODE_INACTIVE: _("The code %(code)s is no longer valid."),
        CheckoutErrorCode.CODE_NOT_STARTED: _("The code %(code)s is not valid yet."),
        CheckoutErrorCode.CODE_EXPIRED: _("The code %(code)s has expired."),
        CheckoutErrorCode.CODE_EXHAUSTED: _("The code %(code)s has been used up."),
        CheckoutErrorCode.CODE_ONCE_PER_CUSTOMER: _("You have already used the code %(code)s."),
        CheckoutErrorCode.CODE_INVALID: _("The code %(code)s does not exist (any more)."),
        CheckoutErrorCode.GIFT_CARD_DISABLED: _("The gift card %(code)s has been disabled."),
        CheckoutErrorCode.GIFT_CARD_EXPIRED: _("The gift card %(code)s has expired."),
        CheckoutErrorCode.GIFT_CARD_EMPTY: _("The gift card %(code)s has no balance left."),
        CheckoutErrorCode.GIFT_CARD_CURRENCY: _("The gift card %(code)s is in another currency."),
    }
    return messages.get(reason, _("The code %(code)s can no longer be used.")) % {"code": code}


# ------------------------------------------------------------------------------
# the review: lines, shipping, totals, problems
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class CheckoutReview:
    checkout: Checkout
    currency: str
    prices_include_tax: bool
    lines: list[CheckoutLine]
    totals: Totals
    shipping_options: list[ShippingChoice]
    shipping: ShippingChoice | None  # the chosen method, when it is still offered
    destination: Destination | None
    problems: list[CheckoutProblem] = field(default_factory=list)
    # Applied codes that no longer count, with the reason (a CheckoutErrorCode value).
    refused_codes: dict[str, str] = field(default_factory=dict)
    store_credit_available: Decimal = Decimal(0)


def _destination(checkout: Checkout, shipping: ShippingChoice | None) -> Destination | None:
    """Where tax is owed: the pickup point for a pickup method, else the shipping address."""
    if shipping is not None and shipping.pickup_location is not None:
        at_pickup = Destination.from_location(shipping.pickup_location)
        if at_pickup is not None:
            return at_pickup
    return Destination.from_address(checkout.shipping_address)


def checkout_review(*, checkout: Checkout, images: bool = False) -> CheckoutReview:
    """Everything a checkout page or order placement needs (see the module docstring for the
    queries). `images` adds each line's first image (one more query)."""
    cart = checkout.cart
    currency = cart.currency
    now = timezone.now()
    store = store_settings_get()
    lines = _cart_lines(cart=cart, images=images)
    subtotal = sum((line.unit_price * line.quantity for line in lines), Decimal(0))
    weight = sum(line.weight_grams * line.quantity for line in lines)

    # shipping: the options for the address; the chosen one if still among them
    address_destination = Destination.from_address(checkout.shipping_address)
    options = shipping_choices(
        destination=address_destination, subtotal=subtotal, weight_grams=weight, currency=currency
    )
    chosen = next((o for o in options if o.rate_id == checkout.shipping_rate_id), None)
    destination = _destination(checkout, chosen)
    tax_rate = tax_rate_for(destination=destination)

    # discounts: the applied codes and the automatic ones, re-checked now
    refused: dict[str, str] = {}
    discounts = discounts_for_codes(codes=checkout.discount_codes, automatic=True)
    found_codes = {d.code.lower() for d in discounts if d.code}
    for code in checkout.discount_codes:
        if code.lower() not in found_codes:
            refused[code] = CheckoutErrorCode.CODE_INVALID
    used = discounts_used_by(
        discount_ids=[d.pk for d in discounts if d.once_per_customer], email=checkout.email
    )
    usable: list[DiscountInput] = []
    for discount in discounts:
        reason = discount_refusal(discount, now=now, used_by_customer=discount.pk in used)
        if reason is None:
            usable.append(discount_input(discount))
        elif not discount.automatic:
            refused[discount.code] = reason
    wanted_collections = {cid for d in usable for cid in (d.collection_ids or ())}
    members = collection_members(
        collection_ids=wanted_collections, product_ids={line.product_id for line in lines}
    )

    # gift cards and store credit
    cards: list[tuple[str, Decimal]] = []
    for card in gift_cards_for_codes(codes=checkout.gift_card_codes):
        reason = gift_card_refusal(card, now=now, currency=currency)
        if reason is None:
            cards.append((card.code, card.balance))
        else:
            refused[card.code] = reason
    usable_cards = {code for code, _balance in cards}
    for code in checkout.gift_card_codes:
        if code not in usable_cards and code not in refused:
            refused[code] = CheckoutErrorCode.CODE_INVALID
    credit = (
        store_credit_balance(user=checkout.user)
        if checkout.use_store_credit and checkout.user_id
        else Decimal(0)
    )

    totals = calculate(
        currency=currency,
        lines=[
            line.pricing_input(collection_ids=members.get(line.product_id, frozenset())) for line in lines
        ],
        prices_include_tax=store.prices_include_tax,
        tax=TaxInput(rate=tax_rate.rate, name=tax_rate.name, applies_to_shipping=tax_rate.applies_to_shipping)
        if tax_rate is not None
        else None,
        shipping=ShippingInput(amount=chosen.amount, name=chosen.name, rate_id=chosen.rate_id)
        if chosen is not None
        else None,
        discounts=usable,
        gift_cards=cards,
        store_credit=credit,
    )
    review = CheckoutReview(
        checkout=checkout,
        currency=currency,
        prices_include_tax=store.prices_include_tax,
        lines=lines,
        totals=totals,
        shipping_options=options,
        shipping=chosen,
        destination=destination,
        refused_codes=refused,
        store_credit_available=credit,
    )
    review.problems.extend(_problems(review))
    return review


def _problems(review: CheckoutReview) -> list[CheckoutProblem]:
    checkout = review.checkout
    problems: list[CheckoutProblem] = []
    if checkout.status != Checkout.Status.OPEN:
        problems.append(
            CheckoutProblem(
                _("This checkout is already completed."), code=CheckoutErrorCode.CHECKOUT_COMPLETED
            )
        )
    if not review.lines:
        problems.append(CheckoutProblem(_("Your cart is empty."), code=CheckoutErrorCode.CART_EMPTY))
    for line in review.lines:
        params = {"product": line.display_name, "available": line.available, "quantity": line.quantity}
        if line.problem == CheckoutErrorCode.LINE_UNAVAILABLE:
            message = _("%(product)s is no longer for sale. Remove it to continue.")
        elif line.problem == CheckoutErrorCode.LINE_SOLD_OUT:
            message = _("%(product)s is sold out. Remove it to continue.")
        elif line.problem == CheckoutErrorCode.LINE_INSUFFICIENT_STOCK:
            message = _("Only %(available)d of %(product)s are available; lower the quantity to continue.")
        else:
            message = ""
        if message:
            problems.append(
                CheckoutProblem(message % params, code=line.problem, params=params, line=line.key)
            )
        if line.price_changed:
            price_params = {
                "product": line.display_name,
                "old": str(line.price_when_added),
                "new": str(line.unit_price),
                "currency": review.currency,
            }
            problems.append(
                CheckoutProblem(
                    _("The price of %(product)s changed from %(old)s to %(new)s.")
                    % {
                        "product": line.display_name,
                        "old": money_display(line.price_when_added, review.currency),
                        "new": money_display(line.unit_price, review.currency),
                    },
                    code=CheckoutErrorCode.PRICE_CHANGED,
                    params=price_params,
                    line=line.key,
                )
            )
    if not review.totals.fits_columns:
        problems.append(
            CheckoutProblem(
                _("This order comes to more than one order can hold; lower a quantity to continue."),
                code=CheckoutErrorCode.TOTAL_TOO_LARGE,
            )
        )
    if not checkout.email:
        problems.append(
            CheckoutProblem(_("Enter your email address."), code=CheckoutErrorCode.EMAIL_REQUIRED)
        )
    if not checkout.shipping_address:
        problems.append(
            CheckoutProblem(_("Enter a shipping address."), code=CheckoutErrorCode.SHIPPING_ADDRESS_REQUIRED)
        )
    elif checkout.shipping_rate_id is None:
        problems.append(
            CheckoutProblem(_("Choose a shipping method."), code=CheckoutErrorCode.SHIPPING_METHOD_REQUIRED)
        )
    elif review.shipping is None:
        problems.append(
            CheckoutProblem(
                _("The shipping method you chose is not available for this address or cart; choose another."),
                code=CheckoutErrorCode.SHIPPING_METHOD_UNAVAILABLE,
            )
        )
    for code, reason in review.refused_codes.items():
        problems.append(
            CheckoutProblem(
                _code_message(code, reason),
                code=CheckoutErrorCode.CODE_NO_LONGER_VALID,
                params={"code": code, "reason": reason},
            )
        )
    return problems


def checkout_totals(*, checkout: Checkout) -> Totals:
    """The checkout's totals now (a fixed number of queries, see `checkout_review`)."""
    return checkout_review(checkout=checkout).totals


def checkout_problems(*, checkout: Checkout) -> list[CheckoutProblem]:
    """What must be fixed before paying (sold-out lines, changed prices, a missing address or
    shipping method, codes that no longer apply); empty when the checkout can be paid."""
    return checkout_review(checkout=checkout).problems


def shipping_options(*, checkout: Checkout) -> list[ShippingChoice]:
    """The shipping methods offered for the checkout's address and cart, cheapest first (none
    before an address is given). Two queries."""
    lines = _cart_lines(cart=checkout.cart, images=False)
    return shipping_choices(
        destination=Destination.from_address(checkout.shipping_address),
        subtotal=sum((line.unit_price * line.quantity for line in lines), Decimal(0)),
        weight_grams=sum(line.weight_grams * line.quantity for line in lines),
        currency=checkout.cart.currency,
    )
