"""One variant at a time (the admin API's variant endpoints): add, change or remove a variant
of a product through `product_update`, the one path that writes a product's options and
variants, so every rule of the product editor (SKU uniqueness, money normalisation, option
combinations, at least one variant, the `product.updated` event) holds here too.

Variants are matched by SKU on a product update, so a new SKU would replace the variant (and
drop its stock); `variant_change` renames the row first, so the variant keeps its id, stock
levels and history.
"""

from __future__ import annotations

from dataclasses import replace

from django.db import IntegrityError, transaction

from apps.accounts.models import User
from apps.catalog import normalise
from apps.catalog.errors import CatalogError, CatalogErrorCode
from apps.catalog.models import Product, ProductVariant
from apps.catalog.services.products import ProductInput, VariantInput, product_update


def variant_input_of(variant: ProductVariant) -> VariantInput:
    """What `variant` holds, as the input that would write it again unchanged."""
    values = sorted(variant.option_values.all(), key=lambda value: (value.option.position, value.option_id))
    return VariantInput(
        sku=variant.sku,
        price=variant.price,
        compare_at_price=variant.compare_at_price,
        cost=variant.cost,
        weight_grams=variant.weight_grams,
        barcode=variant.barcode,
        options=tuple((value.option.name, value.value) for value in values),
    )


def product_input_of(product: Product, *, variants: tuple[VariantInput, ...] | None = None) -> ProductInput:
    """What `product` holds (with `variants`, or its own), as the input that would write it
    again unchanged: the base a partial change is applied to."""
    if variants is None:
        own = product.variants.prefetch_related("option_values__option").order_by("position", "id")
        variants = tuple(variant_input_of(variant) for variant in own)
    return ProductInput(
        title=product.title,
        handle=product.handle,
        description=product.description,
        status=product.status,
        product_type=product.product_type,
        vendor=product.vendor,
        tags=tuple(product.tags),
        seo_title=product.seo_title,
        seo_description=product.seo_description,
        category_id=product.category_id,
        variants=variants,
    )


def _current(product: Product) -> list[VariantInput]:
    return list(product_input_of(product).variants)


@transaction.atomic
def variant_add(*, product: Product, data: VariantInput, actor: User | None = None) -> ProductVariant:
    """Add a variant (its SKU must be new to the store) at the end of the product's variants."""
    sku = normalise.sku_clean(data.sku)
    variants = _current(product)
    if any(existing.sku == sku for existing in variants):
        raise CatalogError(CatalogErrorCode.SKU_REPEATED, {"sku": sku}, field="sku")
    product_update(
        product=product,
        data=product_input_of(product, variants=(*variants, replace(data, sku=sku))),
        actor=actor,
    )
    return ProductVariant.objects.get(product=product, sku=sku)


@transaction.atomic
def variant_change(
    *, product: Product, variant: ProductVariant, data: VariantInput, actor: User | None = None
) -> ProductVariant:
    """Write `data` over `variant` (a whole VariantInput: merge a partial change into
    `variant_input_of(variant)` first). A new SKU renames the variant in place."""
    sku = normalise.sku_clean(data.sku)
    if sku != variant.sku:
        if ProductVariant.objects.filter(sku=sku).exclude(pk=variant.pk).exists():
            raise CatalogError(CatalogErrorCode.SKU_TAKEN, {"sku": sku}, field="sku")
        try:
            with transaction.atomic():
                ProductVariant.objects.filter(pk=variant.pk).update(sku=sku)
        except IntegrityError as exc:  # taken by a concurrent write since the check
            raise CatalogError(CatalogErrorCode.SKU_TAKEN, {"sku": sku}, field="sku") from exc
        variant.sku = sku
    variants = [replace(data, sku=sku) if existing.sku == sku else existing for existing in _current(product)]
    product_update(product=product, data=product_input_of(product, variants=tuple(variants)), actor=actor)
    return ProductVariant.objects.get(pk=variant.pk)


@transaction.atomic
def variant_remove(*, product: Product, variant: ProductVariant, actor: User | None = None) -> None:
    """Delete a variant with its stock levels; a product keeps at least one variant."""
    variants = tuple(existing for existing in _current(product) if existing.sku != variant.sku)
    product_update(product=product, data=product_input_of(product, variants=variants), actor=actor)
