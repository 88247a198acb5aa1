"""A store's catalog in bulk, for the storefront's query-count tests and benchmarks.

`catalog_bulk_build` fills the *current* schema (call it inside `schema_context`) with N active
products in a few INSERTs (bulk_create), not N service calls: one category, one manual
collection holding every product, one variant each in stock at one warehouse, search vectors
and search terms refreshed as the services would. `variants_bulk_add` gives one product a
"Size" option with V values and one variant per value, all in stock.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from apps.catalog.models import (
    Category,
    Collection,
    CollectionProduct,
    Product,
    ProductOption,
    ProductOptionValue,
    ProductVariant,
)
from apps.catalog.services import category_save, collection_save, product_search_vector_refresh
from apps.inventory.models import Location, StockLevel

WORDS = ("Linen", "Cotton", "Wool", "Canvas", "Denim", "Silk", "Hemp", "Fleece")
KINDS = ("Shirt", "Hoodie", "Jacket", "Scarf", "Tote", "Beanie")


@dataclass(frozen=True)
class BulkCatalog:
    category: Category
    collection: Collection
    location: Location
    products: list[Product]


def _location(code: str) -> Location:
    return Location.objects.filter(code=code).first() or Location.objects.create(name="Warehouse", code=code)


def catalog_bulk_build(*, products: int, prefix: str = "bulk", price: str = "24.00") -> BulkCatalog:
    category = category_save(category=Category(), name=f"{prefix.title()} Clothing", parent=None)
    location = _location(f"{prefix}-main")
    made = Product.objects.bulk_create(
        [
            Product(
                title=f"{WORDS[i % len(WORDS)]} {KINDS[i % len(KINDS)]} {prefix} {i:04d}",
                handle=f"{prefix}-{i:04d}",
                status=Product.Status.ACTIVE,
                vendor="Bulk Mills",
                product_type=KINDS[i % len(KINDS)],
                description=f"A {WORDS[i % len(WORDS)].lower()} piece, number {i}.",
                category=category,
            )
            for i in range(products)
        ]
    )
    variants = ProductVariant.objects.bulk_create(
        [
            ProductVariant(
                product=product,
                sku=f"{prefix.upper()}-{i:04d}",
                price=Decimal(price) + i % 7,
                compare_at_price=Decimal(price) + 10 if i % 5 == 0 else None,
            )
            for i, product in enumerate(made)
        ]
    )
    StockLevel.objects.bulk_create(
        [StockLevel(variant=variant, location=location, on_hand=50) for variant in variants]
    )
    collection = collection_save(
        collection=Collection(), title=f"{prefix.title()} Picks", kind=Collection.Kind.MANUAL
    )
    CollectionProduct.objects.bulk_create(
        [
            CollectionProduct(collection=collection, product=product, position=i)
            for i, product in enumerate(made)
        ]
    )
    product_search_vector_refresh(product_ids=[product.pk for product in made])
    return BulkCatalog(category=category, collection=collection, location=location, products=made)


def variants_bulk_add(
    *, product: Product, count: int, location: Location, price: str = "30.00"
) -> list[ProductVariant]:
    """Replace `product`'s variants with `count` sizes, each in stock."""
    ProductVariant.objects.filter(product=product).delete()
    option = ProductOption.objects.create(product=product, name="Size", position=0)
    values = ProductOptionValue.objects.bulk_create(
        [ProductOptionValue(option=option, value=f"EU {30 + i}", position=i) for i in range(count)]
    )
    variants = ProductVariant.objects.bulk_create(
        [
            ProductVariant(
                product=product,
                sku=f"{product.handle.upper()}-V{i:03d}",
                title=value.value,
                price=Decimal(price) + i,
                position=i,
            )
            for i, value in enumerate(values)
        ]
    )
    through = ProductVariant.option_values.through
    through.objects.bulk_create(
        [
            through(productvariant_id=variant.pk, productoptionvalue_id=value.pk)
            for variant, value in zip(variants, values, strict=True)
        ]
    )
    StockLevel.objects.bulk_create(
        [StockLevel(variant=variant, location=location, on_hand=20) for variant in variants]
    )
    return variants
