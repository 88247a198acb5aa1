"""Console forms for billing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from apps.billing.billing_details import country_choices


class BillingDetailsForm(forms.Form):
    """The billing address and EU VAT number printed on the merchant's invoices. The service
    (apps.billing.billing_details) checks the VAT number and names the field it refuses."""

    country = forms.ChoiceField(label=_("Country"))
    line1 = forms.CharField(label=_("Address line 1"), max_length=200)
    line2 = forms.CharField(label=_("Address line 2"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20)
    city = forms.CharField(label=_("City"), max_length=100)
    tax_id = forms.CharField(
        label=_("VAT number"),
        max_length=30,
        required=False,
        help_text=_("EU VAT number with its country prefix, e.g. DE123456789 (EL for Greece)."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", "---------"), *country_choices(get_language() or "en")]  # type: ignore[attr-defined]
