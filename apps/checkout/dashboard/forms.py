"""Dashboard forms for shipping, taxes, discounts and gift cards. They shape the input (types,
required fields, choices) and hand it to `apps.checkout.admin_services` or
`apps.checkout.services` as one input object; every business rule is the service's, and the
view shows its coded errors next to the field they name."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.checkout.admin_selectors import DiscountStatus, GiftCardStatus
from apps.checkout.admin_services import (
    DiscountSaveInput,
    ShippingRateInput,
    ShippingZoneInput,
    TaxRateInput,
)
from apps.checkout.models import Discount, DiscountKind, ShippingRate, ShippingRateKind, ShippingZone, TaxRate
from apps.core.money import money_quantize
from apps.stores.regional import country_choices

MONEY = {"max_digits": 12, "decimal_places": 3, "min_value": Decimal(0)}
LIST_SPLIT = re.compile(r"[\n,;]+")


def _money(label: Any, *, required: bool = False, help_text: Any = "") -> forms.DecimalField:
    return forms.DecimalField(label=label, required=required, help_text=help_text, **MONEY)  # type: ignore[arg-type]


def _count(label: Any, *, maximum: int, help_text: Any = "") -> forms.IntegerField:
    return forms.IntegerField(
        label=label, required=False, min_value=0, max_value=maximum, help_text=help_text
    )


def plain_decimal(value: Decimal) -> Decimal:
    """A Decimal without trailing zeros, as people write it: 10.000 -> 10, 12.500 -> 12.5 (never 1E+1)."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def money_or_none(amount: Decimal | None, currency: str) -> Decimal | None:
    """A stored amount (3 decimals) as the currency writes it: 4.900 EUR -> 4.90, 500.000 JPY -> 500."""
    return None if amount is None else money_quantize(amount, currency)


def list_split(value: str) -> list[str]:
    """Entries typed one per line or separated by commas or semicolons."""
    return [part.strip() for part in LIST_SPLIT.split(value or "") if part.strip()]


class _ListField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 3})

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        return list_split(str(value or ""))


