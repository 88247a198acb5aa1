"""The checkout app's models: carts, the checkout, shipping, taxes, discounts, gift cards and
store credit (one module each; every public name is importable from here)."""

from __future__ import annotations

from apps.checkout.models.cart import CART_LINE_QUANTITY_CEILING, Cart, CartLine
from apps.checkout.models.checkout import Checkout
from apps.checkout.models.discounts import Discount, DiscountKind, DiscountRedemption
from apps.checkout.models.gift_cards import GiftCard, GiftCardTransaction, StoreCreditEntry
from apps.checkout.models.shipping import ShippingRate, ShippingRateKind, ShippingZone
from apps.checkout.models.taxes import TaxRate

__all__ = [
    "CART_LINE_QUANTITY_CEILING",
    "Cart",
    "CartLine",
    "Checkout",
    "Discount",
    "DiscountKind",
    "DiscountRedemption",
    "GiftCard",
    "GiftCardTransaction",
    "ShippingRate",
    "ShippingRateKind",
    "ShippingZone",
    "StoreCreditEntry",
    "TaxRate",
]
