"""Test data of the backups tests: a store with something of every kind in it."""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django_tenants.utils import schema_context

from apps.core.storage import private_storage


def store_fill(schema: str, label: str) -> dict[str, Any]:
    """Products (with a product image), an order paid by the dummy gateway, a published blog post
    with a Wagtail image, and a private file, in `schema`."""
    from apps.catalog.services import product_image_add
    from apps.catalog.tests.factories import make_product, png_upload
    from apps.content.tests.support import image_create, post_create
    from apps.orders.tests.factories import order_placed

    with schema_context(schema):
        products = [make_product(f"{label} shirt {n}", sku_prefix=f"{label.upper()}-{n}") for n in range(3)]
        image = product_image_add(product=products[0], upload=png_upload(f"{label}.png"))
        order = order_placed(email=f"shopper-{label}@example.com")
        post = post_create(f"{label} news")
        wagtail_image = image_create(f"{label} banner")
        private_name = private_storage().save(
            "imports/products.csv", ContentFile(f"sku\n{label}-1\n".encode())
        )
        assert image.image.name and default_storage.exists(image.image.name)
        return {
            "products": products,
            "order": order,
            "post": post,
            "image": image,
            "wagtail_image": wagtail_image,
            "private_name": private_name,
        }
