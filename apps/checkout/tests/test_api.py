"""The discount and gift card endpoints of the admin API (`/api/v1/discounts`,
`/api/v1/gift-cards`): through the real URLs with a key, as an integrator calls them."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.api.errors import ApiErrorCode
from apps.api.models import ApiKey
from apps.api.tests.factories import api_client, api_key_make
from apps.catalog.models import Collection
from apps.catalog.tests.factories import make_product
from apps.checkout.models import Discount, GiftCard
from apps.checkout.tests.factories import discount_make, gift_card_make

pytestmark = pytest.mark.django_db

DISCOUNTS = "/api/v1/discounts"
GIFT_CARDS = "/api/v1/gift-cards"


def _post(client: Any, path: str, body: Any, **extra: str) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json", **extra)


def _patch(client: Any, path: str, body: Any) -> Any:
    return client.patch(path, json.dumps(body), content_type="application/json")


def _in(world: Any, make: Any, *args: Any, **kwargs: Any) -> Any:
    with schema_context(world.tenant.schema_name):
        return make(*args, **kwargs)


def _demoted_key(world: Any, scopes: list[str], role: str) -> str:
    """A key created by an owner who has since been given `role`: it may do only what the role may."""
    key = api_key_make(world, scopes)
    with schema_context(world.tenant.schema_name):
        creator = ApiKey.objects.filter(prefix=key.split("_")[1]).values("created_by_id")
        User.objects.filter(pk__in=creator).update(store_role=role)
    return key


def _collection(handle: str) -> Collection:
    return Collection.objects.create(title=handle.title(), handle=handle)


# ------------------------------------------------------------------------------
# Discounts
# ------------------------------------------------------------------------------
def test_a_discount_is_created_read_and_listed(alpha):
    product = _in(alpha, make_product, "Linen shirt", sku_prefix="LS")
    _in(alpha, _collection, "summer")
    client = api_client(alpha, api_key_make(alpha, ["discounts:write"]))

    response = _post(
        client,
        DISCOUNTS,
        {
            "name": "Summer sale",
            "code": " summer10 ",
            "kind": "percentage",
            "value": "10",
            "products": [str(product.uuid)],
            "collections": ["summer"],
            "min_subtotal": "50",
            "ends_at": (timezone.now() + timedelta(days=30)).isoformat(),
            "once_per_customer": True,
        },
    )

    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data["code"] == "summer10" and data["kind"] == "percentage" and data["value"] == "10.00"
    assert data["products"] == [str(product.uuid)] and data["collections"] == ["summer"]
    assert data["min_subtotal"] == "50.00" and data["currency"] == "EUR"
    assert data["status"] == "active" and data["once_per_customer"] is True and data["times_used"] == 0
    detail = client.get(f"{DISCOUNTS}/{data['id']}").json()["data"]
    assert detail == data
    listed = client.get(DISCOUNTS).json()
    assert listed["meta"]["total"] == 1 and listed["data"][0]["id"] == data["id"]


def test_an_automatic_discount_has_no_code(alpha):
    client = api_client(alpha, api_key_make(alpha, ["discounts:write"]))
    response = _post(
        client,
        DISCOUNTS,
        {"name": "Free shipping", "automatic": True, "code": "IGNORED", "kind": "free_shipping"},
    )
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data["automatic"] is True and data["code"] == "" and data["value"] is None


def test_the_list_filters_by_active_code_and_status(alpha):
    _in(alpha, discount_make, code="SPRING")
    _in(alpha, discount_make, code="WINTER", active=False)
    _in(alpha, discount_make, code="LATER", starts_at=timezone.now() + timedelta(days=3))
    client = api_client(alpha, api_key_make(alpha, ["discounts:read"]))

    def codes(**params: str) -> list[str]:
        response = client.get(DISCOUNTS, params)
        assert response.status_code == 200, response.content
        return sorted(d["code"] for d in response.json()["data"])

    assert codes() == ["LATER", "SPRING", "WINTER"]
    assert codes(active="false") == ["WINTER"]
    assert codes(active="true") == ["LATER", "SPRING"]
    assert codes(code="spring") == ["SPRING"]
    assert codes(status="scheduled") == ["LATER"]
    assert codes(ordering="code") == ["LATER", "SPRING", "WINTER"]


def test_a_patch_changes_only_what_it_sends(alpha):
    first = _in(alpha, make_product, "Mug", sku_prefix="MUG")
    second = _in(alpha, make_product, "Cup", sku_prefix="CUP")
    discount = _in(alpha, discount_make, code="MUGS", value="15", products=[first], once_per_customer=True)
    client = api_client(alpha, api_key_make(alpha, ["discounts:write"]))

    response = _patch(client, f"{DISCOUNTS}/{discount.uuid}", {"value": "20", "products": [str(second.uuid)]})

    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert data["value"] == "20.00" and data["products"] == [str(second.uuid)]
    assert data["code"] == "MUGS" and data["once_per_customer"] is True and data["name"] == discount.name


def test_a_discount_is_deactivated_and_turned_back_on(alpha):
    discount = _in(alpha, discount_make, code="PAUSE")
    client = api_client(alpha, api_key_make(alpha, ["discounts:write"]))

    off = _post(client, f"{DISCOUNTS}/{discount.uuid}/deactivate", {})
    assert off.status_code == 200 and off.json()["data"]["status"] == "inactive"
    on = _patch(client, f"{DISCOUNTS}/{discount.uuid}", {"active": True})
    assert on.status_code == 200 and on.json()["data"]["status"] == "active"


def test_an_unused_discount_is_deleted_and_a_used_one_is_refused(alpha):
    unused = _in(alpha, discount_make, code="GONE")
    used = _in(alpha, discount_make, code="KEPT", times_used=1)
    client = api_client(alpha, api_key_make(alpha, ["discounts:write"]))

    assert client.delete(f"{DISCOUNTS}/{unused.uuid}").status_code == 204
    assert client.get(f"{DISCOUNTS}/{unused.uuid}").status_code == 404
    refused = client.delete(f"{DISCOUNTS}/{used.uuid}")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "discount_used"
    with schema_context(alpha.tenant.schema_name):
        assert Discount.objects.filter(pk=used.pk).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "percentage", "value": "10", "code": "X1"}, "name"),
        ({"name": "N", "value": "10", "code": "X1"}, "kind"),
        ({"name": "N", "kind": "percentage", "value": "abc", "code": "X1"}, "value"),
        ({"name": "N", "kind": "percentage", "value": "-5", "code": "X1"}, "value"),
        ({"name": "N", "kind": "percentage", "value": "150", "code": "X1"}, "value"),
        ({"name": "N", "kind": "fixed", "code": "X1"}, "value"),
        ({"name": "N", "kind": "bogus", "value": "10", "code": "X1"}, "kind"),
        ({"name": "N", "kind": "percentage", "value": "10"}, "code"),
        ({"name": "N", "kind": "percentage", "value": "10", "code": "has space!"}, "code"),
        ({"name": "N", "kind": "percentage", "value": "10", "code": "X1", "colour": "red"}, "colour"),
        ({"name": "N", "kind": "percentage", "value": "10", "code": "X1", "usage_limit": -1}, "usage_limit"),
        (
            {"name": "N", "kind": "percentage", "value": "10", "code": "X1", "usage_limit": "many"},
            "usage_limit",
        ),
        ({"name": "N", "kind": "percentage", "value": "10", "code": "X1", "products": "all"}, "products"),
        (
            {"name": "N", "kind": "percentage", "value": "10", "code": "X1", "products": ["nope"]},
            "products.0",
        ),
        (
            {"name": "N", "kind": "percentage", "value": "10", "code": "X1", "products": [str(uuid.uuid4())]},
            "products",
        ),
        (
            {"name": "N", "kind": "percentage", "value": "10", "code": "X1", "collections": ["nope"]},
            "collections",
        ),
        (
            {"name": "N", "kind": "buy_x_get_y", "code": "X1", "buy_quantity": 0, "get_quantity": 1},
            "buy_quantity",
        ),
        (
            {
                "name": "N",
                "kind": "percentage",
                "value": "10",
                "code": "X1",
                "starts_at": "2030-02-01T00:00:00Z",
                "ends_at": "2030-01-01T00:00:00Z",
            },
            "ends_at",
        ),
        ({"name": "N", "kind": "percentage", "value": "10", "code": "X1", "ends_at": "soon"}, "ends_at"),
        (
            {"name": "N", "kind": "percentage", "value": "10", "code": "X1", "min_subtotal": "-1"},
            "min_subtotal",
        ),
    ],
)
def test_bad_discount_bodies_are_400s_naming_the_field(alpha, body, field):
    client = api_client(alpha, api_key_make(alpha, ["discounts:write"]))
    response = _post(client, DISCOUNTS, body)
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"], response.json()
    with schema_context(alpha.tenant.schema_name):
        assert not Discount.objects.exists()


def test_a_taken_code_is_a_400_on_create_and_on_change(alpha):
    _in(alpha, discount_make, code="TAKEN")
    other = _in(alpha, discount_make, code="OTHER")
    _in(alpha, gift_card_make, code="GIFT-1234")
    client = api_client(alpha, api_key_make(alpha, ["discounts:write"]))
    for code in ("taken", "gift-1234"):
        response = _post(client, DISCOUNTS, {"name": "N", "kind": "percentage", "value": "5", "code": code})
        assert response.status_code == 400 and response.json()["error"]["fields"] == {"code": [ANY_MESSAGE]}
    changed = _patch(client, f"{DISCOUNTS}/{other.uuid}", {"code": "Taken"})
    assert changed.status_code == 400 and "code" in changed.json()["error"]["fields"]


class _AnyMessage:
    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and bool(other)


ANY_MESSAGE = _AnyMessage()


def test_malformed_json_and_unknown_filters_are_400s(alpha):
    client = api_client(alpha, api_key_make(alpha, ["discounts:write"]))
    broken = client.post(DISCOUNTS, "{not json", content_type="application/json")
    assert broken.status_code == 400 and broken.json()["error"]["code"] == ApiErrorCode.PARSE_ERROR
    for params in ({"colour": "red"}, {"active": "maybe"}, {"status": "shiny"}, {"ordering": "value"}):
        response = client.get(DISCOUNTS, params)
        assert response.status_code == 400, (params, response.content)
        assert set(response.json()["error"]["fields"]) == set(params)
    missing = _patch(client, f"{DISCOUNTS}/{uuid.uuid4()}", {"name": "x"})
    assert missing.status_code == 404


def test_a_read_key_cannot_write_discounts(alpha):
    discount = _in(alpha, discount_make, code="READ")
    reader = api_client(alpha, api_key_make(alpha, ["discounts:read"]))
    assert reader.get(f"{DISCOUNTS}/{discount.uuid}").status_code == 200
    for response in (
        _post(reader, DISCOUNTS, {"name": "N", "kind": "percentage", "value": "5", "code": "NEW"}),
        _patch(reader, f"{DISCOUNTS}/{discount.uuid}", {"name": "Renamed"}),
        reader.delete(f"{DISCOUNTS}/{discount.uuid}"),
        _post(reader, f"{DISCOUNTS}/{discount.uuid}/deactivate", {}),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == ApiErrorCode.SCOPE_MISSING
    other = api_client(alpha, api_key_make(alpha, ["gift_cards:write"]))
    assert other.get(DISCOUNTS).json()["error"]["code"] == ApiErrorCode.SCOPE_MISSING
    # a finance member's key cannot even read discounts: the role lacks discounts.manage
    finance = api_client(alpha, _demoted_key(alpha, ["discounts:read"], "finance"))
    assert finance.get(DISCOUNTS).status_code == 403


def test_discounts_do_not_cross_stores(alpha, beta):
    discount = _in(alpha, discount_make, code="ALPHAONLY")
    beta_key = api_key_make(beta)
    assert api_client(alpha, beta_key).get(DISCOUNTS).status_code == 401
    on_beta = api_client(beta, beta_key)
    path = f"{DISCOUNTS}/{discount.uuid}"
    assert on_beta.get(DISCOUNTS).json()["meta"]["total"] == 0
    assert on_beta.get(path).status_code == 404
    assert _patch(on_beta, path, {"name": "Stolen"}).status_code == 404
    assert on_beta.delete(path).status_code == 404
    assert _post(on_beta, f"{path}/deactivate", {}).status_code == 404
    with schema_context(alpha.tenant.schema_name):
        assert Discount.objects.get(pk=discount.pk).active is True


def _discounts(n: int, start: int) -> None:
    product = make_product(f"Q{start}", sku_prefix=f"Q{start}")
    collection = _collection(f"q-{start}")
    for i in range(start, start + n):
        discount_make(code=f"Q{i:03d}", products=[product], collections=[collection])


def test_the_discount_list_costs_the_same_queries_at_3_and_30_rows(alpha):
    client = api_client(alpha, api_key_make(alpha, ["discounts:read"]))
    counts = []
    for n, start in ((3, 0), (27, 100)):
        _in(alpha, _discounts, n, start)
        client.get(DISCOUNTS)  # warm: the key's last-used write happens once a minute
        with CaptureQueriesContext(connection) as queries:
            response = client.get(DISCOUNTS, {"per_page": 50})
        assert response.status_code == 200
        assert all(len(d["products"]) == 1 and len(d["collections"]) == 1 for d in response.json()["data"])
        counts.append(len(queries))
    assert len(response.json()["data"]) == 30
    assert counts[0] == counts[1] <= 10, counts


# ------------------------------------------------------------------------------
# Gift cards
# ------------------------------------------------------------------------------
ISSUE = {"amount": "50", "issued_to_email": "Ann@Example.com", "note": "Sorry for the wait"}


def test_issuing_answers_the_full_code_once_and_lists_mask_it(alpha):
    client = api_client(alpha, api_key_make(alpha, ["gift_cards:write"]))

    response = _post(client, GIFT_CARDS, ISSUE)

    assert response.status_code == 201, response.content
    data = response.json()["data"]
    code = data["code"]
    assert len(code) >= 16 and data["code_last4"] == code[-4:]
    assert data["balance"] == data["initial_balance"] == "50.00" and data["currency"] == "EUR"
    assert data["issued_to_email"] == "ann@example.com" and data["status"] == "active"
    assert [t["kind"] for t in data["transactions"]] == ["issued"] and data["transactions_total"] == 1
    listed = client.get(GIFT_CARDS)
    detail = client.get(f"{GIFT_CARDS}/{data['id']}")
    ledger = client.get(f"{GIFT_CARDS}/{data['id']}/transactions")
    for later in (listed, detail, ledger):
        assert later.status_code == 200
        assert code not in later.content.decode(), "a full code is answered only on issue"
    assert "code" not in listed.json()["data"][0] and listed.json()["data"][0]["code_last4"] == code[-4:]
    assert detail.json()["data"]["balance"] == "50.00"
    assert ledger.json()["data"][0] == {**data["transactions"][0]}
    with schema_context(alpha.tenant.schema_name):
        card = GiftCard.objects.get(uuid=data["id"])
        assert card.code == code and card.created_by is not None


def test_a_chosen_code_is_kept(alpha):
    client = api_client(alpha, api_key_make(alpha, ["gift_cards:write"]))
    response = _post(client, GIFT_CARDS, {"amount": "10.5", "code": "bday-2026"})
    assert response.status_code == 201, response.content
    assert response.json()["data"]["code"] == "BDAY-2026" and response.json()["data"]["balance"] == "10.50"


def test_issuing_with_an_idempotency_key_replays_and_refuses_another_body(alpha):
    client = api_client(alpha, api_key_make(alpha, ["gift_cards:write"]))

    first = _post(client, GIFT_CARDS, ISSUE, HTTP_IDEMPOTENCY_KEY="card-1")
    again = _post(client, GIFT_CARDS, ISSUE, HTTP_IDEMPOTENCY_KEY="card-1")
    other = _post(client, GIFT_CARDS, {**ISSUE, "amount": "60"}, HTTP_IDEMPOTENCY_KEY="card-1")

    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and again["Idempotent-Replayed"] == "true"
    assert other.status_code == 422
    assert other.json()["error"]["code"] == ApiErrorCode.IDEMPOTENCY_KEY_REUSED
    with schema_context(alpha.tenant.schema_name):
        assert GiftCard.objects.count() == 1
    assert _post(client, GIFT_CARDS, ISSUE, HTTP_IDEMPOTENCY_KEY="card-2").status_code == 201
    with schema_context(alpha.tenant.schema_name):
        assert GiftCard.objects.count() == 2


def test_a_card_is_topped_up_reduced_and_disabled(alpha):
    card = _in(alpha, gift_card_make, amount="50.00")
    client = api_client(alpha, api_key_make(alpha, ["gift_cards:write"]))
    path = f"{GIFT_CARDS}/{card.uuid}"

    up = _post(client, f"{path}/adjust", {"amount": "20", "note": "Goodwill"})
    assert up.status_code == 200, up.content
    assert up.json()["data"]["balance"] == "70.00" and up.json()["data"]["loaded_total"] == "70.00"
    down = _post(client, f"{path}/adjust", {"amount": "-5.25", "note": "Correction"})
    assert down.json()["data"]["balance"] == "64.75"
    assert [t["amount"] for t in down.json()["data"]["transactions"]] == ["-5.25", "20.00", "50.00"]
    too_much = _post(client, f"{path}/adjust", {"amount": "-100", "note": "Oops"})
    assert too_much.status_code == 400 and "amount" in too_much.json()["error"]["fields"]

    disabled = _post(client, f"{path}/disable", {})
    assert disabled.status_code == 200 and disabled.json()["data"]["status"] == "disabled"
    assert client.get(GIFT_CARDS, {"status": "disabled"}).json()["meta"]["total"] == 1
    assert client.get(GIFT_CARDS, {"last4": card.code[-4:]}).json()["meta"]["total"] == 1


def test_a_top_up_replayed_with_its_key_is_applied_once(alpha):
    card = _in(alpha, gift_card_make, amount="50.00")
    client = api_client(alpha, api_key_make(alpha, ["gift_cards:write"]))
    for _attempt in range(2):
        response = _post(
            client,
            f"{GIFT_CARDS}/{card.uuid}/adjust",
            {"amount": "10", "note": "Top"},
            HTTP_IDEMPOTENCY_KEY="t1",
        )
        assert response.json()["data"]["balance"] == "60.00"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "amount"),
        ({"amount": "lots"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"amount": "1e30"}, "amount"),
        ({"amount": "10", "issued_to_email": "not-an-email"}, "issued_to_email"),
        ({"amount": "10", "expires_at": "2001-01-01T00:00:00Z"}, "expires_at"),
        ({"amount": "10", "expires_at": "tomorrow"}, "expires_at"),
        ({"amount": "10", "code": "AB"}, "code"),
        ({"amount": "10", "code": "NO SPACES!"}, "code"),
        ({"amount": "10", "currency": "USD"}, "currency"),
        ({"amount": ["10"]}, "amount"),
    ],
)
def test_bad_issue_bodies_are_400s_naming_the_field(alpha, body, field):
    client = api_client(alpha, api_key_make(alpha, ["gift_cards:write"]))
    response = _post(client, GIFT_CARDS, body)
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"], response.json()
    with schema_context(alpha.tenant.schema_name):
        assert not GiftCard.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "0", "note": "x"}, "amount"),
        ({"amount": "abc", "note": "x"}, "amount"),
        ({"amount": "5"}, "note"),
        ({"amount": "5", "note": "x", "extra": 1}, "extra"),
        ({"amount": "999999999", "note": "a top-up past what a card can hold"}, "amount"),
    ],
)
def test_bad_adjust_bodies_are_400s_naming_the_field(alpha, body, field):
    card = _in(alpha, gift_card_make, amount="50.00")
    client = api_client(alpha, api_key_make(alpha, ["gift_cards:write"]))
    response = _post(client, f"{GIFT_CARDS}/{card.uuid}/adjust", body)
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    with schema_context(alpha.tenant.schema_name):
        assert GiftCard.objects.get(pk=card.pk).balance == Decimal("50.00")


def test_a_read_key_cannot_issue_adjust_or_disable(alpha):
    card = _in(alpha, gift_card_make, amount="50.00")
    reader = api_client(alpha, api_key_make(alpha, ["gift_cards:read"]))
    assert reader.get(f"{GIFT_CARDS}/{card.uuid}").status_code == 200
    for response in (
        _post(reader, GIFT_CARDS, ISSUE),
        _post(reader, f"{GIFT_CARDS}/{card.uuid}/adjust", {"amount": "5", "note": "x"}),
        _post(reader, f"{GIFT_CARDS}/{card.uuid}/disable", {}),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == ApiErrorCode.SCOPE_MISSING
    with schema_context(alpha.tenant.schema_name):
        assert GiftCard.objects.count() == 1 and GiftCard.objects.get().active


def test_gift_cards_do_not_cross_stores(alpha, beta):
    card = _in(alpha, gift_card_make, amount="50.00")
    beta_key = api_key_make(beta)
    assert api_client(alpha, beta_key).get(GIFT_CARDS).status_code == 401
    assert _post(api_client(alpha, beta_key), GIFT_CARDS, ISSUE).status_code == 401
    on_beta = api_client(beta, beta_key)
    path = f"{GIFT_CARDS}/{card.uuid}"
    assert on_beta.get(GIFT_CARDS).json()["meta"]["total"] == 0
    assert on_beta.get(path).status_code == 404
    assert on_beta.get(f"{path}/transactions").status_code == 404
    assert _post(on_beta, f"{path}/adjust", {"amount": "5", "note": "x"}).status_code == 404
    assert _post(on_beta, f"{path}/disable", {}).status_code == 404
    with schema_context(alpha.tenant.schema_name):
        stored = GiftCard.objects.get(pk=card.pk)
        assert stored.active and stored.balance == Decimal("50.00")


def test_the_gift_card_list_costs_the_same_queries_at_3_and_30_rows(alpha):
    client = api_client(alpha, api_key_make(alpha, ["gift_cards:read"]))
    counts = []
    for n in (3, 27):
        for _i in range(n):
            _in(alpha, gift_card_make, amount="25.00")
        client.get(GIFT_CARDS)  # warm: the key's last-used write happens once a minute
        with CaptureQueriesContext(connection) as queries:
            response = client.get(GIFT_CARDS, {"per_page": 50})
        assert response.status_code == 200
        counts.append(len(queries))
    assert len(response.json()["data"]) == 30
    assert counts[0] == counts[1] <= 10, counts
