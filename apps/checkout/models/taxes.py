"""Tax rates by destination: a country, optionally narrowed to a region or to postal codes
starting with a prefix.

For an address the most specific matching rate applies (`apps.checkout.selectors.tax_rate_for`):
a postal-code prefix match (the longest prefix) beats a region match, which beats the country's
own rate. Selling into the EU, the merchant enters each member state's VAT as a country rate
and the destination's rate is charged (EU-style destination VAT). A destination without any
rate is not taxed.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower, Upper
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel


class TaxRate(TimeStampedModel):
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166-1 code"))
    # "" = the whole country; else compared without case with the address's region.
    region = models.CharField(_("region / state"), max_length=100, blank=True)
    # "" = any postal code; else stored upper case without spaces and compared as a prefix.
    postal_code_prefix = models.CharField(_("postal code prefix"), max_length=20, blank=True)
    # A fraction: 0.19 is 19 %.
    rate = models.DecimalField(_("rate"), max_digits=7, decimal_places=6)
    name = models.CharField(_("name"), max_length=100, help_text=_("Shown to shoppers, e.g. “VAT”."))
    applies_to_shipping = models.BooleanField(_("also on shipping"), default=True)

    class Meta:
        ordering = ["country", "region", "postal_code_prefix", "id"]
        verbose_name = _("tax rate")
        verbose_name_plural = _("tax rates")
        constraints = [
            models.CheckConstraint(
                condition=Q(country__regex=r"^[A-Z]{2}$"), name="checkout_tax_country_iso"
            ),
            models.CheckConstraint(condition=Q(rate__gte=0, rate__lt=1), name="checkout_tax_rate_fraction"),
            models.CheckConstraint(condition=~Q(name=""), name="checkout_tax_name_set"),
            models.CheckConstraint(
                condition=Q(postal_code_prefix=Upper("postal_code_prefix"))
                & ~Q(postal_code_prefix__contains=" "),
                name="checkout_tax_postal_prefix_normal",
            ),
            # One rate per destination: which one applies is never a tie.
            models.UniqueConstraint(
                "country", Lower("region"), "postal_code_prefix", name="checkout_tax_one_per_destination"
            ),
        ]

    def __str__(self) -> str:
        where = " ".join(part for part in (self.country, self.region, self.postal_code_prefix) if part)
        return f"{self.name} {self.rate} ({where})"
