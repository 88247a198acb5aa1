"""Catalog writes: products with their options and variants, images, categories, collections,
and bulk edits. Every write that changes what shoppers can see emits a product event on commit.

Inputs are small frozen dataclasses (`ProductInput`, `VariantInput`) so the dashboard forms, the
CSV importer and the supplier importers all go through the same rules.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.search import SearchVector
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Func, QuerySet, TextField, Value
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from apps.accounts.models import User
from apps.catalog.errors import CatalogError
from apps.catalog.html import html_sanitize
from apps.catalog.models import (
    Category,
    Collection,
    CollectionProduct,
    ImportRun,
    Product,
    ProductImage,
    ProductOption,
    ProductOptionValue,
    ProductVariant,
)
from apps.core.events import event_emit

MONEY_PLACES = Decimal("0.01")
ACCEPTED_IMAGE_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}


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
# validation helpers
# ------------------------------------------------------------------------------
def _money(value: Decimal | None, *, label: str, sku: str) -> Decimal | None:
    if value is None:
        return None
    if value < 0:
        raise CatalogError(
            _("%(label)s of %(sku)s cannot be negative.") % {"label": label, "sku": sku},
            code="negative_amount",
        )
    return value.quantize(MONEY_PLACES)


def tags_clean(tags: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for tag in tags:
        tag = " ".join(tag.split())[:60]
        if tag:
            seen.setdefault(tag, None)
    return list(seen)


def tags_changed(tags: Iterable[str], *, add: Iterable[str] = (), remove: Iterable[str] = ()) -> list[str]:
    """`tags` with `add` appended and `remove` taken out, cleaned (bulk edits and their preview)."""
    removed = set(tags_clean(remove))
    return [tag for tag in tags_clean([*tags, *add]) if tag not in removed]


def price_changed(price: Decimal, *, percent: Decimal) -> Decimal:
    """`price` raised (or lowered, for a negative `percent`) by `percent` %, to the cent."""
    return (price * (Decimal(100) + percent) / Decimal(100)).quantize(MONEY_PLACES)


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


def _validate_variants(variants: Sequence[VariantInput], *, product: Product | None) -> None:
    if not variants:
        raise CatalogError(_("A product needs at least one variant."), code="no_variants", field="variants")
    skus = [v.sku.strip() for v in variants]
    for sku in skus:
        if not sku:
            raise CatalogError(_("Every variant needs a SKU."), code="sku_required", field="sku")
    duplicates = sorted({sku for sku in skus if skus.count(sku) > 1})
    if duplicates:
        raise CatalogError(
            _("SKU %(sku)s is used twice in this product.") % {"sku": duplicates[0]},
            code="duplicate_sku",
            field="sku",
        )
    taken = ProductVariant.objects.filter(sku__in=skus)
    if product is not None:
        taken = taken.exclude(product=product)
    clash = taken.values_list("sku", flat=True).first()
    if clash:
        raise CatalogError(
            _("SKU %(sku)s is already used by another product.") % {"sku": clash},
            code="duplicate_sku",
            field="sku",
        )
    combos = [tuple(v.options) for v in variants]
    if len(set(combos)) != len(combos):
        raise CatalogError(
            _("Two variants have the same option values."), code="duplicate_options", field="variants"
        )


def _apply_fields(product: Product, data: ProductInput) -> None:
    title = data.title.strip()
    if not title:
        raise CatalogError(_("A product needs a title."), code="title_required", field="title")
    if data.status not in Product.Status.values:
        raise CatalogError(
            _("Unknown status “%(status)s”.") % {"status": data.status}, code="invalid_status", field="status"
        )
    product.title = title[:255]
    product.description = html_sanitize(data.description)
    product.status = data.status
    product.product_type = data.product_type.strip()[:120]
    product.vendor = data.vendor.strip()[:120]
    product.tags = tags_clean(data.tags)
    product.seo_title = data.seo_title.strip()[:70]
    product.seo_description = data.seo_description.strip()[:320]
    if data.category_id is not None and not Category.objects.filter(pk=data.category_id).exists():
        raise CatalogError(_("That category does not exist."), code="unknown_category", field="category")
    product.category_id = data.category_id
    wanted = slugify(data.handle) if data.handle else ""
    if wanted and Product.objects.filter(handle=wanted).exclude(pk=product.pk).exists():
        raise CatalogError(
            _("The handle “%(handle)s” is taken.") % {"handle": wanted}, code="handle_taken", field="handle"
        )
    product.handle = wanted or product.handle or handle_unique(title, model=Product, exclude_pk=product.pk)


def _sync_variants(product: Product, variants: Sequence[VariantInput]) -> None:
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
    keep = []
    for position, data in enumerate(variants):
        sku = data.sku.strip()
        variant = existing.get(sku) or ProductVariant(product=product, sku=sku)
        variant.title = " / ".join(value for _name, value in data.options) or product.title
        variant.price = _money(data.price, label=_("Price"), sku=sku) or Decimal("0.00")
        variant.compare_at_price = _money(data.compare_at_price, label=_("Compare-at price"), sku=sku)
        variant.cost = _money(data.cost, label=_("Cost"), sku=sku)
        variant.weight_grams = data.weight_grams
        variant.barcode = data.barcode.strip()[:64]
        variant.position = position
        variant.save()
        variant.option_values.set([values[key] for key in data.options])
        keep.append(variant.pk)
    product.variants.exclude(pk__in=keep).delete()
    ProductOptionValue.objects.filter(option__product=product, variants__isnull=True).delete()


def product_search_vector_refresh(*, product_ids: Iterable[int]) -> None:
    config = settings.CATALOG_SEARCH_CONFIG
    Product.objects.filter(pk__in=list(product_ids)).update(
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


def _emit(name: str, product: Product) -> None:
    event_emit(
        name=name,
        payload={"product_uuid": str(product.uuid), "handle": product.handle, "title": product.title},
    )


# ------------------------------------------------------------------------------
# products
# ------------------------------------------------------------------------------
def _product_save(product: Product, data: ProductInput, *, event: str | None) -> Product:
    _validate_variants(data.variants, product=product if product.pk else None)
    _apply_fields(product, data)
    try:
        with transaction.atomic():
            product.save()
            _sync_variants(product, data.variants)
    except IntegrityError as exc:
        raise CatalogError(
            _("A SKU or handle of this product is already in use."), code="duplicate_sku"
        ) from exc
    product_search_vector_refresh(product_ids=[product.pk])
    if event:
        _emit(event, product)
    return product


@transaction.atomic
def product_create(*, data: ProductInput, actor: User | None = None, emit: bool = True) -> Product:
    return _product_save(Product(), data, event="product.created" if emit else None)


@transaction.atomic
def product_update(
    *, product: Product, data: ProductInput, actor: User | None = None, emit: bool = True
) -> Product:
    locked = Product.objects.select_for_update().get(pk=product.pk)
    return _product_save(locked, data, event="product.updated" if emit else None)


@transaction.atomic
def product_delete(*, product: Product, actor: User | None = None) -> None:
    _emit("product.deleted", product)
    images = list(product.images.all())
    product.delete()
    # Files go only once the rows are gone for good: a rolled-back delete keeps its images.
    transaction.on_commit(lambda: product_image_files_delete(images))


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
    if status is not None and status not in Product.Status.values:
        raise CatalogError(_("Unknown status “%(status)s”.") % {"status": status}, code="invalid_status")
    if price_percent is not None and price_percent <= -100:
        raise CatalogError(_("A price change must leave prices above zero."), code="invalid_price_change")
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
            variant.price = price_changed(variant.price, percent=price_percent)
            variant.updated_at = now
        ProductVariant.objects.bulk_update(variants, ["price", "updated_at"])
    product_search_vector_refresh(product_ids=[p.pk for p in products])
    for product in products:
        _emit("product.updated", product)
    return len(products)


@transaction.atomic
def products_bulk_delete(*, product_ids: Sequence[int], actor: User | None = None) -> int:
    products = list(Product.objects.filter(pk__in=product_ids).prefetch_related("images"))
    for product in products:
        product_delete(product=product, actor=actor)
    return len(products)


# ------------------------------------------------------------------------------
# images
# ------------------------------------------------------------------------------
def image_validate(upload: UploadedFile | ContentFile) -> str:
    """Check an upload is a real raster image we accept; returns its file extension."""
    size = upload.size or 0
    if size > settings.CATALOG_IMAGE_MAX_BYTES:
        raise CatalogError(
            _("The image is %(size)d MB; the limit is %(limit)d MB.")
            % {"size": size // (1024 * 1024), "limit": settings.CATALOG_IMAGE_MAX_BYTES // (1024 * 1024)},
            code="image_too_large",
            field="image",
        )
    name = (getattr(upload, "name", "") or "").lower()
    upload.seek(0)
    head = upload.read(512)
    upload.seek(0)
    if name.endswith(".svg") or b"<svg" in head.lower() or head.lstrip().startswith(b"<"):
        raise CatalogError(
            _("SVG and other markup files are not accepted as product images."),
            code="image_svg",
            field="image",
        )
    try:
        with Image.open(upload) as probe:
            if probe.width * probe.height > settings.CATALOG_IMAGE_MAX_PIXELS:
                raise CatalogError(
                    _("The image has too many pixels."), code="image_too_many_pixels", field="image"
                )
            image_format = probe.format or ""
            probe.verify()
    except CatalogError:
        raise
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError) as exc:
        raise CatalogError(
            _("The file is not an image we can read (JPEG, PNG, WebP or GIF)."),
            code="image_invalid",
            field="image",
        ) from exc
    finally:
        upload.seek(0)
    if image_format not in ACCEPTED_IMAGE_FORMATS:
        raise CatalogError(
            _("%(format)s images are not accepted; use JPEG, PNG, WebP or GIF.")
            % {"format": image_format or "?"},
            code="image_format",
            field="image",
        )
    return ACCEPTED_IMAGE_FORMATS[image_format]


def _thumbnail(upload: UploadedFile | ContentFile) -> ContentFile:
    upload.seek(0)
    with Image.open(upload) as source:
        source.thumbnail(settings.CATALOG_THUMBNAIL_SIZE)
        canvas = source.convert("RGB")
        out = io.BytesIO()
        canvas.save(out, format="JPEG", quality=85, optimize=True)
    upload.seek(0)
    return ContentFile(out.getvalue(), name="thumb.jpg")


@transaction.atomic
def product_image_add(*, product: Product, upload: UploadedFile | ContentFile, alt: str = "") -> ProductImage:
    extension = image_validate(upload)
    position = product.images.count()
    image = ProductImage(product=product, alt=alt.strip()[:255], position=position)
    image.image.save(f"upload.{extension}", upload, save=False)
    image.thumbnail.save("thumb.jpg", _thumbnail(upload), save=False)
    try:
        image.save()
    except Exception:
        product_image_files_delete([image])
        raise
    _emit("product.updated", product)
    return image


def product_image_files_delete(images: Iterable[ProductImage]) -> None:
    """Remove the stored files (original and thumbnail) of `images` from the store's media."""
    for image in images:
        for file_field in (image.image, image.thumbnail):
            if file_field and file_field.name:
                file_field.storage.delete(file_field.name)


