from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from apps.inventory.models import Location, StockLevel, StockMovement
from apps.inventory.services import inventory_reserve, stock_set
from apps.inventory.tests.factories import location_make, variant_make
from tests.fixtures import StoreWorld, make_store_user, store_client

pytestmark = pytest.mark.django_db

BASE = "/dashboard/inventory/"


def _client(world: StoreWorld, email: str, *, staff: bool = True) -> Client:
    user = make_store_user(world, email, staff=staff)
    client = store_client(world)
    with schema_context(world.tenant.schema_name):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def staff_client(alpha) -> Client:
    return _client(alpha, "stock-keeper@example.com")


def _in(world: StoreWorld):  # type: ignore[no-untyped-def]
    return schema_context(world.tenant.schema_name)


def test_pages_render_for_staff(alpha, staff_client):
    # given a location holding a variant with one movement
    with _in(alpha):
        location = location_make(name="Main depot")
        variant = variant_make(sku="PAGE-1", title="Wool hat")
        stock_set(variant=variant, location=location, on_hand=3, reason="Opening count")
    urls = [
        BASE,
        f"{BASE}locations/new/",
        f"{BASE}locations/{location.pk}/",
        f"{BASE}locations/{location.pk}/edit/",
        f"{BASE}locations/{location.pk}/variants/{variant.pk}/adjust/",
        f"{BASE}locations/{location.pk}/variants/{variant.pk}/movements/",
        f"{BASE}movements/",
    ]
    for url in urls:
        # when staff open each page, then it renders
        response = staff_client.get(url)
        assert response.status_code == 200, url
    # and the content is there
    assert "Main depot" in staff_client.get(BASE).text
    stock_page = staff_client.get(f"{BASE}locations/{location.pk}/").text
    assert "PAGE-1" in stock_page and "Wool hat" in stock_page
    assert "Opening count" in staff_client.get(f"{BASE}movements/").text
    # and the dashboard menu links to inventory
    assert f'href="{BASE}"' in staff_client.get("/dashboard/").text


def test_the_location_list_has_an_empty_state(alpha, staff_client):
    response = staff_client.get(BASE)
    assert response.status_code == 200
    assert "No stock locations yet" in response.text


def test_shoppers_are_forbidden_and_visitors_sent_to_sign_in(alpha):
    with _in(alpha):
        location = location_make()
    shopper = _client(alpha, "shopper@example.com", staff=False)
    for url in (BASE, f"{BASE}locations/{location.pk}/", f"{BASE}movements/", f"{BASE}locations/new/"):
        assert shopper.get(url).status_code == 403, url
    response = shopper.post(
        f"{BASE}locations/new/", {"name": "X", "code": "x", "kind": "warehouse", "priority": 1}
    )
    assert response.status_code == 403
    anonymous = store_client(alpha).get(BASE)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    with _in(alpha):
        assert not Location.objects.filter(code="x").exists()


def test_create_and_edit_a_location(alpha, staff_client):
    # when staff create a location
    response = staff_client.post(
        f"{BASE}locations/new/",
        {"name": "Berlin", "code": "berlin", "kind": "warehouse", "priority": "10", "is_active": "on"},
    )
    # then it exists and they are back at the list
    assert response.status_code == 302 and response["Location"] == BASE
    with _in(alpha):
        location = Location.objects.get(code="berlin")
    # when they edit it
    staff_client.post(
        f"{BASE}locations/{location.pk}/edit/",
        {"name": "Berlin Mitte", "code": "berlin", "kind": "warehouse", "priority": "5"},
    )
    with _in(alpha):
        location.refresh_from_db()
    assert (location.name, location.priority, location.is_active) == ("Berlin Mitte", 5, False)


def test_a_taken_code_is_shown_on_the_form(alpha, staff_client):
    # given a location "berlin"
    with _in(alpha):
        location_make(code="berlin")
    # when another is created with the same code
    response = staff_client.post(
        f"{BASE}locations/new/", {"name": "Other", "code": "berlin", "kind": "warehouse", "priority": "1"}
    )
    # then the form comes back with the error on the code, naming it, and nothing was written
    assert response.status_code == 200
    assert response.context["form"].errors["code"] == [
        "The code “berlin” is already used by another location."
    ]
    assert "already used by another location" in response.text
    with _in(alpha):
        assert Location.objects.filter(code="berlin").count() == 1


def test_adjust_form_changes_stock_and_records_who(alpha, staff_client):
    # given 3 on hand
    with _in(alpha):
        location = location_make()
        variant = variant_make(sku="ADJ-V")
        stock = stock_set(variant=variant, location=location, on_hand=3, reason="x")
    url = f"{BASE}locations/{location.pk}/variants/{variant.pk}/adjust/"
    # when staff receive 7
    response = staff_client.post(url, {"kind": "received", "delta": "7", "reason": "Delivery 881"})
    # then stock is 10 and the movement names them and the reason
    assert response.status_code == 302
    assert response["Location"] == f"{BASE}locations/{location.pk}/"
    with _in(alpha):
        stock.refresh_from_db()
        movement = StockMovement.objects.filter(stock=stock).latest("id")
        assert stock.on_hand == 10
        assert (movement.kind, movement.on_hand_delta, movement.reason) == ("received", 7, "Delivery 881")
        assert movement.actor is not None and movement.actor.email == "stock-keeper@example.com"
    assert "10 on hand" in staff_client.get(response["Location"]).text


