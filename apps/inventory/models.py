"""Stock per variant per location, reservations against it, and the history of every change.

`StockLevel` carries the rules that must always hold as database constraints: nothing on hand
is negative, and no more is reserved than is on hand; services change the numbers only with
conditional UPDATEs, so concurrent reservations cannot oversell.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel


class Location(TimeStampedModel):
    class Kind(models.TextChoices):
        WAREHOUSE = "warehouse", _("Warehouse")
        SUPPLIER = "supplier", _("Supplier")

    name = models.CharField(_("name"), max_length=120)
    code = models.SlugField(_("code"), max_length=60, unique=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.WAREHOUSE)
    supplier = models.OneToOneField(
        "sourcing.Supplier", on_delete=models.CASCADE, null=True, blank=True, related_name="location"
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=100, help_text=_("Lower numbers are used first when reserving.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    # pickup: shoppers can collect orders here (the storefront's store locator lists these);
    # opening hours follow `apps.inventory.pickup` (one list of [opens, closes] per weekday)
    is_pickup = models.BooleanField(_("pickup point"), default=False)
    address_line1 = models.CharField(_("address line 1"), max_length=255, blank=True)
    address_line2 = models.CharField(_("address line 2"), max_length=255, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    region = models.CharField(_("region / state"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True, help_text=_("ISO 3166-1 code"))
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    opening_hours = models.JSONField(_("opening hours"), default=dict, blank=True)

    class Meta:
        ordering = ["priority", "name"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        constraints = [
            models.CheckConstraint(
                condition=(Q(latitude__isnull=True) & Q(longitude__isnull=True))
                | (
                    Q(latitude__isnull=False, longitude__isnull=False)
                    & Q(latitude__gte=-90, latitude__lte=90)
                    & Q(longitude__gte=-180, longitude__lte=180)
                ),
                name="inventory_location_position_valid",
            ),
            models.CheckConstraint(
                condition=Q(is_pickup=False) | (Q(kind="warehouse") & ~Q(address_line1="") & ~Q(city="")),
                name="inventory_location_pickup_has_address",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StockLevel(TimeStampedModel):
    variant = models.ForeignKey(
        "catalog.ProductVariant", on_delete=models.CASCADE, related_name="stock_levels"
    )
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="stock_levels")
    on_hand = models.IntegerField(_("on hand"), default=0)
    reserved = models.IntegerField(_("reserved"), default=0)
    low_stock_threshold = models.PositiveIntegerField(_("low-stock threshold"), default=5)

    class Meta:
        ordering = ["location__priority", "location__name"]
        constraints = [
            models.UniqueConstraint(fields=["variant", "location"], name="inventory_stock_unique_location"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="inventory_on_hand_not_negative"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="inventory_reserved_not_negative"),
            models.CheckConstraint(
                condition=Q(reserved__lte=F("on_hand")), name="inventory_reserved_within_on_hand"
            ),
        ]

    # What `__str__` reads: whoever names many stock levels selects these with them.
    str_select_related = ("variant", "location")

    def __str__(self) -> str:
        return f"{self.variant.sku} @ {self.location.name}"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class Reservation(TimeStampedModel):
    """Units held for a cart or an order until they are committed (sold) or released."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        COMMITTED = "committed", _("Committed")
        RELEASED = "released", _("Released")

    stock = models.ForeignKey(StockLevel, on_delete=models.CASCADE, related_name="reservations")
    reference = models.CharField(_("reference"), max_length=100, db_index=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="inventory_reservation_positive")
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.quantity} ({self.status})"


class StockMovement(models.Model):
    """Who or what changed stock, by how much, and why."""

    class Kind(models.TextChoices):
        RECEIVED = "received", _("Received")
        ADJUSTED = "adjusted", _("Adjusted")
        RESERVED = "reserved", _("Reserved")
        RELEASED = "released", _("Released")
        COMMITTED = "committed", _("Sold")
        SUPPLIER_SYNC = "supplier_sync", _("Supplier sync")
        IMPORTED = "imported", _("Imported")

    stock = models.ForeignKey(StockLevel, on_delete=models.CASCADE, related_name="movements")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    on_hand_delta = models.IntegerField(default=0)
    reserved_delta = models.IntegerField(default=0)
    on_hand_after = models.IntegerField()
    reserved_after = models.IntegerField()
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")

    def __str__(self) -> str:
        return f"{self.kind} {self.on_hand_delta:+d}/{self.reserved_delta:+d} @{self.stock_id}"
