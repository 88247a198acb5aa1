"""Cart and checkout errors: one `CartErrorCode` per way a cart change can be refused and one
`CheckoutErrorCode` per way a checkout step, a code, a redemption or a balance change can be
(Saleor's `CheckoutErrorCode` style).

A `CartError` (and a `CheckoutError`) carries its stable `code`, the `params` its message was built from, and the form
`field` it concerns ("variant" or "quantity"), so a page can show the message next to that
field. Nothing decides anything from a message's text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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


# ------------------------------------------------------------------------------
# checkout
# ------------------------------------------------------------------------------
class CheckoutErrorCode(models.TextChoices):
    CHECKOUT_ERROR = "checkout_error", _("Checkout error")
    CHECKOUT_UNKNOWN = "checkout_unknown", _("Unknown checkout")
    CHECKOUT_COMPLETED = "checkout_completed", _("The checkout is already completed")
    CART_EMPTY = "cart_empty", _("The cart is empty")
    EMAIL_INVALID = "email_invalid", _("Invalid email address")
    ADDRESS_INVALID = "address_invalid", _("Invalid address")
    SHIPPING_ADDRESS_REQUIRED = "shipping_address_required", _("Shipping address missing")
    SHIPPING_METHOD_REQUIRED = "shipping_method_required", _("Shipping method missing")
    SHIPPING_METHOD_UNAVAILABLE = "shipping_method_unavailable", _("Shipping method not available")
    CODE_INVALID = "code_invalid", _("Unknown code")
    CODE_INACTIVE = "code_inactive", _("Code disabled")
    CODE_NOT_STARTED = "code_not_started", _("Code not valid yet")
    CODE_EXPIRED = "code_expired", _("Code expired")
    CODE_EXHAUSTED = "code_exhausted", _("Code used up")
    CODE_MIN_SUBTOTAL = "code_min_subtotal", _("Subtotal below the code's minimum")
    CODE_NOT_APPLICABLE = "code_not_applicable", _("Code applies to nothing in the cart")
    CODE_ONCE_PER_CUSTOMER = "code_once_per_customer", _("Code already used by this customer")
    TOO_MANY_CODES = "too_many_codes", _("Too many codes")
    GIFT_CARD_EMPTY = "gift_card_empty", _("Gift card has no balance left")
    GIFT_CARD_EXPIRED = "gift_card_expired", _("Gift card expired")
    GIFT_CARD_DISABLED = "gift_card_disabled", _("Gift card disabled")
    GIFT_CARD_CURRENCY = "gift_card_currency", _("Gift card in another currency")
    GIFT_CARD_INSUFFICIENT = "gift_card_insufficient", _("Gift card balance too low")
    GIFT_CARD_CODE_TAKEN = "gift_card_code_taken", _("Gift card code already in use")
    GIFT_CARD_CODE_INVALID = "gift_card_code_invalid", _("Gift card code not allowed")
    AMOUNT_INVALID = "amount_invalid", _("Invalid amount")
    STORE_CREDIT_ACCOUNT_REQUIRED = "store_credit_account_required", _("Store credit needs an account")
    STORE_CREDIT_INSUFFICIENT = "store_credit_insufficient", _("Not enough store credit")
    ORDER_REFERENCE_INVALID = "order_reference_invalid", _("Invalid order reference")
    # checkout_problems: what must be fixed before paying
    LINE_UNAVAILABLE = "line_unavailable", _("Product not for sale")
    LINE_SOLD_OUT = "line_sold_out", _("Sold out")
    LINE_INSUFFICIENT_STOCK = "line_insufficient_stock", _("Not enough stock")
    PRICE_CHANGED = "price_changed", _("Price changed")
    TOTAL_TOO_LARGE = "total_too_large", _("Order too large")
    EMAIL_REQUIRED = "email_required", _("Email missing")
    CODE_NO_LONGER_VALID = "code_no_longer_valid", _("A code no longer applies")


class CheckoutError(ApplicationError):
    """A checkout step was refused; nothing of it was saved."""

    code: str = CheckoutErrorCode.CHECKOUT_ERROR
    codes = CheckoutErrorCode


class CheckoutNotOpen(CheckoutError):
    code = CheckoutErrorCode.CHECKOUT_COMPLETED


class CheckoutInputInvalid(CheckoutError):
    """An email or an address was refused; `errors` holds one coded error per field (for an
    address, the ones `apps.customers.services.address_clean` raised)."""

    code = CheckoutErrorCode.ADDRESS_INVALID

    def __init__(
        self,
        message: str,
        *,
        errors: list[ApplicationError],
        code: str | None = None,
        field: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message, code=code, field=field, params=params)
        self.errors = errors


class ShippingUnavailable(CheckoutError):
    code = CheckoutErrorCode.SHIPPING_METHOD_UNAVAILABLE


class CodeRefused(CheckoutError):
    """A discount or gift card code was refused (unknown, expired, used up ...; the code says
    which)."""

    code = CheckoutErrorCode.CODE_INVALID


class RedemptionFailed(CheckoutError):
    """Placing the order cannot use a discount, gift card or store credit any more (used up,
    expired, spent meanwhile): nothing was recorded."""

    code = CheckoutErrorCode.CODE_EXHAUSTED


class BalanceError(CheckoutError):
    """A gift card or store credit change was refused."""

    code = CheckoutErrorCode.AMOUNT_INVALID