def test_adjust_form_creates_the_level_for_a_variant_never_stocked_here(alpha, staff_client):
    with _in(alpha):
        location, variant = location_make(), variant_make()
    url = f"{BASE}locations/{location.pk}/variants/{variant.pk}/adjust/"
    assert (
        staff_client.post(url, {"kind": "received", "delta": "4", "reason": "First delivery"}).status_code
        == 302
    )
    with _in(alpha):
        assert StockLevel.objects.get(variant=variant, location=location).on_hand == 4


@pytest.mark.parametrize(
    ("data", "field", "text"),
    [
        ({"kind": "adjusted", "delta": "-5", "reason": "Broken"}, "delta", "at most 1 can be removed"),
        ({"kind": "adjusted", "delta": "0", "reason": "Nothing"}, "delta", "other than zero"),
        ({"kind": "adjusted", "delta": "abc", "reason": "Typo"}, "delta", "Enter a whole number."),
        ({"kind": "adjusted", "delta": "2", "reason": ""}, "reason", "This field is required."),
        ({"kind": "reserved", "delta": "2", "reason": "Sneaky"}, "kind", "Select a valid choice."),
    ],
)
def test_adjust_form_shows_errors_and_writes_nothing(alpha, staff_client, data, field, text):
    # given 3 on hand, 2 of them reserved
    with _in(alpha):
        location = location_make()
        variant = variant_make(sku="ERR-V")
        stock = stock_set(variant=variant, location=location, on_hand=3, reason="x")
        inventory_reserve(variant=variant, quantity=2, reference="cart")
    # when the form is posted with bad input
    response = staff_client.post(f"{BASE}locations/{location.pk}/variants/{variant.pk}/adjust/", data)
    # then it comes back with the problem on its field, and stock is untouched
    assert response.status_code == 200
    assert any(text in error for error in response.context["form"].errors[field])
    assert 'class="error"' in response.text
    with _in(alpha):
        stock.refresh_from_db()
        assert (stock.on_hand, stock.reserved) == (3, 2)
        assert StockMovement.objects.filter(stock=stock).count() == 2


def test_adjust_needs_csrf(alpha):
    with _in(alpha):
        location, variant = location_make(), variant_make()
        user = make_store_user(alpha, "csrf@example.com", staff=True)
    client = Client(HTTP_HOST=alpha.host, enforce_csrf_checks=True)
    with _in(alpha):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    url = f"{BASE}locations/{location.pk}/variants/{variant.pk}/adjust/"
    assert 'name="csrfmiddlewaretoken"' in client.get(url).text
    assert client.post(url, {"kind": "received", "delta": "1", "reason": "x"}).status_code == 403


def test_stock_page_searches_and_paginates_keeping_the_query(alpha, staff_client):
    # given 55 shirts and a mug
    with _in(alpha):
        location = location_make()
        for n in range(55):
            variant_make(sku=f"SHIRT-{n:03d}", title="Shirt")
        variant_make(sku="MUG-1", title="Mug")
    url = f"{BASE}locations/{location.pk}/"
    # when staff search for shirts
    first = staff_client.get(url, {"q": "shirt"})
    # then 50 show, the mug is not among them, and the next page keeps the search
    assert first.context["page"].paginator.count == 55
    assert "MUG-1" not in first.text
    assert "?q=shirt&amp;page=2" in first.text
    second = staff_client.get(url, {"q": "shirt", "page": 2})
    assert len(second.context["page"].object_list) == 5
    assert "MUG-1" in staff_client.get(url, {"q": "mug"}).text
    assert "Nothing matches" in staff_client.get(url, {"q": "zzz-nothing"}).text


def test_stock_page_queries_do_not_grow_with_the_data(alpha, staff_client):
    with _in(alpha):
        location = location_make()
        stock_set(variant=variant_make(), location=location, on_hand=1, reason="x")
    url = f"{BASE}locations/{location.pk}/"
    staff_client.get(url)  # warm caches (session, routing)
    with CaptureQueriesContext(connection) as few:
        staff_client.get(url)
    with _in(alpha):
        for _ in range(20):
            stock_set(variant=variant_make(), location=location, on_hand=2, reason="x")
    with CaptureQueriesContext(connection) as many:
        response = staff_client.get(url)
    assert len(response.context["page"].object_list) == 21
    assert len(many) == len(few)


def test_movement_history_paginates(alpha, staff_client):
    with _in(alpha):
        location, variant = location_make(), variant_make()
        for n in range(1, 56):
            stock_set(variant=variant, location=location, on_hand=n, reason=f"count {n}")
    url = f"{BASE}locations/{location.pk}/variants/{variant.pk}/movements/"
    first = staff_client.get(url)
    assert first.context["page"].paginator.count == 55
    assert "count 55" in first.text and "count 1<" not in first.text
    assert "count 1<" in staff_client.get(url, {"page": 2}).text
    with CaptureQueriesContext(connection) as queries:
        staff_client.get(f"{BASE}movements/")
    assert len(queries) < 15
