"""Discounts: codes shoppers enter and automatic discounts, and each use of one by an order.

A discount is either a code (unique without regard to case) or automatic, never both. Its
`kind` says what it takes off (see `apps.checkout.pricing` for the maths and the combination
rules); `products` and `collections` restrict it to those items (none = the whole order).
`times_used` counts the redemptions of placed orders; the database refuses a count past
`usage_limit`, and `DiscountRedemption` refuses a second live use by one customer of a
once-per-customer discount, so two shoppers racing for the last use cannot both get it.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel


class DiscountKind(models.TextChoices):
    PERCENTAGE = "percentage", _("Percentage off")
    FIXED = "fixed", _("Fixed amount off")
    FREE_SHIPPING = "free_shipping", _("Free shipping")
    BUY_X_GET_Y = "buy_x_get_y", _("Buy X get Y")


class Discount(TimeStampedModel):
    Kind = DiscountKind

    # The public id (the admin API's); the code is not one, since automatic discounts have none.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # "" for an automatic discount; a code is matched without regard to case.
    code = models.CharField(_("code"), max_length=64, blank=True)
    name = models.CharField(_("name"), max_length=120, help_text=_("Shown to shoppers in the order summary."))
    automatic = models.BooleanField(_("automatic"), default=False)
    kind = models.CharField(
        _("type"), max_length=20, choices=DiscountKind.choices, default=DiscountKind.PERCENTAGE
    )
    # A percentage (10 = 10 %) or an amount in the store's currency, by `kind`; unused for free
    # shipping and buy X get Y.
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=3, default=0)
    # Buy X get Y: for every `buy_quantity` units bought, `get_quantity` more units (the
    # cheapest eligible ones) are `get_percent` % off.
    buy_quantity = models.PositiveIntegerField(_("buy quantity"), default=0)
    get_quantity = models.PositiveIntegerField(_("get quantity"), default=0)
    get_percent = models.DecimalField(
        _("percent off the free items"), max_digits=5, decimal_places=2, default=100
    )
    products = models.ManyToManyField(
        "catalog.Product", blank=True, related_name="+", verbose_name=_("products")
    )
    collections = models.ManyToManyField(
        "catalog.Collection", blank=True, related_name="+", verbose_name=_("collections")
    )
    min_subtotal = models.DecimalField(
        _("minimum subtotal"), max_digits=12, decimal_places=3, null=True, blank=True
    )
    starts_at = models.DateTimeField(_("starts"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    usage_limit = models.PositiveIntegerField(_("usage limit"), null=True, blank=True)
    times_used = models.PositiveIntegerField(_("times used"), default=0)
    once_per_customer = models.BooleanField(_("once per customer"), default=False)
    combines = models.BooleanField(_("combines with other discounts"), default=False)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("discount")
        verbose_name_plural = _("discounts")
        constraints = [
            models.UniqueConstraint(
                Lower("code"), condition=~Q(code=""), name="checkout_discount_code_unique_ci"
            ),
            models.CheckConstraint(
                condition=Q(automatic=True, code="") | (Q(automatic=False) & ~Q(code="")),
                name="checkout_discount_code_or_automatic",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="checkout_discount_name_set"),
            models.CheckConstraint(
                condition=Q(kind__in=DiscountKind.values), name="checkout_discount_kind_valid"
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="checkout_discount_value_not_negative"),
            models.CheckConstraint(
                condition=~Q(kind="percentage") | Q(value__gt=0, value__lte=100),
                name="checkout_discount_percentage_range",
            ),
            models.CheckConstraint(
                condition=~Q(kind="fixed") | Q(value__gt=0), name="checkout_discount_fixed_positive"
            ),
            models.CheckConstraint(
                condition=~Q(kind="buy_x_get_y")
                | Q(buy_quantity__gte=1, get_quantity__gte=1, get_percent__gt=0, get_percent__lte=100),
                name="checkout_discount_buy_x_get_y_valid",
            ),
            models.CheckConstraint(
                condition=Q(min_subtotal__isnull=True) | Q(min_subtotal__gte=0),
                name="checkout_discount_min_subtotal_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True) | Q(ends_at__isnull=True) | Q(starts_at__lt=F("ends_at")),
                name="checkout_discount_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(usage_limit__isnull=True) | Q(times_used__lte=F("usage_limit")),
                name="checkout_discount_within_usage_limit",
            ),
        ]
        indexes = [models.Index(fields=["automatic", "active"], name="checkout_discount_automatic")]

    def __str__(self) -> str:
        return self.code or self.name


class DiscountRedemption(TimeStampedModel):
    """One use of a discount by a placed order; `reversed_at` is set when the order is cancelled
    (the use is given back, the row stays as history)."""

    discount = models.ForeignKey(Discount, on_delete=models.PROTECT, related_name="redemptions")
    order_reference = models.CharField(_("order reference"), max_length=64)
    email = models.EmailField(_("email"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=3)
    # The lower-cased email for a once-per-customer discount, "" otherwise: the database keeps
    # one live use per customer of such a discount.
    customer_key = models.CharField(max_length=254, blank=True, default="")
    reversed_at = models.DateTimeField(_("reversed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("discount redemption")
        verbose_name_plural = _("discount redemptions")
        constraints = [
            models.UniqueConstraint(
                fields=["discount", "order_reference"], name="checkout_redemption_once_per_order"
            ),
            models.UniqueConstraint(
                fields=["discount", "customer_key"],
                condition=Q(reversed_at__isnull=True) & ~Q(customer_key=""),
                name="checkout_redemption_once_per_customer",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="checkout_redemption_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=~Q(order_reference=""), name="checkout_redemption_reference_set"
            ),
        ]
        indexes = [models.Index(fields=["order_reference"], name="checkout_redemption_reference")]

    def __str__(self) -> str:
        return f"{self.discount_id} for {self.order_reference}"
