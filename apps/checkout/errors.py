"""Cart errors: one `CartErrorCode` per way a cart change can be refused (Saleor's
`CheckoutErrorCode` style).

A `CartError` carries its stable `code`, the `params` its message was built from, and the form
`field` it concerns ("variant" or "quantity"), so a page can show the message next to that
field. Nothing decides anything from a message's text.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.errors import ApplicationError


class CartErrorCode(models.TextChoices):
    CART_ERROR = "cart_error", _("Cart error")
    CART_NOT_OPEN = "cart_not_open", _("The cart is closed")
    VARIANT_UNKNOWN = "variant_unknown", _("Unknown variant")
    PRODUCT_UNAVAILABLE = "product_unavailable", _("Product not for sale")
    QUANTITY_INVALID = "quantity_invalid", _("Not a whole number")
    QUANTITY_TOO_SMALL = "quantity_too_small", _("Quantity below one")
    QUANTITY_TOO_LARGE = "quantity_too_large", _("Quantity above the limit")
    SOLD_OUT = "sold_out", _("Sold out")
    INSUFFICIENT_STOCK = "insufficient_stock", _("Not enough stock")
    TOO_MANY_LINES = "too_many_lines", _("Too many lines")
    LINE_UNKNOWN = "line_unknown", _("Unknown cart line")
    MERGE_INVALID = "merge_invalid", _("Carts cannot be merged")


class CartError(ApplicationError):
    code: str = CartErrorCode.CART_ERROR
    codes = CartErrorCode


class CartNotOpen(CartError):
    code = CartErrorCode.CART_NOT_OPEN


class VariantUnknown(CartError):
    code = CartErrorCode.VARIANT_UNKNOWN


class ProductUnavailable(CartError):
    code = CartErrorCode.PRODUCT_UNAVAILABLE


class QuantityInvalid(CartError):
    """Not a whole number, below one, or above the shop's limit (the code says which)."""

    code = CartErrorCode.QUANTITY_INVALID


class OutOfStock(CartError):
    """Fewer units available than asked for (`SOLD_OUT` when none at all)."""

    code = CartErrorCode.INSUFFICIENT_STOCK


class TooManyLines(CartError):
    code = CartErrorCode.TOO_MANY_LINES


class LineUnknown(CartError):
    code = CartErrorCode.LINE_UNKNOWN


class MergeInvalid(CartError):
    code = CartErrorCode.MERGE_INVALID
