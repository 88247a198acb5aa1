"""Dashboard forms for suppliers (with their connector settings), imports and pricing rules.

Forms check the shape of the input; the services decide what is allowed and their errors are
shown on the field they name.

A supplier's API credentials (the API base URL its requests are signed for, app key, app secret,
access token) belong to `sourcing.credentials`. Without it the form has no credential fields at
all, so posted values for them are ignored and the stored ones are kept; nor can it switch a
supplier to or from the dropship API, whose settings are those credentials. The app key, app
secret and access token are write-only: the form says whether each is set and never renders it
back; leaving one empty keeps the stored value.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.sourcing.connectors.dropship_api import product_ids_parse
from apps.sourcing.models import PricingRule, Supplier
from apps.sourcing.services import PricingRuleInput, SupplierInput

# Connector settings only `sourcing.credentials` may see or change.
CREDENTIAL_FIELDS = ("base_url", "app_key", "app_secret", "access_token")
# Of those, the ones never shown back, only "set" or "not set".
SECRET_FIELDS = ("app_key", "app_secret", "access_token")


def _secret_input() -> forms.PasswordInput:
    return forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"})


class SupplierForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    code = forms.SlugField(
        label=_("Code"),
        max_length=60,
        help_text=_("Short and unique, e.g. “acme”; it prefixes the SKUs of imported variants."),
    )
    connector = forms.ChoiceField(label=_("Connector"), choices=Supplier.Connector.choices)
    feed_url = forms.URLField(
        label=_("Feed URL"),
        required=False,
        max_length=1000,
        assume_scheme="https",
        help_text=_("For CSV or JSON feeds: the address the supplier publishes its feed at."),
    )
    base_url = forms.URLField(
        label=_("API base URL"),
        required=False,
        max_length=300,
        assume_scheme="https",
        help_text=_("For the dropship API; empty uses https://api-sg.aliexpress.com."),
    )
    app_key = forms.CharField(label=_("App key"), required=False, max_length=100, widget=_secret_input())
    app_secret = forms.CharField(
        label=_("App secret"), required=False, max_length=200, widget=_secret_input()
    )
    access_token = forms.CharField(
        label=_("Access token"), required=False, max_length=500, widget=_secret_input()
    )
    product_ids = forms.CharField(
        label=_("Products to import"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Product ids or product page URLs, one per line."),
    )
    ship_to_country = forms.CharField(label=_("Ship to country"), required=False, max_length=2, initial="DE")
    target_language = forms.CharField(
        label=_("Language of product texts"), required=False, max_length=10, initial="en_US"
    )
    contact_name = forms.CharField(label=_("Contact name"), required=False, max_length=150)
    contact_email = forms.EmailField(label=_("Contact email"), required=False)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=40)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    lead_time_days = forms.IntegerField(label=_("Lead time (days)"), min_value=0, max_value=365, initial=7)
    ships_from_country = forms.CharField(label=_("Ships from (ISO country)"), required=False, max_length=2)
    ships_to_countries = forms.CharField(
        label=_("Ships to (ISO countries)"),
        required=False,
        max_length=1000,
        help_text=_("Two-letter codes separated by commas, such as DE, AT, FR. Empty: ships everywhere."),
    )
    sync_enabled = forms.BooleanField(label=_("Sync cost and stock every hour"), required=False, initial=True)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(
        self, *args: Any, supplier: Supplier | None = None, credentials_allowed: bool = False, **kwargs: Any
    ) -> None:
        self.supplier = supplier if supplier is not None else Supplier()
        self.credentials_allowed = credentials_allowed
        self.stored_config: dict[str, Any] = (
            dict(self.supplier.connector_config or {}) if self.supplier.pk else {}
        )
        if self.supplier.pk and "initial" not in kwargs:
            config = self.stored_config
            kwargs["initial"] = {
                "name": self.supplier.name,
                "code": self.supplier.code,
                "connector": self.supplier.connector,
                "feed_url": config.get("feed_url", ""),
                "base_url": config.get("base_url", ""),
                "product_ids": "\n".join(config.get("product_ids") or []),
                "ship_to_country": config.get("ship_to_country", "DE"),
                "target_language": config.get("target_language", "en_US"),
                "contact_name": self.supplier.contact_name,
                "contact_email": self.supplier.contact_email,
                "phone": self.supplier.phone,
                "website": self.supplier.website,
                "lead_time_days": self.supplier.lead_time_days,
                "ships_from_country": self.supplier.ships_from_country,
                "ships_to_countries": ", ".join(self.supplier.ships_to_countries or []),
                "sync_enabled": self.supplier.sync_enabled,
                "is_active": self.supplier.is_active,
                "notes": self.supplier.notes,
            }
        super().__init__(*args, **kwargs)
        if credentials_allowed:
            for key in SECRET_FIELDS:
                self.fields[key].help_text = (
                    _("Set. Enter a new value to replace it, or leave empty to keep it.")
                    if self.stored_config.get(key)
                    else _("Not set.")
                )
            return
        for key in CREDENTIAL_FIELDS:
            del self.fields[key]
        connector = self.fields["connector"]
        assert isinstance(connector, forms.ChoiceField)
        if self.supplier.pk and self.supplier.connector == Supplier.Connector.DROPSHIP_API:
            # Switching away would drop the stored credentials; a disabled field keeps its
            # initial value whatever is posted.
            connector.disabled = True
            connector.help_text = _("Only the store owner or an admin can change this supplier's connector.")
        else:
            connector.choices = [
                (value, label)
                for value, label in Supplier.Connector.choices
                if value != Supplier.Connector.DROPSHIP_API
            ]
            connector.help_text = _(
                "The dropship API needs credentials: the store owner or an admin connects it."
            )

    def clean_product_ids(self) -> list[str]:
        try:
            return product_ids_parse(self.cleaned_data.get("product_ids") or "")
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean_ship_to_country(self) -> str:
        return str(self.cleaned_data.get("ship_to_country") or "").strip().upper()

    def clean_ships_from_country(self) -> str:
        value = str(self.cleaned_data.get("ships_from_country") or "").strip().upper()
        if value and (len(value) != 2 or not value.isalpha()):
            raise forms.ValidationError(_("Use a two-letter country code such as CN or DE."))
        return value

    def clean_ships_to_countries(self) -> tuple[str, ...]:
        raw = str(self.cleaned_data.get("ships_to_countries") or "")
        codes = [chunk.strip().upper() for chunk in raw.replace(";", ",").replace(" ", ",").split(",")]
        codes = [code for code in codes if code]
        for code in codes:
            if len(code) != 2 or not code.isalpha():
                raise forms.ValidationError(
                    _("“%(value)s” is not a two-letter country code such as DE.") % {"value": code[:10]}
                )
        return tuple(dict.fromkeys(codes))

    def _credential(self, key: str) -> str:
        """A credential as posted by someone allowed to set it, else the stored one; an
        empty secret keeps the stored value."""
        stored = str(self.stored_config.get(key) or "")
        if not self.credentials_allowed:
            return stored
        posted = str(self.cleaned_data.get(key) or "").strip()
        if key in SECRET_FIELDS:
            return posted or stored
        return posted

    def to_input(self) -> SupplierInput:
        data = self.cleaned_data
        return SupplierInput(
            name=data["name"],
            code=data["code"],
            connector=data["connector"],
            connector_config={
                "feed_url": data.get("feed_url") or "",
                "base_url": self._credential("base_url"),
                "app_key": self._credential("app_key"),
                "app_secret": self._credential("app_secret"),
                "access_token": self._credential("access_token"),
                "product_ids": data.get("product_ids") or [],
                "ship_to_country": data.get("ship_to_country") or "",
                "target_language": data.get("target_language") or "",
            },
            contact_name=data.get("contact_name") or "",
            contact_email=data.get("contact_email") or "",
            phone=data.get("phone") or "",
            website=data.get("website") or "",
            lead_time_days=data["lead_time_days"],
            ships_from_country=data.get("ships_from_country") or "",
            ships_to_countries=tuple(data.get("ships_to_countries") or ()),
            sync_enabled=bool(data.get("sync_enabled")),
            is_active=bool(data.get("is_active")),
            notes=data.get("notes") or "",
        )


class SupplierImportForm(forms.Form):
    file = forms.FileField(
        label=_("Feed file"),
        required=False,
        help_text=_("For manual suppliers: the supplier's product list as CSV or JSON."),
    )


class PricingRuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    supplier = forms.ModelChoiceField(
        label=_("Supplier"),
        queryset=Supplier.objects.none(),
        required=False,
        empty_label=_("All suppliers"),
        help_text=_("A supplier's own rule wins over the rule for all suppliers."),
    )
    markup_percent = forms.DecimalField(
        label=_("Markup %"), max_digits=7, decimal_places=2, min_value=Decimal("-100"), initial=Decimal("0")
    )
    fixed_margin = forms.DecimalField(
        label=_("Fixed margin"), max_digits=12, decimal_places=2, initial=Decimal("0")
    )
    rounding = forms.ChoiceField(label=_("Rounding"), choices=PricingRule.Rounding.choices)
    compare_at_percent = forms.DecimalField(
        label=_("Compare-at markup %"),
        max_digits=7,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
        help_text=_("Optional: show a compare-at price this much above the price."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, rule: PricingRule | None = None, **kwargs: Any) -> None:
        if rule is not None and rule.pk and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": rule.name,
                "supplier": rule.supplier_id,
                "markup_percent": rule.markup_percent,
                "fixed_margin": rule.fixed_margin,
                "rounding": rule.rounding,
                "compare_at_percent": rule.compare_at_percent,
                "is_active": rule.is_active,
            }
        super().__init__(*args, **kwargs)
        supplier_field = self.fields["supplier"]
        assert isinstance(supplier_field, forms.ModelChoiceField)
        supplier_field.queryset = Supplier.objects.order_by("name")

    def to_input(self) -> PricingRuleInput:
        data = self.cleaned_data
        supplier = data.get("supplier")
        return PricingRuleInput(
            name=data["name"],
            supplier_id=supplier.pk if supplier is not None else None,
            markup_percent=data["markup_percent"],
            fixed_margin=data["fixed_margin"],
            rounding=data["rounding"],
            compare_at_percent=data.get("compare_at_percent"),
            is_active=bool(data.get("is_active")),
        )