# ------------------------------------------------------------------------------
# Shipping
# ------------------------------------------------------------------------------
class ShippingZoneForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("For you, e.g. “Europe” or “Domestic”.")
    )
    countries = forms.MultipleChoiceField(
        label=_("Countries"),
        widget=forms.SelectMultiple(attrs={"size": 12}),
        help_text=_("Hold Ctrl (⌘ on a Mac) to choose several."),
        error_messages={"required": _("Choose at least one country.")},
    )
    regions = _ListField(
        label=_("Only these regions / states"),
        required=False,
        help_text=_("Optional, one per line (e.g. “Bavaria”). Leave empty for the whole countries."),
    )
    postal_code_prefixes = _ListField(
        label=_("Only postal codes starting with"),
        required=False,
        help_text=_(
            "Optional, one per line or comma-separated (e.g. “10, 12”). Leave empty for every postal code."
        ),
    )
    active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        help_text=_("Inactive zones offer no rates at checkout."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["countries"].choices = country_choices()  # type: ignore[attr-defined]

    @staticmethod
    def initial_from(zone: ShippingZone) -> dict[str, Any]:
        return {
            "name": zone.name,
            "countries": list(zone.countries),
            "regions": "\n".join(zone.regions),
            "postal_code_prefixes": "\n".join(zone.postal_code_prefixes),
            "active": zone.active,
        }

    def to_input(self) -> ShippingZoneInput:
        data = self.cleaned_data
        return ShippingZoneInput(
            name=data["name"],
            countries=tuple(data["countries"]),
            regions=tuple(data["regions"]),
            postal_code_prefixes=tuple(data["postal_code_prefixes"]),
            active=data["active"],
        )


class ShippingRateForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("Shown to shoppers, e.g. “Standard”.")
    )
    kind = forms.ChoiceField(label=_("Type"), choices=ShippingRateKind.choices, initial=ShippingRateKind.FLAT)
    amount = _money(_("Price"), required=True, help_text=_("What the shopper pays for shipping; 0 for free."))
    min_weight_grams = _count(_("From weight (g)"), maximum=10_000_000, help_text=_("Included."))
    max_weight_grams = _count(_("Below weight (g)"), maximum=10_000_000, help_text=_("Not included."))
    min_subtotal = _money(_("From subtotal"), help_text=_("Included."))
    max_subtotal = _money(_("Below subtotal"), help_text=_("Not included."))
    free_over_amount = _money(
        _("Free from subtotal"),
        help_text=_("Shipping costs nothing once the order subtotal reaches this amount."),
    )
    pickup_location = forms.TypedChoiceField(
        label=_("Pickup point"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("Pickup points are inventory locations marked as such."),
    )
    delivery_days_min = _count(_("Delivery in (days, from)"), maximum=365)
    delivery_days_max = _count(_("Delivery in (days, to)"), maximum=365)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    # Which fields each type uses, for the template's fieldsets (the service clears the rest).
    KIND_FIELDS = {
        "weight": ("min_weight_grams", "max_weight_grams"),
        "price": ("min_subtotal", "max_subtotal"),
        "free_over": ("free_over_amount",),
        "pickup": ("pickup_location",),
    }

    def __init__(self, *args: Any, pickup_locations: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pickup_location"].choices = [  # type: ignore[attr-defined]
            ("", _("— choose —")),
            *((location.pk, location.name) for location in pickup_locations),
        ]

    @staticmethod
    def initial_from(rate: ShippingRate, *, currency: str) -> dict[str, Any]:
        return {
            "name": rate.name,
            "kind": rate.kind,
            "amount": money_or_none(rate.amount, currency),
            "min_weight_grams": rate.min_weight_grams,
            "max_weight_grams": rate.max_weight_grams,
            "min_subtotal": money_or_none(rate.min_subtotal, currency),
            "max_subtotal": money_or_none(rate.max_subtotal, currency),
            "free_over_amount": money_or_none(rate.free_over_amount, currency),
            "pickup_location": rate.pickup_location_id,
            "delivery_days_min": rate.delivery_days_min,
            "delivery_days_max": rate.delivery_days_max,
            "active": rate.active,
        }

    def to_input(self) -> ShippingRateInput:
        data = self.cleaned_data
        return ShippingRateInput(
            name=data["name"],
            kind=data["kind"],
            amount=data["amount"],
            min_weight_grams=data["min_weight_grams"],
            max_weight_grams=data["max_weight_grams"],
            min_subtotal=data["min_subtotal"],
            max_subtotal=data["max_subtotal"],
            free_over_amount=data["free_over_amount"],
            pickup_location_id=data["pickup_location"],
            delivery_days_min=data["delivery_days_min"],
            delivery_days_max=data["delivery_days_max"],
            active=data["active"],
        )


# ------------------------------------------------------------------------------
# Taxes
# ------------------------------------------------------------------------------
PERCENT = Decimal(100)


def rate_percent(rate: Decimal) -> Decimal:
    """A tax rate fraction as the percentage people write: 0.190000 -> 19, 0.255 -> 25.5."""
    return plain_decimal(rate * PERCENT)


class TaxRateForm(forms.Form):
    country = forms.ChoiceField(label=_("Country"))
    region = forms.CharField(
        label=_("Region / state"),
        required=False,
        max_length=100,
        help_text=_("Optional: only addresses in this region (e.g. “California”)."),
    )
    postal_code_prefix = forms.CharField(
        label=_("Postal codes starting with"),
        required=False,
        max_length=20,
        help_text=_(
            "Optional: the most specific matching rate applies (postal code, then region, then country)."
        ),
    )
    rate = forms.DecimalField(
        label=_("Rate (%)"),
        min_value=Decimal(0),
        max_value=Decimal("99.9999"),
        max_digits=6,
        decimal_places=4,
        help_text=_("e.g. 19 for 19 %."),
    )
    name = forms.CharField(
        label=_("Name"), max_length=100, initial=_("VAT"), help_text=_("Shown to shoppers.")
    )
    applies_to_shipping = forms.BooleanField(
        label=_("Also charged on shipping"), required=False, initial=True
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", "—"), *country_choices()]  # type: ignore[attr-defined]

    @staticmethod
    def initial_from(tax_rate: TaxRate) -> dict[str, Any]:
        return {
            "country": tax_rate.country,
            "region": tax_rate.region,
            "postal_code_prefix": tax_rate.postal_code_prefix,
            "rate": rate_percent(tax_rate.rate),
            "name": tax_rate.name,
            "applies_to_shipping": tax_rate.applies_to_shipping,
        }

    def to_input(self) -> TaxRateInput:
        data = self.cleaned_data
        return TaxRateInput(
            country=data["country"],
            region=data["region"],
            postal_code_prefix=data["postal_code_prefix"],
            rate=data["rate"] / PERCENT,
            name=data["name"],
            applies_to_shipping=data["applies_to_shipping"],
        )


class PricesIncludeTaxForm(forms.Form):
    prices_include_tax = forms.BooleanField(
        label=_("My prices include tax"),
        required=False,
        help_text=_(
            "On: the catalog's prices are what shoppers pay and tax is worked out of them. "
            "Off: tax is added on top of the prices at checkout."
        ),
    )


# ------------------------------------------------------------------------------
# Discounts
# ------------------------------------------------------------------------------
class IdListField(forms.Field):
    """Checked ids (a list of whole numbers); whether they exist is the service's to check. The
    template renders the checkboxes itself; the widget only reads every posted value."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        ids = []
        for item in value or []:
            try:
                ids.append(int(item))
            except (TypeError, ValueError) as exc:
                raise forms.ValidationError(_("Choose from the list.")) from exc
        return ids


class DiscountForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=120,
        help_text=_("Shown to shoppers in the order summary, e.g. “Summer sale”."),
    )
    automatic = forms.BooleanField(
        label=_("Apply automatically"),
        required=False,
        help_text=_("No code needed: every order that meets the conditions gets it."),
    )
    code = forms.CharField(
        label=_("Code"),
        required=False,
        max_length=64,
        help_text=_("What shoppers type at checkout, e.g. SUMMER10 (letters, digits, - and _; any case)."),
    )
    kind = forms.ChoiceField(label=_("Type"), choices=DiscountKind.choices, initial=DiscountKind.PERCENTAGE)
    value = forms.DecimalField(
        label=_("Value"),
        required=False,
        min_value=Decimal(0),
        max_digits=12,
        decimal_places=3,
        help_text=_("Percent off (10 = 10 %) or an amount off in the store's currency."),
    )
    buy_quantity = forms.IntegerField(label=_("Buy (units)"), required=False, min_value=1, max_value=1000)
    get_quantity = forms.IntegerField(label=_("Get (units)"), required=False, min_value=1, max_value=1000)
    get_percent = forms.DecimalField(
        label=_("Off those units (%)"),
        required=False,
        min_value=Decimal("0.01"),
        max_value=Decimal(100),
        max_digits=5,
        decimal_places=2,
        initial=Decimal(100),
        help_text=_("100 = free."),
    )
    collections = forms.MultipleChoiceField(
        label=_("Collections"), required=False, widget=forms.CheckboxSelectMultiple
    )
    products = IdListField(label=_("Products"), required=False)
    min_subtotal = _money(_("Minimum subtotal"), help_text=_("Optional: the order must reach this amount."))
    starts_at = forms.DateTimeField(
        label=_("Starts"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    ends_at = forms.DateTimeField(
        label=_("Ends"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    usage_limit = forms.IntegerField(
        label=_("Usage limit"),
        required=False,
        min_value=1,
        max_value=2_147_483_647,
        help_text=_("Optional: how many orders in all may use it."),
    )
    once_per_customer = forms.BooleanField(label=_("Once per customer"), required=False)
    combines = forms.BooleanField(
        label=_("Combines with other discounts"),
        required=False,
        help_text=_("Off: when several apply, the shopper gets the best one. Free shipping always combines."),
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, collections: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["collections"].choices = [(str(pk), title) for pk, title in collections]  # type: ignore[attr-defined]

    def clean_code(self) -> str:
        return "".join(str(self.cleaned_data.get("code") or "").split())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind = cleaned.get("kind")
        # Shape only: which inputs the chosen type needs at all; their ranges are the service's.
        if kind in (DiscountKind.PERCENTAGE, DiscountKind.FIXED) and cleaned.get("value") is None:
            self.add_error("value", _("Enter how much the discount takes off."))
        if kind == DiscountKind.BUY_X_GET_Y:
            for name in ("buy_quantity", "get_quantity", "get_percent"):
                if cleaned.get(name) is None and name not in self.errors:
                    self.add_error(name, _("Buy X get Y needs this."))
        if not cleaned.get("automatic") and not cleaned.get("code") and "code" not in self.errors:
            self.add_error(
                "code", _("Enter the code shoppers type at checkout, or make the discount automatic.")
            )
        return cleaned

    @staticmethod
    def initial_from(discount: Discount, *, currency: str) -> dict[str, Any]:
        value = None  # free shipping and buy X get Y have none
        if discount.kind == DiscountKind.PERCENTAGE:
            value = plain_decimal(discount.value)
        elif discount.kind == DiscountKind.FIXED:
            value = money_or_none(discount.value, currency)
        return {
            "name": discount.name,
            "automatic": discount.automatic,
            "code": discount.code,
            "kind": discount.kind,
            "value": value,
            "buy_quantity": discount.buy_quantity or None,
            "get_quantity": discount.get_quantity or None,
            "get_percent": discount.get_percent,
            "collections": [str(c.pk) for c in discount.collections.all()],
            "products": [p.pk for p in discount.products.all()],
            "min_subtotal": money_or_none(discount.min_subtotal, currency),
            "starts_at": discount.starts_at,
            "ends_at": discount.ends_at,
            "usage_limit": discount.usage_limit,
            "once_per_customer": discount.once_per_customer,
            "combines": discount.combines,
            "active": discount.active,
        }

    def to_input(self) -> DiscountSaveInput:
        data = self.cleaned_data
        return DiscountSaveInput(
            name=data["name"],
            kind=data["kind"],
            value=data["value"] if data["value"] is not None else Decimal(0),
            code=data["code"],
            automatic=data["automatic"],
            buy_quantity=data["buy_quantity"] or 0,
            get_quantity=data["get_quantity"] or 0,
            get_percent=data["get_percent"] if data["get_percent"] is not None else Decimal(100),
            product_ids=tuple(data["products"]),
            collection_ids=tuple(int(pk) for pk in data["collections"]),
            min_subtotal=data["min_subtotal"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            usage_limit=data["usage_limit"],
            once_per_customer=data["once_per_customer"],
            combines=data["combines"],
            active=data["active"],
        )


class DiscountFilterForm(forms.Form):
    q = forms.CharField(label=_("Search by code or name"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *DiscountStatus.choices]
    )


# ------------------------------------------------------------------------------
# Gift cards
# ------------------------------------------------------------------------------
class GiftCardIssueForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount"), min_value=Decimal("0.001"), max_digits=12, decimal_places=3
    )
    code = forms.CharField(
        label=_("Code"),
        required=False,
        max_length=32,
        help_text=_("Optional: leave empty to generate a code that cannot be guessed."),
    )
    expires_at = forms.DateTimeField(
        label=_("Expires"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Optional: leave empty for a card that never expires."),
    )
    issued_to_email = forms.EmailField(label=_("Recipient email"), required=False)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean_code(self) -> str:
        return "".join(str(self.cleaned_data.get("code") or "").split()).upper()


class GiftCardAdjustForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Change"),
        max_digits=12,
        decimal_places=3,
        help_text=_("An amount to add (e.g. 10) or to take off (e.g. -5)."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=255)

    def clean_amount(self) -> Decimal:
        amount: Decimal = self.cleaned_data["amount"]
        if amount == 0:
            raise forms.ValidationError(_("Enter an amount other than zero."))
        return amount


class GiftCardFilterForm(forms.Form):
    q = forms.CharField(label=_("Search by code or recipient"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *GiftCardStatus.choices]
    )