@transaction.atomic
def product_image_delete(*, image: ProductImage) -> None:
    product = image.product
    image.delete()
    transaction.on_commit(lambda: product_image_files_delete([image]))
    _emit("product.updated", product)


@transaction.atomic
def product_image_alt_set(*, image: ProductImage, alt: str) -> ProductImage:
    alt = alt.strip()
    if len(alt) > 255:
        raise CatalogError(
            _("The alt text can have at most 255 characters."), code="alt_too_long", field="alt"
        )
    image.alt = alt
    image.save(update_fields=["alt", "updated_at"])
    _emit("product.updated", image.product)
    return image


@transaction.atomic
def product_images_reorder(*, product: Product, image_ids: Sequence[int]) -> None:
    images = {image.pk: image for image in product.images.all()}
    if set(image_ids) != set(images):
        raise CatalogError(
            _("The new order must list every image of the product once."), code="invalid_order"
        )
    for position, image_id in enumerate(image_ids):
        images[image_id].position = position
    ProductImage.objects.bulk_update(images.values(), ["position"])


# ------------------------------------------------------------------------------
# categories (a tree with materialised paths)
# ------------------------------------------------------------------------------
def _category_path(category: Category) -> tuple[str, int]:
    if category.parent_id is None:
        return category.slug, 0
    parent = Category.objects.get(pk=category.parent_id)
    return f"{parent.path}/{category.slug}", parent.depth + 1


