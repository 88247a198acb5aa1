"""Forms of the shopper's account pages. They only carry the values: every rule (required
fields, lengths, country, postal code format, phone) is checked by the customers services,
whose coded errors the views put next to the fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.customers.models import Address
from apps.customers.services import AddressInput
from apps.stores.regional import country_choices


def _text(label: Any, autocomplete: str, *, required: bool = False) -> forms.CharField:
    # `required` only marks the input for the browser; the service decides and says why.
    attrs = {"autocomplete": autocomplete}
    if required:
        attrs["required"] = "required"
    return forms.CharField(label=label, required=False, strip=False, widget=forms.TextInput(attrs=attrs))


class ProfileForm(forms.Form):
    full_name = forms.CharField(
        label=_("Full name"),
        required=False,
        strip=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )


class AddressForm(forms.Form):
    name = _text(_("Full name"), "name", required=True)
    company = _text(_("Company (optional)"), "organization")
    line1 = _text(_("Address"), "address-line1", required=True)
    line2 = _text(_("Apartment, suite, etc. (optional)"), "address-line2")
    city = _text(_("City"), "address-level2", required=True)
    region = _text(_("State / region (optional)"), "address-level1")
    postal_code = _text(_("Postal code"), "postal-code")
    # A plain field with the country list as its widget: an unknown code reaches the service,
    # which names it, instead of Django's generic "not one of the available choices".
    country = forms.CharField(
        label=_("Country"),
        required=False,
        widget=forms.Select(attrs={"autocomplete": "country", "required": "required"}),
    )
    phone = forms.CharField(
        label=_("Phone (optional)"),
        required=False,
        strip=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    is_default = forms.BooleanField(label=_("Use as my default address"), required=False)

    def __init__(self, *args: Any, default_country: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        widget = self.fields["country"].widget
        assert isinstance(widget, forms.Select)
        widget.choices = [("", _("Choose a country")), *country_choices()]
        if default_country and not self.initial.get("country"):
            self.initial["country"] = default_country

    @classmethod
    def for_address(cls, address: Address, data: Any = None) -> AddressForm:
        fields = ("name", "company", "line1", "line2", "city", "region", "postal_code", "country", "phone")
        initial: dict[str, Any] = {field: getattr(address, field) for field in fields}
        initial["is_default"] = address.is_default
        return cls(data, initial=initial)

    def to_input(self) -> AddressInput:
        data = self.cleaned_data
        return AddressInput(
            name=data["name"],
            company=data["company"],
            line1=data["line1"],
            line2=data["line2"],
            city=data["city"],
            region=data["region"],
            postal_code=data["postal_code"],
            country=data["country"],
            phone=data["phone"],
            is_default=bool(data["is_default"]),
        )
