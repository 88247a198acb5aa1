"""Collections in the dashboard: manual (chosen products, in order) and rule-based (conditions
matched all/any), the detail page listing their products, and deletion after a confirmation."""

from __future__ import annotations

from typing import Any

import pytest

from apps.catalog.models import Collection, Product
from apps.catalog.services import collection_save
from apps.catalog.tests.dashboard.helpers import BASE, in_store, staff_client
from apps.catalog.tests.factories import make_product

pytestmark = pytest.mark.django_db


def _collection_post(rules: list[dict[str, str]] | None = None, **fields: Any) -> dict[str, Any]:
    rules = rules or []
    data: dict[str, Any] = {
        "title": "Summer",
        "description": "",
        "kind": "manual",
        "match": "all",
        "rules-TOTAL_FORMS": "5",
        "rules-INITIAL_FORMS": "0",
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "5",
    }
    for index in range(5):
        rule = rules[index] if index < len(rules) else {}
        data[f"rules-{index}-field"] = rule.get("field", "")
        data[f"rules-{index}-op"] = rule.get("op", "equals")
        data[f"rules-{index}-value"] = rule.get("value", "")
    data.update(fields)
    return data


@pytest.fixture
def goods(alpha):
    with in_store(alpha):
        return {
            "shirt": make_product("Linen Shirt", vendor="Acme", tags=("summer",), price="30.00"),
            "sweater": make_product("Wool Sweater", vendor="Knitworks", price="80.00"),
            "cap": make_product("Sun Cap", vendor="Acme", tags=("summer",), price="15.00"),
        }


def test_a_manual_collection_keeps_the_chosen_products_in_order(alpha, goods):
    client = staff_client(alpha)
    form = client.get(f"{BASE}/collections/new/").content.decode()
    assert "Linen Shirt" in form and 'name="products"' in form
    chosen = [str(goods["cap"].uuid), str(goods["shirt"].uuid)]
    response = client.post(f"{BASE}/collections/new/", {**_collection_post(), "products": chosen})
    assert response.status_code == 302
    with in_store(alpha):
        collection = Collection.objects.get(title="Summer")
        assert response["Location"] == f"{BASE}/collections/{collection.pk}/"
    detail = client.get(response["Location"])
    assert [p.title for p in detail.context["page"].object_list] == ["Sun Cap", "Linen Shirt"]

    # the edit page shows the members ticked; unticking one removes it
    edit = client.get(f"{BASE}/collections/{collection.pk}/edit/").content.decode()
    assert f'value="{goods["cap"].uuid}" checked' in edit
    client.post(
        f"{BASE}/collections/{collection.pk}/edit/",
        {**_collection_post(), "products": [str(goods["shirt"].uuid)]},
    )
    with in_store(alpha):
        assert list(collection.products.values_list("title", flat=True)) == ["Linen Shirt"]


def test_the_product_picker_searches(alpha, goods):
    response = staff_client(alpha).get(f"{BASE}/collections/new/", {"q": "sweatr"})
    assert [p.title for p in response.context["candidates"]] == ["Wool Sweater"]


def test_a_rule_based_collection_matches_by_conditions(alpha, goods):
    client = staff_client(alpha)
    rules = [
        {"field": "vendor", "op": "equals", "value": "Acme"},
        {"field": "price", "op": "gt", "value": "20"},
    ]
    response = client.post(
        f"{BASE}/collections/new/", _collection_post(rules, title="Acme over 20", kind="rules")
    )
    assert response.status_code == 302
    detail = client.get(response["Location"])
    assert [p.title for p in detail.context["page"].object_list] == ["Linen Shirt"]
    assert "Vendor is equal to “Acme”" in detail.content.decode()

    with in_store(alpha):
        collection = Collection.objects.get(title="Acme over 20")
    client.post(
        f"{BASE}/collections/{collection.pk}/edit/",
        _collection_post(rules, title="Acme over 20", kind="rules", match="any"),
    )
    any_detail = client.get(f"{BASE}/collections/{collection.pk}/")
    assert {p.title for p in any_detail.context["page"].object_list} == {
        "Linen Shirt",
        "Sun Cap",
        "Wool Sweater",
    }


def test_incomplete_rules_are_refused_with_the_reason(alpha, goods):
    client = staff_client(alpha)
    none = client.post(f"{BASE}/collections/new/", _collection_post(kind="rules"))
    assert "A rule-based collection needs at least one condition." in none.content.decode()
    bad_price = client.post(
        f"{BASE}/collections/new/",
        _collection_post([{"field": "price", "op": "gt", "value": "cheap"}], kind="rules"),
    )
    assert "Condition 1 needs a number." in bad_price.content.decode()
    blank_value = client.post(
        f"{BASE}/collections/new/",
        _collection_post(
            [{"field": "vendor", "op": "equals", "value": ""}, {"field": "", "value": "x"}], kind="rules"
        ),
    )
    assert "Condition 1 is incomplete or unknown." in blank_value.content.decode()
    with in_store(alpha):
        assert not Collection.objects.exists()


def test_collections_list_and_empty_states(alpha, goods):
    client = staff_client(alpha)
    assert "No collections yet." in client.get(f"{BASE}/collections/").content.decode()
    with in_store(alpha):
        collection = collection_save(collection=Collection(), title="Empty", kind=Collection.Kind.MANUAL)
    listing = client.get(f"{BASE}/collections/").content.decode()
    assert "Empty" in listing and "Manual" in listing
    detail = client.get(f"{BASE}/collections/{collection.pk}/").content.decode()
    assert "No products in this collection yet." in detail


def test_delete_a_collection_asks_first_and_keeps_its_products(alpha, goods):
    with in_store(alpha):
        collection = collection_save(
            collection=Collection(),
            title="Doomed",
            kind=Collection.Kind.MANUAL,
            product_ids=[goods["cap"].pk],
        )
    client = staff_client(alpha)
    url = f"{BASE}/collections/{collection.pk}/delete/"
    assert "Delete collection “Doomed”?" in client.get(url).content.decode()
    with in_store(alpha):
        assert Collection.objects.filter(pk=collection.pk).exists()
    assert client.post(url).status_code == 302
    with in_store(alpha):
        assert not Collection.objects.filter(pk=collection.pk).exists()
        assert Product.objects.filter(pk=goods["cap"].pk).exists()
