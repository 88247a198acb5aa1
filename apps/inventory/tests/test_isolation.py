"""One store's locations, stock and movements are out of reach of another store's staff."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from apps.inventory.models import Location, StockLevel, StockMovement
from apps.inventory.selectors import location_list, movement_list, stock_for_variants, stock_list
from apps.inventory.services import stock_set
from apps.inventory.tests.factories import location_make, variant_make
from tests.fixtures import make_store_user, store_client

pytestmark = pytest.mark.django_db

BASE = "/dashboard/inventory/"


@pytest.fixture
def a_stock(alpha):  # type: ignore[no-untyped-def]
    """Store A: a location holding 8 of a variant, with its movement."""
    with schema_context(alpha.tenant.schema_name):
        location = location_make(code="alpha-secret-wh", name="Alpha secret depot")
        variant = variant_make(sku="ALPHA-SECRET-SKU")
        stock = stock_set(variant=variant, location=location, on_hand=8, reason="alpha count")
    return location, variant, stock


def test_store_b_staff_get_404_for_store_a_inventory_urls(alpha, beta, a_stock):
    location, variant, stock = a_stock
    # given store B has none of those ids (ids are per store schema)
    with schema_context(beta.tenant.schema_name):
        assert not Location.objects.filter(pk=location.pk).exists()
        b_staff = make_store_user(beta, "b-staff@example.com", staff=True)
    client = store_client(beta)
    with schema_context(beta.tenant.schema_name):
        client.force_login(b_staff, backend="django.contrib.auth.backends.ModelBackend")
    stock_urls = f"{BASE}locations/{location.pk}/variants/{variant.pk}/"
    # when B's staff request A's pages by URL on B's domain
    for url in (
        f"{BASE}locations/{location.pk}/",
        f"{BASE}locations/{location.pk}/edit/",
        f"{stock_urls}adjust/",
        f"{stock_urls}movements/",
    ):
        # then each is not found
        assert client.get(url).status_code == 404, url
    # and posting changes finds nothing to change
    assert (
        client.post(f"{stock_urls}adjust/", {"kind": "adjusted", "delta": "-8", "reason": "x"}).status_code
        == 404
    )
    edit = {"name": "Hijacked", "code": "hijacked", "kind": "warehouse", "priority": "1"}
    assert client.post(f"{BASE}locations/{location.pk}/edit/", edit).status_code == 404
    # and B's own pages show nothing of A
    for url in (BASE, f"{BASE}movements/"):
        response = client.get(url)
        assert response.status_code == 200
        assert "Alpha secret depot" not in response.text and "ALPHA-SECRET-SKU" not in response.text
    # and A's stock is as it was
    with schema_context(alpha.tenant.schema_name):
        stock.refresh_from_db()
        location.refresh_from_db()
        assert (stock.on_hand, location.name) == (8, "Alpha secret depot")
        assert StockMovement.objects.filter(stock=stock).count() == 1


def test_store_b_session_is_anonymous_on_store_a(alpha, beta, a_stock):
    location, _variant, _stock = a_stock
    b_staff = make_store_user(beta, "b-staff2@example.com", staff=True)
    client_b = store_client(beta)
    with schema_context(beta.tenant.schema_name):
        client_b.force_login(b_staff, backend="django.contrib.auth.backends.ModelBackend")
    # when B's session cookie is presented on A's domain
    client_a = store_client(alpha)
    client_a.cookies["sessionid"] = client_b.cookies["sessionid"].value
    response = client_a.get(f"{BASE}locations/{location.pk}/")
    # then A sees an anonymous visitor
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_store_a_stock_is_invisible_in_store_b_selectors(alpha, beta, a_stock):
    location, variant, _stock = a_stock
    with schema_context(beta.tenant.schema_name):
        # given B has a location of its own
        own = location_make(code="beta-wh")
        # then B's reads contain nothing of A
        assert [loc.code for loc in location_list()] == ["beta-wh"]
        assert stock_for_variants(variant_ids=[variant.pk]) == {variant.pk: []}
        assert "ALPHA-SECRET-SKU" not in [v.sku for v in stock_list(location=own)]
        assert not movement_list().filter(reason="alpha count").exists()
        assert not StockLevel.objects.filter(variant__sku="ALPHA-SECRET-SKU").exists()
    with schema_context(alpha.tenant.schema_name):
        assert "beta-wh" not in [loc.code for loc in location_list()]
        assert location.code in [loc.code for loc in location_list()]
