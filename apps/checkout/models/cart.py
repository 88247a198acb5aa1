"""Carts: a shopper's (or a guest's) chosen variants and quantities, before checkout.

A cart is found by its owner when the shopper is signed in, and by its `token` (kept in the
guest's session) otherwise. Its `currency` is the store's currency when the cart was made.
Each line keeps the unit price it was added at, so a later step can tell the shopper when a
price changed. The rules that must always hold are database constraints: one line per variant
per cart, a quantity between 1 and `CART_LINE_QUANTITY_CEILING`, no negative price, and at most
one open cart per signed-in shopper.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel

# The database's bound on one line's quantity. The shop's own limit is the setting
# CART_LINE_MAX_QUANTITY (default 99), checked by the services and required to stay at or below
# this number (apps.checkout.checks); a setting cannot be the constraint itself, since changing
# it would then need a migration.
CART_LINE_QUANTITY_CEILING = 9999


class Cart(TimeStampedModel):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        # Folded into the shopper's own cart when they signed in (see `merged_into`).
        MERGED = "merged", _("Merged")
        # Turned into an order by checkout.
        CONVERTED = "converted", _("Converted")

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="carts",
        verbose_name=_("shopper"),
    )
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged_from"
    )

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("cart")
        verbose_name_plural = _("carts")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status="open", user__isnull=False),
                name="checkout_cart_one_open_per_user",
            ),
            models.CheckConstraint(condition=~Q(currency=""), name="checkout_cart_currency_set"),
        ]
        indexes = [models.Index(fields=["status", "updated_at"], name="checkout_cart_status_updated")]

    def __str__(self) -> str:
        return f"cart {self.token} ({self.status})"


class CartLine(TimeStampedModel):
    # Shopper URLs name a line by this, never by the sequential id.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey("catalog.ProductVariant", on_delete=models.CASCADE, related_name="cart_lines")
    quantity = models.PositiveIntegerField(_("quantity"))
    # The variant's price when the shopper last chose this line's quantity, in the cart's
    # currency: checkout compares it with the price now to say "the price changed".
    unit_price_snapshot = models.DecimalField(_("unit price when added"), max_digits=12, decimal_places=3)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("cart line")
        verbose_name_plural = _("cart lines")
        constraints = [
            models.UniqueConstraint(fields=["cart", "variant"], name="checkout_line_unique_variant"),
            models.CheckConstraint(
                condition=Q(quantity__gte=1, quantity__lte=CART_LINE_QUANTITY_CEILING),
                name="checkout_line_quantity_range",
            ),
            models.CheckConstraint(
                condition=Q(unit_price_snapshot__gte=0), name="checkout_line_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.variant_id} in {self.cart_id}"
