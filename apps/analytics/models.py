"""Analytics: storefront visits as they were recorded, and one store's figures per day.

`Visit` is the raw record, one row per storefront page view or funnel step, written in bulk by
the flush job from the store's Redis list (see `apps.analytics.recording`). It holds no IP
address, no cookie and nothing of the visitor but a session key: a digest of a salt that changes
every day, the address and the user agent, so a visitor cannot be followed from one day to the
next nor from one store to another. Raw rows are kept `analytics_raw` days (the retention
registry); the daily tables below are what the reports and the dashboard home read.

The `Daily*` tables are rebuilt for a whole day at a time by `daily_aggregate` (delete and
insert in one transaction), so running it again for a day gives the same rows. Days are the
store's local dates; money is in the store's currency.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

ZERO = Decimal(0)


class VisitKind(models.TextChoices):
    """What a raw row records: a page of one of these kinds, or a funnel step."""

    HOME = "home", _("Home")
    COLLECTION = "collection", _("Collection")
    PRODUCT = "product", _("Product")
    SEARCH = "search", _("Search")
    CART = "cart", _("Cart")
    CHECKOUT = "checkout", _("Checkout started")
    OTHER = "other", _("Other page")
    CART_ADD = "cart_add", _("Added to cart")  # a step, not a page view
    # The order confirmation page seen: ties the order to the session, so sales can be counted
    # by the traffic source the session landed from. A step, not a page view.
    ORDER = "order", _("Order placed")


PAGE_KINDS = frozenset(VisitKind) - {VisitKind.CART_ADD, VisitKind.ORDER}


def _money(verbose_name: object) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=3, default=ZERO)  # type: ignore[arg-type]


class Visit(models.Model):
    """One page view or funnel step of a storefront visitor (see the module docstring)."""

    at = models.DateTimeField(_("time"), db_index=True)
    session = models.CharField(_("session"), max_length=16)
    kind = models.CharField(_("kind"), max_length=12, choices=VisitKind.choices)
    product_id = models.BigIntegerField(_("product"), null=True, blank=True)
    order_id = models.BigIntegerField(_("order"), null=True, blank=True)  # an ORDER step's order
    # "direct", a referring host ("google.com") or a campaign's utm_source.
    source = models.CharField(_("traffic source"), max_length=100, blank=True)
    landing = models.BooleanField(_("landing page"), default=False)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=VisitKind.values), name="analytics_visit_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind}"


class DailyStats(models.Model):
    """One store-local day's figures (visits from the raw visits, the rest from the orders)."""

    day = models.DateField(_("day"), unique=True)
    currency = models.CharField(_("currency"), max_length=3)
    visits = models.PositiveIntegerField(_("visits"), default=0)  # sessions
    page_views = models.PositiveIntegerField(_("page views"), default=0)
    product_views = models.PositiveIntegerField(_("product views"), default=0)  # sessions
    carts = models.PositiveIntegerField(_("added to cart"), default=0)  # sessions
    checkouts = models.PositiveIntegerField(_("checkouts started"), default=0)  # sessions
    orders = models.PositiveIntegerField(_("orders"), default=0)  # paid that day
    revenue = _money(_("revenue"))
    refunds = _money(_("refunds"))
    customers = models.PositiveIntegerField(_("customers"), default=0)
    returning_customers = models.PositiveIntegerField(_("returning customers"), default=0)
    profit = _money(_("profit"))
    aggregated_at = models.DateTimeField(_("aggregated"), auto_now=True)

    class Meta:
        ordering = ["day"]
        verbose_name = _("daily figures")
        verbose_name_plural = _("daily figures")
        constraints = [
            models.CheckConstraint(
                condition=Q(returning_customers__lte=models.F("customers")),
                name="analytics_daily_returning_within_customers",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day}: {self.orders} orders"


class DailyProduct(models.Model):
    """One product's day: views (sessions), units sold and revenue of its order lines."""

    day = models.DateField(_("day"))
    product_id = models.BigIntegerField(_("product"))
    title = models.CharField(_("product"), max_length=255, blank=True)
    views = models.PositiveIntegerField(_("views"), default=0)
    carts = models.PositiveIntegerField(_("added to cart"), default=0)
    orders = models.PositiveIntegerField(_("orders"), default=0)
    quantity = models.PositiveIntegerField(_("units sold"), default=0)
    revenue = _money(_("revenue"))

    class Meta:
        ordering = ["day", "product_id"]
        constraints = [
            models.UniqueConstraint(fields=["day", "product_id"], name="analytics_daily_product_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.day}: product {self.product_id}"


class DailySource(models.Model):
    """One traffic source's day: sessions that landed from it and how far they went."""

    day = models.DateField(_("day"))
    source = models.CharField(_("traffic source"), max_length=100)
    visits = models.PositiveIntegerField(_("visits"), default=0)
    product_views = models.PositiveIntegerField(_("product views"), default=0)
    carts = models.PositiveIntegerField(_("added to cart"), default=0)
    checkouts = models.PositiveIntegerField(_("checkouts started"), default=0)
    # Orders whose confirmation a session from this source saw, and what they charged.
    orders = models.PositiveIntegerField(_("orders"), default=0)
    revenue = _money(_("revenue"))

    class Meta:
        ordering = ["day", "source"]
        constraints = [
            models.UniqueConstraint(fields=["day", "source"], name="analytics_daily_source_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.day}: {self.source}"


class DailyChannel(models.Model):
    """One sales channel's day (the order's origin: online store, draft order)."""

    day = models.DateField(_("day"))
    channel = models.CharField(_("channel"), max_length=20)
    orders = models.PositiveIntegerField(_("orders"), default=0)
    revenue = _money(_("revenue"))

    class Meta:
        ordering = ["day", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["day", "channel"], name="analytics_daily_channel_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.day}: {self.channel}"


class DailyCustomer(models.Model):
    """One customer's day: their paid orders and whether they had paid for one before that day.
    Kept by id only (no email or name), so erasing a customer needs nothing here."""

    day = models.DateField(_("day"))
    customer_id = models.BigIntegerField(_("customer"))
    orders = models.PositiveIntegerField(_("orders"), default=0)
    revenue = _money(_("revenue"))
    returning = models.BooleanField(_("returning"), default=False)

    class Meta:
        ordering = ["day", "customer_id"]
        constraints = [
            models.UniqueConstraint(fields=["day", "customer_id"], name="analytics_daily_customer_unique"),
        ]
        indexes = [models.Index(fields=["customer_id", "day"], name="analytics_daily_customer_cust")]

    def __str__(self) -> str:
        return f"{self.day}: customer {self.customer_id}"
