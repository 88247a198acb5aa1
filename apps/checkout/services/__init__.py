"""Checkout writes, one module per part (the public names are importable from here):

- `carts`: opening a cart, adding, changing and removing lines, merging a guest's cart;
- `checkout`: the checkout's steps (start, contact, addresses, shipping, codes, store credit)
  and marking it completed;
- `redemptions`: what a placed order uses up (discount uses, gift card amounts, store credit)
  and giving it back;
- `balances`: issuing and adjusting gift cards, granting store credit;
- `abandoned`: announcing abandoned checkouts (`cart.abandoned`).
"""

from __future__ import annotations

from apps.checkout.selectors.codes import store_credit_balance
from apps.checkout.services.abandoned import CART_ABANDONED, carts_abandoned_notify
from apps.checkout.services.balances import (
    gift_card_adjust,
    gift_card_code_generate,
    gift_card_issue,
    gift_card_refund,
    store_credit_adjust,
    store_credit_grant,
)
from apps.checkout.services.carts import (
    CART_TRANSITIONS,
    CartError,
    CartErrorCode,
    CartMergeResult,
    MergeAdjustment,
    cart_convert,
    cart_get_or_create,
    cart_line_add,
    cart_line_remove,
    cart_line_set_quantity,
    cart_merge,
    cart_quantity_parse,
)
from apps.checkout.services.checkout import (
    CHECKOUT_STARTED,
    CodeApplied,
    checkout_address_set,
    checkout_code_apply,
    checkout_code_remove,
    checkout_complete_mark,
    checkout_contact_set,
    checkout_prices_accept,
    checkout_shipping_set,
    checkout_start,
    checkout_store_credit_set,
    email_clean,
)
from apps.checkout.services.redemptions import checkout_redemptions_record, checkout_redemptions_reverse

__all__ = [
    "CART_ABANDONED",
    "CART_TRANSITIONS",
    "CHECKOUT_STARTED",
    "CartError",
    "CartErrorCode",
    "CartMergeResult",
    "CodeApplied",
    "MergeAdjustment",
    "cart_convert",
    "cart_get_or_create",
    "cart_line_add",
    "cart_line_remove",
    "cart_line_set_quantity",
    "cart_merge",
    "cart_quantity_parse",
    "carts_abandoned_notify",
    "checkout_address_set",
    "checkout_code_apply",
    "checkout_code_remove",
    "checkout_complete_mark",
    "checkout_contact_set",
    "checkout_prices_accept",
    "checkout_redemptions_record",
    "checkout_redemptions_reverse",
    "checkout_shipping_set",
    "checkout_start",
    "checkout_store_credit_set",
    "email_clean",
    "gift_card_adjust",
    "gift_card_code_generate",
    "gift_card_issue",
    "gift_card_refund",
    "store_credit_adjust",
    "store_credit_balance",
    "store_credit_grant",
]
