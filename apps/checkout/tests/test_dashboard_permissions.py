"""Who may open and use the shipping, tax, discount and gift card pages, as the role map in
apps/core/permissions.py says, and that one store's rows are out of reach of another store's
team by id."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import URLPattern

from apps.checkout.dashboard import urls as checkout_urls
from apps.checkout.models import Discount, GiftCard, ShippingRate, ShippingZone, TaxRate
from apps.checkout.tests.dashboard_support import (
    ROLES,
    discount_make,
    gift_card_make,
    in_store,
    rate_make,
    role_client,
    tax_rate_make,
    zone_make,
)
from apps.core.permissions import Perm, role_permissions, view_permission
from tests.fixtures import make_store_user

pytestmark = pytest.mark.django_db

READ = {
    "shipping": Perm.SHIPPING_VIEW,
    "taxes": Perm.TAXES_VIEW,
    "discount_list": Perm.ORDERS_VIEW,
    "discount_detail": Perm.ORDERS_VIEW,
    "gift_card_list": Perm.ORDERS_VIEW,
    "gift_card_detail": Perm.ORDERS_VIEW,
}
WRITE = {
    "zone_create": Perm.SHIPPING_MANAGE,
    "zone_edit": Perm.SHIPPING_MANAGE,
    "zone_delete": Perm.SHIPPING_MANAGE,
    "rate_create": Perm.SHIPPING_MANAGE,
    "rate_edit": Perm.SHIPPING_MANAGE,
    "rate_delete": Perm.SHIPPING_MANAGE,
    "prices_include_tax": Perm.TAXES_MANAGE,
    "tax_create": Perm.TAXES_MANAGE,
    "tax_edit": Perm.TAXES_MANAGE,
    "tax_delete": Perm.TAXES_MANAGE,
    "tax_load_eu": Perm.TAXES_MANAGE,
    "discount_create": Perm.DISCOUNTS_MANAGE,
    "discount_edit": Perm.DISCOUNTS_MANAGE,
    "discount_deactivate": Perm.DISCOUNTS_MANAGE,
    "discount_delete": Perm.DISCOUNTS_MANAGE,
    "gift_card_issue": Perm.GIFT_CARDS_MANAGE,
    "gift_card_adjust": Perm.GIFT_CARDS_MANAGE,
    "gift_card_disable": Perm.GIFT_CARDS_MANAGE,
}


def test_every_page_declares_the_permission_the_brief_names():
    declared = {
        str(pattern.name): view_permission(pattern.callback)
        for pattern in checkout_urls.urlpatterns
        if isinstance(pattern, URLPattern)
    }
    assert set(declared) == set(READ) | set(WRITE)
    for name, permission in declared.items():
        assert permission is not None and not permission.public, name
        expected = READ.get(name) or WRITE[name]
        assert (permission.read, permission.write) == (expected, expected), name


def test_the_role_map_gives_what_the_pages_expect():
    staff, finance = role_permissions("staff"), role_permissions("finance")
    assert {Perm.SHIPPING_MANAGE, Perm.TAXES_MANAGE}.isdisjoint(staff)
    assert Perm.DISCOUNTS_MANAGE in staff and Perm.GIFT_CARDS_MANAGE in staff
    assert Perm.GIFT_CARDS_MANAGE in finance and Perm.DISCOUNTS_MANAGE not in finance
    assert {Perm.SHIPPING_VIEW, Perm.TAXES_VIEW, Perm.ORDERS_VIEW} <= finance


@pytest.fixture
def world(alpha):  # type: ignore[no-untyped-def]
    """Store alpha with one of everything the pages take an id of."""
    with in_store(alpha):
        zone = zone_make()
        rate = rate_make(zone=zone)
        tax_rate = tax_rate_make()
        discount = discount_make(code="PERM10")
        card = gift_card_make(amount="25")
    return {"zone": zone, "rate": rate, "tax_rate": tax_rate, "discount": discount, "card": card}


def _urls(objects) -> dict[str, str]:  # type: ignore[no-untyped-def]
    zone, rate, tax, discount, card = (
        objects["zone"].pk,
        objects["rate"].pk,
        objects["tax_rate"].pk,
        objects["discount"].pk,
        objects["card"].pk,
    )
    return {
        "shipping": "/dashboard/shipping/",
        "zone_create": "/dashboard/shipping/zones/new/",
        "zone_edit": f"/dashboard/shipping/zones/{zone}/",
        "zone_delete": f"/dashboard/shipping/zones/{zone}/delete/",
        "rate_create": f"/dashboard/shipping/zones/{zone}/rates/new/",
        "rate_edit": f"/dashboard/shipping/zones/{zone}/rates/{rate}/",
        "rate_delete": f"/dashboard/shipping/zones/{zone}/rates/{rate}/delete/",
        "taxes": "/dashboard/taxes/",
        "tax_create": "/dashboard/taxes/new/",
        "tax_edit": f"/dashboard/taxes/{tax}/",
        "tax_delete": f"/dashboard/taxes/{tax}/delete/",
        "tax_load_eu": "/dashboard/taxes/load-eu-vat/",
        "discount_list": "/dashboard/discounts/",
        "discount_create": "/dashboard/discounts/new/",
        "discount_detail": f"/dashboard/discounts/{discount}/",
        "discount_edit": f"/dashboard/discounts/{discount}/edit/",
        "discount_deactivate": f"/dashboard/discounts/{discount}/deactivate/",
        "discount_delete": f"/dashboard/discounts/{discount}/delete/",
        "gift_card_list": "/dashboard/gift-cards/",
        "gift_card_issue": "/dashboard/gift-cards/new/",
        "gift_card_detail": f"/dashboard/gift-cards/{card}/",
        "gift_card_adjust": f"/dashboard/gift-cards/{card}/adjust/",
        "gift_card_disable": f"/dashboard/gift-cards/{card}/disable/",
    }


@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_the_pages_its_permissions_allow(alpha, world, role):
    client = role_client(alpha, role)
    allowed = role_permissions(role)
    for name, url in _urls(world).items():
        if name == "prices_include_tax":
            continue  # POST only
        needed = READ.get(name) or WRITE[name]
        response = client.get(url)
        assert response.status_code == (200 if needed in allowed else 403), (role, name)


def test_a_shopper_gets_no_page(alpha, world):
    shopper = role_client(alpha, "")
    for name, url in _urls(world).items():
        assert shopper.get(url).status_code == 403, name


def test_staff_cannot_change_shipping_or_taxes(alpha, world):
    staff = role_client(alpha, "staff")
    urls = _urls(world)
    responses = [
        staff.post(urls["zone_create"], {"name": "Sneaky", "countries": ["DE"]}),
        staff.post(urls["zone_edit"], {"name": "Renamed", "countries": ["DE"]}),
        staff.post(urls["zone_delete"]),
        staff.post(urls["rate_create"], {"name": "Free", "kind": "flat", "amount": "0"}),
        staff.post(urls["rate_delete"]),
        staff.post(urls["tax_create"], {"country": "FR", "rate": "20", "name": "TVA"}),
        staff.post(urls["tax_edit"], {"country": "DE", "rate": "1", "name": "VAT"}),
        staff.post(urls["tax_delete"]),
        staff.post(urls["tax_load_eu"]),
        staff.post("/dashboard/taxes/prices-include-tax/", {"prices_include_tax": "on"}),
    ]
    assert {r.status_code for r in responses} == {403}
    with in_store(alpha):
        assert list(ShippingZone.objects.values_list("name", flat=True)) == ["Europe"]
        assert ShippingRate.objects.count() == 1
        assert list(TaxRate.objects.values_list("country", "rate")) == [("DE", Decimal("0.190000"))]
    # and they do not even read them: shipping and taxes are settings (owner, admin; finance reads)
    assert staff.get(urls["shipping"]).status_code == 403
    assert staff.get(urls["taxes"]).status_code == 403


def test_finance_manages_gift_cards_but_not_discounts(alpha, world):
    finance = role_client(alpha, "finance")
    urls = _urls(world)
    refused = [
        finance.post(urls["discount_create"], {"name": "X", "code": "FIN", "kind": "fixed", "value": "5"}),
        finance.post(urls["discount_edit"], {"name": "X", "code": "PERM10", "kind": "fixed", "value": "50"}),
        finance.post(urls["discount_deactivate"]),
        finance.post(urls["discount_delete"]),
    ]
    assert {r.status_code for r in refused} == {403}
    with in_store(alpha):
        discount = Discount.objects.get()
        assert (discount.kind, discount.value, discount.active) == ("percentage", Decimal(10), True)
    # finance reads the discounts, without the buttons
    listing = finance.get(urls["discount_list"])
    assert listing.status_code == 200 and urls["discount_create"] not in listing.text
    assert urls["discount_edit"] not in finance.get(urls["discount_detail"]).text
    # and adjusts a gift card
    adjusted = finance.post(urls["gift_card_adjust"], {"amount": "5", "reason": "Goodwill"})
    assert adjusted.status_code == 302
    with in_store(alpha):
        assert GiftCard.objects.get().balance == Decimal(30)
    assert urls["gift_card_adjust"] in finance.get(urls["gift_card_detail"]).text


def test_the_menu_shows_each_role_its_sections(alpha):
    expected = {
        "owner": {"shipping", "taxes", "discounts", "gift-cards"},
        "finance": {"shipping", "taxes", "discounts", "gift-cards"},
        "staff": {"discounts", "gift-cards"},
    }
    for role, sections in expected.items():
        home = role_client(alpha, role).get("/dashboard/").text
        shown = {
            name
            for name in ("shipping", "taxes", "discounts", "gift-cards")
            if f'href="/dashboard/{name}/"' in home
        }
        assert shown == sections, role


def test_store_b_cannot_reach_store_a_rows_by_id(alpha, beta, world):
    urls = _urls(world)
    with in_store(beta):
        assert not ShippingZone.objects.filter(pk=world["zone"].pk).exists()
        assert not Discount.objects.filter(pk=world["discount"].pk).exists()
        assert not GiftCard.objects.filter(pk=world["card"].pk).exists()
        assert not TaxRate.objects.filter(pk=world["tax_rate"].pk).exists()
    b_owner = role_client(beta, "owner")
    by_id = [
        "zone_edit",
        "zone_delete",
        "rate_create",
        "rate_edit",
        "rate_delete",
        "tax_edit",
        "tax_delete",
        "discount_detail",
        "discount_edit",
        "discount_deactivate",
        "discount_delete",
        "gift_card_detail",
        "gift_card_adjust",
        "gift_card_disable",
    ]
    for name in by_id:
        assert b_owner.get(urls[name]).status_code == 404, name
        if not name.endswith("_detail"):  # read-only pages answer POST with 405
            assert b_owner.post(urls[name], {}).status_code == 404, name
    # B's lists show nothing of A
    for name in ("shipping", "taxes", "discount_list", "gift_card_list"):
        response = b_owner.get(urls[name])
        assert response.status_code == 200
        assert "PERM10" not in response.text and "Europe" not in response.text
    # and A's rows are as they were
    with in_store(alpha):
        assert ShippingZone.objects.filter(pk=world["zone"].pk, name="Europe").exists()
        assert Discount.objects.filter(pk=world["discount"].pk, active=True).exists()
        assert GiftCard.objects.filter(pk=world["card"].pk, active=True, balance=Decimal(25)).exists()
        assert TaxRate.objects.filter(pk=world["tax_rate"].pk).exists()


def test_every_form_carries_a_csrf_token_and_a_post_without_it_is_refused(alpha, world):
    owner = role_client(alpha, "owner")
    urls = _urls(world)
    for name in (
        "zone_create",
        "rate_edit",
        "tax_create",
        "taxes",
        "discount_create",
        "gift_card_issue",
        "zone_delete",
    ):
        assert 'name="csrfmiddlewaretoken"' in owner.get(urls[name]).text, name
    strict = Client(enforce_csrf_checks=True, HTTP_HOST=alpha.host)
    with in_store(alpha):
        strict.force_login(
            make_store_user(alpha, "csrf-owner@example.com", role="owner"),
            backend="django.contrib.auth.backends.ModelBackend",
        )
    response = strict.post(urls["zone_create"], {"name": "Forged", "countries": ["DE"]})
    assert response.status_code == 403
    with in_store(alpha):
        assert not ShippingZone.objects.filter(name="Forged").exists()
