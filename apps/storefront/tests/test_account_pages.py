"""The shopper's account pages: who may see them, addresses through the forms (each bad value
named next to its field, nothing saved), the wishlist's POST endpoints (plain and fetch), the
wishlist page in a fixed number of queries, and ids that never reach another shopper's or
another store's rows."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.catalog.models import Product
from apps.catalog.tests.factories import make_product
from apps.customers.models import Address, WishlistItem
from apps.customers.services import address_create, wishlist_add
from apps.customers.tests.factories import address_input
from tests.fixtures import make_store_user, store_client

pytestmark = pytest.mark.django_db

XHR = {"X-Requested-With": "XMLHttpRequest"}
BERLIN = {
    "name": "Erika Mustermann",
    "company": "",
    "line1": "Heidestraße 17",
    "line2": "",
    "city": "Berlin",
    "region": "",
    "postal_code": "10557",
    "country": "DE",
    "phone": "",
}


def shopper_client(world, email: str = "shopper@example.com") -> tuple[Client, User]:
    user = make_store_user(world, email)
    client = store_client(world)
    with schema_context(world.tenant.schema_name):
        client.force_login(user)
    return client, user


def _addresses(world, user) -> list[Address]:  # type: ignore[no-untyped-def]
    with schema_context(world.tenant.schema_name):
        return list(Address.objects.filter(user=user).order_by("created_at"))


def _product(world, title: str = "Linen Shirt", **kwargs) -> Product:  # type: ignore[no-untyped-def]
    with schema_context(world.tenant.schema_name):
        return make_product(title, **kwargs)


# ------------------------------------------------------------------------------
# Who may see the pages
# ------------------------------------------------------------------------------
ACCOUNT_URLS = ["/account/", "/account/addresses/", "/account/addresses/new/", "/account/wishlist/"]


@pytest.mark.parametrize("url", ACCOUNT_URLS)
def test_visitors_are_sent_to_sign_in_and_back(alpha, url):
    response = store_client(alpha).get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.parametrize("url", ACCOUNT_URLS)
def test_staff_accounts_get_a_note_with_a_dashboard_link(alpha, url):
    staff = make_store_user(alpha, "staff-acct@example.com", role="staff")
    client = store_client(alpha)
    with schema_context(alpha.tenant.schema_name):
        client.force_login(staff)
    response = client.get(url)
    assert response.status_code == 403
    html = response.content.decode()
    assert "This is a staff account" in html and 'href="/dashboard/"' in html


def test_the_overview_shows_the_profile_and_an_honest_order_history(alpha):
    client, _user = shopper_client(alpha)
    html = client.get("/account/").content.decode()
    assert "shopper@example.com" in html
    assert "You have not placed any orders yet." in html
    assert reverse("account_change_password") in html
    assert "You have no saved addresses yet." in html


def test_the_header_links_to_the_account_when_signed_in(alpha):
    client, _user = shopper_client(alpha)
    assert 'href="/account/"' in client.get("/").content.decode()
    assert 'href="/accounts/login/"' in store_client(alpha).get("/").content.decode()


def test_the_profile_name_is_saved_and_a_bad_one_is_named(alpha):
    client, user = shopper_client(alpha)
    assert client.post("/account/", {"full_name": "  Erika  Mustermann "}).status_code == 302
    refused = client.post("/account/", {"full_name": "x" * 151})
    assert refused.status_code == 400 and "at most 150 characters" in refused.content.decode()
    with schema_context(alpha.tenant.schema_name):
        user.refresh_from_db()
    assert user.full_name == "Erika Mustermann"


# ------------------------------------------------------------------------------
# Addresses
# ------------------------------------------------------------------------------
def test_a_shopper_adds_edits_and_deletes_addresses(alpha):
    client, user = shopper_client(alpha)
    assert client.post("/account/addresses/new/", BERLIN).status_code == 302
    assert (
        client.post(
            "/account/addresses/new/", {**BERLIN, "city": "Hamburg", "postal_code": "20095"}
        ).status_code
        == 302
    )
    berlin, hamburg = _addresses(alpha, user)
    assert (berlin.is_default, hamburg.is_default) == (True, False)
    listing = client.get("/account/addresses/").content.decode()
    assert "Berlin" in listing and "Hamburg" in listing and "Germany" in listing

    edit_url = f"/account/addresses/{hamburg.uuid}/edit/"
    assert 'value="Hamburg"' in client.get(edit_url).content.decode()
    assert (
        client.post(
            edit_url, {**BERLIN, "city": "Altona", "postal_code": "22765", "is_default": "on"}
        ).status_code
        == 302
    )
    berlin, hamburg = _addresses(alpha, user)
    assert (hamburg.city, hamburg.is_default, berlin.is_default) == ("Altona", True, False)

    assert client.post(f"/account/addresses/{berlin.uuid}/default/").status_code == 302
    assert [a.is_default for a in _addresses(alpha, user)] == [True, False]

    delete_url = f"/account/addresses/{berlin.uuid}/delete/"
    confirm = client.get(delete_url)
    assert confirm.status_code == 200 and "Delete this address?" in confirm.content.decode()
    assert len(_addresses(alpha, user)) == 2  # asking is not deleting
    assert client.post(delete_url).status_code == 302
    assert [(a.city, a.is_default) for a in _addresses(alpha, user)] == [("Altona", True)]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "Full name is required."),
        ({"line1": ""}, "Address is required."),
        ({"city": ""}, "City is required for addresses in Germany."),
        ({"country": ""}, "Country is required."),
        ({"country": "ZZ"}, "“ZZ” is not a country we know."),
        (
            {"postal_code": "1234"},
            "“1234” is not a valid postal code for Germany. Enter one like 26133.",
        ),
        ({"postal_code": ""}, "Addresses in Germany need a postal code."),
        (
            {"country": "US", "region": "NY", "postal_code": "ABCDE"},
            "“ABCDE” is not a valid ZIP code for United States. Enter one like 10000.",
        ),
        ({"country": "US", "postal_code": "10001"}, "State is required for addresses in United States."),
        ({"country": "GB", "postal_code": "12345"}, "Enter one like EC1Y 8SY."),
        ({"phone": "call me maybe"}, "is not a phone number"),
        ({"name": "x" * 151}, "at most 150 characters"),
        ({"line1": "<script>alert(1)</script>" * 10}, "at most 200 characters"),
        ({"city": "Ber\x00lin"}, "Null characters are not allowed."),
    ],
)
def test_each_bad_address_value_is_named_next_to_its_field_and_nothing_is_saved(alpha, changes, message):
    client, user = shopper_client(alpha)
    response = client.post("/account/addresses/new/", {**BERLIN, **changes})
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'class="field-error"' in html
    assert "<script>alert(1)</script>" not in html  # what was typed comes back escaped
    assert _addresses(alpha, user) == []


def test_an_edit_with_a_bad_value_changes_nothing(alpha):
    client, user = shopper_client(alpha)
    with schema_context(alpha.tenant.schema_name):
        address = address_create(user=user, data=address_input())
    response = client.post(
        f"/account/addresses/{address.uuid}/edit/", {**BERLIN, "city": "Potsdam", "postal_code": "X"}
    )
    assert response.status_code == 400
    assert [a.city for a in _addresses(alpha, user)] == ["Berlin"]


@pytest.mark.parametrize("suffix", ["edit/", "delete/", "default/"])
def test_another_shoppers_address_is_a_404(alpha, suffix):
    owner = make_store_user(alpha, "owner-addr@example.com")
    with schema_context(alpha.tenant.schema_name):
        address = address_create(user=owner, data=address_input())
    intruder, _user = shopper_client(alpha, "intruder@example.com")
    url = f"/account/addresses/{address.uuid}/{suffix}"
    assert intruder.post(url, BERLIN).status_code == 404
    if suffix != "default/":
        assert intruder.get(url).status_code == 404
    assert [(a.city, a.is_default) for a in _addresses(alpha, owner)] == [("Berlin", True)]


def test_alphas_address_ids_are_404_on_beta(alpha, beta):
    alpha_shopper = make_store_user(alpha, "same@example.com")
    with schema_context(alpha.tenant.schema_name):
        address = address_create(user=alpha_shopper, data=address_input(city="Alpha City"))
    # the same email as a shopper of beta: a different account in a different schema
    beta_client, _beta_user = shopper_client(beta, "same@example.com")
    for suffix in ("edit/", "delete/"):
        assert beta_client.get(f"/account/addresses/{address.uuid}/{suffix}").status_code == 404
    assert beta_client.post(f"/account/addresses/{address.uuid}/delete/").status_code == 404
    assert "Alpha City" not in beta_client.get("/account/addresses/").content.decode()
    assert [a.city for a in _addresses(alpha, alpha_shopper)] == ["Alpha City"]


def test_an_unknown_or_malformed_address_id_is_a_404(alpha):
    client, _user = shopper_client(alpha)
    assert client.get(f"/account/addresses/{uuid.uuid4()}/edit/").status_code == 404
    assert client.get("/account/addresses/not-a-uuid/edit/").status_code == 404


def test_address_forms_need_the_csrf_token(alpha):
    user = make_store_user(alpha, "csrf@example.com")
    client = Client(HTTP_HOST=alpha.host, enforce_csrf_checks=True)
    with schema_context(alpha.tenant.schema_name):
        client.force_login(user)
    assert client.post("/account/addresses/new/", BERLIN).status_code == 403
    assert client.post("/account/wishlist/add/", {"product": str(uuid.uuid4())}).status_code == 403
    assert _addresses(alpha, user) == []


def test_the_address_list_takes_the_same_queries_for_1_and_20_addresses(alpha):
    counts = []
    for size in (1, 20):
        client, user = shopper_client(alpha, f"many-{size}@example.com")
        with schema_context(alpha.tenant.schema_name):
            for n in range(size):
                address_create(user=user, data=address_input(line1=f"Street {n}"))
        client.get("/account/addresses/")  # warm the per-process caches (store settings, routing)
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/account/addresses/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    print(f"\naddress list queries: {counts[0]} (1 and 20 addresses)")


# ------------------------------------------------------------------------------
# Wishlist
# ------------------------------------------------------------------------------
def _wishlist(world, user) -> list[str]:  # type: ignore[no-untyped-def]
    with schema_context(world.tenant.schema_name):
        return list(WishlistItem.objects.filter(user=user).values_list("product__title", flat=True))


def test_a_product_is_added_and_removed_with_plain_posts_that_go_back(alpha):
    client, user = shopper_client(alpha)
    product = _product(alpha)
    added = client.post(
        reverse("storefront:wishlist_add"), {"product": str(product.uuid), "next": "/products/linen-shirt/"}
    )
    assert (added.status_code, added["Location"]) == (302, "/products/linen-shirt/")
    assert _wishlist(alpha, user) == ["Linen Shirt"]
    page = client.get("/account/wishlist/").content.decode()
    assert "Linen Shirt" in page and "20.00" in page
    assert f'href="{reverse("storefront:product", kwargs={"handle": product.handle})}"' in page
    removed = client.post(reverse("storefront:wishlist_remove"), {"product": str(product.uuid)})
    assert (removed.status_code, removed["Location"]) == (302, "/account/wishlist/")
    assert _wishlist(alpha, user) == []
    assert "Your wishlist is empty" in client.get("/account/wishlist/").content.decode()


def test_next_never_leaves_the_store(alpha):
    client, _user = shopper_client(alpha)
    product = _product(alpha)
    response = client.post(
        reverse("storefront:wishlist_add"), {"product": str(product.uuid), "next": "https://evil.example/"}
    )
    assert response["Location"] == "/account/wishlist/"


def test_fetch_requests_get_the_buttons_html_and_the_count(alpha):
    client, user = shopper_client(alpha)
    product = _product(alpha)
    added = client.post(reverse("storefront:wishlist_add"), {"product": str(product.uuid)}, headers=XHR)
    assert added.status_code == 200 and added["X-Wishlist-Count"] == "1"
    html = added.content.decode()
    assert 'aria-pressed="true"' in html and reverse("storefront:wishlist_remove") in html
    removed = client.post(reverse("storefront:wishlist_remove"), {"product": str(product.uuid)}, headers=XHR)
    assert removed["X-Wishlist-Count"] == "0" and 'aria-pressed="false"' in removed.content.decode()
    assert _wishlist(alpha, user) == []


@pytest.mark.parametrize("product", ["", "nope", str(uuid.uuid4()), "<script>"])
def test_a_bad_product_is_refused_with_a_message_and_nothing_changes(alpha, product):
    client, user = shopper_client(alpha)
    refused = client.post(reverse("storefront:wishlist_add"), {"product": product}, headers=XHR)
    assert refused.status_code == 422
    assert "This product is not available in this store." in refused.content.decode()
    assert "<script>" not in refused.content.decode()
    plain = client.post(reverse("storefront:wishlist_add"), {"product": product}, follow=True)
    assert "This product is not available in this store." in plain.content.decode()
    assert _wishlist(alpha, user) == []


def test_a_draft_product_cannot_be_added(alpha):
    client, user = shopper_client(alpha)
    draft = _product(alpha, "Secret Draft", status=Product.Status.DRAFT)
    assert (
        client.post(reverse("storefront:wishlist_add"), {"product": str(draft.uuid)}, headers=XHR).status_code
        == 422
    )
    assert _wishlist(alpha, user) == []


def test_visitors_are_asked_to_sign_in_first(alpha):
    product = _product(alpha)
    visitor = store_client(alpha)
    plain = visitor.post(
        reverse("storefront:wishlist_add"), {"product": str(product.uuid), "next": "/products/linen-shirt/"}
    )
    assert plain.status_code == 302
    assert plain["Location"] == "/accounts/login/?next=/products/linen-shirt/"
    fetched = visitor.post(reverse("storefront:wishlist_add"), {"product": str(product.uuid)}, headers=XHR)
    assert fetched.status_code == 401 and fetched["X-Login-URL"] == "/accounts/login/"


def test_wishlist_endpoints_only_take_posts(alpha):
    client, _user = shopper_client(alpha)
    assert client.get(reverse("storefront:wishlist_add")).status_code == 405
    assert client.get(reverse("storefront:wishlist_remove")).status_code == 405


def test_alphas_products_cannot_be_wishlisted_on_beta_and_lists_stay_apart(alpha, beta):
    alpha_product = _product(alpha, "Alpha Only")
    alpha_client, alpha_user = shopper_client(alpha, "both@example.com")
    beta_client, beta_user = shopper_client(beta, "both@example.com")
    alpha_client.post(reverse("storefront:wishlist_add"), {"product": str(alpha_product.uuid)})
    refused = beta_client.post(
        reverse("storefront:wishlist_add"), {"product": str(alpha_product.uuid)}, headers=XHR
    )
    assert refused.status_code == 422
    assert _wishlist(beta, beta_user) == []
    assert "Alpha Only" not in beta_client.get("/account/wishlist/").content.decode()
    assert "Alpha Only" in alpha_client.get("/account/wishlist/").content.decode()
    # removing alpha's product id on beta touches nothing of alpha's
    beta_client.post(reverse("storefront:wishlist_remove"), {"product": str(alpha_product.uuid)})
    assert _wishlist(alpha, alpha_user) == ["Alpha Only"]


def test_the_wishlist_page_takes_the_same_queries_for_1_and_30_products(alpha):
    counts = []
    for size in (1, 30):
        client, user = shopper_client(alpha, f"wish-{size}@example.com")
        with schema_context(alpha.tenant.schema_name):
            for n in range(size):
                wishlist_add(user=user, product_uuid=make_product(f"Wish {size}-{n}", variants=3).uuid)
        client.get("/account/wishlist/")  # warm the per-process caches (store settings, routing)
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/account/wishlist/")
        assert response.content.decode().count('account-card wishlist-item"') == size
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    print(f"\nwishlist page queries: {counts[0]} (1 and 30 products)")
