"""Dashboard forms: they check the shape of the input; the services enforce the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.inventory.errors import LocationInvalid
from apps.inventory.models import Location, StockMovement
from apps.inventory.pickup import (
    WEEKDAYS,
    PickupDetails,
    opening_hours_clean,
    opening_hours_format_day,
    opening_hours_parse_day,
    weekday_name,
)
from apps.inventory.services import LOCATION_PRIORITY_MAX, MAX_QUANTITY


class LocationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    code = forms.SlugField(
        label=_("Code"),
        max_length=60,
        help_text=_("A short unique identifier, e.g. “main-warehouse”: lowercase letters, digits, hyphens."),
    )
    kind = forms.ChoiceField(label=_("Type"), choices=Location.Kind.choices, initial=Location.Kind.WAREHOUSE)
    priority = forms.IntegerField(
        label=_("Priority"),
        min_value=0,
        max_value=LOCATION_PRIORITY_MAX,
        initial=100,
        help_text=_("Orders reserve stock at the active location with the lowest number first."),
    )
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        help_text=_("Inactive locations keep their stock but nothing is reserved there."),
    )

    # pickup point: shown to shoppers in the storefront's store locator
    is_pickup = forms.BooleanField(
        label=_("Pickup point"),
        required=False,
        help_text=_("Shoppers can collect orders here; the store locator lists it with the details below."),
    )
    address_line1 = forms.CharField(label=_("Address line 1"), required=False, max_length=255)
    address_line2 = forms.CharField(label=_("Address line 2"), required=False, max_length=255)
    city = forms.CharField(label=_("City"), required=False, max_length=100)
    region = forms.CharField(label=_("Region / state"), required=False, max_length=100)
    postal_code = forms.CharField(label=_("Postal code"), required=False, max_length=20)
    country = forms.CharField(
        label=_("Country"),
        required=False,
        max_length=2,
        help_text=_("Two-letter ISO code, e.g. DE, US or JP."),
    )
    phone = forms.CharField(label=_("Phone"), required=False, max_length=32)
    latitude = forms.DecimalField(
        label=_("Latitude"), required=False, min_value=-90, max_value=90, max_digits=9, decimal_places=6
    )
    longitude = forms.DecimalField(
        label=_("Longitude"),
        required=False,
        min_value=-180,
        max_value=180,
        max_digits=9,
        decimal_places=6,
        help_text=_("Optional: lets the store locator sort pickup points by distance from the shopper."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})
        for day in WEEKDAYS:
            self.fields[f"hours_{day}"] = forms.CharField(
                label=_("Opening hours, %(day)s") % {"day": weekday_name(day)},
                required=False,
                max_length=100,
                help_text=_("e.g. 09:00-12:30, 14:00-18:00; leave empty when closed.")
                if day == "mon"
                else "",
            )

    @classmethod
    def initial_from(cls, location: Location) -> dict[str, Any]:
        hours = location.opening_hours or {}
        return {
            "name": location.name,
            "code": location.code,
            "kind": location.kind,
            "priority": location.priority,
            "is_active": location.is_active,
            "is_pickup": location.is_pickup,
            "address_line1": location.address_line1,
            "address_line2": location.address_line2,
            "city": location.city,
            "region": location.region,
            "postal_code": location.postal_code,
            "country": location.country,
            "phone": location.phone,
            "latitude": location.latitude,
            "longitude": location.longitude,
            **{f"hours_{day}": opening_hours_format_day(hours.get(day) or []) for day in WEEKDAYS},
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        hours: dict[str, list[list[str]]] = {}
        for day in WEEKDAYS:
            field = f"hours_{day}"
            try:
                periods = opening_hours_parse_day(cleaned.get(field, ""), day=day)
                periods = opening_hours_clean({day: periods})[day]
            except LocationInvalid as error:
                self.add_error(field, error.message)
                continue
            if periods:
                hours[day] = periods
        cleaned["opening_hours"] = hours
        return cleaned

    def save_kwargs(self) -> dict[str, Any]:
        """The arguments of `location_save` from the cleaned data."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "code": data["code"],
            "kind": data["kind"],
            "priority": data["priority"],
            "is_active": data["is_active"],
            "pickup": PickupDetails(
                is_pickup=data["is_pickup"],
                address_line1=data["address_line1"],
                address_line2=data["address_line2"],
                city=data["city"],
                region=data["region"],
                postal_code=data["postal_code"],
                country=data["country"],
                phone=data["phone"],
                latitude=data["latitude"],
                longitude=data["longitude"],
                opening_hours=data["opening_hours"],
            ),
        }


class StockAdjustForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Type of change"),
        choices=[
            (StockMovement.Kind.RECEIVED, _("Goods received")),
            (StockMovement.Kind.ADJUSTED, _("Correction (count, damage, loss)")),
        ],
        initial=StockMovement.Kind.ADJUSTED,
    )
    delta = forms.IntegerField(
        label=_("Change in units"),
        min_value=-MAX_QUANTITY,
        max_value=MAX_QUANTITY,
        help_text=_("Units to add (e.g. 10) or to remove (e.g. -3)."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=255)

    def clean_delta(self) -> int:
        delta: int = self.cleaned_data["delta"]
        if delta == 0:
            raise forms.ValidationError(_("Enter a number of units other than zero."))
        return delta
