"""Product writes: a product with its options and variants (the one path the dashboard editor
and supplier imports take), deletes, bulk edits, and the supplier-sync state other apps record.

Every field goes through `apps.catalog.normalise`, the normalisation the CSV importer uses too.
Writes that change what shoppers can see emit a product event on commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.search import SearchVector
from django.db import IntegrityError, transaction
from django.db.models import F, Func, QuerySet, TextField, Value
from django.utils import timezone
from django.utils.text import slugify

from apps.accounts.models import User
from apps.billing.limits import Limit, store_limit_check
from apps.catalog import normalise
from apps.catalog.changes import catalog_data_changed
from apps.catalog.errors import CatalogError, CatalogErrorCode
from apps.catalog.models import (
    Category,
    Collection,
    Product,
    ProductImage,
    ProductOption,
    ProductOptionValue,
    ProductVariant,
)
from apps.catalog.services.search_terms import search_terms_add
from apps.core.events import event_emit, event_emit_many
from apps.core.money import money_quantize
from apps.stores.selectors import store_currency_get

MONEY_PLACES = normalise.MONEY_PLACES


@dataclass(frozen=True)
class VariantInput:
    sku: str
    price: Decimal
    compare_at_price: Decimal | None = None
    cost: Decimal | None = None
    weight_grams: int | None = None
    barcode: str = ""
    options: tuple[tuple[str, str], ...] = ()  # (("Size", "L"), ("Colour", "Red"))


@dataclass(frozen=True)
class ProductInput:
    title: str
    variants: tuple[VariantInput, ...]
    handle: str = ""
    description: str = ""
    status: str = Product.Status.DRAFT
    product_type: str = ""
    vendor: str = ""
    tags: tuple[str, ...] = ()
    seo_title: str = ""
    seo_description: str = ""
    category_id: int | None = None
    extra: dict[str, str] = field(default_factory=dict)


# ------------------------------------------------------------------------------
# helpers shared with the bulk edits, the CSV writer and the other catalog services
# ------------------------------------------------------------------------------
def tags_clean(tags: Iterable[str]) -> list[str]:
    return normalise.tags_clean(list(tags))


def tags_changed(tags: Iterable[str], *, add: Iterable[str] = (), remove: Iterable[str] = ()) -> list[str]:
    """`tags` with `add` appended and `remove` taken out, cleaned (bulk edits and their preview)."""
    removed = set(tags_clean(remove))
    return [tag for tag in tags_clean([*tags, *add]) if tag not in removed]


def price_changed(price: Decimal, *, percent: Decimal, currency: str) -> Decimal:
    """`price` raised (or lowered, for a negative `percent`) by `percent` %, rounded to the
    currency's minor units."""
    return money_quantize(price * (Decimal(100) + percent) / Decimal(100), currency)


def handle_unique(
    value: str, *, model: type[Product] | type[Collection] | type[Category], exclude_pk: int | None = None
) -> str:
    field_name = "slug" if model is Category else "handle"
    base = slugify(value)[:200] or "item"
    candidate, counter = base, 2
    existing = model.objects.all()
    if exclude_pk is not None:
        existing = existing.exclude(pk=exclude_pk)
    while existing.filter(**{field_name: candidate}).exists():
        candidate = f"{base}-{counter}"
        counter += 1
    return candidate


def product_search_vector_refresh(*, product_ids: Iterable[int]) -> None:
    ids = list(product_ids)
    config = settings.CATALOG_SEARCH_CONFIG
    Product.objects.filter(pk__in=ids).update(
        search_vector=(
            SearchVector("title", weight="A", config=config)
            + SearchVector("vendor", "product_type", weight="B", config=config)
            + SearchVector(
                Func(F("tags"), Value(" "), function="array_to_string", output_field=TextField()),
                weight="B",
                config=config,
            )
            + SearchVector("description", weight="C", config=config)
        )
    )
    search_terms_add(product_ids=ids)


def product_event_payload(product: Product) -> dict[str, str]:
    return {"product_uuid": str(product.uuid), "handle": product.handle, "title": product.title}


def product_event_emit(name: str, product: Product) -> None:
    catalog_data_changed()
    event_emit(name=name, payload=product_event_payload(product))


