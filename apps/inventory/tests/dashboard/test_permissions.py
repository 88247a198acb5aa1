"""Who may open and use the inventory pages: every role reads (`inventory.view`); owner, admin
and staff create and edit locations and adjust stock (`inventory.adjust`); finance's attempts
are refused and change nothing; the pages hide what the role cannot use."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from apps.core.permissions import Perm, view_permission
from apps.inventory.dashboard import urls as inventory_urls
from apps.inventory.models import Location, StockLevel, StockMovement
from apps.inventory.services import stock_set
from apps.inventory.tests.factories import location_make, variant_make

pytestmark = pytest.mark.django_db

BASE = "/dashboard/inventory/"
ROLES = ("owner", "admin", "staff", "finance")
ADJUSTERS = {"owner", "admin", "staff"}


@pytest.fixture
def stocked(alpha):  # type: ignore[no-untyped-def]
    """Store alpha: one location holding 5 of one variant."""
    with schema_context(alpha.tenant.schema_name):
        location = location_make(code="main", name="Main depot")
        variant = variant_make(sku="PERM-1", title="Wool hat")
        stock = stock_set(variant=variant, location=location, on_hand=5, reason="Opening count")
    return location, variant, stock


def _pages(location: Location, variant_id: int) -> dict[str, str]:
    stock = f"{BASE}locations/{location.pk}/variants/{variant_id}/"
    return {
        "location_list": BASE,
        "location_stock": f"{BASE}locations/{location.pk}/",
        "movement_list": f"{BASE}movements/",
        "stock_movements": f"{stock}movements/",
        "location_create": f"{BASE}locations/new/",
        "location_edit": f"{BASE}locations/{location.pk}/edit/",
        "stock_adjust": f"{stock}adjust/",
    }


READ_PAGES = {"location_list", "location_stock", "movement_list", "stock_movements"}


def test_every_inventory_url_declares_its_permission():
    declared = {
        pattern.name: view_permission(pattern.callback)  # type: ignore[union-attr,arg-type]
        for pattern in inventory_urls.urlpatterns
    }
    assert set(declared) == READ_PAGES | {"location_create", "location_edit", "stock_adjust"}
    for name, permission in declared.items():
        assert permission is not None, name
        expected = Perm.INVENTORY_VIEW if name in READ_PAGES else Perm.INVENTORY_ADJUST
        assert permission.read == expected, name
        assert permission.write == expected, name


@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_the_pages_its_permissions_allow(alpha, stocked, role_client, role):
    location, variant, _stock = stocked
    client = role_client(role)
    for name, url in _pages(location, variant.pk).items():
        # when the member opens the page
        response = client.get(url)
        # then readers all get it, and only those who may adjust get the forms
        expected = 200 if name in READ_PAGES or role in ADJUSTERS else 403
        assert response.status_code == expected, (role, name)
        if expected == 403:
            assert "inventory.adjust" in response.text


def test_finance_posts_change_nothing(alpha, stocked, role_client):
    location, variant, stock = stocked
    client = role_client("finance")
    pages = _pages(location, variant.pk)
    # when finance posts each form
    responses = [
        client.post(pages["stock_adjust"], {"kind": "received", "delta": "7", "reason": "Sneaky"}),
        client.post(
            pages["location_create"], {"name": "New", "code": "new", "kind": "warehouse", "priority": "1"}
        ),
        client.post(
            pages["location_edit"],
            {"name": "Renamed", "code": "renamed", "kind": "warehouse", "priority": "1"},
        ),
    ]
    # then each is refused and the stock, movements and locations are as they were
    assert [r.status_code for r in responses] == [403, 403, 403]
    with schema_context(alpha.tenant.schema_name):
        stock.refresh_from_db()
        location.refresh_from_db()
        assert stock.on_hand == 5
        assert StockMovement.objects.filter(stock=stock).count() == 1
        assert (location.name, location.code) == ("Main depot", "main")
        assert list(Location.objects.values_list("code", flat=True)) == ["main"]


@pytest.mark.parametrize("role", ["owner", "admin", "staff"])
def test_adjusters_adjust_stock(alpha, stocked, role_client, role):
    location, variant, _stock = stocked
    client = role_client(role)
    url = _pages(location, variant.pk)["stock_adjust"]
    response = client.post(url, {"kind": "received", "delta": "2", "reason": f"{role} delivery"})
    assert response.status_code == 302
    with schema_context(alpha.tenant.schema_name):
        assert StockLevel.objects.get(variant=variant, location=location).on_hand == 7


def test_pages_hide_the_changes_finance_cannot_make(alpha, stocked, role_client):
    location, variant, _stock = stocked
    pages = _pages(location, variant.pk)
    finance, staff = role_client("finance"), role_client("staff")
    for client, shown in ((finance, False), (staff, True)):
        listing = client.get(pages["location_list"]).text
        stock_page = client.get(pages["location_stock"]).text
        # the buttons and links to forms are there only for roles that may use them
        assert (pages["location_create"] in listing) is shown
        assert (pages["location_edit"] in listing) is shown
        assert (pages["location_edit"] in stock_page) is shown
        assert (pages["stock_adjust"] in stock_page) is shown
        # the history stays readable for all
        assert pages["stock_movements"] in stock_page
    # and the menu offers inventory to finance too
    assert f'href="{BASE}"' in finance.get("/dashboard/").text


def test_a_shopper_account_gets_no_inventory_page(alpha, stocked, role_client):
    location, variant, _stock = stocked
    shopper = role_client("")  # no role: a storefront customer account
    for url in _pages(location, variant.pk).values():
        assert shopper.get(url).status_code == 403, url
    assert f'href="{BASE}"' not in shopper.get("/dashboard/").text
