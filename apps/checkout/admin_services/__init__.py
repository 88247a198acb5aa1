"""The store's checkout set-up, written from the dashboard: shipping zones and rates, tax rates
(and the one-click EU standard VAT table), the "prices include tax" switch, discounts, and
disabling a gift card. Issuing and adjusting gift cards belong to `apps.checkout.services`
(`gift_card_issue`, `gift_card_adjust`), since they write the card's ledger.

Every function checks all of its input and raises `CheckoutSetupError` (a stable code, the
params of its message and the form field it concerns) before it writes anything; the database
constraints on the models are the backstop. Amounts are Decimals rounded to the store
currency's minor unit. A discount's `times_used` is never written here: the checkout counts it
with conditional UPDATEs, so saving a discount locks its row and leaves that column alone.
"""

from __future__ import annotations

from apps.checkout.admin_services.common import CheckoutSetupError, CheckoutSetupErrorCode
from apps.checkout.admin_services.discounts import (
    DiscountSaveInput,
    discount_clean,
    discount_code_normalise,
    discount_deactivate,
    discount_delete,
    discount_save,
)
from apps.checkout.admin_services.gift_cards import gift_card_disable
from apps.checkout.admin_services.shipping import (
    ShippingRateInput,
    ShippingZoneInput,
    shipping_rate_clean,
    shipping_rate_delete,
    shipping_rate_save,
    shipping_zone_clean,
    shipping_zone_delete,
    shipping_zone_save,
)
from apps.checkout.admin_services.taxes import (
    EuVatLoadResult,
    TaxRateInput,
    store_prices_include_tax_set,
    tax_rate_clean,
    tax_rate_delete,
    tax_rate_save,
    tax_rates_load_eu_standard,
)

__all__ = [
    "CheckoutSetupError",
    "CheckoutSetupErrorCode",
    "DiscountSaveInput",
    "EuVatLoadResult",
    "ShippingRateInput",
    "ShippingZoneInput",
    "TaxRateInput",
    "discount_clean",
    "discount_code_normalise",
    "discount_deactivate",
    "discount_delete",
    "discount_save",
    "gift_card_disable",
    "shipping_rate_clean",
    "shipping_rate_delete",
    "shipping_rate_save",
    "shipping_zone_clean",
    "shipping_zone_delete",
    "shipping_zone_save",
    "store_prices_include_tax_set",
    "tax_rate_clean",
    "tax_rate_delete",
    "tax_rate_save",
    "tax_rates_load_eu_standard",
]