def _amount(value: Decimal | None, *, column: str, sku: str, currency: str) -> Decimal | None:
    """A variant's amount through the shared money rule, in the store's currency; a refusal
    names the variant."""
    if value is None:
        return None
    try:
        return normalise.money_parse(value, currency=currency)
    except CatalogError as error:
        if error.code == CatalogErrorCode.VALUE_NEGATIVE:
            raise CatalogError(
                CatalogErrorCode.AMOUNT_NEGATIVE, {"field": column, "sku": sku}, field=column
            ) from error
        raise CatalogError(CatalogErrorCode(error.code), error.params, field=column) from error


# ------------------------------------------------------------------------------
# one product
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Variant:
    sku: str
    price: Decimal
    compare_at_price: Decimal | None
    cost: Decimal | None
    weight_grams: int | None
    barcode: str
    options: tuple[tuple[str, str], ...]


def _variants_clean(variants: Sequence[VariantInput], *, product: Product | None) -> list[_Variant]:
    if not variants:
        raise CatalogError(CatalogErrorCode.VARIANTS_REQUIRED, field="variants")
    cleaned: list[_Variant] = []
    currency = store_currency_get()
    for item in variants:
        sku = normalise.sku_clean(item.sku)
        options = tuple(
            (normalise.option_name_clean(name), normalise.option_value_clean(value))
            for name, value in item.options
        )
        cleaned.append(
            _Variant(
                sku=sku,
                price=_amount(item.price, column="price", sku=sku, currency=currency) or Decimal("0"),
                compare_at_price=_amount(
                    item.compare_at_price, column="compare_at_price", sku=sku, currency=currency
                ),
                cost=_amount(item.cost, column="cost", sku=sku, currency=currency),
                weight_grams=normalise.weight_parse(item.weight_grams),
                barcode=normalise.barcode_clean(item.barcode),
                options=options,
            )
        )
    skus = [variant.sku for variant in cleaned]
    duplicates = sorted({sku for sku in skus if skus.count(sku) > 1})
    if duplicates:
        raise CatalogError(CatalogErrorCode.SKU_REPEATED, {"sku": duplicates[0]}, field="sku")
    taken = ProductVariant.objects.filter(sku__in=skus)
    if product is not None:
        taken = taken.exclude(product=product)
    clash = taken.values_list("sku", flat=True).first()
    if clash:
        raise CatalogError(CatalogErrorCode.SKU_TAKEN, {"sku": clash}, field="sku")
    combos = [variant.options for variant in cleaned]
    if len(set(combos)) != len(combos):
        raise CatalogError(CatalogErrorCode.OPTIONS_REPEATED, field="variants")
    return cleaned


def _apply_fields(product: Product, data: ProductInput) -> None:
    title = normalise.title_clean(data.title)
    product.title = title
    product.description = normalise.description_clean(data.description)
    product.status = normalise.status_clean(data.status)
    product.product_type = normalise.text_line(data.product_type, limit=normalise.PRODUCT_TYPE_MAX)
    product.vendor = normalise.text_line(data.vendor, limit=normalise.VENDOR_MAX)
    product.tags = normalise.tags_clean(list(data.tags))
    product.seo_title = normalise.text_line(data.seo_title, limit=normalise.SEO_TITLE_MAX)
    product.seo_description = normalise.text_block(data.seo_description, limit=normalise.SEO_DESCRIPTION_MAX)
    if data.category_id is not None and not Category.objects.filter(pk=data.category_id).exists():
        raise CatalogError(CatalogErrorCode.CATEGORY_UNKNOWN, field="category")
    product.category_id = data.category_id
    wanted = normalise.handle_clean(data.handle) if data.handle.strip() else ""
    if wanted and Product.objects.filter(handle=wanted).exclude(pk=product.pk).exists():
        raise CatalogError(CatalogErrorCode.HANDLE_TAKEN, {"handle": wanted}, field="handle")
    product.handle = wanted or product.handle or handle_unique(title, model=Product, exclude_pk=product.pk)


