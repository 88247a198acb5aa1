"""Forms of the checkout pages. Like the account's forms they only carry the values: the email,
the addresses, the shipping method, the codes and the payment are checked by the checkout,
customers and orders services, whose coded errors the views put next to the fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.customers.services import AddressInput
from apps.stores.regional import country_choices

ADDRESS_FIELDS = ("name", "company", "line1", "line2", "city", "region", "postal_code", "country", "phone")


def _text(label: Any, autocomplete: str, *, required: bool = False, kind: str = "text") -> forms.CharField:
    # `required` only marks the input for the browser; the service decides and says why.
    attrs = {"autocomplete": autocomplete, "type": kind}
    if required:
        attrs["required"] = "required"
    return forms.CharField(label=label, required=False, strip=False, widget=forms.TextInput(attrs=attrs))


class ContactForm(forms.Form):
    email = forms.CharField(
        label=_("Email"),
        required=False,
        strip=False,
        widget=forms.EmailInput(
            attrs={"autocomplete": "email", "required": "required", "inputmode": "email"}
        ),
    )


class CheckoutAddressForm(forms.Form):
    """One address (shipping, or billing with the prefix "billing"). The autocomplete tokens
    carry the section so a browser fills shipping and billing apart."""

    name = _text(_("Full name"), "name", required=True)
    company = _text(_("Company (optional)"), "organization")
    line1 = _text(_("Address"), "address-line1", required=True)
    line2 = _text(_("Apartment, suite, etc. (optional)"), "address-line2")
    city = _text(_("City"), "address-level2")
    region = _text(_("State / region"), "address-level1")
    postal_code = _text(_("Postal code"), "postal-code")
    # A plain field with the country list as its widget: an unknown code reaches the service,
    # which names it, instead of Django's generic "not one of the available choices".
    country = forms.CharField(
        label=_("Country"),
        required=False,
        widget=forms.Select(attrs={"autocomplete": "country", "required": "required"}),
    )
    phone = _text(_("Phone (optional)"), "tel", kind="tel")

    def __init__(
        self, *args: Any, section: str = "shipping", default_country: str = "", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        widget = self.fields["country"].widget
        assert isinstance(widget, forms.Select)
        widget.choices = [("", _("Choose a country")), *country_choices()]
        for field in self.fields.values():
            token = field.widget.attrs.get("autocomplete")
            if token:
                field.widget.attrs["autocomplete"] = f"{section} {token}"
        if default_country and not self.initial.get("country"):
            self.initial["country"] = default_country

    @classmethod
    def initial_from(cls, address: Mapping[str, Any] | Any | None) -> dict[str, str]:
        """Initial values from a saved address (a model) or an address dict (a checkout's)."""
        if not address:
            return {}
        if isinstance(address, Mapping):
            return {field: str(address.get(field) or "") for field in ADDRESS_FIELDS}
        return {field: str(getattr(address, field, "") or "") for field in ADDRESS_FIELDS}

    def to_input(self) -> AddressInput:
        return address_input(self.cleaned_data)


def address_input(values: Mapping[str, Any]) -> AddressInput:
    """The address the checkout service checks, from form values or an address dict."""

    def text(field: str) -> str:
        return str(values.get(field) or "")

    return AddressInput(
        name=text("name"),
        company=text("company"),
        line1=text("line1"),
        line2=text("line2"),
        city=text("city"),
        region=text("region"),
        postal_code=text("postal_code"),
        country=text("country"),
        phone=text("phone"),
    )


class BillingChoiceForm(forms.Form):
    billing_same = forms.BooleanField(label=_("The billing address is the shipping address"), required=False)
