"""Demo checkout set-up for `make run` (`manage.py demo_setup`): what a demo store needs so a
shopper can pay at once, made through the same services as the dashboard.

- shipping: a zone for the store's country (`DEMO_HOME_COUNTRY` when the store has none) with
  a standard rate free over an amount, a flat express rate and, when the store has an active
  pickup point, local pickup; a "Rest of world" zone (every other country) priced by weight;
- taxes: the EU member states' standard VAT (`apps.checkout.eu_vat`) and one US example
  (California's state sales tax, not charged on shipping);
- discounts: an automatic free shipping over an amount, and the code `WELCOME10` (10 %, once
  per customer);
- a gift card with a known code (`DEMO_GIFT_CARD_CODE`);
- payments: the dummy gateway (test cards) and bank transfer.

Idempotent: each piece is made only when it is missing (a zone, discount or gift card found by
its name or code is left as the merchant may have changed it), so running it again adds nothing.
Call it inside the store's schema.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models.functions import Lower

from apps.checkout.admin_services import (
    DiscountSaveInput,
    ShippingRateInput,
    ShippingZoneInput,
    TaxRateInput,
    discount_save,
    shipping_rate_save,
    shipping_zone_save,
    tax_rate_save,
    tax_rates_load_eu_standard,
)
from apps.checkout.models import (
    Discount,
    DiscountKind,
    GiftCard,
    ShippingRate,
    ShippingRateKind,
    ShippingZone,
    TaxRate,
)
from apps.checkout.services import gift_card_issue
from apps.core.money import money_quantize
from apps.inventory.models import Location
from apps.payments.selectors import payment_settings_get
from apps.payments.services import PaymentSettingsInput, payment_settings_update
from apps.stores.regional import country_codes
from apps.stores.selectors import store_settings_get

DEMO_HOME_COUNTRY = "DE"  # the home zone's country when the store has none in its settings
REST_OF_WORLD = "Rest of world"
DEMO_DISCOUNT_CODE = "WELCOME10"
DEMO_FREE_SHIPPING_NAME = "Free shipping over 150"
DEMO_FREE_SHIPPING_OVER = Decimal("150")
DEMO_GIFT_CARD_CODE = "DEMO-GIFT-0050"
DEMO_GIFT_CARD_AMOUNT = Decimal("50")
DEMO_BANK_TRANSFER_INSTRUCTIONS = (
    "Transfer the order total to Demo Merchant Ltd, IBAN DE02 1203 0000 0000 2020 51, "
    "BIC BYLADEM1001, quoting your order number. We ship once the money has arrived."
)
US_EXAMPLE = TaxRateInput(
    country="US", region="CA", rate=Decimal("0.0725"), name="Sales tax", applies_to_shipping=False
)


@dataclass
class CheckoutDemoResult:
    """What one run added (all empty/zero on a second run)."""

    zones: list[str] = field(default_factory=list)
    rates: int = 0
    tax_rates: int = 0
    discounts: list[str] = field(default_factory=list)
    gift_card: str = ""
    payments_enabled: bool = False

    def summary(self) -> str:
        parts = [
            f"{len(self.zones)} shipping zones",
            f"{self.rates} rates",
            f"{self.tax_rates} tax rates",
            f"{len(self.discounts)} discounts",
            "a gift card" if self.gift_card else "no gift card",
            "payments set up" if self.payments_enabled else "payments unchanged",
        ]
        return ", ".join(parts)


def _home_rates(currency: str, pickup: Location | None) -> list[ShippingRateInput]:
    rates = [
        ShippingRateInput(
            name="Standard",
            kind=ShippingRateKind.FREE_OVER,
            amount=money_quantize(Decimal("4.90"), currency),
            free_over_amount=money_quantize(Decimal("60"), currency),
            delivery_days_min=2,
            delivery_days_max=4,
        ),
        ShippingRateInput(
            name="Express",
            kind=ShippingRateKind.FLAT,
            amount=money_quantize(Decimal("12.90"), currency),
            delivery_days_min=1,
            delivery_days_max=1,
        ),
    ]
    if pickup is not None:
        rates.append(
            ShippingRateInput(
                name=f"Pickup at {pickup.name}"[:100],
                kind=ShippingRateKind.PICKUP,
                amount=Decimal(0),
                pickup_location_id=pickup.pk,
            )
        )
    return rates


def _world_rates(currency: str) -> list[ShippingRateInput]:
    return [
        ShippingRateInput(
            name="International (up to 2 kg)",
            kind=ShippingRateKind.WEIGHT,
            amount=money_quantize(Decimal("14.90"), currency),
            max_weight_grams=2000,
            delivery_days_min=5,
            delivery_days_max=10,
        ),
        ShippingRateInput(
            name="International (2 to 30 kg)",
            kind=ShippingRateKind.WEIGHT,
            amount=money_quantize(Decimal("29.90"), currency),
            min_weight_grams=2000,
            max_weight_grams=30000,
            delivery_days_min=5,
            delivery_days_max=10,
        ),
    ]


def _zone_ensure(*, name: str, countries: list[str], rates: list[ShippingRateInput]) -> tuple[bool, int]:
    """The zone and its rates, made when no zone has that name; (created, rates made)."""
    if ShippingZone.objects.filter(name=name).exists():
        return False, 0
    zone = shipping_zone_save(zone=ShippingZone(), data=ShippingZoneInput(name=name, countries=countries))
    for data in rates:
        shipping_rate_save(rate=ShippingRate(), zone=zone, data=data)
    return True, len(rates)


def _shipping(result: CheckoutDemoResult, *, currency: str, home: str) -> None:
    pickup = (
        Location.objects.filter(is_pickup=True, is_active=True, kind=Location.Kind.WAREHOUSE)
        .order_by("priority", "pk")
        .first()
    )
    home_name = f"Domestic ({home})"
    created, rates = _zone_ensure(name=home_name, countries=[home], rates=_home_rates(currency, pickup))
    if created:
        result.zones.append(home_name)
        result.rates += rates
    others = sorted(country_codes() - {home})
    created, rates = _zone_ensure(name=REST_OF_WORLD, countries=others, rates=_world_rates(currency))
    if created:
        result.zones.append(REST_OF_WORLD)
        result.rates += rates


def _taxes(result: CheckoutDemoResult) -> None:
    result.tax_rates += len(tax_rates_load_eu_standard().created)
    example = US_EXAMPLE
    exists = (
        TaxRate.objects.annotate(region_ci=Lower("region"))
        .filter(country=example.country, region_ci=example.region.lower(), postal_code_prefix="")
        .exists()
    )
    if not exists:
        tax_rate_save(tax_rate=TaxRate(), data=example)
        result.tax_rates += 1


def _discounts(result: CheckoutDemoResult, *, currency: str) -> None:
    if not Discount.objects.filter(automatic=True, name=DEMO_FREE_SHIPPING_NAME).exists():
        discount_save(
            discount=Discount(),
            data=DiscountSaveInput(
                name=DEMO_FREE_SHIPPING_NAME,
                kind=DiscountKind.FREE_SHIPPING,
                automatic=True,
                min_subtotal=money_quantize(DEMO_FREE_SHIPPING_OVER, currency),
                combines=True,
            ),
        )
        result.discounts.append(DEMO_FREE_SHIPPING_NAME)
    code = DEMO_DISCOUNT_CODE
    if not Discount.objects.annotate(code_ci=Lower("code")).filter(code_ci=code.lower()).exists():
        discount_save(
            discount=Discount(),
            data=DiscountSaveInput(
                name="Welcome: 10 % off",
                kind=DiscountKind.PERCENTAGE,
                value=Decimal("10"),
                code=code,
                once_per_customer=True,
            ),
        )
        result.discounts.append(code)


def _gift_card(result: CheckoutDemoResult, *, currency: str) -> None:
    if GiftCard.objects.filter(code=DEMO_GIFT_CARD_CODE).exists():
        return
    gift_card_issue(
        amount=money_quantize(DEMO_GIFT_CARD_AMOUNT, currency),
        code=DEMO_GIFT_CARD_CODE,
        note="Demo gift card (make run)",
    )
    result.gift_card = DEMO_GIFT_CARD_CODE


def _payments(result: CheckoutDemoResult) -> None:
    """Dummy and bank transfer on, once: a store whose bank transfer instructions are set has
    been set up already (by an earlier run or by the merchant) and is left as it is."""
    current = payment_settings_get()
    if current.bank_transfer_instructions:
        return
    payment_settings_update(
        data=PaymentSettingsInput.from_settings(
            current,
            dummy_enabled=True,
            bank_transfer_enabled=True,
            bank_transfer_instructions=DEMO_BANK_TRANSFER_INSTRUCTIONS,
        )
    )
    result.payments_enabled = True


@transaction.atomic
def checkout_demo_load() -> CheckoutDemoResult:
    """Set up the current store's checkout for the demo (see the module docstring)."""
    store = store_settings_get()
    currency = store.currency
    result = CheckoutDemoResult()
    _shipping(result, currency=currency, home=store.country or DEMO_HOME_COUNTRY)
    _taxes(result)
    _discounts(result, currency=currency)
    _gift_card(result, currency=currency)
    _payments(result)
    return result
