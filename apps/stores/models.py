"""The store's own profile and settings: one row in each store's schema."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
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
    # True: catalog prices include tax (the shopper's tax is worked out of them); False: tax is
    # added on top at checkout (apps.checkout.pricing).
    prices_include_tax = models.BooleanField(_("prices include tax"), default=False)

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


# ------------------------------------------------------------------------------
# exchange rates: prices shown (never charged) in other currencies
# ------------------------------------------------------------------------------
EXCHANGE_RATE_FEED_PK = 1
ECB_DAILY_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml"


class ExchangeRateSource(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    FEED = "feed", _("Exchange-rate feed")


class ExchangeRate(TimeStampedModel):
    """How many units of `currency` one unit of the store's currency buys: with a EUR store,
    USD 1.0866 shows a 10.00 EUR product as about 10.87 USD. Only for showing prices; every
    order is charged in the store's currency. Read through `apps.stores.currency`."""

    currency = models.CharField(_("currency"), max_length=3, unique=True, help_text=_("ISO 4217 code"))
    # The store's currency when the rate was set: after the store changes currency, a rate
    # against the old one would show wrong prices, so it is ignored until it is set again.
    base_currency = models.CharField(_("against"), max_length=3)
    rate = models.DecimalField(_("rate"), max_digits=24, decimal_places=12)
    source = models.CharField(
        _("source"), max_length=10, choices=ExchangeRateSource.choices, default=ExchangeRateSource.MANUAL
    )
    as_of = models.DateField(_("rate date"), null=True, blank=True)

    class Meta:
        ordering = ["currency"]
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        constraints = [
            models.CheckConstraint(condition=Q(rate__gt=0), name="stores_exchange_rate_positive"),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="stores_exchange_rate_currency_iso_form"
            ),
            models.CheckConstraint(
                condition=Q(base_currency__regex=r"^[A-Z]{3}$") & ~Q(base_currency=F("currency")),
                name="stores_exchange_rate_base_iso_form",
            ),
            models.CheckConstraint(
                condition=Q(source__in=ExchangeRateSource.values), name="stores_exchange_rate_source_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.rate}"


class ExchangeRateFeed(TimeStampedModel):
    """Where this store's rates are refreshed from, by the `stores.exchange_rates_refresh` job
    (one row per schema, like `StoreSettings`). The feed is in the ECB's daily format; rates a
    merchant entered by hand are never overwritten by it. `last_error_code` and
    `last_error_params` keep the last failure as data, so the page words it in the reader's
    language."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=EXCHANGE_RATE_FEED_PK, editable=False)
    enabled = models.BooleanField(_("refresh automatically"), default=False)
    url = models.URLField(_("feed address"), max_length=500, default=ECB_DAILY_URL)
    currencies = ArrayField(
        models.CharField(max_length=3),
        blank=True,
        default=list,
        verbose_name=_("currencies"),
        help_text=_("Leave empty to take every currency the feed lists."),
    )
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last refreshed"), null=True, blank=True)
    last_error_code = models.CharField(_("last error"), max_length=50, blank=True)
    last_error_params = models.JSONField(_("last error details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("exchange-rate feed")
        verbose_name_plural = _("exchange-rate feeds")
        constraints = [
            models.CheckConstraint(
                condition=Q(id=EXCHANGE_RATE_FEED_PK), name="stores_exchange_rate_feed_single_row"
            ),
        ]

    def __str__(self) -> str:
        return self.url


# ------------------------------------------------------------------------------
# theme: the storefront's look and its home page
# ------------------------------------------------------------------------------
STORE_THEME_PK = 1


class StoreTheme(TimeStampedModel):
    """The storefront's look and home page (one row per schema, like `StoreSettings`).

    `preset`, `tokens` and `blocks` are what shoppers see (the published theme): a preset key
    of `apps.stores.themes.PRESETS`, the tokens overridden on top of it, and the home page as a
    list of blocks (`apps.stores.blocks`). `draft` holds the theme editor's unpublished copy in
    the same shape (`{"preset", "tokens", "blocks"}`), or null. Written only through
    `apps.stores.theme_services.store_theme_save`, which checks everything; read through
    `apps.stores.theme_selectors.store_theme_get`, which skips (and logs) whatever a bad write
    straight to the table may have left.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=STORE_THEME_PK, editable=False)
    preset = models.CharField(_("preset"), max_length=32)
    tokens = models.JSONField(_("token overrides"), default=dict, blank=True)
    blocks = models.JSONField(_("home page blocks"), default=list, blank=True)
    draft = models.JSONField(_("unpublished draft"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        verbose_name = _("store theme")
        verbose_name_plural = _("store themes")
        constraints = [
            models.CheckConstraint(condition=Q(id=STORE_THEME_PK), name="stores_theme_single_row"),
            models.CheckConstraint(condition=~Q(preset=""), name="stores_theme_preset_not_empty"),
        ]

    def __str__(self) -> str:
        return self.preset


class NewsletterSubscriber(TimeStampedModel):
    """An email address that asked for the store's newsletter (the home page's newsletter
    block). Kept per store (each schema has its own table); the address is stored lower-cased
    and only once. Written by `apps.stores.newsletter` only.

    Double opt-in: a sign-up is PENDING until the link mailed to the address is opened, and
    only CONFIRMED rows are subscribed. An unsubscribed address keeps its row as UNSUBSCRIBED,
    so nothing but a new sign-up and its confirmation puts it back on the list.
    `requested_at` is when the current opt-in started (the confirmation link is bound to it).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        CONFIRMED = "confirmed", _("Subscribed")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")

    email = models.EmailField(_("email"), max_length=254, unique=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    source = models.CharField(_("signed up on"), max_length=40, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    requested_at = models.DateTimeField(_("signed up at"), null=True, blank=True)
    confirmation_sent_at = models.DateTimeField(_("confirmation sent at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("newsletter subscriber")
        verbose_name_plural = _("newsletter subscribers")
        indexes = [models.Index(fields=["status", "-created_at"], name="stores_newsletter_status")]
        constraints = [
            models.CheckConstraint(condition=Q(email=Lower("email")), name="stores_newsletter_email_lower"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "confirmed", "unsubscribed"]),
                name="stores_newsletter_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="confirmed") | Q(confirmed_at__isnull=False),
                name="stores_newsletter_confirmed_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.email
