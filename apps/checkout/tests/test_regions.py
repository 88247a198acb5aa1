"""Shipping zones and tax rates name regions as the merchant wrote them; addresses store the
address data's key (the US "CA") or, for Spain, the province's name. Either way they match."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.checkout.models import ShippingZone, TaxRate
from apps.checkout.selectors.shipping import Destination, tax_rate_pick, zone_specificity


@pytest.mark.parametrize(
    ("country", "written", "stored"),
    [
        ("US", "California", "CA"),
        ("US", "ca", "CA"),
        ("ES", "M", "Madrid"),
        ("ES", "madrid", "Madrid"),
        ("ES", "Alicante", "Alacant"),  # two names of one province
    ],
)
def test_a_region_matches_however_it_was_written(country, written, stored):
    destination = Destination(country=country, region=stored, postal_code="")
    zone = ShippingZone(name="Zone", countries=[country], regions=[written])
    rate = TaxRate(name="Tax", country=country, region=written, rate=Decimal("0.1"))

    assert zone_specificity(zone, destination) == 1
    assert tax_rate_pick([rate], destination) is rate


def test_another_region_does_not_match():
    destination = Destination(country="ES", region="Barcelona", postal_code="")
    zone = ShippingZone(name="Zone", countries=["ES"], regions=["Madrid", "M"])
    assert zone_specificity(zone, destination) is None
    assert (
        tax_rate_pick([TaxRate(name="Tax", country="ES", region="M", rate=Decimal("0.1"))], destination)
        is None
    )
