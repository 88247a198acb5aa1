"""Helpers of the catalog's dashboard tests: clients signed in with a role, form posts, and one
of everything the catalog pages show."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django_tenants.utils import schema_context

from apps.catalog.models import Category, Collection, ImportRun, Product
from apps.catalog.services import (
    ImportProblem,
    category_save,
    collection_save,
    import_run_problems_add,
    product_image_add,
)
from apps.catalog.tests.factories import make_product, png_upload
from tests.fixtures import StoreWorld, make_store_user, store_client

BASE = "/dashboard/catalog"


def role_client(world: StoreWorld, role: str, email: str | None = None) -> Client:
    """A client on the store's host, signed in as a staff member of that store with `role`."""
    user = make_store_user(world, email or f"{role}@example.com", role=role)
    client = store_client(world)
    with schema_context(world.tenant.schema_name):
        client.force_login(user)
    return client


def staff_client(world: StoreWorld, email: str = "staff@example.com") -> Client:
    """A client on the store's host, logged in as a staff user of that store."""
    user = make_store_user(world, email, staff=True)
    client = store_client(world)
    with schema_context(world.tenant.schema_name):
        client.force_login(user)
    return client


def shopper_client(world: StoreWorld, email: str = "shopper@example.com") -> Client:
    user = make_store_user(world, email)
    client = store_client(world)
    with schema_context(world.tenant.schema_name):
        client.force_login(user)
    return client


def in_store(world: StoreWorld) -> Any:
    return schema_context(world.tenant.schema_name)


def product_post(**overrides: Any) -> dict[str, Any]:
    """A product editor submission: one variant row unless `rows` is given."""
    rows = overrides.pop("rows", [{"sku": "TEE-1", "price": "12.50"}])
    data: dict[str, Any] = {
        "title": "Basic Tee",
        "handle": "",
        "description": "",
        "status": "draft",
        "product_type": "",
        "vendor": "",
        "tags": "",
        "seo_title": "",
        "seo_description": "",
        "category": "",
        "option1_name": "",
        "option1_values": "",
        "option2_name": "",
        "option2_values": "",
        "option3_name": "",
        "option3_values": "",
        "variants-TOTAL_FORMS": str(len(rows)),
        "variants-INITIAL_FORMS": "0",
        "variants-MIN_NUM_FORMS": "0",
        "variants-MAX_NUM_FORMS": "100",
    }
    for index, row in enumerate(rows):
        for name in (
            "option1",
            "option2",
            "option3",
            "sku",
            "price",
            "compare_at_price",
            "cost",
            "weight_grams",
            "barcode",
        ):
            data[f"variants-{index}-{name}"] = row.get(name, "")
        if row.get("DELETE"):
            data[f"variants-{index}-DELETE"] = "on"
    data.update(overrides)
    return data


def catalog_world(world: StoreWorld, media: list[tuple[str, Product]]) -> dict[str, Any]:
    """One of everything the catalog pages show, in `world`'s store."""
    with in_store(world):
        product = make_product("Linen Shirt", variants=2)
        image = product_image_add(product=product, upload=png_upload(), alt="front")
        media.append((world.tenant.schema_name, product))
        category = category_save(category=Category(), name="Clothing", parent=None)
        collection = collection_save(
            collection=Collection(), title="Summer", kind=Collection.Kind.MANUAL, product_ids=[product.pk]
        )
        run = ImportRun.objects.create(kind=ImportRun.Kind.PRODUCT_CSV, status=ImportRun.Status.PARTIAL)
        import_run_problems_add(
            run=run,
            problems=[ImportProblem(row=3, column="price", code="amount_invalid", params={"value": "abc"})],
        )
    return {"product": product, "image": image, "category": category, "collection": collection, "run": run}


def page_urls(objects: dict[str, Any]) -> list[str]:
    product, image = objects["product"], objects["image"]
    category, collection, run = objects["category"], objects["collection"], objects["run"]
    return [
        f"{BASE}/products/",
        f"{BASE}/products/new/",
        f"{BASE}/products/export.csv",
        f"{BASE}/products/{product.uuid}/",
        f"{BASE}/products/{product.uuid}/delete/",
        f"{BASE}/products/{product.uuid}/images/{image.pk}/delete/",
        f"{BASE}/categories/",
        f"{BASE}/categories/new/",
        f"{BASE}/categories/{category.pk}/",
        f"{BASE}/categories/{category.pk}/delete/",
        f"{BASE}/collections/",
        f"{BASE}/collections/new/",
        f"{BASE}/collections/{collection.pk}/",
        f"{BASE}/collections/{collection.pk}/edit/",
        f"{BASE}/collections/{collection.pk}/delete/",
        f"{BASE}/imports/",
        f"{BASE}/imports/new/",
        f"{BASE}/imports/{run.uuid}/",
        f"{BASE}/imports/{run.uuid}/status/",
        f"{BASE}/imports/{run.uuid}/report.csv",
    ]
