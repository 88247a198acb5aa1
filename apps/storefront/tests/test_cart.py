"""The cart pages on a store's host: the plain-form flow (redirects), the fetch flow (HTML
fragments with the header count), bad input, CSRF, merging on sign-in, isolation between
stores, and the pinned query counts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from apps.catalog.models import Product, ProductVariant
from apps.catalog.services import product_image_add
from apps.catalog.tests.factories import png_upload
from apps.checkout.models import Cart, CartLine
from apps.checkout.sessions import CART_SESSION_KEY
from apps.checkout.tests.factories import cart_make, line_make, location_make, variant_make
from apps.inventory.services import stock_set
from tests.fixtures import PASSWORD, StoreWorld, make_store_user, store_client

pytestmark = pytest.mark.django_db

FETCH = {"X-Requested-With": "XMLHttpRequest"}


@pytest.fixture
def shop(alpha: StoreWorld) -> Iterator[StoreWorld]:
    with schema_context(alpha.tenant.schema_name):
        yield alpha


def _in(world: StoreWorld):  # type: ignore[no-untyped-def]
    return schema_context(world.tenant.schema_name)


def _lines(world: StoreWorld, *variants: ProductVariant) -> dict[str, int]:
    """The store's cart lines of `variants` (made by the test, so no other test's rows count),
    by SKU."""
    with _in(world):
        lines = CartLine.objects.filter(variant__in=[variant.pk for variant in variants])
        return dict(lines.values_list("variant__sku", "quantity"))


def _cart_ids(world: StoreWorld) -> set[int]:
    with _in(world):
        return set(Cart.objects.values_list("pk", flat=True))


def _add(
    client: Client, variant: ProductVariant, quantity: object = 1, headers: dict[str, str] | None = None
) -> Any:
    return client.post("/cart/add/", {"variant": variant.pk, "quantity": quantity}, headers=headers)


# ------------------------------------------------------------------------------
# the page
# ------------------------------------------------------------------------------
def test_an_empty_cart_says_so_and_links_to_the_shop(alpha):
    carts = _cart_ids(alpha)

    response = store_client(alpha).get("/cart/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Your cart is empty." in html and 'href="/"' in html
    assert "Cart (<span data-cart-count>0</span>)" in html
    assert response["X-Cart-Count"] == "0"
    assert _cart_ids(alpha) == carts  # looking writes nothing


def test_the_cart_page_lists_lines_with_quantities_subtotal_and_the_checkout_button(alpha):
    with _in(alpha):
        shirt = variant_make(title="Shirt", variant_title="M", price="12.50", stock=10)
        product_image_add(product=shirt.product, upload=png_upload(), alt="Shirt front")
    client = store_client(alpha)
    _add(client, shirt, 2)

    html = client.get("/cart/").content.decode()

    assert "Shirt" in html and ">M<" in html and "Shirt front" in html
    assert "€12.50" in html and "€25.00" in html  # unit price, line total = subtotal
    assert re.search(r'name="quantity" type="number"[^>]*value="2"', html)
    assert re.search(r'<a class="[^"]*cart-checkout" href="/checkout/">Checkout</a>', html)
    forms = re.findall(r'<form[^>]*method="post"[^>]*action="(/cart/[^"]*)"[^>]*>(.*?)</form>', html, re.S)
    assert len(forms) == 2  # the quantity form and the remove form
    assert all("csrfmiddlewaretoken" in body for _action, body in forms)
    assert "Cart (<span data-cart-count>2</span>)" in html


def test_lines_that_cannot_be_bought_as_they_are_say_so(alpha):
    with _in(alpha):
        scarce = variant_make(title="Scarce", stock=5)
        gone = variant_make(title="Gone", stock=5)
        retired = variant_make(title="Retired", stock=5)
    client = store_client(alpha)
    for variant in (scarce, gone, retired):
        _add(client, variant, 3)
    with _in(alpha):
        location = scarce.stock_levels.get().location
        stock_set(variant=scarce, location=location, on_hand=1, reason="counted")
        stock_set(variant=gone, location=gone.stock_levels.get().location, on_hand=0, reason="counted")
        Product.objects.filter(pk=retired.product_id).update(status=Product.Status.ARCHIVED)

    html = client.get("/cart/").content.decode()

    assert "Only 1 left: lower the quantity." in html
    assert "Sold out: remove it to continue." in html
    assert "No longer for sale: remove it to continue." in html
    assert html.count('<li class="cart-line cart-line--problem"') == 3
    assert f'href="/products/{scarce.product.handle}/"' in html


def test_product_text_is_escaped_on_the_cart_page(alpha):
    with _in(alpha):
        variant = variant_make(title="<script>alert(1)</script>")
    client = store_client(alpha)
    _add(client, variant)

    html = client.get("/cart/").content.decode()

    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# ------------------------------------------------------------------------------
# adding: plain forms and fetch
# ------------------------------------------------------------------------------
def test_adding_without_javascript_redirects_to_the_cart_and_keeps_the_token_in_the_session(alpha):
    with _in(alpha):
        variant = variant_make(stock=5)
    client = store_client(alpha)

    response = _add(client, variant, 2)

    assert response.status_code == 302 and response["Location"] == "/cart/"
    assert "cart_token" not in "".join(client.cookies)  # the session holds it, no cookie of its own
    with _in(alpha):
        cart = Cart.objects.get(token=client.session[CART_SESSION_KEY])
        assert list(cart.lines.values_list("variant_id", "quantity")) == [(variant.pk, 2)]
    follow = client.get("/cart/")
    assert "Added 2 × Linen shirt to your cart." in follow.content.decode()
    _add(client, variant, 1)
    assert _lines(alpha, variant) == {variant.sku: 3}


def test_adding_goes_back_to_a_local_next_page_only(alpha):
    with _in(alpha):
        variant = variant_make(stock=5)
    client = store_client(alpha)

    local = client.post(
        "/cart/add/", {"variant": variant.pk, "quantity": 1, "next": "/products/linen-shirt/"}
    )
    foreign = client.post(
        "/cart/add/", {"variant": variant.pk, "quantity": 1, "next": "https://evil.example/"}
    )

    assert local["Location"] == "/products/linen-shirt/"
    assert foreign["Location"] == "/cart/"


def test_adding_with_fetch_returns_a_status_fragment_and_the_count(alpha):
    with _in(alpha):
        variant = variant_make(stock=5)
    client = store_client(alpha)

    response = _add(client, variant, 3, headers=FETCH)

    assert response.status_code == 200 and response["X-Cart-Count"] == "3"
    html = response.content.decode()
    assert "<html" not in html and "Added 3 × Linen shirt to your cart." in html and 'href="/cart/"' in html
    assert "X-Requested-With" in response["Vary"]
    assert _lines(alpha, variant) == {variant.sku: 3}


BAD_ADDS = [
    pytest.param({"quantity": "0"}, "at least 1", id="zero"),
    pytest.param({"quantity": "-2"}, "at least 1", id="negative"),
    pytest.param({"quantity": "100000"}, "at most 99", id="huge"),
    pytest.param({"quantity": "two"}, "whole number", id="not-a-number"),
    pytest.param({"quantity": "1.5"}, "whole number", id="fraction"),
    pytest.param({"variant": "999999"}, "does not exist", id="unknown-variant"),
    pytest.param({"variant": ""}, "does not exist", id="no-variant"),
    pytest.param({"variant": "<b>1</b>"}, "does not exist", id="junk-variant"),
    pytest.param({"sold_out": True}, "sold out", id="sold-out"),
    pytest.param({"quantity": "6"}, "Only 5 of Linen shirt are available", id="more-than-stock"),
]


@pytest.mark.parametrize(("change", "says"), BAD_ADDS)
def test_a_refused_addition_without_javascript_says_why_and_changes_nothing(alpha, change, says):
    with _in(alpha):
        variant = variant_make(stock=0 if change.get("sold_out") else 5)
    client = store_client(alpha)
    data = {"variant": str(variant.pk), "quantity": "1"} | {
        k: v for k, v in change.items() if k != "sold_out"
    }

    carts = _cart_ids(alpha)

    response = client.post("/cart/add/", data, follow=True)

    assert response.status_code == 200
    assert says in response.content.decode()
    assert _lines(alpha, variant) == {}
    assert _cart_ids(alpha) == carts  # no empty cart left behind either
    assert CART_SESSION_KEY not in client.session


@pytest.mark.parametrize(("change", "says"), BAD_ADDS)
def test_a_refused_addition_with_fetch_answers_422_with_the_message(alpha, change, says):
    with _in(alpha):
        variant = variant_make(stock=0 if change.get("sold_out") else 5)
        cart_line_variant = variant_make(title="Already there")
    client = store_client(alpha)
    _add(client, cart_line_variant, 1)
    data = {"variant": str(variant.pk), "quantity": "1"} | {
        k: v for k, v in change.items() if k != "sold_out"
    }

    response = client.post("/cart/add/", data, headers=FETCH)

    assert response.status_code == 422 and response["X-Cart-Count"] == "1"
    html = response.content.decode()
    assert 'class="field-error"' in html and says in html
    assert _lines(alpha, variant, cart_line_variant) == {cart_line_variant.sku: 1}


# ------------------------------------------------------------------------------
# changing and removing lines
# ------------------------------------------------------------------------------
def _line_uuid(world: StoreWorld, variant: ProductVariant) -> str:
    with _in(world):
        return str(CartLine.objects.get(variant=variant).uuid)


def test_changing_a_quantity_without_javascript_redirects_back_to_the_cart(alpha):
    with _in(alpha):
        variant = variant_make(stock=10)
    client = store_client(alpha)
    _add(client, variant, 1)

    response = client.post(f"/cart/lines/{_line_uuid(alpha, variant)}/", {"quantity": "4"})

    assert response.status_code == 302 and response["Location"] == "/cart/"
    assert _lines(alpha, variant) == {variant.sku: 4}


def test_changing_a_quantity_with_fetch_returns_the_cart_fragment(alpha):
    with _in(alpha):
        variant = variant_make(price="5.00", stock=10)
    client = store_client(alpha)
    _add(client, variant, 1)

    response = client.post(f"/cart/lines/{_line_uuid(alpha, variant)}/", {"quantity": "3"}, headers=FETCH)

    assert response.status_code == 200 and response["X-Cart-Count"] == "3"
    html = response.content.decode()
    assert "<html" not in html and "<header" not in html and "€15.00" in html
    assert _lines(alpha, variant) == {variant.sku: 3}


@pytest.mark.parametrize(
    ("quantity", "says"),
    [
        ("-1", "0 (to remove the item) or more"),
        ("1000", "at most 99"),
        ("lots", "whole number"),
        ("", "whole number"),
        ("11", "Only 10 of Linen shirt are available"),
    ],
)
@pytest.mark.parametrize("fetch", [False, True], ids=["form", "fetch"])
def test_a_refused_quantity_shows_the_message_next_to_its_field(alpha, quantity, says, fetch):
    with _in(alpha):
        variant = variant_make(stock=10)
    client = store_client(alpha)
    _add(client, variant, 2)
    line = _line_uuid(alpha, variant)

    response = client.post(f"/cart/lines/{line}/", {"quantity": quantity}, headers=FETCH if fetch else {})

    assert response.status_code == 422
    html = response.content.decode()
    assert ("<html" in html) is not fetch
    field = re.search(rf'<input id="quantity-{line}"[^>]*>', html)
    assert field is not None and f'aria-describedby="quantity-error-{line}"' in field.group(0)
    assert 'aria-invalid="true"' in field.group(0) and 'value="2"' in field.group(0)
    error = re.search(rf'<p class="field-error" id="quantity-error-{line}">([^<]*)</p>', html)
    assert error is not None and says in error.group(1)
    assert _lines(alpha, variant) == {variant.sku: 2}


@pytest.mark.parametrize("how", ["remove", "zero"])
@pytest.mark.parametrize("fetch", [False, True], ids=["form", "fetch"])
def test_removing_a_line(alpha, how, fetch):
    with _in(alpha):
        variant = variant_make(stock=10)
    client = store_client(alpha)
    _add(client, variant, 2)
    line = _line_uuid(alpha, variant)
    url, data = (
        (f"/cart/lines/{line}/remove/", {})
        if how == "remove"
        else (f"/cart/lines/{line}/", {"quantity": "0"})
    )

    response = client.post(url, data, headers=FETCH if fetch else {})

    if fetch:
        assert response.status_code == 200 and response["X-Cart-Count"] == "0"
        assert "Your cart is empty." in response.content.decode()
    else:
        assert response.status_code == 302 and response["Location"] == "/cart/"
    assert _lines(alpha, variant) == {}


def test_the_post_only_addresses_refuse_get(alpha):
    client = store_client(alpha)
    assert client.get("/cart/add/").status_code == 405
    assert client.post("/cart/", {}).status_code == 405


def test_every_cart_form_needs_the_csrf_token(alpha):
    with _in(alpha):
        variant = variant_make(stock=10)
    setup = store_client(alpha)
    _add(setup, variant, 1)
    setup.get("/cart/")  # the CSRF cookie is set: what is missing below is the form's token
    assert settings.CSRF_COOKIE_NAME in setup.cookies
    line = _line_uuid(alpha, variant)
    client = Client(HTTP_HOST=alpha.host, enforce_csrf_checks=True)
    client.cookies = setup.cookies  # the same shopper, without a token in the form

    responses = [
        client.post("/cart/add/", {"variant": variant.pk, "quantity": 1}),
        client.post(f"/cart/lines/{line}/", {"quantity": 5}),
        client.post(f"/cart/lines/{line}/remove/", {}),
    ]

    assert [response.status_code for response in responses] == [403, 403, 403]
    assert _lines(alpha, variant) == {variant.sku: 1}


# ------------------------------------------------------------------------------
# whose cart: sign-in, other shoppers, other stores
# ------------------------------------------------------------------------------
def test_signing_in_through_allauth_merges_the_guest_cart_into_the_account(alpha):
    with _in(alpha):
        shirt = variant_make(title="Shirt", stock=4)
        socks = variant_make(title="Socks", stock=10)
        shopper = make_store_user(alpha, "returning@example.com")
        own = cart_make(user=shopper)
        line_make(cart=own, variant=shirt, quantity=3)
    client = store_client(alpha)
    _add(client, shirt, 2)  # 3 + 2 > 4 in stock: capped at 4
    _add(client, socks, 1)
    with _in(alpha):
        guest = Cart.objects.get(token=client.session[CART_SESSION_KEY])

    response = client.post("/accounts/login/", {"login": "returning@example.com", "password": PASSWORD})

    assert response.status_code == 302
    with _in(alpha):
        guest.refresh_from_db()
        assert guest.status == Cart.Status.MERGED and guest.merged_into_id == own.pk
        assert dict(own.lines.values_list("variant__sku", "quantity")) == {shirt.sku: 4, socks.sku: 1}
    assert CART_SESSION_KEY not in client.session
    page = client.get("/cart/").content.decode()
    assert "Cart (<span data-cart-count>5</span>)" in page
    assert "could not be added in full: Shirt" in page


def test_signing_up_and_confirming_the_email_keeps_the_guest_cart(alpha, mailoutbox):
    with _in(alpha):
        variant = variant_make(title="Kept", stock=10)
    client = store_client(alpha)
    _add(client, variant, 2)

    signup = client.post(
        "/accounts/signup/", {"email": "fresh@example.com", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert signup.status_code == 302
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", mailoutbox[-1].body)
    assert link is not None
    confirmed = client.post(link.group(1))  # allauth signs the shopper in on confirmation

    assert confirmed.status_code == 302
    with _in(alpha):
        cart = Cart.objects.get(user__email="fresh@example.com", status=Cart.Status.OPEN)
        assert list(cart.lines.values_list("variant_id", "quantity")) == [(variant.pk, 2)]
    assert "Cart (<span data-cart-count>2</span>)" in client.get("/cart/").content.decode()


def test_a_guest_cart_shows_up_for_a_shopper_with_no_cart_yet_and_on_their_other_devices(alpha):
    with _in(alpha):
        variant = variant_make(stock=10)
        make_store_user(alpha, "newcomer@example.com")
    laptop = store_client(alpha)
    _add(laptop, variant, 2)

    laptop.post("/accounts/login/", {"login": "newcomer@example.com", "password": PASSWORD})
    phone = store_client(alpha)
    phone.post("/accounts/login/", {"login": "newcomer@example.com", "password": PASSWORD})

    assert "Cart (<span data-cart-count>2</span>)" in phone.get("/cart/").content.decode()


def test_another_shoppers_line_is_a_404_and_stays_as_it_was(alpha):
    with _in(alpha):
        variant = variant_make(stock=10)
    owner, stranger = store_client(alpha), store_client(alpha)
    _add(owner, variant, 2)
    _add(stranger, variant, 1)
    with _in(alpha):
        line = CartLine.objects.get(variant=variant, quantity=2).uuid

    assert stranger.post(f"/cart/lines/{line}/", {"quantity": 9}).status_code == 404
    assert stranger.post(f"/cart/lines/{line}/remove/").status_code == 404
    assert store_client(alpha).post(f"/cart/lines/{line}/remove/").status_code == 404  # no cart at all
    with _in(alpha):
        assert CartLine.objects.get(uuid=line).quantity == 2


def test_alphas_cart_means_nothing_on_beta(alpha, beta):
    with _in(alpha):
        alpha_variant = variant_make(title="Alpha only", stock=10)
    with _in(beta):
        beta_variant = variant_make(title="Beta only", stock=10)
    on_alpha = store_client(alpha)
    _add(on_alpha, alpha_variant, 2)
    alpha_line = _line_uuid(alpha, alpha_variant)
    on_beta = store_client(beta)
    _add(on_beta, beta_variant, 1)
    # Alpha's session cookie replayed on beta's host.
    replay = Client(HTTP_HOST=beta.host)
    replay.cookies[settings.SESSION_COOKIE_NAME] = on_alpha.cookies[settings.SESSION_COOKIE_NAME].value

    page = replay.get("/cart/").content.decode()

    assert "Alpha only" not in page and "Your cart is empty." in page
    assert "Cart (<span data-cart-count>0</span>)" in page
    assert on_beta.post(f"/cart/lines/{alpha_line}/", {"quantity": 5}).status_code == 404
    assert on_beta.post(f"/cart/lines/{alpha_line}/remove/").status_code == 404
    assert "Alpha only" not in on_beta.get("/cart/").content.decode()
    # Alpha's variant id means "unknown" on beta (or another product): never alpha's product.
    on_beta.post("/cart/add/", {"variant": alpha_variant.pk, "quantity": 1})
    assert "Alpha only" not in on_beta.get("/cart/").content.decode()
    assert _lines(alpha, alpha_variant) == {alpha_variant.sku: 2}


# ------------------------------------------------------------------------------
# query counts
# ------------------------------------------------------------------------------
def _page_queries(world: StoreWorld, lines: int) -> int:
    with _in(world):
        location = location_make()
        cart = cart_make()
        for index in range(lines):
            variant = variant_make(title=f"Item {index}", stock=5, location=location)
            product_image_add(product=variant.product, upload=png_upload())
            line_make(cart=cart, variant=variant)
    client = store_client(world)
    with _in(world):  # sessions live in the store's schema
        session = client.session
        session[CART_SESSION_KEY] = str(cart.token)
        session.save()
    client.get("/cart/")  # warm the store settings and routing caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/cart/")
    assert response.status_code == 200 and response.content.decode().count('<li class="cart-line') == lines
    return len(queries)


def test_the_cart_page_runs_the_same_queries_for_one_line_and_fifty(alpha, beta):
    one, fifty = _page_queries(alpha, 1), _page_queries(beta, 50)
    print(f"\ncart page queries: 1 line {one}, 50 lines {fifty}")
    assert one == fifty
    assert one <= 8


def _render_count(request) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    template = Template("{% load storefront_cart %}{% cart_item_count as n %}{{ n }}/{% cart_item_count %}")
    with CaptureQueriesContext(connection) as queries:
        text = template.render(Context({"request": request}))
    return text, len(queries)


def test_the_header_count_costs_one_small_query_and_none_without_a_cart(shop):
    shopper = make_store_user(shop, "header@example.com")
    guest_cart, own_cart = cart_make(), cart_make(user=shopper)
    line_make(cart=guest_cart, variant=variant_make(), quantity=2)
    line_make(cart=own_cart, variant=variant_make(), quantity=7)
    factory = RequestFactory()

    def request(user=None, token=None):  # type: ignore[no-untyped-def]
        made = factory.get("/")
        made.user = user or AnonymousUser()
        made.session = SessionStore()
        if token:
            made.session[CART_SESSION_KEY] = token
        return made

    assert _render_count(request()) == ("0/0", 0)
    assert _render_count(request(token=str(guest_cart.token))) == ("2/2", 1)  # asked twice, one query
    assert _render_count(request(user=shopper, token=str(guest_cart.token))) == ("7/7", 1)
