"""The store settings form of the dashboard. It only shapes the input: every rule (currency,
languages, time zone, country...) is checked by `apps.stores.services.store_settings_clean`, whose
coded errors the view puts next to their fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.stores.models import DimensionUnit, StoreSettings, WeightUnit
from apps.stores.regional import country_choices, currency_choices, language_choices, timezone_choices
from apps.stores.services import StoreSettingsInput

SECTIONS: tuple[tuple[str, Any, tuple[str, ...]], ...] = (
    ("profile", _("Profile"), ("name", "contact_email", "contact_phone")),
    (
        "address",
        _("Address"),
        ("address_line1", "address_line2", "city", "region", "postal_code", "country"),
    ),
    (
        "regional",
        _("Regional"),
        ("currency", "languages", "default_language", "timezone", "weight_unit", "dimension_unit"),
    ),
    ("taxes", _("Taxes"), ("prices_include_tax",)),
    ("policies", _("Policies"), ("refund_policy", "privacy_policy", "terms_of_service", "shipping_policy")),
)

POLICY_HELP = _("Basic formatting (paragraphs, lists, links) is kept; scripts and styles are removed.")


def _text(label: Any, **kwargs: Any) -> forms.CharField:
    # Length limits are the service's to check, so its message names the field the same way
    # everywhere; the form accepts any text.
    return forms.CharField(label=label, required=False, strip=True, **kwargs)


class _LanguagesField(forms.MultipleChoiceField):
    """Checkboxes of the platform's languages that leave the checking to the service, so a
    refused language is reported together with every other problem of the same save."""

    def validate(self, value: Any) -> None:
        return None


class StoreSettingsForm(forms.Form):
    name = _text(_("Store name"), help_text=_("Shown to shoppers in the storefront and in emails."))
    contact_email = _text(_("Contact email"), widget=forms.EmailInput)
    contact_phone = _text(_("Contact phone"))

    address_line1 = _text(_("Address line 1"))
    address_line2 = _text(_("Address line 2"))
    city = _text(_("City"))
    region = _text(_("Region / state"))
    postal_code = _text(_("Postal code"))
    country = _text(_("Country"), widget=forms.Select)

    currency = _text(
        _("Currency"),
        widget=forms.Select,
        help_text=_("Changing the currency does not convert prices: 12.50 stays 12.50 in the new currency."),
    )
    languages = _LanguagesField(
        label=_("Enabled languages"), required=False, widget=forms.CheckboxSelectMultiple
    )
    default_language = _text(_("Default language"), widget=forms.Select)
    timezone = _text(_("Time zone"), widget=forms.Select)
    weight_unit = _text(_("Weight unit"), widget=forms.Select(choices=WeightUnit.choices))
    dimension_unit = _text(_("Dimension unit"), widget=forms.Select(choices=DimensionUnit.choices))
    prices_include_tax = forms.BooleanField(
        label=_("Prices include tax"),
        required=False,
        help_text=_(
            "Tick when the prices you enter already contain tax (as shoppers in the EU expect); "
            "the tax is then worked out of them at checkout. Otherwise tax is added on top."
        ),
    )

    refund_policy = _text(_("Refund policy"), widget=forms.Textarea(attrs={"rows": 6}), help_text=POLICY_HELP)
    privacy_policy = _text(
        _("Privacy policy"), widget=forms.Textarea(attrs={"rows": 6}), help_text=POLICY_HELP
    )
    terms_of_service = _text(
        _("Terms of service"), widget=forms.Textarea(attrs={"rows": 6}), help_text=POLICY_HELP
    )
    shipping_policy = _text(
        _("Shipping policy"), widget=forms.Textarea(attrs={"rows": 6}), help_text=POLICY_HELP
    )

    def __init__(self, *args: Any, current: StoreSettings, read_only: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("initial", self.initial_from(current))
        super().__init__(*args, **kwargs)
        self.current = current
        languages = language_choices()
        self.fields["languages"].choices = languages  # type: ignore[attr-defined]
        self.fields["default_language"].widget.choices = languages  # type: ignore[attr-defined]
        self.fields["currency"].widget.choices = currency_choices()  # type: ignore[attr-defined]
        self.fields["timezone"].widget.choices = timezone_choices()  # type: ignore[attr-defined]
        self.fields["country"].widget.choices = [("", "—"), *country_choices()]  # type: ignore[attr-defined]
        if read_only:
            for field in self.fields.values():
                field.disabled = True

    @staticmethod
    def initial_from(current: StoreSettings) -> dict[str, Any]:
        return {name: getattr(current, name) for name in StoreSettingsForm.base_fields}

    def sections(self) -> list[tuple[str, Any, list[forms.BoundField]]]:
        return [(key, title, [self[name] for name in names]) for key, title, names in SECTIONS]

    def to_input(self) -> StoreSettingsInput:
        data = self.cleaned_data
        return StoreSettingsInput(
            **{
                name: data.get(name) or ""
                for name in self.base_fields
                if name not in ("languages", "prices_include_tax")
            },
            languages=tuple(data.get("languages") or ()),
            prices_include_tax=bool(data.get("prices_include_tax")),
        )
