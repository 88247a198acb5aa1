"""A checkout: one cart on its way to becoming an order, with what the shopper chose on the way
(contact, addresses, shipping method, codes, store credit).

The lines, prices and totals are never stored here: they are read from the cart and worked out
by `apps.checkout.pricing` on every read, so what the shopper sees is what they will pay. A
checkout is completed once, by the order placed from it (`order_reference`, the order's uuid),
which the database keeps unique.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel


class Checkout(TimeStampedModel):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        COMPLETED = "completed", _("Completed")

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    cart = models.OneToOneField("checkout.Cart", on_delete=models.CASCADE, related_name="checkout")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="checkouts",
        verbose_name=_("shopper"),
    )
    email = models.EmailField(_("email"), blank=True)
    # As `apps.customers.services.address_clean` returns them; {} until given.
    shipping_address = models.JSONField(_("shipping address"), default=dict, blank=True)
    billing_address = models.JSONField(_("billing address"), default=dict, blank=True)
    # True: the billing address is the shipping address (`billing_address` stays {}).
    billing_same_as_shipping = models.BooleanField(_("billing address same as shipping"), default=True)
    shipping_rate = models.ForeignKey(
        "checkout.ShippingRate", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Discount codes as the discounts spell them, in the order applied.
    discount_codes = ArrayField(models.CharField(max_length=64), default=list, blank=True)
    gift_card_codes = ArrayField(models.CharField(max_length=32), default=list, blank=True)
    use_store_credit = models.BooleanField(_("use store credit"), default=False)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    # The order's uuid (as text) once an order was placed from this checkout.
    order_reference = models.CharField(_("order reference"), max_length=64, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    abandoned_notified_at = models.DateTimeField(_("abandoned cart reminder sent"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("checkout")
        verbose_name_plural = _("checkouts")
        constraints = [
            models.UniqueConstraint(
                fields=["order_reference"], condition=~Q(order_reference=""), name="checkout_one_per_order"
            ),
            models.CheckConstraint(
                condition=Q(status="open", order_reference="", completed_at__isnull=True)
                | (Q(status="completed", completed_at__isnull=False) & ~Q(order_reference="")),
                name="checkout_completed_has_order",
            ),
        ]
        indexes = [
            models.Index(
                fields=["updated_at"],
                condition=Q(status="open", abandoned_notified_at__isnull=True) & ~Q(email=""),
                name="checkout_abandoned_candidates",
            )
        ]

    def __str__(self) -> str:
        return f"checkout {self.token} ({self.status})"
