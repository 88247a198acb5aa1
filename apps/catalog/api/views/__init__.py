"""The catalog's admin endpoints: products with their variants and images, and collections.

Each view checks the shape of the body, calls the catalog service the dashboard uses, and
answers the written object as the list and detail endpoints show it. Products are addressed by
their uuid, variants by SKU under their product, images by id under their product, collections
by handle; anything of another store is simply not found (its own schema)."""

from __future__ import annotations

from apps.catalog.api.views.collections import (
    CollectionDetail,
    CollectionList,
    CollectionProductRemove,
    CollectionProducts,
)
from apps.catalog.api.views.images import ImageDetail, ImageList
from apps.catalog.api.views.products import ProductDetail, ProductList, VariantDetail, VariantList

__all__ = [
    "CollectionDetail",
    "CollectionList",
    "CollectionProductRemove",
    "CollectionProducts",
    "ImageDetail",
    "ImageList",
    "ProductDetail",
    "ProductList",
    "VariantDetail",
    "VariantList",
]
