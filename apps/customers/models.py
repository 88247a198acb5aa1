"""The store's customer records, and a shopper's saved addresses and wishlist, in the store's
own schema (shoppers are the store's `accounts.User` rows without a staff role; a customer
record exists for guests too).

Rules the database keeps whatever the code does: one customer record per email, stored
lower-cased; at most one default address per shopper (a partial unique index), a country that
is two capital letters, one wishlist row per product.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower, Upper
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel


class Address(TimeStampedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="addresses")
    name = models.CharField(_("full name"), max_length=150)
    company = models.CharField(_("company"), max_length=150, blank=True)
    line1 = models.CharField(_("address"), max_length=200)
    line2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100)
    region = models.CharField(_("state / region"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=2)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    is_default = models.BooleanField(_("default address"), default=False)

    class Meta:
        ordering = ["-is_default", "-created_at", "-id"]
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(is_default=True), name="customers_address_one_default"
            ),
            models.CheckConstraint(
                condition=Q(country__regex=r"^[A-Z]{2}$"), name="customers_address_country_iso"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.line1}, {self.city} ({self.country})"


class WishlistItem(TimeStampedModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wishlist_items"
    )
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("wishlist item")
        verbose_name_plural = _("wishlist items")
        constraints = [
            models.UniqueConstraint(fields=["user", "product"], name="customers_wishlist_one_per_product")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} ♥ {self.product_id}"


class Customer(TimeStampedModel):
    """One shopper of this store as the store knows them: created by their first order (guest
    or signed in), keyed by email, linked to their account once they have one with that verified
    email. Order counters are kept here so the customers list needs no aggregate over orders.

    The email is stored lower-cased (a database check holds it), so the unique constraint on it is
    the case-insensitive uniqueness that lets concurrent first orders of one email meet one row.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(_("email"), max_length=254)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="customer",
    )
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    orders_count = models.PositiveIntegerField(_("orders"), default=0)
    total_spent = models.DecimalField(_("total spent"), max_digits=12, decimal_places=3, default=0)
    last_order_at = models.DateTimeField(_("last order"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    accepts_marketing = models.BooleanField(_("accepts marketing"), default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.UniqueConstraint(fields=["email"], name="customers_customer_email_unique"),
            models.CheckConstraint(condition=Q(email=Lower("email")), name="customers_customer_email_lower"),
            models.CheckConstraint(condition=Q(total_spent__gte=0), name="customers_customer_spent_gte_0"),
        ]
        indexes = [
            # The dashboard's search (`icontains` is UPPER(column) LIKE UPPER(%s) on PostgreSQL).
            GinIndex(OpClass(Upper("email"), name="gin_trgm_ops"), name="customers_customer_email_trgm"),
            GinIndex(OpClass(Upper("full_name"), name="gin_trgm_ops"), name="customers_customer_name_trgm"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email
