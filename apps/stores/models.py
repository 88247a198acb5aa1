"""The store's own profile and settings: one row in each store's schema."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel

STORE_SETTINGS_PK = 1


class WeightUnit(models.TextChoices):
    KILOGRAM = "kg", _("Kilograms (kg)")
    GRAM = "g", _("Grams (g)")
    POUND = "lb", _("Pounds (lb)")
    OUNCE = "oz", _("Ounces (oz)")


class DimensionUnit(models.TextChoices):
    CENTIMETRE = "cm", _("Centimetres (cm)")
    INCH = "in", _("Inches (in)")


class StoreSettings(TimeStampedModel):
    """How the store presents itself to shoppers and which regional rules it sells under.

    `name` is the name shoppers see (storefront, emails, invoices); it starts as the `Tenant`'s
    name and is the merchant's to change here. `Tenant.name` stays the platform's record of the
    store (console, billing, Django admin) and is not changed by this page, nor does renaming the
    tenant rename the shop window.

    There is exactly one row per schema: its primary key is pinned to 1 by a constraint, so a
    second row cannot exist even if two first reads race (the loser's INSERT fails and it reads
    the winner's row). Read it with `apps.stores.selectors.store_settings_get`, change it with
    `apps.stores.services.store_settings_update`.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=STORE_SETTINGS_PK, editable=False)

    # profile
    name = models.CharField(_("store name"), max_length=100)
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)

    # address
    address_line1 = models.CharField(_("address line 1"), max_length=255, blank=True)
    address_line2 = models.CharField(_("address line 2"), max_length=255, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    region = models.CharField(_("region / state"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True, help_text=_("ISO 3166-1 code"))

    # regional
    currency = models.CharField(_("currency"), max_length=3, help_text=_("ISO 4217 code"))
    languages = ArrayField(models.CharField(max_length=10), verbose_name=_("enabled languages"))
    default_language = models.CharField(_("default language"), max_length=10)
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC")
    weight_unit = models.CharField(
        _("weight unit"), max_length=2, choices=WeightUnit.choices, default=WeightUnit.KILOGRAM
    )
    dimension_unit = models.CharField(
        _("dimension unit"), max_length=2, choices=DimensionUnit.choices, default=DimensionUnit.CENTIMETRE
    )

    # policies (sanitised HTML)
    refund_policy = models.TextField(_("refund policy"), blank=True)
    privacy_policy = models.TextField(_("privacy policy"), blank=True)
    terms_of_service = models.TextField(_("terms of service"), blank=True)
    shipping_policy = models.TextField(_("shipping policy"), blank=True)

    class Meta:
        verbose_name = _("store settings")
        verbose_name_plural = _("store settings")
        constraints = [
            models.CheckConstraint(condition=Q(id=STORE_SETTINGS_PK), name="stores_settings_single_row"),
            models.CheckConstraint(condition=~Q(name=""), name="stores_settings_name_not_empty"),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="stores_settings_currency_iso_form"
            ),
            models.CheckConstraint(
                condition=Q(country="") | Q(country__regex=r"^[A-Z]{2}$"),
                name="stores_settings_country_iso_form",
            ),
            models.CheckConstraint(condition=Q(languages__len__gte=1), name="stores_settings_a_language"),
            models.CheckConstraint(
                condition=Q(languages__contains=[F("default_language")]),
                name="stores_settings_default_language_enabled",
            ),
            models.CheckConstraint(
                condition=Q(weight_unit__in=WeightUnit.values), name="stores_settings_weight_unit_valid"
            ),
            models.CheckConstraint(
                condition=Q(dimension_unit__in=DimensionUnit.values),
                name="stores_settings_dimension_unit_valid",
            ),
            models.CheckConstraint(condition=Q(timezone__gt=""), name="stores_settings_timezone_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name
