"""Cart writes: finding or opening a shopper's cart, adding, changing and removing lines, and
folding a guest's cart into the shopper's own when they sign in.

Every change runs in a transaction holding the cart's row lock, so two requests of one shopper
apply one after the other, and either succeeds whole or leaves the cart as it was (a refused
change raises a `CartError` naming the field and changes nothing). The rules:

- a quantity is a whole number from 1 to CART_LINE_MAX_QUANTITY (0 removes, where setting);
- the variant exists and its product is active (for sale);
- the cart's total for the variant is in stock: on hand minus reserved over active locations
  (`apps.checkout.selectors.variant_available`). No product may be oversold today, so running
  out always refuses;
- a cart holds at most CART_MAX_LINES lines;
- only an open cart changes; the status moves only through `_cart_transition`.

Each change stamps the cart's `updated_at`, which the abandoned-cart job of checkout reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from apps.catalog.models import Product, ProductVariant
from apps.checkout.errors import (
    CartError,
    CartErrorCode,
    CartNotOpen,
    LineUnknown,
    MergeInvalid,
    OutOfStock,
    ProductUnavailable,
    QuantityInvalid,
    TooManyLines,
    VariantUnknown,
)
from apps.checkout.models import Cart, CartLine
from apps.checkout.selectors import cart_find, variant_available, variant_display_name
from apps.core.money import money_quantize
from apps.stores.selectors import store_settings_get

if TYPE_CHECKING:
    from apps.accounts.models import User

__all__ = [
    "CartError",
    "CartErrorCode",
    "CartMergeResult",
    "MergeAdjustment",
    "cart_convert",
    "cart_get_or_create",
    "cart_line_add",
    "cart_line_remove",
    "cart_line_set_quantity",
    "cart_merge",
    "cart_quantity_parse",
]

# Allowed status changes; anything else is refused in `_cart_transition`.
CART_TRANSITIONS: dict[str, frozenset[str]] = {
    Cart.Status.OPEN: frozenset({Cart.Status.MERGED, Cart.Status.CONVERTED}),
}
# Longest quantity text read at all: anything longer is not a quantity a shopper meant.
QUANTITY_MAX_DIGITS = 9


# ------------------------------------------------------------------------------
# input
# ------------------------------------------------------------------------------
def _max_quantity() -> int:
    return int(settings.CART_LINE_MAX_QUANTITY)


def _quantity_range_error(*, quantity: int, allow_zero: bool) -> QuantityInvalid:
    low = 0 if allow_zero else 1
    params = {"value": quantity, "min": low, "max": _max_quantity()}
    if quantity < low:
        message = (
            _("Enter a quantity of 0 (to remove the item) or more.")
            if allow_zero
            else _("Enter a quantity of at least 1.")
        )
        return QuantityInvalid(
            message, code=CartErrorCode.QUANTITY_TOO_SMALL, field="quantity", params=params
        )
    return QuantityInvalid(
        _("Enter a quantity of at most %(max)d.") % params,
        code=CartErrorCode.QUANTITY_TOO_LARGE,
        field="quantity",
        params=params,
    )


def cart_quantity_parse(*, value: object, allow_zero: bool = False) -> int:
    """A quantity from a form: a whole number from 1 (0 with `allow_zero`) to
    CART_LINE_MAX_QUANTITY. Raises `QuantityInvalid` naming the field otherwise."""
    if isinstance(value, bool):
        value = ""
    if isinstance(value, int):
        quantity = value
    else:
        text = str(value).strip() if isinstance(value, str) else ""
        digits = text[1:] if text[:1] in "+-" else text
        if not (digits.isascii() and digits.isdigit()) or len(digits) > QUANTITY_MAX_DIGITS:
            raise QuantityInvalid(
                _("Enter the quantity as a whole number, such as 1 or 2."),
                code=CartErrorCode.QUANTITY_INVALID,
                field="quantity",
                params={"value": text[:20]},
            )
        quantity = int(text)
    _quantity_check(quantity=quantity, allow_zero=allow_zero)
    return quantity


def _quantity_check(*, quantity: object, allow_zero: bool) -> None:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise QuantityInvalid(
            _("Enter the quantity as a whole number, such as 1 or 2."),
            code=CartErrorCode.QUANTITY_INVALID,
            field="quantity",
            params={"value": str(quantity)[:20]},
        )
    if quantity < (0 if allow_zero else 1) or quantity > _max_quantity():
        raise _quantity_range_error(quantity=quantity, allow_zero=allow_zero)


# ------------------------------------------------------------------------------
# carts
# ------------------------------------------------------------------------------
def _cart_transition(*, cart: Cart, to: str) -> None:
    if to not in CART_TRANSITIONS.get(cart.status, frozenset()):
        raise CartNotOpen(
            _("This cart can no longer be changed."),
            params={"status": cart.status, "to": to},
        )
    cart.status = to


def cart_get_or_create(*, user: User | None, token: object = None) -> Cart:
    """The open cart of a signed-in `user` (created on first use), or the guest cart `token`
    names when it is open and belongs to no one, else a new guest cart (whose token the caller
    keeps in the guest's session). A new cart is in the store's currency of the moment."""
    signed_in = user is not None and user.is_authenticated
    found = cart_find(user=user if signed_in else None, token=None if signed_in else token)
    if found is not None:
        return found
    currency = store_settings_get().currency
    if not signed_in:
        return Cart.objects.create(currency=currency)
    try:
        with transaction.atomic():
            return Cart.objects.create(user=user, currency=currency)
    except IntegrityError:
        # A parallel request of the same shopper opened theirs first: one open cart per user.
        found = cart_find(user=user)
        if found is None:
            raise
        return found


def _lock_open(cart: Cart) -> Cart:
    """`cart` re-read under its row lock; refuses a cart that is no longer open. The caller's
    instance gets the fresh status, so it never acts on a stale one."""
    locked = Cart.objects.select_for_update().filter(pk=cart.pk).first()
    if locked is None:
        raise CartNotOpen(_("This cart no longer exists."), params={"cart": str(cart.token)})
    cart.status = locked.status
    if locked.status != Cart.Status.OPEN:
        raise CartNotOpen(_("This cart can no longer be changed."), params={"status": locked.status})
    return locked


def _touch(*, cart: Cart, locked: Cart) -> None:
    locked.save(update_fields=["updated_at"])
    cart.updated_at = locked.updated_at


def _variant_for_sale(*, variant_id: int) -> ProductVariant:
    variant = ProductVariant.objects.select_related("product").filter(pk=variant_id).first()
    if variant is None:
        raise VariantUnknown(
            _("That product option does not exist (any more). Choose another one."),
            field="variant",
            params={"variant": variant_id},
        )
    if variant.product.status != Product.Status.ACTIVE:
        params = {"product": variant_display_name(variant)}
        raise ProductUnavailable(
            _("%(product)s is not for sale at the moment.") % params, field="variant", params=params
        )
    return variant


def _stock_check(*, variant: ProductVariant, quantity: int, in_cart: int) -> None:
    """Refuses a cart total of `quantity` units above what is available (no product may be
    oversold today)."""
    available = variant_available(variant_ids=[variant.pk])[variant.pk]
    if quantity <= available:
        return
    params = {
        "product": variant_display_name(variant),
        "available": available,
        "in_cart": in_cart,
        "value": quantity,
    }
    if available <= 0:
        raise OutOfStock(
            _("%(product)s is sold out.") % params,
            code=CartErrorCode.SOLD_OUT,
            field="quantity",
            params=params,
        )
    if in_cart:
        message = _("Only %(available)d of %(product)s are available, and %(in_cart)d are in your cart.")
    else:
        message = _("Only %(available)d of %(product)s are available.")
    raise OutOfStock(message % params, field="quantity", params=params)


def _limit_check(*, variant: ProductVariant, total: int, in_cart: int) -> None:
    limit = _max_quantity()
    if total <= limit:
        return
    params = {"product": variant_display_name(variant), "max": limit, "in_cart": in_cart, "value": total}
    if in_cart:
        message = _("You can have at most %(max)d of %(product)s in your cart; %(in_cart)d are in it.")
    else:
        message = _("You can have at most %(max)d of %(product)s in your cart.")
    raise QuantityInvalid(
        message % params, code=CartErrorCode.QUANTITY_TOO_LARGE, field="quantity", params=params
    )


def _lines_check(*, cart: Cart) -> None:
    limit = int(settings.CART_MAX_LINES)
    if CartLine.objects.filter(cart=cart).count() >= limit:
        raise TooManyLines(
            _("Your cart can hold %(max)d different items. Remove one to add another.") % {"max": limit},
            field="variant",
            params={"max": limit},
        )


# ------------------------------------------------------------------------------
# lines
# ------------------------------------------------------------------------------
@transaction.atomic
def cart_line_add(*, cart: Cart, variant: ProductVariant, quantity: int) -> CartLine:
    """Put `quantity` more units of `variant` in `cart` (a new line, or added to its line)."""
    _quantity_check(quantity=quantity, allow_zero=False)
    locked = _lock_open(cart)
    current = _variant_for_sale(variant_id=variant.pk)
    line = CartLine.objects.filter(cart=locked, variant=current).first()
    in_cart = line.quantity if line is not None else 0
    total = in_cart + quantity
    _limit_check(variant=current, total=total, in_cart=in_cart)
    _stock_check(variant=current, quantity=total, in_cart=in_cart)
    # The shopper chose at today's price: that is the price a later change is measured against.
    price = money_quantize(current.price, locked.currency)
    if line is None:
        _lines_check(cart=locked)
        line = CartLine.objects.create(
            cart=locked, variant=current, quantity=total, unit_price_snapshot=price
        )
    else:
        line.quantity, line.unit_price_snapshot = total, price
        line.save(update_fields=["quantity", "unit_price_snapshot", "updated_at"])
    _touch(cart=cart, locked=locked)
    return line


def _line_of(*, cart: Cart, line: CartLine) -> CartLine:
    found = (
        CartLine.objects.select_related("variant__product").filter(pk=line.pk, cart=cart).first()
        if line.pk is not None
        else None
    )
    if found is None:
        raise LineUnknown(_("That item is not in your cart (any more)."), params={"line": str(line.uuid)})
    return found


@transaction.atomic
def cart_line_set_quantity(*, cart: Cart, line: CartLine, quantity: int) -> CartLine | None:
    """Set a line's quantity; 0 removes the line (and returns None)."""
    _quantity_check(quantity=quantity, allow_zero=True)
    locked = _lock_open(cart)
    found = _line_of(cart=locked, line=line)
    if quantity == 0:
        found.delete()
        _touch(cart=cart, locked=locked)
        return None
    current = _variant_for_sale(variant_id=found.variant_id)
    _stock_check(variant=current, quantity=quantity, in_cart=0)
    found.quantity = quantity
    found.unit_price_snapshot = money_quantize(current.price, locked.currency)
    found.save(update_fields=["quantity", "unit_price_snapshot", "updated_at"])
    _touch(cart=cart, locked=locked)
    return found


@transaction.atomic
def cart_line_remove(*, cart: Cart, line: CartLine) -> None:
    """Take a line out of the cart (allowed whatever became of its product)."""
    locked = _lock_open(cart)
    _line_of(cart=locked, line=line).delete()
    _touch(cart=cart, locked=locked)


def cart_convert(*, cart: Cart) -> Cart:
    """Close `cart` as turned into an order (checkout completion); converting a converted cart
    again changes nothing. Call inside the completing transaction."""
    locked = Cart.objects.select_for_update().get(pk=cart.pk)
    if locked.status != Cart.Status.CONVERTED:
        _cart_transition(cart=locked, to=Cart.Status.CONVERTED)
        locked.save(update_fields=["status", "updated_at"])
    cart.status, cart.updated_at = locked.status, locked.updated_at
    return locked


# ------------------------------------------------------------------------------
# merging a guest's cart on sign-in
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class MergeAdjustment:
    """A line of the guest's cart that could not be carried over whole."""

    variant_id: int
    product: str
    wanted: int  # units the two carts held together
    kept: int  # units in the shopper's cart now (0: left out)
    reason: str  # a CartErrorCode value


@dataclass(frozen=True)
class CartMergeResult:
    into: Cart
    units_added: int = 0
    adjustments: list[MergeAdjustment] = field(default_factory=list)


@transaction.atomic
def cart_merge(*, from_cart: Cart, into_cart: Cart) -> CartMergeResult:
    """Fold `from_cart` (a guest's) into `into_cart` (the shopper's): quantities of the same
    variant add up, capped by stock and CART_LINE_MAX_QUANTITY; lines of products no longer for
    sale, sold out, or past CART_MAX_LINES are left out and reported. `from_cart` is marked
    merged. Merging a cart again into the cart it went into changes nothing."""
    if from_cart.pk == into_cart.pk:
        raise MergeInvalid(_("A cart cannot be merged into itself."), params={"cart": str(from_cart.token)})
    # Both rows locked in id order, so two merges of the same pair cannot deadlock.
    locked = {
        cart.pk: cart
        for cart in Cart.objects.select_for_update()
        .filter(pk__in=[from_cart.pk, into_cart.pk])
        .order_by("pk")
    }
    source, target = locked.get(from_cart.pk), locked.get(into_cart.pk)
    if source is None or target is None:
        raise MergeInvalid(_("This cart no longer exists."), params={"cart": str(from_cart.token)})
    if source.status == Cart.Status.MERGED and source.merged_into_id == target.pk:
        return CartMergeResult(into=target)
    for cart in (source, target):
        if cart.status != Cart.Status.OPEN:
            raise CartNotOpen(_("This cart can no longer be changed."), params={"status": cart.status})

    incoming = list(
        CartLine.objects.filter(cart=source).select_related("variant__product").order_by("created_at", "id")
    )
    existing = {line.variant_id: line for line in CartLine.objects.filter(cart=target)}
    available = variant_available(variant_ids=[line.variant_id for line in incoming])
    limit, max_lines = _max_quantity(), int(settings.CART_MAX_LINES)
    line_count = len(existing)
    units_added = 0
    adjustments: list[MergeAdjustment] = []
    for line in incoming:
        variant = line.variant
        have = existing.get(variant.pk)
        held = have.quantity if have is not None else 0
        wanted = held + line.quantity
        if variant.product.status != Product.Status.ACTIVE:
            kept, reason = held, CartErrorCode.PRODUCT_UNAVAILABLE
        else:
            stock = available[variant.pk]
            kept = min(wanted, limit, stock)
            if stock <= 0:
                reason = CartErrorCode.SOLD_OUT
            elif limit < wanted and limit <= stock:
                reason = CartErrorCode.QUANTITY_TOO_LARGE
            else:
                reason = CartErrorCode.INSUFFICIENT_STOCK
            # The shopper's own quantity is theirs: a merge never lowers it.
            kept = max(kept, held)
            if have is None and kept > 0 and line_count >= max_lines:
                kept, reason = 0, CartErrorCode.TOO_MANY_LINES
        if kept > held:
            if have is None:
                CartLine.objects.create(
                    cart=target, variant=variant, quantity=kept, unit_price_snapshot=line.unit_price_snapshot
                )
                line_count += 1
            else:
                # The guest chose most recently: their price is the one the shopper last saw.
                have.quantity, have.unit_price_snapshot = kept, line.unit_price_snapshot
                have.save(update_fields=["quantity", "unit_price_snapshot", "updated_at"])
            units_added += kept - held
        if kept < wanted:
            adjustments.append(
                MergeAdjustment(
                    variant_id=variant.pk,
                    product=variant_display_name(variant),
                    wanted=wanted,
                    kept=kept,
                    reason=reason,
                )
            )
    _cart_transition(cart=source, to=Cart.Status.MERGED)
    source.merged_into = target
    source.save(update_fields=["status", "merged_into", "updated_at"])
    target.save(update_fields=["updated_at"])
    from_cart.status, from_cart.merged_into, from_cart.updated_at = source.status, target, source.updated_at
    into_cart.updated_at = target.updated_at
    return CartMergeResult(into=target, units_added=units_added, adjustments=adjustments)
