"""Categories in the dashboard: the tree with product counts, create, move, refusal of cycles,
and deletion after a confirmation (refused while subcategories exist)."""

from __future__ import annotations

import pytest

from apps.catalog.models import Category, Product
from apps.catalog.services import category_save
from apps.catalog.tests.dashboard.helpers import BASE, in_store, staff_client
from apps.catalog.tests.factories import make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(alpha):
    with in_store(alpha):
        clothing = category_save(category=Category(), name="Clothing", parent=None)
        shirts = category_save(category=Category(), name="Shirts", parent=clothing)
        polo = category_save(category=Category(), name="Polo", parent=shirts)
        shoes = category_save(category=Category(), name="Shoes", parent=None)
        make_product("Linen Shirt", category_id=shirts.pk)
        make_product("Oxford Shirt", category_id=shirts.pk)
    return {"clothing": clothing, "shirts": shirts, "polo": polo, "shoes": shoes}


def test_the_tree_is_indented_by_depth_with_product_counts(alpha, tree):
    client = staff_client(alpha)
    response = client.get(f"{BASE}/categories/")
    rows = [(c.name, c.depth, c.product_count) for c in response.context["page"].object_list]
    assert rows == [("Clothing", 0, 0), ("Shirts", 1, 2), ("Polo", 2, 0), ("Shoes", 0, 0)]
    content = response.content.decode()
    assert 'style="--depth: 2"' in content
    assert f'{BASE}/products/?category={tree["shirts"].pk}">2</a>' in content


def test_an_empty_tree_says_how_to_start(alpha):
    content = staff_client(alpha).get(f"{BASE}/categories/").content.decode()
    assert "No categories yet." in content


def test_create_a_category_under_a_parent(alpha, tree):
    client = staff_client(alpha)
    form = client.get(f"{BASE}/categories/new/").content.decode()
    assert "— — Polo" in form  # the parent select shows the tree
    response = client.post(
        f"{BASE}/categories/new/", {"name": "T-Shirts", "parent": str(tree["clothing"].pk), "description": ""}
    )
    assert response.status_code == 302
    with in_store(alpha):
        created = Category.objects.get(name="T-Shirts")
        assert (created.path, created.depth) == ("clothing/t-shirts", 1)


def test_move_a_category_moves_its_subtree(alpha, tree):
    client = staff_client(alpha)
    response = client.post(
        f"{BASE}/categories/{tree['shirts'].pk}/",
        {"name": "Shirts", "parent": str(tree["shoes"].pk), "description": "Moved"},
    )
    assert response.status_code == 302
    with in_store(alpha):
        assert Category.objects.get(pk=tree["polo"].pk).path == "shoes/shirts/polo"


@pytest.mark.parametrize("target", ["shirts", "polo"])
def test_moving_a_category_under_itself_is_refused_on_the_parent_field(alpha, tree, target):
    client = staff_client(alpha)
    response = client.post(
        f"{BASE}/categories/{tree['shirts'].pk}/",
        {"name": "Shirts", "parent": str(tree[target].pk), "description": ""},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["parent"] == ["A category cannot be moved under itself."]
    with in_store(alpha):
        assert Category.objects.get(pk=tree["shirts"].pk).path == "clothing/shirts"


def test_a_category_without_a_name_is_refused(alpha):
    response = staff_client(alpha).post(f"{BASE}/categories/new/", {"name": " ", "parent": ""})
    assert response.status_code == 200
    with in_store(alpha):
        assert not Category.objects.exists()


def test_delete_asks_first_and_is_refused_while_subcategories_exist(alpha, tree):
    client = staff_client(alpha)
    url = f"{BASE}/categories/{tree['shirts'].pk}/delete/"
    confirm = client.get(url).content.decode()
    assert "Delete category “Shirts”?" in confirm
    assert "2 products keep existing without a category." in confirm

    refused = client.post(url)
    assert refused.status_code == 200
    assert "Move or delete the subcategories first." in refused.content.decode()
    with in_store(alpha):
        assert Category.objects.filter(pk=tree["shirts"].pk).exists()

    client.post(f"{BASE}/categories/{tree['polo'].pk}/delete/")
    done = client.post(url)
    assert done.status_code == 302
    with in_store(alpha):
        assert not Category.objects.filter(name__in=["Shirts", "Polo"]).exists()
        assert Product.objects.filter(category__isnull=True).count() == 2
