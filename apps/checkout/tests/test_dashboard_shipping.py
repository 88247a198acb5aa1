"""The shipping pages of the dashboard: zones with their rates, each kind of rate, deletes behind
a confirmation, refusals shown on the form with nothing written."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.checkout.models import ShippingRate, ShippingZone
from apps.checkout.tests.dashboard_support import in_store, rate_make, role_client, zone_make
from apps.inventory.models import Location
from apps.inventory.pickup import PickupDetails
from apps.inventory.services import location_save
from apps.stores.selectors import store_currency_get

pytestmark = pytest.mark.django_db

BASE = "/dashboard/shipping/"


def _pickup_point(name: str = "Shop counter") -> Location:
    return location_save(
        location=Location(),
        name=name,
        code=name.lower().replace(" ", "-"),
        kind=Location.Kind.WAREHOUSE,
        priority=1,
        is_active=True,
        pickup=PickupDetails(is_pickup=True, address_line1="Main street 1", city="Berlin", country="DE"),
    )


@pytest.fixture
def owner(alpha):  # type: ignore[no-untyped-def]
    return role_client(alpha, "owner")


def test_the_list_shows_zones_with_their_rates_and_country_names(alpha, owner):
    with in_store(alpha):
        zone = zone_make(name="Europe", countries=("DE", "AT"), postal_code_prefixes=("10",))
        rate_make(zone=zone, name="Standard", amount="4.90", delivery_days_min=2, delivery_days_max=4)
        rate_make(
            zone=zone, name="Free over 50", kind="free_over", amount="4.90", free_over_amount=Decimal(50)
        )
    response = owner.get(BASE)
    assert response.status_code == 200
    text = response.text
    assert "Europe" in text and "Germany" in text and "Austria" in text
    assert "Standard" in text and "Free over 50" in text and "10" in text
    assert f"{BASE}zones/{zone.pk}/rates/new/" in text


def test_the_empty_list_says_what_to_do(alpha, owner):
    response = owner.get(BASE)
    assert "No shipping zones yet" in response.text
    assert f"{BASE}zones/new/" in response.text


def test_creating_a_zone_saves_it_and_asks_for_rates(alpha, owner):
    response = owner.post(
        f"{BASE}zones/new/",
        {
            "name": "Domestic",
            "countries": ["DE"],
            "regions": "Bavaria\nBerlin",
            "postal_code_prefixes": "80, 81 ; 10",
            "active": "on",
        },
    )
    with in_store(alpha):
        zone = ShippingZone.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{BASE}zones/{zone.pk}/rates/new/"
    assert (zone.name, zone.countries, zone.regions) == ("Domestic", ["DE"], ["Bavaria", "Berlin"])
    assert zone.postal_code_prefixes == ["80", "81", "10"] and zone.active


def test_a_zone_without_countries_or_with_a_bad_prefix_is_refused(alpha, owner):
    no_country = owner.post(f"{BASE}zones/new/", {"name": "Nowhere", "countries": []})
    bad_country = owner.post(f"{BASE}zones/new/", {"name": "Nowhere", "countries": ["XX"]})
    bad_prefix = owner.post(
        f"{BASE}zones/new/", {"name": "Odd", "countries": ["DE"], "postal_code_prefixes": "10/2"}
    )
    assert no_country.status_code == 200 and "Choose at least one country." in no_country.text
    assert bad_country.status_code == 200 and "XX" in bad_country.text
    assert bad_prefix.status_code == 200 and "is not a postal code prefix" in bad_prefix.text
    with in_store(alpha):
        assert not ShippingZone.objects.exists()


def test_editing_a_zone_keeps_its_rates(alpha, owner):
    with in_store(alpha):
        zone = zone_make(name="EU")
        rate = rate_make(zone=zone)
    form = owner.get(f"{BASE}zones/{zone.pk}/")
    assert form.status_code == 200 and 'value="EU"' in form.text
    response = owner.post(f"{BASE}zones/{zone.pk}/", {"name": "European Union", "countries": ["DE", "IT"]})
    assert response.status_code == 302
    with in_store(alpha):
        zone.refresh_from_db()
        assert (zone.name, zone.countries, zone.active) == ("European Union", ["DE", "IT"], False)
        assert ShippingRate.objects.filter(pk=rate.pk, zone=zone).exists()


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"kind": "flat", "amount": "4.90"}, {"amount": Decimal("4.90")}),
        (
            {"kind": "weight", "amount": "9.90", "min_weight_grams": "1000", "max_weight_grams": "5000"},
            {"min_weight_grams": 1000, "max_weight_grams": 5000},
        ),
        (
            {"kind": "price", "amount": "2", "min_subtotal": "0", "max_subtotal": "30"},
            {"min_subtotal": Decimal(0), "max_subtotal": Decimal(30)},
        ),
        (
            {"kind": "free_over", "amount": "4.90", "free_over_amount": "50"},
            {"free_over_amount": Decimal(50)},
        ),
    ],
)
def test_each_kind_of_rate_is_created(alpha, owner, fields, expected):
    with in_store(alpha):
        zone = zone_make()
    data = {"name": "Rate", "delivery_days_min": "1", "delivery_days_max": "3", "active": "on", **fields}
    response = owner.post(f"{BASE}zones/{zone.pk}/rates/new/", data)
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    with in_store(alpha):
        rate = ShippingRate.objects.get(zone=zone)
    assert rate.kind == fields["kind"]
    for name, value in expected.items():
        assert getattr(rate, name) == value, name
    # the fields its kind does not use are empty
    if fields["kind"] != "free_over":
        assert rate.free_over_amount is None
    assert rate.pickup_location_id is None


def test_a_pickup_rate_names_an_active_pickup_point(alpha, owner):
    with in_store(alpha):
        zone = zone_make()
        point = _pickup_point()
        warehouse = location_save(
            location=Location(),
            name="Back room",
            code="back-room",
            kind=Location.Kind.WAREHOUSE,
            priority=2,
            is_active=True,
        )
    url = f"{BASE}zones/{zone.pk}/rates/new/"
    page = owner.get(url)
    assert "Shop counter" in page.text and "Back room" not in page.text
    missing = owner.post(url, {"name": "Pickup", "kind": "pickup", "amount": "0"})
    not_a_point = owner.post(
        url, {"name": "Pickup", "kind": "pickup", "amount": "0", "pickup_location": str(warehouse.pk)}
    )
    assert "Choose where shoppers collect their orders." in missing.text
    assert not_a_point.status_code == 200
    with in_store(alpha):
        assert not ShippingRate.objects.exists()
    created = owner.post(
        url, {"name": "Pickup", "kind": "pickup", "amount": "0", "pickup_location": str(point.pk)}
    )
    assert created.status_code == 302
    with in_store(alpha):
        assert ShippingRate.objects.get().pickup_location_id == point.pk
    assert "Shop counter" in owner.get(BASE).text


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "flat", "amount": "-1"}, "greater than or equal to 0"),
        ({"kind": "weight", "amount": "5"}, "needs a minimum or a maximum weight"),
        (
            {"kind": "weight", "amount": "5", "min_weight_grams": "500", "max_weight_grams": "500"},
            "minimum must be",
        ),
        ({"kind": "price", "amount": "5"}, "needs a minimum or a maximum subtotal"),
        ({"kind": "free_over", "amount": "5"}, "Enter the subtotal from which shipping is free."),
        (
            {"kind": "flat", "amount": "5", "delivery_days_min": "5", "delivery_days_max": "2"},
            "must not be above",
        ),
        ({"kind": "teleport", "amount": "5"}, "Select a valid choice"),
    ],
)
def test_bad_rates_show_errors_and_write_nothing(alpha, owner, fields, message):
    with in_store(alpha):
        zone = zone_make()
    response = owner.post(f"{BASE}zones/{zone.pk}/rates/new/", {"name": "Bad", **fields})
    assert response.status_code == 200
    assert message in response.text
    with in_store(alpha):
        assert not ShippingRate.objects.exists()


def test_a_rate_amount_is_rounded_to_the_store_currency(alpha, owner):
    with in_store(alpha):
        zone = zone_make()
        currency = store_currency_get()
    owner.post(f"{BASE}zones/{zone.pk}/rates/new/", {"name": "Odd", "kind": "flat", "amount": "4.999"})
    with in_store(alpha):
        rate = ShippingRate.objects.get()
    assert currency == "EUR" and rate.amount == Decimal("5.00")


def test_editing_a_rate_changes_its_kind_and_clears_what_no_longer_applies(alpha, owner):
    with in_store(alpha):
        zone = zone_make()
        rate = rate_make(zone=zone, kind="free_over", free_over_amount=Decimal(40))
    url = f"{BASE}zones/{zone.pk}/rates/{rate.pk}/"
    assert 'value="40' in owner.get(url).text
    response = owner.post(url, {"name": "Flat now", "kind": "flat", "amount": "3", "free_over_amount": "40"})
    assert response.status_code == 302
    with in_store(alpha):
        rate.refresh_from_db()
    assert (rate.name, rate.kind, rate.free_over_amount) == ("Flat now", "flat", None)


def test_a_rate_of_another_zone_is_not_found_under_this_zone(alpha, owner):
    with in_store(alpha):
        zone, other = zone_make(name="A"), zone_make(name="B")
        rate = rate_make(zone=other)
    assert owner.get(f"{BASE}zones/{zone.pk}/rates/{rate.pk}/").status_code == 404
    assert owner.post(f"{BASE}zones/{zone.pk}/rates/{rate.pk}/delete/").status_code == 404


def test_deleting_asks_first_then_deletes(alpha, owner):
    with in_store(alpha):
        zone = zone_make(name="Doomed")
        keep = rate_make(zone=zone, name="Keep")
        gone = rate_make(zone=zone, name="Gone")
    confirm = owner.get(f"{BASE}zones/{zone.pk}/rates/{gone.pk}/delete/")
    assert (
        confirm.status_code == 200 and "Delete rate" in confirm.text and "csrfmiddlewaretoken" in confirm.text
    )
    with in_store(alpha):
        assert ShippingRate.objects.count() == 2
    assert owner.post(f"{BASE}zones/{zone.pk}/rates/{gone.pk}/delete/").status_code == 302
    with in_store(alpha):
        assert list(ShippingRate.objects.values_list("pk", flat=True)) == [keep.pk]
    zone_confirm = owner.get(f"{BASE}zones/{zone.pk}/delete/")
    assert "Its 1 rate is deleted with it." in zone_confirm.text
    assert owner.post(f"{BASE}zones/{zone.pk}/delete/").status_code == 302
    with in_store(alpha):
        assert not ShippingZone.objects.exists() and not ShippingRate.objects.exists()


def test_the_list_query_count_does_not_grow_with_zones_and_rates(alpha, owner, django_assert_max_num_queries):
    with in_store(alpha):
        zone = zone_make(name="Z0")
        rate_make(zone=zone, kind="pickup", amount="0", pickup_location_id=_pickup_point().pk)
    owner.get(BASE)  # warm the session and routing caches
    with django_assert_max_num_queries(8) as few:
        owner.get(BASE)
    baseline = len(few)  # read now: the next request empties the query log
    assert baseline > 0
    with in_store(alpha):
        for n in range(1, 8):
            zone = zone_make(name=f"Z{n}")
            rate_make(zone=zone, name="A")
            rate_make(
                zone=zone, name="B", kind="pickup", amount="0", pickup_location_id=_pickup_point(f"P{n}").pk
            )
    with django_assert_max_num_queries(baseline) as many:
        response = owner.get(BASE)
    assert response.text.count('class="panel zone"') == 8
    assert len(many) == baseline, (baseline, len(many))
