"""The store locator: the store's active pickup points with address and opening hours, nearest
first when the shopper shares a position, a clear message and the list by name when the
position is invalid, an empty state, no third-party requests, one store's points never on
another's page, and the same queries for 1 and 50 points."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from apps.inventory.tests.factories import location_make, pickup_location_make
from tests.fixtures import StoreWorld, store_client

pytestmark = pytest.mark.django_db

URL = "/stores/"


def _names(html: str) -> list[str]:
    return re.findall(
        r'<li class="sf-location" id="location-[^"]+">\s*<div class="sf-location-head">\s*<h2>([^<]+)</h2>',
        html,
    )


@pytest.fixture
def three_shops(alpha: StoreWorld) -> StoreWorld:
    with tenant_context(alpha.tenant):
        pickup_location_make(
            name="Paris Marais",
            latitude="48.8566",
            longitude="2.3522",
            city="Paris",
            opening_hours={"mon": [["09:00", "12:30"], ["14:00", "19:00"]], "sun": []},
        )
        pickup_location_make(name="Berlin Mitte", latitude="52.52", longitude="13.405")
        pickup_location_make(name="Amsterdam (no position)", city="Amsterdam")
        pickup_location_make(name="Closed for good", latitude="48.85", longitude="2.35", is_active=False)
        location_make(code="warehouse-only", name="Back warehouse")
    return alpha


def test_the_locator_lists_active_pickup_points_by_name_with_hours(three_shops):
    response = store_client(three_shops).get(URL)
    assert response.status_code == 200
    html = response.text
    assert _names(html) == ["Amsterdam (no position)", "Berlin Mitte", "Paris Marais"]
    assert "Closed for good" not in html and "Back warehouse" not in html
    assert "Torstraße 1" in html and "10119 Paris" in html
    assert "9:00\u202fAM–12:30\u202fPM, 2:00\u202fPM–7:00\u202fPM" in html  # Babel, English
    assert '<th scope="row">Sunday</th><td>Closed</td>' in html
    assert 'href="tel:+49301234567"' in html


def test_days_and_hours_follow_the_shoppers_language(three_shops):
    html = store_client(three_shops).get(f"/de{URL}").text
    assert '<th scope="row">Montag</th><td>09:00–12:30, 14:00–19:00</td>' in html


def test_a_shared_position_sorts_nearest_first_with_distances(three_shops):
    html = store_client(three_shops).get(URL, {"lat": "48.86", "lng": "2.34"}).text
    assert _names(html) == ["Paris Marais", "Berlin Mitte", "Amsterdam (no position)"]
    assert "Nearest first" in html
    assert re.search(r'sf-location-distance">1(\.\d)? km<', html)
    assert re.search(r'sf-location-distance">8\d\d(\.\d)? km<', html)


@pytest.mark.parametrize(
    "query",
    [
        {"lat": "91", "lng": "2"},
        {"lat": "48.8", "lng": "-181"},
        {"lat": "north", "lng": "2"},
        {"lat": "48.8"},
        {"lng": "2.3"},
        {"lat": "NaN", "lng": "2"},
        {"lat": "Infinity", "lng": "2"},
        {"lat": "<script>alert(1)</script>", "lng": "2"},
    ],
)
def test_an_invalid_position_says_so_and_lists_by_name(three_shops, query):
    response = store_client(three_shops).get(URL, query)
    assert response.status_code == 200
    html = response.text
    assert "is not a valid latitude and longitude" in html
    assert _names(html) == ["Amsterdam (no position)", "Berlin Mitte", "Paris Marais"]
    assert "<script>alert(1)" not in html


def test_the_page_requests_nothing_from_third_parties(three_shops):
    html = store_client(three_shops).get(URL).text
    own = f"http://{three_shops.host}/"
    external = [
        url for url in re.findall(r'(?:src|href)="(https?://[^"]+)"', html) if not url.startswith(own)
    ]
    # the only external addresses are plain "Directions" links the shopper may follow
    assert external and all(url.startswith("https://www.openstreetmap.org/") for url in external)
    loaded = re.findall(
        r'<(?:script|img|iframe|link|source|video|audio)\b[^>]*\b(?:src|href)="(https?://[^"]+)"', html
    )
    assert all(url.startswith(own) for url in loaded), loaded  # canonical and hreflang name the store itself
    assert "/static/js/storefront-locator.js" in html


def test_a_store_without_pickup_points_shows_an_empty_state(alpha):
    with tenant_context(alpha.tenant):
        location_make(code="warehouse-only")
    html = store_client(alpha).get(URL).text
    assert "no places to collect orders from yet" in html
    assert "storefront-locator.js" not in html


def test_alphas_pickup_points_never_show_on_beta(three_shops, beta):
    html = store_client(beta).get(URL).text
    assert "Paris Marais" not in html and "no places to collect orders" in html
    footer = html.split('<footer class="sf-footer">')[1]
    assert 'href="/stores/"' not in footer  # nor does beta's footer link an empty locator


def test_the_locator_runs_the_same_queries_for_1_and_50_points(alpha):
    client = store_client(alpha)
    counts = []
    with tenant_context(alpha.tenant):
        pickup_location_make(name="Shop 0", latitude="50", longitude="8")
    for total in (1, 50):
        with tenant_context(alpha.tenant):
            from apps.inventory.models import Location

            for n in range(Location.objects.filter(is_pickup=True).count(), total):
                pickup_location_make(name=f"Shop {n}", latitude=f"{50 + n / 100}", longitude="8")
        client.get(URL, {"lat": "50", "lng": "8"})  # warm the per-store caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL, {"lat": "50", "lng": "8"})
        assert response.status_code == 200 and len(_names(response.text)) == total
        counts.append(len(queries))
        # the page's own read is one query on the locations, whatever their number
        assert sum("inventory_location" in q["sql"] for q in queries.captured_queries) == 1
    assert counts[0] == counts[1], counts
    assert counts[0] <= 4, [q["sql"][:120] for q in queries.captured_queries]
