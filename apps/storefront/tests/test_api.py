"""The storefront API (`/api/v1/storefront/...`): browsing, search with facets, carts, checkout
and payment with the dummy gateway end to end, the shopper's account and orders, shopper
tokens, bad input (400 naming the field, never a 500), and what one caller or one store can
never reach of another's."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from apps.billing.limits import merchant_plan_for
from apps.catalog.models import Collection, Product
from apps.catalog.services import collection_save, product_image_add
from apps.catalog.tests.factories import make_product, png_upload
from apps.checkout.models import Cart
from apps.orders.models import Order
from apps.storefront.tests.checkout_support import CARD_DECLINED, CARD_SUCCEEDS, on_hand, shop_make
from apps.stores.models import StoreSettings
from apps.stores.selectors import store_settings_cache_clear
from tests.fixtures import PASSWORD, StoreWorld, make_store_user, store_client

pytestmark = pytest.mark.django_db

API = "/api/v1/storefront"
ADDRESS = {
    "name": "Erika Mustermann",
    "line1": "Unter den Linden 1",
    "city": "Berlin",
    "postal_code": "10117",
    "country": "DE",
}


def _in(world: StoreWorld):  # type: ignore[no-untyped-def]
    return schema_context(world.tenant.schema_name)


def _client(world: StoreWorld, token: str = "", **extra: Any) -> Client:
    headers = {"HTTP_HOST": world.host, **extra}
    if token:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return Client(**headers)


def _post(client: Client, path: str, body: Any = None, **extra: Any) -> Any:
    return client.post(
        f"{API}/{path}", body if body is not None else {}, content_type="application/json", **extra
    )


def _patch(client: Client, path: str, body: Any) -> Any:
    return client.patch(f"{API}/{path}", body, content_type="application/json")


def _get(client: Client, path: str, params: dict[str, Any] | None = None) -> Any:
    return client.get(f"{API}/{path}", params or {})


def _data(response: Any) -> Any:
    body = response.json()
    assert body["error"] is None, body
    return body["data"]


def _refused(response: Any, field: str, status: int = 400) -> dict[str, Any]:
    assert response.status_code == status, response.content[:1000]
    error = response.json()["error"]
    fields = error.get("fields") or {}
    assert any(name == field or name.startswith(f"{field}.") for name in fields), error
    return error


# ------------------------------------------------------------------------------
# the store and the catalog
# ------------------------------------------------------------------------------
def test_the_store_profile_names_its_currency_languages_and_published_policies(alpha):
    with _in(alpha):
        StoreSettings.objects.update(refund_policy="<p>30 days.</p>", privacy_policy="<p> </p>")
        store_settings_cache_clear()
    data = _data(_get(_client(alpha), "store"))
    assert data["currency"] and data["name"]
    assert data["languages"]["default"] in data["languages"]["enabled"]
    assert [p["kind"] for p in data["policies"]] == ["refund"]
    assert data["policies"][0]["url"].endswith("/pages/refund/")


def test_products_are_the_active_ones_with_price_span_images_stock_and_facets(alpha):
    with _in(alpha):
        shirt = make_product("Linen Shirt", variants=2, price="20.00")
        product_image_add(product=shirt, upload=png_upload(), alt="Shirt")
        make_product("Canvas Cap", price="15.00")
        make_product("Secret Draft Tee", status=Product.Status.DRAFT)
        make_product("Old Archived Tee", status=Product.Status.ARCHIVED)
    response = _get(_client(alpha), "products")
    body = response.json()
    assert [p["title"] for p in body["data"]] == ["Canvas Cap", "Linen Shirt"]
    card = body["data"][1]
    assert card["price"] == {
        "min": "20.00",
        "max": "21.00",
        "compare_at": None,
        "currency": card["price"]["currency"],
    }
    assert card["available"] is False  # no stock anywhere
    assert card["images"][0]["alt"] == "Shirt" and card["images"][0]["url"]
    assert body["meta"]["total"] == 2
    sizes = body["meta"]["facets"]["options"]["Size"]
    assert [(v["key"], v["count"]) for v in sizes] == [("Size:S0", 1), ("Size:S1", 1)]
    assert body["meta"]["facets"]["price"]["min"] == "15.00"


def test_product_filters_and_orderings(alpha):
    with _in(alpha):
        make_product("Linen Shirt", variants=2, price="20.00")
        make_product("Canvas Cap", price="15.00")
        make_product("Wool Coat", price="90.00")
    client = _client(alpha)
    titles = lambda params: [p["title"] for p in _data(_get(client, "products", params))]  # noqa: E731
    assert titles({"option": "Size:S1"}) == ["Linen Shirt"]
    assert titles({"price_min": "16", "price_max": "50"}) == ["Linen Shirt"]
    assert titles({"ordering": "price"}) == ["Canvas Cap", "Linen Shirt", "Wool Coat"]
    assert titles({"ordering": "-price"}) == ["Wool Coat", "Linen Shirt", "Canvas Cap"]
    assert titles({"in_stock": "true"}) == []
    assert [p["title"] for p in _data(_get(client, "products", {"per_page": 2, "page": 2}))] == [
        "Linen Shirt"
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"colour": "red"}, "colour"),
        ({"price_min": "cheap"}, "price_min"),
        ({"price_min": "-1"}, "price_min"),
        ({"price_min": "50", "price_max": "10"}, "price_max"),
        ({"ordering": "price-asc"}, "ordering"),
        ({"ordering": "relevance"}, "ordering"),  # only when searching
        ({"ordering": "featured"}, "ordering"),  # only in a manual collection
        ({"option": "no-colon"}, "option"),
        ({"in_stock": "perhaps"}, "in_stock"),
        ({"category": "nowhere"}, "category"),
        ({"q": "a\x01b"}, "q"),
        ({"q": "x" * 201}, "q"),
        ({"per_page": "0"}, "per_page"),
        ({"page": "abc"}, "page"),
    ],
)
def test_bad_listing_parameters_are_a_400_naming_them(alpha, params, field):
    _refused(_get(_client(alpha), "products", params), field)


@pytest.mark.parametrize("typo", ["hoddie", "hoodei"])
def test_search_forgives_typos_and_answers_facets(alpha, typo):
    with _in(alpha):
        make_product("Organic Cotton Hoodie", variants=2)
        make_product("Zip Hoodie")
        make_product("Kiddie Pool")
        make_product("Draft Hoodie", status=Product.Status.DRAFT)
    body = _get(_client(alpha), "search", {"q": typo}).json()
    assert {p["title"] for p in body["data"]} == {"Organic Cotton Hoodie", "Zip Hoodie"}
    assert "Size" in body["meta"]["facets"]["options"]
    # the product list searches the same way
    assert {p["title"] for p in _data(_get(_client(alpha), "products", {"q": "hoodie"}))} == {
        "Organic Cotton Hoodie",
        "Zip Hoodie",
    }


def test_search_needs_words(alpha):
    _refused(_get(_client(alpha), "search"), "q")
    _refused(_get(_client(alpha), "search", {"q": "   "}), "q")


def test_a_product_with_its_options_and_variants(alpha):
    with _in(alpha):
        shop = shop_make(alpha, stock=3)
        shirt = make_product(
            "Linen Shirt", variants=2, price="20.00", description="<p>Soft</p><script>x</script>"
        )
        product_image_add(product=shirt, upload=png_upload(), alt="Front")
    client = _client(alpha)
    data = _data(_get(client, "products/linen-shirt"))
    assert data["options"] == [{"name": "Size", "values": ["S0", "S1"]}]
    assert [(v["sku"], v["options"], v["price"], v["available"]) for v in data["variants"]] == [
        ("LINEN-SHIRT-S0", {"Size": "S0"}, "20.00", False),
        ("LINEN-SHIRT-S1", {"Size": "S1"}, "21.00", False),
    ]
    assert "<script>" not in data["description_html"] and "Soft" in data["description_html"]
    assert data["images"][0]["alt"] == "Front" and data["images"][0]["url"]
    stocked = _data(_get(client, f"products/{shop.variants[0].product.handle}"))
    assert stocked["available"] is True
    assert (
        stocked["variants"][0]["quantity_available"] == 3 and stocked["variants"][0]["stock_state"] == "low"
    )


def test_draft_archived_and_unknown_products_are_404(alpha):
    with _in(alpha):
        make_product("Secret Draft Tee", status=Product.Status.DRAFT)
        make_product("Old Archived Tee", status=Product.Status.ARCHIVED)
    client = _client(alpha)
    for handle in ("secret-draft-tee", "old-archived-tee", "never-was", "x" * 300):
        response = _get(client, f"products/{handle}")
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_collections_and_their_products(alpha):
    with _in(alpha):
        shirt = make_product("Linen Shirt")
        cap = make_product("Canvas Cap")
        draft = make_product("Draft Tee", status=Product.Status.DRAFT)
        collection_save(
            collection=Collection(),
            title="Summer",
            kind=Collection.Kind.MANUAL,
            product_ids=[cap.pk, shirt.pk, draft.pk],
        )
    client = _client(alpha)
    assert [c["handle"] for c in _data(_get(client, "collections"))] == ["summer"]
    titles = [p["title"] for p in _data(_get(client, "collections/summer/products"))]
    assert titles == ["Canvas Cap", "Linen Shirt"]  # featured: the merchant's order; no draft
    assert {p["title"] for p in _data(_get(client, "collections/all/products"))} == {
        "Linen Shirt",
        "Canvas Cap",
    }
    assert _get(client, "collections/nothing/products").status_code == 404
    _refused(_get(client, "collections", {"ordering": "price"}), "ordering")


def test_store_b_sees_nothing_of_store_as_catalog(alpha, beta):
    with _in(alpha):
        make_product("Alpha Only Shirt")
    client = _client(beta)
    assert "Alpha Only Shirt" not in {p["title"] for p in _data(_get(client, "products"))}
    assert _get(client, "products/alpha-only-shirt").status_code == 404


@pytest.mark.parametrize("path", ["products", "search?q=shirt", "collections/all/products"])
def test_listings_cost_the_same_queries_at_3_and_30_products(alpha, path):
    counts = []
    client = _client(alpha)
    for total in (3, 30):
        with _in(alpha):
            have = Product.objects.count()
            for n in range(have, total):
                product = make_product(f"Cotton Shirt {n:03d}", variants=2, sku_prefix=f"CS{n:03d}")
                if n % 3 == 0:
                    product_image_add(product=product, upload=png_upload())
        client.get(f"{API}/{path}")  # warm the store's cached settings and plan
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{API}/{path}", {"per_page": 50} if "?" not in path else None)
        assert response.status_code == 200
        counts.append(len(queries))
    print(f"\n{path}: queries at 3 and 30 products: {counts}")
    assert counts[0] == counts[1] <= 10, counts


# ------------------------------------------------------------------------------
# carts
# ------------------------------------------------------------------------------
def _cart(client: Client) -> str:
    response = _post(client, "carts")
    assert response.status_code == 201, response.content
    return _data(response)["token"]


def test_a_guest_cart_add_change_remove(alpha):
    shop = shop_make(alpha, products=2, stock=10)
    client = _client(alpha)
    token = _cart(client)
    first, second = (v.sku for v in shop.variants)
    added = _post(client, f"carts/{token}/lines", {"variant": first, "quantity": 2})
    assert added.status_code == 201
    _post(client, f"carts/{token}/lines", {"variant": first})  # one more of the same: one line
    cart = _data(_post(client, f"carts/{token}/lines", {"variant": second, "quantity": 1}))
    assert [(line["variant"], line["quantity"]) for line in cart["lines"]] == [(first, 3), (second, 1)]
    assert cart["item_count"] == 4 and cart["subtotal"] == "80.00"
    line_id = cart["lines"][0]["id"]
    changed = _data(_patch(client, f"carts/{token}/lines/{line_id}", {"quantity": 5}))
    assert changed["lines"][0]["quantity"] == 5
    removed = _data(client.delete(f"{API}/carts/{token}/lines/{line_id}"))
    assert [line["variant"] for line in removed["lines"]] == [second]
    lines = _get(client, f"carts/{token}/lines").json()
    assert [line["variant"] for line in lines["data"]] == [second] and lines["meta"]["total"] == 1
    assert _data(_get(_client(alpha), f"carts/{token}"))["item_count"] == 1  # the token is the credential


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"variant": "SKU", "quantity": -1}, "quantity", "quantity_too_small"),
        ({"variant": "SKU", "quantity": 0}, "quantity", "quantity_too_small"),
        ({"variant": "SKU", "quantity": 11}, "quantity", "insufficient_stock"),
        ({"variant": "SKU", "quantity": 100000}, "quantity", "quantity_too_large"),
        ({"variant": "SKU", "quantity": "two"}, "quantity", "validation_error"),
        ({"variant": "SKU", "quantity": 1.5}, "quantity", "validation_error"),
        ({"variant": "NOPE", "quantity": 1}, "variant", "variant_unknown"),
        ({"quantity": 1}, "variant", "validation_error"),
        ({"variant": "SKU", "quantity": 1, "colour": "red"}, "colour", "validation_error"),
    ],
)
def test_bad_cart_lines_are_a_400_naming_the_field(alpha, body, field, code):
    shop = shop_make(alpha, stock=10)
    client = _client(alpha)
    token = _cart(client)
    if body.get("variant") == "SKU":
        body = {**body, "variant": shop.variants[0].sku}
    error = _refused(_post(client, f"carts/{token}/lines", body), field)
    assert error["code"] == code
    assert _data(_get(client, f"carts/{token}"))["lines"] == []


@pytest.mark.parametrize("quantity", [0, -3, 11, "x", None])
def test_bad_quantity_changes_are_a_400_and_change_nothing(alpha, quantity):
    shop = shop_make(alpha, stock=10)
    client = _client(alpha)
    token = _cart(client)
    cart = _data(_post(client, f"carts/{token}/lines", {"variant": shop.variants[0].sku, "quantity": 2}))
    line_id = cart["lines"][0]["id"]
    _refused(_patch(client, f"carts/{token}/lines/{line_id}", {"quantity": quantity}), "quantity")
    assert _data(_get(client, f"carts/{token}"))["lines"][0]["quantity"] == 2


def test_malformed_bodies_are_400_never_500(alpha):
    client = _client(alpha)
    token = _cart(client)
    response = client.post(f"{API}/carts/{token}/lines", "{not json", content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "parse_error"
    response = client.post(f"{API}/carts/{token}/lines", [1, 2], content_type="application/json")
    assert response.status_code == 400
    response = client.post(f"{API}/carts", {"lines": []}, content_type="application/json")
    _refused(response, "lines")


def test_unknown_carts_and_lines_are_404(alpha):
    client = _client(alpha)
    token = _cart(client)
    assert _get(client, f"carts/{uuid.uuid4()}").status_code == 404
    assert _get(client, "carts/not-a-token").status_code == 404
    response = _patch(client, f"carts/{token}/lines/{uuid.uuid4()}", {"quantity": 1})
    assert response.status_code == 404


def test_a_cart_token_of_store_alpha_is_unknown_on_beta(alpha, beta):
    shop = shop_make(alpha)
    client = _client(alpha)
    token = _cart(client)
    _post(client, f"carts/{token}/lines", {"variant": shop.variants[0].sku})
    other = _client(beta)
    assert _get(other, f"carts/{token}").status_code == 404
    assert _post(other, f"carts/{token}/lines", {"variant": shop.variants[0].sku}).status_code == 404
    assert _post(other, f"carts/{token}/checkout", {"email": "x@example.com"}).status_code == 404


# ------------------------------------------------------------------------------
# checkout and payment
# ------------------------------------------------------------------------------
def _to_checkout(world: StoreWorld, client: Client, quantity: int = 2) -> tuple[Any, str, dict[str, Any]]:
    shop = shop_make(world, stock=10)
    token = _cart(client)
    _post(client, f"carts/{token}/lines", {"variant": shop.variants[0].sku, "quantity": quantity})
    response = _post(
        client, f"carts/{token}/checkout", {"email": "Erika@Example.com", "shipping_address": ADDRESS}
    )
    assert response.status_code == 201, response.content
    checkout = _data(response)
    return shop, checkout["token"], checkout


def test_browse_cart_checkout_and_pay_with_the_dummy_gateway(alpha):
    client = _client(alpha)
    shop, token, checkout = _to_checkout(alpha, client)
    assert checkout["email"] == "erika@example.com"
    assert {o["name"] for o in checkout["shipping_options"]} == {"Standard", "Pick up"}
    assert checkout["ready_to_pay"] is False  # no shipping method yet
    assert "dummy" in {m["code"] for m in checkout["payment_methods"]}
    chosen = _data(_patch(client, f"checkouts/{token}", {"shipping_rate": shop.standard.pk}))
    assert chosen["shipping_rate"] == shop.standard.pk and chosen["ready_to_pay"] is True
    total = chosen["totals"]["total"]
    assert chosen["totals"]["subtotal"] == "40.00" and chosen["totals"]["currency"]
    # shipping without its 19 % (the tax row holds it): the rows add up to the total
    assert chosen["totals"]["shipping_total"] == "5.00"
    rows = {
        name: Decimal(chosen["totals"][name])
        for name in ("subtotal", "discount_total", "shipping_total", "tax_total", "total")
    }
    assert (
        rows["subtotal"] - rows["discount_total"] + rows["shipping_total"] + rows["tax_total"]
        == rows["total"]
    )
    pay = {"payment_method": "dummy", "card_number": CARD_SUCCEEDS, "expected_total": total}

    response = _post(client, f"checkouts/{token}/pay", pay, HTTP_IDEMPOTENCY_KEY="pay-1")
    assert response.status_code == 201, response.content
    placed = _data(response)
    assert placed["order"]["status"] == "paid" and placed["order"]["number"] >= 1001
    assert placed["payment"]["status"] == "succeeded"

    # a retry with the key answers the same, one order, one charge
    replay = _post(client, f"checkouts/{token}/pay", pay, HTTP_IDEMPOTENCY_KEY="pay-1")
    assert replay.status_code == 201 and replay.json() == response.json()
    assert replay["Idempotent-Replayed"] == "true"
    reused = _post(
        client, f"checkouts/{token}/pay", {**pay, "card_number": CARD_DECLINED}, HTTP_IDEMPOTENCY_KEY="pay-1"
    )
    assert reused.status_code == 422 and reused.json()["error"]["code"] == "idempotency_key_reused"
    # and without the key placement itself answers the order it made
    again = _post(client, f"checkouts/{token}/pay", pay)
    assert _data(again)["order"]["number"] == placed["order"]["number"]
    with _in(alpha):
        assert Order.objects.filter(checkout_token=uuid.UUID(token)).count() == 1
        assert Cart.objects.get(checkout__token=uuid.UUID(token)).status == Cart.Status.CONVERTED
    assert on_hand(alpha, shop.variants[0]) == (8, 0)
    final = _data(_get(client, f"checkouts/{token}"))
    assert final["status"] == "completed" and final["order"]["number"] == placed["order"]["number"]


def test_a_declined_card_is_a_402_and_a_new_attempt_may_follow(alpha):
    client = _client(alpha)
    shop, token, _checkout = _to_checkout(alpha, client, quantity=1)
    checkout = _data(_patch(client, f"checkouts/{token}", {"shipping_rate": shop.standard.pk}))
    pay = {
        "payment_method": "dummy",
        "card_number": CARD_DECLINED,
        "expected_total": checkout["totals"]["total"],
    }
    declined = _post(client, f"checkouts/{token}/pay", pay)
    assert declined.status_code == 402 and declined.json()["error"]["code"] == "payment_failed"
    assert on_hand(alpha, shop.variants[0]) == (10, 0)  # the stock went back
    paid = _post(client, f"checkouts/{token}/pay", {**pay, "card_number": CARD_SUCCEEDS})
    assert paid.status_code == 201 and _data(paid)["order"]["status"] == "paid"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"shipping_address": {**ADDRESS, "country": "ZZ"}}, "shipping_address.country"),
        ({"shipping_address": {**ADDRESS, "line1": ""}}, "shipping_address.line1"),
        ({"shipping_address": {**ADDRESS, "floor": "3"}}, "shipping_address.floor"),
        ({"shipping_address": "Berlin"}, "shipping_address"),
        ({"shipping_rate": 999999}, "shipping_rate"),
        ({"shipping_rate": "fast"}, "shipping_rate"),
        ({"billing_address": ADDRESS}, "shipping_address"),
        ({"coupon": "X"}, "coupon"),
    ],
)
def test_bad_checkout_input_is_a_400_naming_the_field_and_changes_nothing(alpha, body, field):
    client = _client(alpha)
    _shop, token, before = _to_checkout(alpha, client)
    _refused(_patch(client, f"checkouts/{token}", body), field)
    after = _data(_get(client, f"checkouts/{token}"))
    assert (after["email"], after["shipping_address"]) == (before["email"], before["shipping_address"])


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"payment_method": "dummy", "card_number": CARD_SUCCEEDS}, "expected_total", "validation_error"),
        ({"payment_method": "dummy", "expected_total": "abc"}, "expected_total", "validation_error"),
        ({"payment_method": "dummy", "expected_total": "1.00", "tip": "5"}, "tip", "validation_error"),
    ],
)
def test_bad_payment_input_is_a_400(alpha, body, field, code):
    client = _client(alpha)
    _shop, token, _checkout = _to_checkout(alpha, client)
    assert _refused(_post(client, f"checkouts/{token}/pay", body), field)["code"] == code


def test_paying_a_changed_total_or_an_unready_checkout_is_refused_and_charges_nothing(alpha):
    client = _client(alpha)
    shop, token, _checkout = _to_checkout(alpha, client)
    unready = _post(client, f"checkouts/{token}/pay", {"payment_method": "dummy", "expected_total": "45.00"})
    assert unready.status_code == 400 and unready.json()["error"]["code"] == "checkout_not_ready"
    _patch(client, f"checkouts/{token}", {"shipping_rate": shop.standard.pk})
    changed = _post(
        client,
        f"checkouts/{token}/pay",
        {"payment_method": "dummy", "card_number": CARD_SUCCEEDS, "expected_total": "1.00"},
    )
    assert changed.status_code == 400 and changed.json()["error"]["code"] == "total_changed"
    with _in(alpha):
        assert not Order.objects.filter(checkout_token=uuid.UUID(token)).exists()


def test_a_checkout_token_of_store_alpha_is_unknown_on_beta(alpha, beta):
    client = _client(alpha)
    _shop, token, _checkout = _to_checkout(alpha, client)
    other = _client(beta)
    assert _get(other, f"checkouts/{token}").status_code == 404
    response = _post(other, f"checkouts/{token}/pay", {"payment_method": "dummy", "expected_total": "45.00"})
    assert response.status_code == 404


# ------------------------------------------------------------------------------
# the shopper: tokens, sessions, account and orders
# ------------------------------------------------------------------------------
def _shopper_token(world: StoreWorld, email: str, *, make: bool = True) -> str:
    if make:
        make_store_user(world, email)
    response = _post(_client(world), "auth/token", {"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.content
    data = _data(response)
    assert data["token"].startswith("st_") and data["token_type"] == "Bearer"
    return data["token"]


def _order_as(world: StoreWorld, token: str, shop: Any) -> int:
    client = _client(world, token)
    cart = _cart(client)
    _post(client, f"carts/{cart}/lines", {"variant": shop.variants[0].sku})
    checkout = _data(
        _post(
            client, f"carts/{cart}/checkout", {"shipping_address": ADDRESS, "shipping_rate": shop.standard.pk}
        )
    )
    paid = _post(
        client,
        f"checkouts/{checkout['token']}/pay",
        {
            "payment_method": "dummy",
            "card_number": CARD_SUCCEEDS,
            "expected_total": checkout["totals"]["total"],
        },
    )
    assert paid.status_code == 201, paid.content
    return int(_data(paid)["order"]["number"])


def test_a_shopper_signs_in_for_a_token_and_reads_only_their_own_orders(alpha):
    shop = shop_make(alpha, stock=10)
    ada = _shopper_token(alpha, "ada@example.com")
    bob = _shopper_token(alpha, "bob@example.com")
    number = _order_as(alpha, ada, shop)

    me = _data(_get(_client(alpha, ada), "me"))
    assert me["email"] == "ada@example.com"
    orders = _get(_client(alpha, ada), "me/orders").json()
    assert [o["number"] for o in orders["data"]] == [number] and orders["meta"]["total"] == 1
    order = _data(_get(_client(alpha, ada), f"me/orders/{number}"))
    assert (
        order["status"] == "paid"
        and order["lines"][0]["quantity"] == 1
        and order["email"] == "ada@example.com"
    )
    rows = {
        name: Decimal(order[name])
        for name in ("subtotal", "discount_total", "shipping_total", "tax_total", "total")
    }
    assert (
        rows["subtotal"] - rows["discount_total"] + rows["shipping_total"] + rows["tax_total"]
        == rows["total"]
    )

    # Bob sees none of it
    assert _data(_get(_client(alpha, bob), "me/orders")) == []
    assert _get(_client(alpha, bob), f"me/orders/{number}").status_code == 404
    assert _get(_client(alpha, ada), "me/orders/999999").status_code == 404


def test_a_signed_in_shoppers_cart_and_checkout_are_theirs_alone(alpha):
    shop = shop_make(alpha, stock=10)
    ada = _shopper_token(alpha, "ada@example.com")
    client = _client(alpha, ada)
    cart = _cart(client)
    assert _cart(client) == cart  # their one open cart
    _post(client, f"carts/{cart}/lines", {"variant": shop.variants[0].sku})
    checkout = _data(_post(client, f"carts/{cart}/checkout", {"shipping_address": ADDRESS}))
    assert checkout["email"] == "ada@example.com"  # the account's, when none is given
    for stranger in (_client(alpha), _client(alpha, _shopper_token(alpha, "bob@example.com"))):
        assert _get(stranger, f"carts/{cart}").status_code == 404
        assert _post(stranger, f"carts/{cart}/lines", {"variant": shop.variants[0].sku}).status_code == 404
        assert _get(stranger, f"checkouts/{checkout['token']}").status_code == 404


def test_the_profile_can_be_renamed_and_bad_names_are_a_400(alpha):
    token = _shopper_token(alpha, "ada@example.com")
    client = _client(alpha, token)
    assert _data(_patch(client, "me", {"full_name": "Ada Lovelace"}))["full_name"] == "Ada Lovelace"
    _refused(_patch(client, "me", {"full_name": "Ada\x00"}), "full_name")
    _refused(_patch(client, "me", {"full_name": "A" * 500}), "full_name")
    _refused(_patch(client, "me", {"email": "new@example.com"}), "email")
    assert _data(_get(client, "me"))["full_name"] == "Ada Lovelace"


def test_the_account_needs_a_signed_in_shopper(alpha):
    for path in ("me", "me/orders", "me/orders/1001"):
        response = _get(_client(alpha), path)
        assert response.status_code == 401 and response.json()["error"]["code"] == "not_authenticated"
    response = _get(_client(alpha, "st_forged.token.value"), "me")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_session_signed_in_on_the_storefront_works_and_writes_need_csrf(alpha):
    make_store_user(alpha, "ada@example.com")
    client = Client(HTTP_HOST=alpha.host, enforce_csrf_checks=True)
    page = client.get("/accounts/login/")
    csrf = page.cookies["csrftoken"].value
    signed_in = client.post(
        "/accounts/login/", {"login": "ada@example.com", "password": PASSWORD, "csrfmiddlewaretoken": csrf}
    )
    assert signed_in.status_code == 302
    assert _data(_get(client, "me"))["email"] == "ada@example.com"
    refused = _patch(client, "me", {"full_name": "Ada"})
    assert refused.status_code == 403
    csrf = client.cookies["csrftoken"].value
    allowed = client.patch(
        f"{API}/me", {"full_name": "Ada"}, content_type="application/json", HTTP_X_CSRFTOKEN=csrf
    )
    assert allowed.status_code == 200


def test_wrong_credentials_staff_and_unverified_accounts_get_no_token(alpha):
    make_store_user(alpha, "ada@example.com")
    make_store_user(alpha, "staff@example.com", role="staff")
    make_store_user(alpha, "new@example.com", verified=False)
    client = _client(alpha)
    wrong = _post(client, "auth/token", {"email": "ada@example.com", "password": "nope"})
    assert wrong.status_code == 400 and "token" not in wrong.content.decode()
    assert (
        _post(client, "auth/token", {"email": "staff@example.com", "password": PASSWORD}).status_code == 400
    )
    _refused(_post(client, "auth/token", {"email": "new@example.com", "password": PASSWORD}), "email")
    _refused(_post(client, "auth/token", {"email": "not-an-email", "password": "x"}), "email")
    _refused(_post(client, "auth/token", {"email": "ada@example.com"}), "password")


def test_signing_in_is_rate_limited_like_the_sign_in_page(alpha):
    make_store_user(alpha, "ada@example.com")
    client = _client(alpha)
    statuses = [
        _post(client, "auth/token", {"email": "ada@example.com", "password": f"wrong-{n}"}).status_code
        for n in range(6)
    ]
    assert statuses[:5] == [400] * 5 and statuses[5] == 429  # login_failed: 5 per 5 minutes per email
    response = _post(client, "auth/token", {"email": "ada@example.com", "password": PASSWORD})
    assert response.status_code == 429 and response.json()["error"]["code"] == "throttled"


def test_a_signed_in_shopper_is_throttled_per_account_by_the_plan(alpha, monkeypatch):
    # given a plan allowing 3 requests a minute, in the middle of a minute
    monkeypatch.setattr("apps.api.access.time.time", lambda: 1_800_000_030.0)
    merchant_plan = merchant_plan_for(merchant=alpha.merchant)
    merchant_plan.limit_overrides = {**(merchant_plan.limit_overrides or {}), "api_requests_per_minute": 3}
    merchant_plan.save(update_fields=["limit_overrides"])
    ada = _client(alpha, _shopper_token(alpha, "ada@example.com"))
    # when Ada makes a 4th request within the minute
    statuses = [_get(ada, "me").status_code for _ in range(4)]
    # then it is refused with 429 and Retry-After, counted for her account alone
    assert statuses == [200, 200, 200, 429]
    refused = _get(ada, "me")
    # (the minute slides: her 3 requests of :30 fade out through the next one, and a 4th fits
    # once a third of them has, 30 s + 20 s later)
    assert refused.status_code == 429 and refused["Retry-After"] == "50"
    assert refused.json()["error"]["code"] == "throttled"
    assert _get(_client(alpha, _shopper_token(alpha, "bob@example.com")), "me").status_code == 200
    assert _get(_client(alpha), "products").status_code == 200  # anonymous: counted per address


def test_a_shopper_token_of_store_alpha_is_refused_on_beta(alpha, beta):
    token = _shopper_token(alpha, "ada@example.com")
    make_store_user(beta, "ada@example.com")  # the same person has an account there too
    response = _get(_client(beta, token), "me")
    assert response.status_code == 401
    # nor does it open the admin API
    assert _client(alpha, token).get("/api/v1/products").status_code == 401


def test_a_new_password_ends_the_shoppers_tokens(alpha):
    token = _shopper_token(alpha, "ada@example.com")
    assert _get(_client(alpha, token), "me").status_code == 200
    with _in(alpha):
        from apps.accounts.models import User

        user = User.objects.get(email="ada@example.com")
        user.set_password("another-horse-battery-9")
        user.save()
    assert _get(_client(alpha, token), "me").status_code == 401


def test_store_staff_sessions_have_no_shopper_account(alpha):
    make_store_user(alpha, "staff@example.com", role="staff")
    client = store_client(alpha)
    with _in(alpha):
        from apps.accounts.models import User

        client.force_login(
            User.objects.get(email="staff@example.com"), backend="django.contrib.auth.backends.ModelBackend"
        )
    assert _get(client, "me").status_code == 403


def test_order_list_parameters_are_checked_and_huge_numbers_are_404(alpha):
    client = _client(alpha, _shopper_token(alpha, "ada@example.com"))
    _refused(_get(client, "me/orders", {"status": "paid"}), "status")
    _refused(_get(client, "me/orders", {"ordering": "total"}), "ordering")
    assert _get(client, f"me/orders/{10**30}").status_code == 404