@transaction.atomic
def category_save(
    *, category: Category, name: str, parent: Category | None, description: str = ""
) -> Category:
    name = name.strip()
    if not name:
        raise CatalogError(_("A category needs a name."), code="name_required", field="name")
    if (
        parent is not None
        and category.pk is not None
        and (
            parent.pk == category.pk
            or parent.path == category.path
            or parent.path.startswith(category.path + "/")
        )
    ):
        raise CatalogError(
            _("A category cannot be moved under itself."), code="category_cycle", field="parent"
        )
    old_path = category.path
    category.name = name
    category.description = description
    category.parent = parent
    if not category.slug:
        category.slug = handle_unique(name, model=Category)
    category.path, category.depth = _category_path(category)
    category.save()
    if old_path and old_path != category.path:
        for child in Category.objects.filter(path__startswith=old_path + "/").order_by("depth"):
            child.path, child.depth = _category_path(child)
            child.save(update_fields=["path", "depth", "updated_at"])
    return category


@transaction.atomic
def category_delete(*, category: Category) -> None:
    if category.children.exists():
        raise CatalogError(_("Move or delete the subcategories first."), code="category_has_children")
    category.delete()  # products keep existing without a category (SET_NULL)


# ------------------------------------------------------------------------------
# collections
# ------------------------------------------------------------------------------
RULE_FIELDS = {"tag", "vendor", "product_type", "title", "price", "category"}
RULE_OPS = {"equals", "contains", "gt", "lt"}


