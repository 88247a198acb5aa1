"""Where the store ships and what it costs: zones of countries (optionally narrowed to regions
or postal-code prefixes) and the rates offered in each.

A rate is offered for a checkout when its zone matches the shipping address
(`apps.checkout.selectors.shipping_options`) and the cart fits the rate's optional weight and
subtotal bounds. What the shopper pays depends on the rate's `kind`:

- `flat`: `amount`;
- `weight`: `amount`, offered only within `min_weight_grams`..`max_weight_grams`;
- `price`: `amount`, offered only within `min_subtotal`..`max_subtotal`;
- `free_over`: `amount`, or nothing once the subtotal reaches `free_over_amount`;
- `pickup`: `amount` (usually 0), collected at `pickup_location`, a pickup point of inventory.

Bounds are inclusive at the minimum and exclusive at the maximum, so two rates 0–1000 g and
1000–5000 g never both apply at exactly 1000 g.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel


class ShippingZone(TimeStampedModel):
    name = models.CharField(_("name"), max_length=100)
    # ISO 3166-1 alpha-2 codes, upper case.
    countries = ArrayField(models.CharField(max_length=2), verbose_name=_("countries"))
    # Optional narrowing: the address's region must be one of these (compared without case) ...
    regions = ArrayField(
        models.CharField(max_length=100), default=list, blank=True, verbose_name=_("regions")
    )
    # ... and its postal code must start with one of these (compared without spaces or case).
    postal_code_prefixes = ArrayField(
        models.CharField(max_length=20), default=list, blank=True, verbose_name=_("postal code prefixes")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("shipping zone")
        verbose_name_plural = _("shipping zones")
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="checkout_zone_name_set"),
            models.CheckConstraint(condition=Q(countries__len__gte=1), name="checkout_zone_a_country"),
        ]

    def __str__(self) -> str:
        return self.name


class ShippingRateKind(models.TextChoices):
    FLAT = "flat", _("Flat rate")
    WEIGHT = "weight", _("By weight")
    PRICE = "price", _("By order subtotal")
    FREE_OVER = "free_over", _("Free over an amount")
    PICKUP = "pickup", _("Local pickup")


class ShippingRate(TimeStampedModel):
    Kind = ShippingRateKind

    zone = models.ForeignKey(ShippingZone, on_delete=models.CASCADE, related_name="rates")
    name = models.CharField(_("name"), max_length=100, help_text=_("Shown to shoppers, e.g. “Standard”."))
    kind = models.CharField(
        _("type"), max_length=20, choices=ShippingRateKind.choices, default=ShippingRateKind.FLAT
    )
    amount = models.DecimalField(_("price"), max_digits=12, decimal_places=3, default=0)
    min_weight_grams = models.PositiveIntegerField(_("minimum weight (g)"), null=True, blank=True)
    max_weight_grams = models.PositiveIntegerField(_("maximum weight (g)"), null=True, blank=True)
    min_subtotal = models.DecimalField(
        _("minimum subtotal"), max_digits=12, decimal_places=3, null=True, blank=True
    )
    max_subtotal = models.DecimalField(
        _("maximum subtotal"), max_digits=12, decimal_places=3, null=True, blank=True
    )
    free_over_amount = models.DecimalField(
        _("free from subtotal"), max_digits=12, decimal_places=3, null=True, blank=True
    )
    pickup_location = models.ForeignKey(
        "inventory.Location",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pickup_rates",
        limit_choices_to={"is_pickup": True},
        verbose_name=_("pickup location"),
    )
    delivery_days_min = models.PositiveSmallIntegerField(_("delivery days (from)"), null=True, blank=True)
    delivery_days_max = models.PositiveSmallIntegerField(_("delivery days (to)"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["zone", "amount", "name", "id"]
        verbose_name = _("shipping rate")
        verbose_name_plural = _("shipping rates")
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="checkout_rate_name_set"),
            models.CheckConstraint(
                condition=Q(kind__in=ShippingRateKind.values), name="checkout_rate_kind_valid"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="checkout_rate_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(min_weight_grams__isnull=True)
                | Q(max_weight_grams__isnull=True)
                | Q(min_weight_grams__lt=F("max_weight_grams")),
                name="checkout_rate_weight_bounds_ordered",
            ),
            models.CheckConstraint(
                condition=(Q(min_subtotal__isnull=True) | Q(min_subtotal__gte=0))
                & (Q(max_subtotal__isnull=True) | Q(max_subtotal__gt=0))
                & (
                    Q(min_subtotal__isnull=True)
                    | Q(max_subtotal__isnull=True)
                    | Q(min_subtotal__lt=F("max_subtotal"))
                ),
                name="checkout_rate_subtotal_bounds_ordered",
            ),
            models.CheckConstraint(
                condition=Q(kind="free_over", free_over_amount__gte=0)
                | (~Q(kind="free_over") & Q(free_over_amount__isnull=True)),
                name="checkout_rate_free_over_amount",
            ),
            # A pickup rate names where to collect; no other rate names a location.
            models.CheckConstraint(
                condition=Q(kind="pickup", pickup_location__isnull=False)
                | (~Q(kind="pickup") & Q(pickup_location__isnull=True)),
                name="checkout_rate_pickup_location",
            ),
            models.CheckConstraint(
                condition=Q(delivery_days_min__isnull=True)
                | Q(delivery_days_max__isnull=True)
                | Q(delivery_days_min__lte=F("delivery_days_max")),
                name="checkout_rate_delivery_days_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.zone_id})"
