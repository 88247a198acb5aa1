"""Pickup points: the opening-hours structure and its checks, positions, the haversine
distance, `location_save` with pickup details, the dashboard form, and the cached "has pickup
points" answer the storefront footer asks on every page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django_tenants.utils import schema_context

from apps.inventory.errors import LocationInvalid
from apps.inventory.models import Location
from apps.inventory.pickup import (
    PickupDetails,
    coordinates_clean,
    distance_km,
    opening_hours_clean,
    opening_hours_parse_day,
)
from apps.inventory.selectors import pickup_location_list, pickup_locations_exist
from apps.inventory.services import location_save
from apps.inventory.tests.factories import location_make, pickup_location_make
from tests.fixtures import StoreWorld, make_store_user, store_client

BASE = "/dashboard/inventory/"


# ------------------------------------------------------------------------------
# pure rules
# ------------------------------------------------------------------------------
def test_opening_hours_are_normalised_with_every_weekday():
    hours = opening_hours_clean(
        {"mon": [["14:00", "18:00"], ["09:00", "12:30"]], "sun": [["10:00", "24:00"]]}
    )
    assert hours["mon"] == [["09:00", "12:30"], ["14:00", "18:00"]]
    assert hours["sun"] == [["10:00", "24:00"]]
    assert hours["tue"] == [] and list(hours) == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    assert opening_hours_clean(None) == {day: [] for day in hours}


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ({"monday": [["09:00", "17:00"]]}, "“monday” is not a weekday"),
        ({"mon": [["9am", "17:00"]]}, "Monday: “9am” is not a time"),
        ({"mon": [["25:00", "26:00"]]}, "“25:00” is not a time"),
        ({"mon": [["18:00", "09:00"]]}, "Monday: 18:00–09:00 closes before it opens"),
        ({"mon": [["24:00", "24:00"]]}, "closes before it opens"),
        ({"tue": [["09:00", "13:00"], ["12:00", "18:00"]]}, "Tuesday: 09:00–13:00 and 12:00–18:00 overlap"),
        ({"wed": [["09:00"]]}, "each period is an opening and a closing time"),
        ({"thu": [["08:00", "09:00"]] * 5}, "at most 4 opening periods"),
        ("every day", "must list each weekday"),
    ],
)
def test_bad_opening_hours_are_refused_naming_the_day(value, text):
    with pytest.raises(LocationInvalid) as caught:
        opening_hours_clean(value)
    assert text in caught.value.message and caught.value.field == "opening_hours"


def test_a_typed_day_is_read_as_periods():
    assert opening_hours_parse_day("9:00-12:30, 14.00 – 18:00", day="mon") == [
        ["09:00", "12:30"],
        ["14:00", "18:00"],
    ]
    assert opening_hours_parse_day("  ", day="mon") == []
    assert opening_hours_parse_day("Closed", day="mon") == []
    with pytest.raises(LocationInvalid, match="“9 to 5” is not a period"):
        opening_hours_parse_day("9 to 5", day="mon")


def test_coordinates_come_in_pairs_within_range():
    assert coordinates_clean("52.5200", "13.405") == (Decimal("52.520000"), Decimal("13.405000"))
    assert coordinates_clean(None, "") == (None, None)
    for lat, lng, field in (
        ("52.5", "", "longitude"),
        ("91", "0", "latitude"),
        ("0", "-181", "longitude"),
        ("x", "1", "latitude"),
    ):
        with pytest.raises(LocationInvalid) as caught:
            coordinates_clean(lat, lng)
        assert caught.value.field == field


def test_haversine_distance_matches_known_city_distances():
    # Berlin - Paris is 878 km along the great circle; a point is 0 km from itself.
    assert distance_km(52.5200, 13.4050, 48.8566, 2.3522) == pytest.approx(878, abs=2)
    assert distance_km(40.0, -74.0, 40.0, -74.0) == 0
    # across the antimeridian: Fiji to Samoa is about 1,150 km, not 40,000
    assert distance_km(-18.1, 178.4, -13.8, -171.8) == pytest.approx(1150, rel=0.05)


# ------------------------------------------------------------------------------
# location_save with pickup details
# ------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_pickup_point_is_saved_with_its_details(in_alpha):
    location = pickup_location_make(
        name="Mitte", latitude="52.529", longitude="13.401", opening_hours={"sat": [["10:00", "14:00"]]}
    )
    location.refresh_from_db()
    assert location.is_pickup and location.city == "Berlin" and location.country == "DE"
    assert location.latitude == Decimal("52.529000")
    assert location.opening_hours["sat"] == [["10:00", "14:00"]] and location.opening_hours["mon"] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"address_line1": ""}, "address_line1"),
        ({"city": ""}, "city"),
        ({"country": ""}, "country"),
        ({"country": "XX"}, "country"),
        ({"phone": "call us"}, "phone"),
        ({"latitude": Decimal("95")}, "latitude"),
        ({"opening_hours": {"mon": [["18:00", "09:00"]]}}, "opening_hours"),
    ],
)
def test_a_pickup_point_with_bad_details_is_refused_and_nothing_saved(in_alpha, changes, field):
    details = {
        "is_pickup": True,
        "address_line1": "Torstraße 1",
        "city": "Berlin",
        "country": "DE",
        "latitude": Decimal("52.5"),
        "longitude": Decimal("13.4"),
        **changes,
    }
    with pytest.raises(LocationInvalid) as caught:
        location_save(
            location=Location(),
            name="Shop",
            code="shop-bad",
            kind="warehouse",
            priority=1,
            is_active=True,
            pickup=PickupDetails(**details),
        )
    assert caught.value.field == field
    assert not Location.objects.filter(code="shop-bad").exists()


@pytest.mark.django_db
def test_a_supplier_location_cannot_be_a_pickup_point(in_alpha):
    with pytest.raises(LocationInvalid, match="not a supplier"):
        location_save(
            location=Location(),
            name="Supplier",
            code="sup",
            kind="supplier",
            priority=1,
            is_active=True,
            pickup=PickupDetails(is_pickup=True, address_line1="x", city="y", country="DE"),
        )


@pytest.mark.django_db
def test_the_database_refuses_a_half_position_or_a_pickup_point_without_address(in_alpha):
    location = location_make(code="raw")
    with pytest.raises(IntegrityError), transaction.atomic():
        Location.objects.filter(pk=location.pk).update(latitude=Decimal("10"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Location.objects.filter(pk=location.pk).update(is_pickup=True)


@pytest.mark.django_db
def test_saving_without_pickup_details_keeps_them(in_alpha):
    location = pickup_location_make(code="keep", latitude="52.5", longitude="13.4")
    location_save(
        location=location, name="Renamed", code="keep", kind="warehouse", priority=3, is_active=True
    )
    location.refresh_from_db()
    assert location.is_pickup and location.latitude == Decimal("52.500000") and location.name == "Renamed"


@pytest.mark.django_db
def test_pickup_points_sort_by_distance_and_positionless_ones_come_last(in_alpha):
    pickup_location_make(name="Paris", latitude="48.8566", longitude="2.3522")
    pickup_location_make(name="Berlin", latitude="52.52", longitude="13.405")
    pickup_location_make(name="Anywhere")
    pickup_location_make(name="Closed down", latitude="52.5", longitude="13.4", is_active=False)
    location_make(code="backroom", name="Backroom")  # not a pickup point
    by_name = [point.location.name for point in pickup_location_list()]
    assert by_name == ["Anywhere", "Berlin", "Paris"]
    near_paris = pickup_location_list(near=(48.85, 2.35))
    assert [point.location.name for point in near_paris] == ["Paris", "Berlin", "Anywhere"]
    assert near_paris[0].distance_km is not None and near_paris[0].distance_km < 1
    assert near_paris[2].distance_km is None


@pytest.mark.django_db
def test_the_pickup_answer_is_cached_and_forgotten_when_a_location_changes(
    in_alpha, django_assert_num_queries
):
    assert pickup_locations_exist() is False
    with django_assert_num_queries(0):
        assert pickup_locations_exist() is False
    # saving a location forgets the answer at once (and again after commit)
    pickup_location_make(code="new-shop")
    assert pickup_locations_exist() is True


@pytest.mark.django_db
def test_one_store_never_sees_another_stores_pickup_points(alpha, beta):
    with schema_context(alpha.tenant.schema_name):
        pickup_location_make(name="Alpha shop")
        assert pickup_locations_exist()
    with schema_context(beta.tenant.schema_name):
        assert pickup_location_list() == []
        assert pickup_locations_exist() is False


# ------------------------------------------------------------------------------
# the dashboard form
# ------------------------------------------------------------------------------
def _staff(world: StoreWorld) -> Client:
    user = make_store_user(world, "pickup-keeper@example.com", role="staff")
    client = store_client(world)
    with schema_context(world.tenant.schema_name):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _post(**changes: str) -> dict[str, str]:
    data = {
        "name": "Kreuzberg",
        "code": "kreuzberg",
        "kind": "warehouse",
        "priority": "10",
        "is_active": "on",
        "is_pickup": "on",
        "address_line1": "Oranienstraße 5",
        "postal_code": "10999",
        "city": "Berlin",
        "country": "de",
        "phone": "+49 30 555",
        "latitude": "52.5",
        "longitude": "13.42",
        "hours_mon": "09:00-13:00, 14:00-18:00",
        "hours_sat": "10-14",
    }
    data.update(changes)
    return data


@pytest.mark.django_db
def test_staff_make_a_pickup_point_with_opening_hours_on_the_location_form(alpha):
    client = _staff(alpha)
    response = client.post(f"{BASE}locations/new/", _post(hours_sat="10:00-14:00"))
    assert response.status_code == 302
    with schema_context(alpha.tenant.schema_name):
        location = Location.objects.get(code="kreuzberg")
    assert location.is_pickup and location.country == "DE"
    assert location.opening_hours["mon"] == [["09:00", "13:00"], ["14:00", "18:00"]]
    assert location.opening_hours["sat"] == [["10:00", "14:00"]] and location.opening_hours["tue"] == []
    # the edit page shows the hours as typed
    page = client.get(f"{BASE}locations/{location.pk}/edit/")
    assert 'value="09:00-13:00, 14:00-18:00"' in page.text


@pytest.mark.django_db
def test_bad_opening_hours_are_shown_next_to_their_day_and_nothing_is_saved(alpha):
    client = _staff(alpha)
    response = client.post(f"{BASE}locations/new/", _post(hours_tue="18:00-09:00"))
    assert response.status_code == 200
    assert response.context["form"].errors["hours_tue"] == ["Tuesday: 18:00–09:00 closes before it opens."]
    assert "hours_sat" in response.context["form"].errors  # "10-14" is not HH:MM
    with schema_context(alpha.tenant.schema_name):
        assert not Location.objects.filter(code="kreuzberg").exists()


@pytest.mark.django_db
def test_a_pickup_point_without_an_address_is_refused_on_the_form(alpha):
    client = _staff(alpha)
    response = client.post(f"{BASE}locations/new/", _post(address_line1="", hours_sat=""))
    assert response.status_code == 200
    assert response.context["form"].errors["address_line1"] == [
        "A pickup point needs an address shoppers can find."
    ]