def collection_rules_clean(rules: Sequence[dict[str, str]]) -> list[dict[str, str]]:
    cleaned = []
    for index, rule in enumerate(rules, start=1):
        field_name, op, value = rule.get("field"), rule.get("op"), str(rule.get("value", "")).strip()
        if field_name not in RULE_FIELDS or op not in RULE_OPS or not value:
            raise CatalogError(
                _("Condition %(n)d is incomplete or unknown.") % {"n": index},
                code="invalid_rule",
                field="rules",
            )
        if field_name == "price":
            try:
                Decimal(value)
            except ArithmeticError as exc:
                raise CatalogError(
                    _("Condition %(n)d needs a number.") % {"n": index}, code="invalid_rule", field="rules"
                ) from exc
        cleaned.append({"field": field_name, "op": op, "value": value})
    return cleaned


@transaction.atomic
def collection_save(
    *,
    collection: Collection,
    title: str,
    kind: str,
    description: str = "",
    match: str = Collection.Match.ALL,
    rules: Sequence[dict[str, str]] = (),
    product_ids: Sequence[int] = (),
) -> Collection:
    title = title.strip()
    if not title:
        raise CatalogError(_("A collection needs a title."), code="title_required", field="title")
    collection.title = title
    collection.description = html_sanitize(description)
    collection.kind = kind
    collection.match = match
    collection.rules = collection_rules_clean(rules) if kind == Collection.Kind.RULES else []
    if kind == Collection.Kind.RULES and not collection.rules:
        raise CatalogError(
            _("A rule-based collection needs at least one condition."), code="invalid_rule", field="rules"
        )
    if not collection.handle:
        collection.handle = handle_unique(title, model=Collection)
    collection.save()
    if kind == Collection.Kind.MANUAL:
        CollectionProduct.objects.filter(collection=collection).delete()
        CollectionProduct.objects.bulk_create(
            [
                CollectionProduct(collection=collection, product_id=pid, position=i)
                for i, pid in enumerate(product_ids)
            ]
        )
    return collection


@transaction.atomic
def collection_delete(*, collection: Collection) -> None:
    """Delete a collection; its products stay."""
    collection.delete()


# ------------------------------------------------------------------------------
# import runs
# ------------------------------------------------------------------------------
IMPORT_RUN_INTERRUPTED_AFTER = timedelta(hours=1)  # longer than any import task's time limit


def import_runs_fail_interrupted(*, now: datetime | None = None) -> int:
    """Mark runs still RUNNING long after any worker could be on them as failed (their worker
    died and the message was lost), so the dashboard stops showing them as in progress."""
    now = now or timezone.now()
    return ImportRun.objects.filter(
        status=ImportRun.Status.RUNNING, started_at__lt=now - IMPORT_RUN_INTERRUPTED_AFTER
    ).update(
        status=ImportRun.Status.FAILED,
        failure_reason=_("The import was interrupted. Importing the file again updates what was saved."),
        finished_at=now,
        updated_at=now,
    )


# ------------------------------------------------------------------------------
# supplier-driven changes (called by apps.sourcing)
# ------------------------------------------------------------------------------
def products_sync_state_set(
    *, products: QuerySet[Product], status: str, error: str = "", at: datetime | None = None
) -> int:
    """Record the outcome of a supplier sync on products (no event: nothing shoppers see)."""
    if status not in Product.SyncStatus.values:
        raise CatalogError(
            _("Unknown sync status “%(status)s”.") % {"status": status}, code="invalid_sync_status"
        )
    fields: dict[str, object] = {"sync_status": status, "updated_at": timezone.now()}
    if status != Product.SyncStatus.PENDING:
        fields.update(sync_error=error[:2000], synced_at=at or timezone.now())
    return products.update(**fields)


def variant_cost_price_set(
    *, variant: ProductVariant, cost: Decimal, price: Decimal, compare_at_price: Decimal | None
) -> ProductVariant:
    """A new supplier cost and the price the pricing rules give for it (event left to the caller,
    which updates a product's variants together)."""
    variant.cost = _money(cost, label=_("Cost"), sku=variant.sku)
    variant.price = _money(price, label=_("Price"), sku=variant.sku) or Decimal("0.00")
    variant.compare_at_price = _money(compare_at_price, label=_("Compare-at price"), sku=variant.sku)
    variant.save(update_fields=["cost", "price", "compare_at_price", "updated_at"])
    return variant
