"""Forms of the currencies page. They shape the input; `apps.stores.exchange_rates` checks every
rule (a currency in use, not the store's own, a positive rate, a fetchable address) and the view
puts its coded errors next to their fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.stores.regional import currency_choices


class ExchangeRateForm(forms.Form):
    currency = forms.ChoiceField(label=_("Currency"))
    rate = forms.CharField(
        label=_("Rate"),
        max_length=40,
        help_text=_("How many units of this currency one unit of the store's currency buys, e.g. 1.0866."),
    )

    prefix = "rate"

    def __init__(self, *args: Any, store_currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["currency"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            ("", "—"),
            *((code, label) for code, label in currency_choices() if code != store_currency),
        ]
        self.fields["rate"].widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})


class ExchangeRateFeedForm(forms.Form):
    enabled = forms.BooleanField(
        label=_("Refresh the rates automatically"),
        required=False,
        help_text=_("Every few hours, from the feed below. Rates you entered by hand are kept."),
    )
    url = forms.CharField(
        label=_("Feed address"),
        max_length=500,
        help_text=_("An address serving the ECB's daily reference rates format (eurofxref-daily.xml)."),
        widget=forms.URLInput,
    )
    currencies = forms.CharField(
        label=_("Currencies"),
        required=False,
        max_length=1000,
        help_text=_(
            "Codes separated by commas, e.g. USD, GBP, JPY. Leave empty to take every currency of the feed."
        ),
    )

    prefix = "feed"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["url"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})
        self.fields["currencies"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})

    def currency_codes(self) -> list[str]:
        text = str(self.cleaned_data.get("currencies") or "")
        return [
            part.strip().upper()
            for part in text.replace(";", ",").replace(" ", ",").split(",")
            if part.strip()
        ]
