"""Checkout set-up pages of the dashboard, by seam: shipping zones and rates, taxes, discounts
and gift cards. Each view declares the permission it needs (`apps.core.permissions`);
templates hide what the role cannot do (`store_perms`).

Views parse a form, call one service or selector of `apps.checkout` and show a service's
refusal next to the field it concerns. Everything is read from and written to the current
store's schema, so another store's zone, rate, tax rate, discount or gift card is a 404.
"""

from __future__ import annotations

from apps.checkout.dashboard.views.discounts import (
    discount_create,
    discount_deactivate_view,
    discount_delete_view,
    discount_detail,
    discount_edit,
    discount_list,
)
from apps.checkout.dashboard.views.gift_cards import (
    gift_card_adjust_view,
    gift_card_detail,
    gift_card_disable_view,
    gift_card_issue_view,
    gift_card_list,
)
from apps.checkout.dashboard.views.shipping import (
    rate_create,
    rate_delete,
    rate_edit,
    zone_create,
    zone_delete,
    zone_edit,
    zone_list,
)
from apps.checkout.dashboard.views.taxes import (
    prices_include_tax,
    tax_create,
    tax_delete,
    tax_edit,
    tax_list,
    tax_load_eu,
)

__all__ = [
    "discount_create",
    "discount_deactivate_view",
    "discount_delete_view",
    "discount_detail",
    "discount_edit",
    "discount_list",
    "gift_card_adjust_view",
    "gift_card_detail",
    "gift_card_disable_view",
    "gift_card_issue_view",
    "gift_card_list",
    "prices_include_tax",
    "rate_create",
    "rate_delete",
    "rate_edit",
    "tax_create",
    "tax_delete",
    "tax_edit",
    "tax_list",
    "tax_load_eu",
    "zone_create",
    "zone_delete",
    "zone_edit",
    "zone_list",
]