def _sync_variants(product: Product, variants: Sequence[_Variant]) -> None:
    """Make the product's options and variants exactly `variants`, matched by SKU."""
    option_names: list[str] = []
    for item in variants:
        for name, _value in item.options:
            if name not in option_names:
                option_names.append(name)
    options = {}
    for position, name in enumerate(option_names):
        option, _created = ProductOption.objects.update_or_create(
            product=product, name=name, defaults={"position": position}
        )
        options[name] = option
    ProductOption.objects.filter(product=product).exclude(name__in=option_names).delete()

    values: dict[tuple[str, str], ProductOptionValue] = {}
    for item in variants:
        for name, value in item.options:
            key = (name, value)
            if key not in values:
                values[key], _created = ProductOptionValue.objects.get_or_create(
                    option=options[name], value=value
                )
                values[key].position = len([k for k in values if k[0] == name]) - 1
                values[key].save(update_fields=["position"])

    existing = {v.sku: v for v in product.variants.all()}
    currency = store_currency_get()
    keep = []
    for position, data in enumerate(variants):
        variant = existing.get(data.sku) or ProductVariant(product=product, sku=data.sku)
        variant.title = (" / ".join(value for _name, value in data.options) or product.title)[:255]
        variant.price = data.price
        variant.currency = currency
        variant.compare_at_price = data.compare_at_price
        variant.cost = data.cost
        variant.weight_grams = data.weight_grams
        variant.barcode = data.barcode
        variant.position = position
        variant.save()
        variant.option_values.set([values[key] for key in data.options])
        keep.append(variant.pk)
    product.variants.exclude(pk__in=keep).delete()
    ProductOptionValue.objects.filter(option__product=product, variants__isnull=True).delete()


def _product_save(product: Product, data: ProductInput, *, event: str | None) -> Product:
    variants = _variants_clean(data.variants, product=product if product.pk else None)
    _apply_fields(product, data)
    try:
        with transaction.atomic():
            product.save()
            _sync_variants(product, variants)
    except IntegrityError as exc:
        raise CatalogError(CatalogErrorCode.SKU_OR_HANDLE_TAKEN) from exc
    product_search_vector_refresh(product_ids=[product.pk])
    if event:
        product_event_emit(event, product)
    return product


@transaction.atomic
def product_create(*, data: ProductInput, actor: User | None = None, emit: bool = True) -> Product:
    """Create a product within the products-per-store limit of the merchant's plan (raises
    `PlanLimitReached`); the plan row stays locked until this transaction commits."""
    store_limit_check(limit=Limit.PRODUCTS_PER_STORE)
    return _product_save(Product(), data, event="product.created" if emit else None)


@transaction.atomic
def product_update(
    *, product: Product, data: ProductInput, actor: User | None = None, emit: bool = True
) -> Product:
    locked = Product.objects.select_for_update().get(pk=product.pk)
    return _product_save(locked, data, event="product.updated" if emit else None)


@transaction.atomic
def product_delete(*, product: Product, actor: User | None = None) -> None:
    products_bulk_delete(product_ids=[product.pk], actor=actor)


def product_image_files_delete(images: Iterable[ProductImage]) -> None:
    """Remove the stored files (original and thumbnail) of `images` from the store's media."""
    for image in images:
        for file_field in (image.image, image.thumbnail):
            if file_field and file_field.name:
                file_field.storage.delete(file_field.name)


# ------------------------------------------------------------------------------
# many products
# ------------------------------------------------------------------------------
@transaction.atomic
def products_bulk_update(
    *,
    product_ids: Sequence[int],
    status: str | None = None,
    add_tags: Sequence[str] = (),
    remove_tags: Sequence[str] = (),
    price_percent: Decimal | None = None,
    actor: User | None = None,
) -> int:
    """Change status, tags and/or prices (by a percentage) of many products; returns the count."""
    if status is not None:
        status = normalise.status_clean(status)
    if price_percent is not None and price_percent <= -100:
        raise CatalogError(CatalogErrorCode.PRICE_CHANGE_INVALID)
    products = list(Product.objects.select_for_update().filter(pk__in=product_ids))
    now = timezone.now()
    for product in products:
        if status is not None:
            product.status = status
        product.tags = tags_changed(product.tags, add=add_tags, remove=remove_tags)
        product.updated_at = now
    Product.objects.bulk_update(products, ["status", "tags", "updated_at"])
    if price_percent is not None:
        variants = list(ProductVariant.objects.filter(product_id__in=product_ids))
        for variant in variants:
            variant.price = price_changed(variant.price, percent=price_percent, currency=variant.currency)
            variant.updated_at = now
        ProductVariant.objects.bulk_update(variants, ["price", "updated_at"])
    product_search_vector_refresh(product_ids=[p.pk for p in products])
    catalog_data_changed()
    event_emit_many(name="product.updated", payloads=[product_event_payload(p) for p in products])
    return len(products)


