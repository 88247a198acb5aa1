"""Suppliers, what they offer (linked to our variants), and pricing rules turning cost into price."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.encryption import EncryptedKeysJSONField
from apps.core.models import TimeStampedModel

# Connector settings that are secrets: stored encrypted, used, never shown back in full.
CONNECTOR_SECRET_KEYS = ("app_secret", "access_token")


class Supplier(TimeStampedModel):
    class Connector(models.TextChoices):
        MANUAL = "manual", _("Manual (files uploaded in the dashboard)")
        CSV_FEED = "csv_feed", _("CSV feed URL")
        JSON_FEED = "json_feed", _("JSON feed URL")
        DROPSHIP_API = "dropship_api", _("Dropship API (AliExpress-style)")

    name = models.CharField(_("name"), max_length=150)
    code = models.SlugField(_("code"), max_length=60, unique=True)
    contact_name = models.CharField(_("contact name"), max_length=150, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    website = models.URLField(_("website"), blank=True)
    lead_time_days = models.PositiveSmallIntegerField(_("lead time (days)"), default=7)
    ships_from_country = models.CharField(_("ships from (ISO country)"), max_length=2, blank=True)
    # Where the supplier delivers (ISO codes); empty means everywhere. Purchasing prefers a
    # supplier that ships to the order's country.
    ships_to_countries = ArrayField(
        models.CharField(max_length=2), verbose_name=_("ships to (ISO countries)"), default=list, blank=True
    )
    connector = models.CharField(
        _("connector"), max_length=20, choices=Connector.choices, default=Connector.MANUAL
    )
    # Connector settings: {"feed_url": ...} or {"base_url": ..., "app_key": ..., "app_secret": ...};
    # the secrets among them are stored encrypted (apps.core.encryption).
    connector_config = EncryptedKeysJSONField(
        _("connector settings"), default=dict, blank=True, secret_keys=CONNECTOR_SECRET_KEYS
    )
    sync_enabled = models.BooleanField(_("sync automatically"), default=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    last_sync_error = models.TextField(_("last sync error"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")

    def __str__(self) -> str:
        return self.name


class SupplierOffer(TimeStampedModel):
    """One item a supplier sells, optionally linked to the variant we sell it as."""

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="offers")
    variant = models.ForeignKey(
        "catalog.ProductVariant",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="supplier_offers",
    )
    supplier_sku = models.CharField(_("supplier SKU"), max_length=120)
    supplier_product_id = models.CharField(_("supplier product id"), max_length=120, blank=True)
    title = models.CharField(_("title"), max_length=255, blank=True)
    cost = models.DecimalField(_("cost"), max_digits=12, decimal_places=3)  # KWD has 3 decimals
    currency = models.CharField(_("currency"), max_length=3, default=settings.DEFAULT_CURRENCY)
    url = models.URLField(_("product page"), max_length=1000, blank=True)
    stock = models.IntegerField(_("supplier stock"), default=0)
    is_available = models.BooleanField(_("available at supplier"), default=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["supplier", "supplier_sku"]
        constraints = [
            models.UniqueConstraint(fields=["supplier", "supplier_sku"], name="sourcing_offer_unique_sku"),
            models.CheckConstraint(condition=Q(cost__gte=0), name="sourcing_offer_cost_not_negative"),
        ]
        indexes = [models.Index(fields=["supplier", "supplier_product_id"], name="sourcing_offer_product")]

    def __str__(self) -> str:
        return f"{self.supplier_id}:{self.supplier_sku}"


class PricingRule(TimeStampedModel):
    """Price = cost x (1 + markup%) + fixed margin, then rounded; the most specific rule wins."""

    class Rounding(models.TextChoices):
        NONE = "none", _("No rounding")
        NINETY_NINE = "0.99", _("Round up to .99")
        NINETY_FIVE = "0.95", _("Round up to .95")
        WHOLE = "1.00", _("Round up to a whole amount")

    name = models.CharField(_("name"), max_length=120)
    supplier = models.ForeignKey(
        Supplier, on_delete=models.CASCADE, null=True, blank=True, related_name="pricing_rules",
        help_text=_("Leave empty to apply to every supplier."),
    )  # fmt: skip
    markup_percent = models.DecimalField(_("markup %"), max_digits=7, decimal_places=2, default=Decimal("0"))
    fixed_margin = models.DecimalField(
        _("fixed margin"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    rounding = models.CharField(
        _("rounding"), max_length=10, choices=Rounding.choices, default=Rounding.NINETY_NINE
    )
    compare_at_percent = models.DecimalField(
        _("compare-at markup %"), max_digits=7, decimal_places=2, null=True, blank=True,
        help_text=_("Optional: show a compare-at price this much above the price."),
    )  # fmt: skip
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["supplier_id", "name"]
        verbose_name = _("pricing rule")
        verbose_name_plural = _("pricing rules")
        constraints = [
            models.CheckConstraint(condition=Q(markup_percent__gte=-100), name="sourcing_rule_markup_sane"),
            models.CheckConstraint(
                condition=Q(compare_at_percent__isnull=True) | Q(compare_at_percent__gte=0),
                name="sourcing_rule_compare_at_not_negative",
            ),
            # One active rule per supplier and one active store-wide rule, so "the most
            # specific rule" is never ambiguous (NULL supplier counts as one scope).
            models.UniqueConstraint(
                fields=["supplier"],
                condition=Q(is_active=True),
                nulls_distinct=False,
                name="sourcing_rule_one_active_per_scope",
            ),
        ]

    def __str__(self) -> str:
        return self.name
