"""Checkout reads, one module per part (the public names are importable from here):

- `carts`: finding a shopper's or a guest's cart, stock available, the cart page's summary;
- `checkout`: a checkout, its lines, totals, shipping options and problems (`checkout_review`);
- `shipping`: shipping methods and the tax rate for a destination;
- `codes`: discounts, gift cards and store credit as the checkout reads them.
"""

from __future__ import annotations

from apps.checkout.selectors.carts import (
    CartSummary,
    CartSummaryLine,
    cart_find,
    cart_item_count,
    cart_line_get,
    cart_summary,
    cart_variant_get,
    token_parse,
    variant_available,
    variant_available_expression,
    variant_display_name,
    variant_label,
)
from apps.checkout.selectors.checkout import (
    CheckoutLine,
    CheckoutProblem,
    CheckoutReview,
    checkout_for_cart,
    checkout_get,
    checkout_lines,
    checkout_problems,
    checkout_review,
    checkout_totals,
    shipping_options,
)
from apps.checkout.selectors.codes import (
    code_normalise,
    discount_code_find,
    discount_refusal,
    gift_card_find,
    gift_card_refundable,
    gift_card_refusal,
    store_credit_balance,
    store_credit_entries,
)
from apps.checkout.selectors.shipping import (
    Destination,
    ShippingChoice,
    shipping_choices,
    tax_rate_for,
)

__all__ = [
    "CartSummary",
    "CartSummaryLine",
    "CheckoutLine",
    "CheckoutProblem",
    "CheckoutReview",
    "Destination",
    "ShippingChoice",
    "cart_find",
    "cart_item_count",
    "cart_line_get",
    "cart_summary",
    "cart_variant_get",
    "checkout_for_cart",
    "checkout_get",
    "checkout_lines",
    "checkout_problems",
    "checkout_review",
    "checkout_totals",
    "code_normalise",
    "discount_code_find",
    "discount_refusal",
    "gift_card_find",
    "gift_card_refundable",
    "gift_card_refusal",
    "shipping_choices",
    "shipping_options",
    "store_credit_balance",
    "store_credit_entries",
    "tax_rate_for",
    "token_parse",
    "variant_available",
    "variant_available_expression",
    "variant_display_name",
    "variant_label",
]
