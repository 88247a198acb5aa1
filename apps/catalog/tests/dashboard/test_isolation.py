"""Store B's staff can neither see nor change store A's catalog through the dashboard, and A's
image files are not served on B's host."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from apps.catalog.models import Category, Collection, ImportRun, Product, ProductImage
from apps.catalog.tests.dashboard.helpers import (
    BASE,
    catalog_world,
    in_store,
    page_urls,
    product_post,
    staff_client,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def a_objects(alpha, media_cleanup):
    return catalog_world(alpha, media_cleanup)


def test_store_b_staff_get_404_for_store_a_catalog_pages(alpha, beta, a_objects):
    client_b = staff_client(beta, "staff-b@example.com")
    for url in page_urls(a_objects):
        if url.rstrip("/").endswith(
            ("products", "new", "export.csv", "categories", "collections", "imports")
        ):
            continue  # list and create pages exist on every store (they show B's own data)
        assert client_b.get(url).status_code == 404, url
    # and B's own lists show none of A's data
    for url in (f"{BASE}/products/", f"{BASE}/categories/", f"{BASE}/collections/", f"{BASE}/imports/"):
        content = client_b.get(url).content.decode()
        for secret in (">Linen Shirt<", ">Clothing<", ">Summer<", str(a_objects["run"].uuid)):
            assert secret not in content, (url, secret)


def test_store_b_staff_cannot_change_store_a_catalog_by_post(alpha, beta, a_objects):
    product, image = a_objects["product"], a_objects["image"]
    category, collection = a_objects["category"], a_objects["collection"]
    client_b = staff_client(beta, "staff-b@example.com")
    png = io.BytesIO()
    Image.new("RGB", (8, 8)).save(png, format="PNG")
    posts = {
        f"{BASE}/products/{product.uuid}/": product_post(
            title="Hijacked", rows=[{"sku": "H-1", "price": "1"}]
        ),
        f"{BASE}/products/{product.uuid}/delete/": {},
        f"{BASE}/products/{product.uuid}/images/": {"image": SimpleUploadedFile("x.png", png.getvalue())},
        f"{BASE}/products/{product.uuid}/images/{image.pk}/alt/": {"alt": "hijacked"},
        f"{BASE}/products/{product.uuid}/images/{image.pk}/move/": {"direction": "down"},
        f"{BASE}/products/{product.uuid}/images/{image.pk}/delete/": {},
        f"{BASE}/categories/{category.pk}/": {"name": "Hijacked", "parent": ""},
        f"{BASE}/categories/{category.pk}/delete/": {},
        f"{BASE}/collections/{collection.pk}/edit/": {"title": "Hijacked", "kind": "manual", "match": "all"},
        f"{BASE}/collections/{collection.pk}/delete/": {},
    }
    for url, data in posts.items():
        assert client_b.post(url, data).status_code == 404, url

    # bulk actions with A's product UUIDs find nothing on B
    bulk = {"action": "delete", "products": [str(product.uuid)], "confirm": "1"}
    refused = client_b.post(f"{BASE}/products/bulk/", bulk, follow=True)
    assert "None of the selected products exist any more." in refused.content.decode()
    # nor can a manual collection on B pull in A's product
    client_b.post(
        f"{BASE}/collections/new/",
        {
            "title": "Grab",
            "kind": "manual",
            "match": "all",
            "products": [str(product.uuid)],
            "rules-TOTAL_FORMS": "0",
            "rules-INITIAL_FORMS": "0",
        },
    )

    with in_store(alpha):
        assert Product.objects.get(pk=product.pk).title == "Linen Shirt"
        assert ProductImage.objects.get(pk=image.pk).alt == "front"
        assert ProductImage.objects.filter(product=product).count() == 1
        assert Category.objects.get(pk=category.pk).name == "Clothing"
        assert Collection.objects.get(pk=collection.pk).title == "Summer"
        assert ImportRun.objects.filter(pk=a_objects["run"].pk).exists()
    with in_store(beta):
        assert not Product.objects.exists()
        grab = Collection.objects.get(title="Grab")
        assert not grab.products.exists()


def test_store_a_image_files_are_not_served_on_store_b(alpha, beta, a_objects):
    with in_store(alpha):
        image = ProductImage.objects.get(pk=a_objects["image"].pk)
        urls = [image.image.url, image.thumbnail.url]
    client_a, client_b = staff_client(alpha), staff_client(beta, "staff-b@example.com")
    for url in urls:
        assert url.startswith(f"/media/{alpha.tenant.schema_name}/products/")
        assert client_a.get(url).status_code == 200
        assert client_b.get(url).status_code == 404