@transaction.atomic
def products_bulk_delete(*, product_ids: Sequence[int], actor: User | None = None) -> int:
    """Delete products with their variants, options, images and memberships, with a fixed number
    of queries however many there are; one `product.deleted` event each."""
    products = list(
        Product.objects.select_for_update().filter(pk__in=product_ids).only("pk", "uuid", "handle", "title")
    )
    if not products:
        return 0
    ids = [product.pk for product in products]
    images = list(ProductImage.objects.filter(product_id__in=ids).only("pk", "image", "thumbnail"))
    event_emit_many(name="product.deleted", payloads=[product_event_payload(p) for p in products])
    Product.objects.filter(pk__in=ids).delete()
    catalog_data_changed()
    # Files go only once the rows are gone for good: a rolled-back delete keeps its images.
    transaction.on_commit(lambda: product_image_files_delete(images))
    return len(products)


# ------------------------------------------------------------------------------
# supplier-driven changes (called by apps.sourcing)
# ------------------------------------------------------------------------------
def products_sync_state_set(
    *, products: QuerySet[Product], status: str, error: str = "", at: datetime | None = None
) -> int:
    """Record the outcome of a supplier sync on products (no event: nothing shoppers see)."""
    if status not in Product.SyncStatus.values:
        raise CatalogError(CatalogErrorCode.SYNC_STATUS_INVALID, {"status": status})
    fields: dict[str, object] = {"sync_status": status, "updated_at": timezone.now()}
    if status != Product.SyncStatus.PENDING:
        fields.update(sync_error=error[:2000], synced_at=at or timezone.now())
    return products.update(**fields)


@transaction.atomic
def product_supplier_sync_record(
    *, product_id: int, notes: str, unpublish: bool, changed: bool, at: datetime | None = None
) -> bool:
    """A supplier sync's outcome on one product: ERROR with `notes` (SYNCED without), and, when
    the supplier offers none of its variants any more (`unpublish`), an ACTIVE product goes back
    to DRAFT so shoppers cannot order what cannot be bought. `changed` says the sync changed
    prices already. Emits `product.updated` when shoppers see a difference; True if unpublished."""
    product = Product.objects.select_for_update().get(pk=product_id)
    fields = ["sync_status", "sync_error", "synced_at", "updated_at"]
    unpublished = unpublish and product.status == Product.Status.ACTIVE
    if unpublished:
        product.status = Product.Status.DRAFT
        fields.append("status")
    product.sync_status = Product.SyncStatus.ERROR if notes else Product.SyncStatus.SYNCED
    product.sync_error = notes[:2000]
    product.synced_at = at or timezone.now()
    product.save(update_fields=fields)
    if changed or unpublished:
        product_event_emit("product.updated", product)
    return unpublished


def variant_cost_price_set(
    *, variant: ProductVariant, cost: Decimal, price: Decimal, compare_at_price: Decimal | None
) -> ProductVariant:
    """A new supplier cost and the price the pricing rules give for it (event left to the caller,
    which updates a product's variants together)."""
    currency = store_currency_get()
    variant.cost = _amount(cost, column="cost", sku=variant.sku, currency=currency)
    variant.price = _amount(price, column="price", sku=variant.sku, currency=currency) or Decimal("0")
    variant.compare_at_price = _amount(
        compare_at_price, column="compare_at_price", sku=variant.sku, currency=currency
    )
    variant.currency = currency
    variant.save(update_fields=["cost", "price", "compare_at_price", "currency", "updated_at"])
    return variant
