from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.platform.models import Merchant


class StoreFieldsForm(forms.Form):
    store_name = forms.CharField(label=_("Store name"), max_length=100)
    subdomain = forms.CharField(
        label=_("Subdomain"),
        max_length=50,
        help_text=_("Lowercase letters, digits and hyphens. Your store will live at <subdomain>.%(domain)s."),
    )

    def __init__(self, *args: Any, platform_domain: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        help_text = str(self.fields["subdomain"].help_text)
        self.fields["subdomain"].help_text = help_text % {"domain": platform_domain}
        self.fields["subdomain"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})


class OnboardingForm(StoreFieldsForm):
    company_name = forms.CharField(label=_("Company name"), max_length=150)
    field_order = ["company_name", "store_name", "subdomain"]


class StoreCreateForm(StoreFieldsForm):
    merchant = forms.ModelChoiceField(label=_("Merchant"), queryset=Merchant.objects.none())
    field_order = ["merchant", "store_name", "subdomain"]

    def __init__(self, *args: Any, merchants: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["merchant"].queryset = merchants  # type: ignore[attr-defined]
        if merchants is not None and merchants.count() == 1:
            self.fields["merchant"].initial = merchants.first()
            self.fields["merchant"].widget = forms.HiddenInput()
