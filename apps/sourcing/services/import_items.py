"""Preparing and writing the items of a supplier import: images fetched (through the SSRF
guard) and checked before anything is written, then each item's product (through the catalog's
product services), offers, supplier stock and images, all in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.billing.limits import PlanLimitReached
from apps.catalog.errors import CatalogError, CatalogErrorCode
from apps.catalog.models import ImportRun, Product, ProductImage, ProductVariant
from apps.catalog.services import (
    ImportProblem,
    ProductInput,
    VariantInput,
    image_validate,
    import_problem_from_error,
    import_run_progress,
    product_create,
    product_image_add,
    product_update,
    products_sync_state_set,
)
from apps.catalog.services.imports import import_problem_params
from apps.core.errors import ApplicationError
from apps.core.http import OutboundHttpError, safe_get
from apps.inventory.errors import InventoryError
from apps.inventory.models import Location, StockMovement
from apps.sourcing.connectors import SupplierItem
from apps.sourcing.models import PricingRule, Supplier, SupplierOffer
from apps.sourcing.pricing import price_apply_rule, pricing_rule_for
from apps.sourcing.services.suppliers import supplier_location, supplier_stock_put, variant_sku_for


class ImportRefused(ApplicationError):
    """The import writes nothing: `code`/`params` say why, `problems` name each row."""

    def __init__(self, code: CatalogErrorCode, params: dict[str, Any], problems: list[ImportProblem]) -> None:
        super().__init__(str(code), code=code)
        self.params = params
        self.problems = problems


def import_refused(code: CatalogErrorCode, problems: list[ImportProblem]) -> ImportRefused:
    first = problems[0] if problems else None
    params: dict[str, Any] = {"count": len(problems)}
    if first is not None:
        params.update(first_code=first.code, first_params=dict(first.params))
    return ImportRefused(code, params, problems)


@dataclass
class PreparedItem:
    item: SupplierItem
    images: list[UploadedFile] = field(default_factory=list)


def _image_fetch(url: str) -> UploadedFile:
    """Download and check one image; it waits on disk (not in memory) until it is saved."""
    response = safe_get(
        url, timeout=settings.SOURCING_HTTP_TIMEOUT, max_bytes=settings.CATALOG_IMAGE_MAX_BYTES
    )
    response.raise_for_status()
    name = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1][:80] or "image"
    upload = TemporaryUploadedFile(
        name=name,
        content_type=response.content_type or "application/octet-stream",
        size=len(response.content),
        charset=None,
    )
    try:
        upload.write(response.content)
        upload.seek(0)
        image_validate(upload)
    except Exception:
        upload.close()
        raise
    return upload


def _existing_products(supplier: Supplier, items: list[SupplierItem]) -> dict[str, Product]:
    """Supplier product id -> the product its offers are already linked to."""
    skus = {variant.sku: item.supplier_product_id for item in items for variant in item.variants}
    found: dict[str, Product] = {}
    offers = SupplierOffer.objects.filter(
        supplier=supplier, supplier_sku__in=list(skus), variant__isnull=False
    )
    for offer in offers.select_related("variant__product"):
        assert offer.variant is not None
        found.setdefault(skus[offer.supplier_sku], offer.variant.product)
    return found


def items_prepare(
    run: ImportRun, supplier: Supplier, items: list[SupplierItem], *, into: list[PreparedItem]
) -> list[ImportProblem]:
    """Fetch the images of products that have none yet (into `into`, item by item, counting
    progress); unusable images are skipped and returned as warnings."""
    existing = _existing_products(supplier, items)
    with_images = set(
        ProductImage.objects.filter(product__in=[p.pk for p in existing.values()]).values_list(
            "product_id", flat=True
        )
    )
    warnings = []
    for done, item in enumerate(items, start=1):
        entry = PreparedItem(item=item)
        into.append(entry)
        product = existing.get(item.supplier_product_id)
        if product is None or product.pk not in with_images:
            for url in item.images[: settings.SOURCING_IMAGES_PER_PRODUCT]:
                try:
                    entry.images.append(_image_fetch(url))
                except (OutboundHttpError, CatalogError) as exc:
                    warnings.append(
                        ImportProblem(
                            row=item.row,
                            column="image_urls",
                            code=CatalogErrorCode.IMAGE_SKIPPED,
                            params={
                                "url": url[:300],
                                "reason_code": str(exc.code),
                                "reason_params": import_problem_params(exc),
                            },
                        )
                    )
        import_run_progress(run=run, processed_rows=done)
    return warnings


# ------------------------------------------------------------------------------
# writing
# ------------------------------------------------------------------------------
def _options_of(variant: ProductVariant) -> tuple[tuple[str, str], ...]:
    values = sorted(variant.option_values.all(), key=lambda v: (v.option.position, v.option_id))
    return tuple((value.option.name, value.value) for value in values)


def _product_input(product: Product, variants: tuple[VariantInput, ...]) -> ProductInput:
    """The product as it is now (the merchant's texts and status kept), with new variants."""
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


def _item_write(
    *,
    supplier: Supplier,
    entry: PreparedItem,
    rule: PricingRule | None,
    location: Location,
    run: ImportRun,
    now: Any,
    saved_images: list[ProductImage],
) -> bool:
    """Create or update the product, offers, stock and images of one supplier item; True if created."""
    item = entry.item
    offers = {
        offer.supplier_sku: offer
        for offer in SupplierOffer.objects.filter(
            supplier=supplier, supplier_sku__in=[v.sku for v in item.variants]
        ).select_related("variant__product")
    }
    product = next((o.variant.product for o in offers.values() if o.variant is not None), None)
    inputs: list[VariantInput] = []
    ours: dict[str, str] = {}  # supplier sku -> our sku
    linked_variant_ids = set()
    for variant in item.variants:
        offer = offers.get(variant.sku)
        current = offer.variant if offer is not None and offer.variant is not None else None
        if current is not None and product is not None and current.product_id != product.pk:
            current = None
        sku = (
            current.sku
            if current is not None
            else variant_sku_for(supplier=supplier, supplier_sku=variant.sku)
        )
        if current is not None and current.cost == variant.cost:
            price, compare_at = current.price, current.compare_at_price  # the merchant's price stays
        else:
            price, compare_at = price_apply_rule(cost=variant.cost, rule=rule)
        inputs.append(
            VariantInput(
                sku=sku,
                price=price,
                compare_at_price=compare_at,
                cost=variant.cost,
                weight_grams=current.weight_grams if current is not None else None,
                barcode=current.barcode if current is not None else "",
                options=variant.options,
            )
        )
        ours[variant.sku] = sku
        if current is not None:
            linked_variant_ids.add(current.pk)
    created = product is None
    if product is None:
        product = product_create(
            data=ProductInput(
                title=item.title,
                description=item.description,
                status=Product.Status.DRAFT,
                vendor=supplier.name,
                variants=tuple(inputs),
            )
        )
    else:
        # Variants the supplier dropped or the merchant added stay as they are.
        for other in product.variants.exclude(pk__in=linked_variant_ids).prefetch_related(
            "option_values__option"
        ):
            inputs.append(
                VariantInput(
                    sku=other.sku,
                    price=other.price,
                    compare_at_price=other.compare_at_price,
                    cost=other.cost,
                    weight_grams=other.weight_grams,
                    barcode=other.barcode,
                    options=_options_of(other),
                )
            )
        product = product_update(product=product, data=_product_input(product, tuple(inputs)))
    variants_by_sku = {v.sku: v for v in product.variants.all()}
    for variant in item.variants:
        ours_variant = variants_by_sku[ours[variant.sku]]
        title = " / ".join(value for _name, value in variant.options)
        SupplierOffer.objects.update_or_create(
            supplier=supplier,
            supplier_sku=variant.sku,
            defaults={
                "variant": ours_variant,
                "supplier_product_id": item.supplier_product_id,
                "title": (f"{item.title} – {title}" if title else item.title)[:255],
                "cost": variant.cost,
                "currency": variant.currency,
                "url": item.url[:1000],
                "stock": variant.stock,
                "is_available": variant.available,
                "last_synced_at": now,
            },
        )
        supplier_stock_put(
            variant=ours_variant,
            location=location,
            on_hand=variant.stock if variant.available else 0,
            kind=StockMovement.Kind.IMPORTED,
            reason=_("Supplier import"),
            reference=f"import:{run.uuid}",
        )
    for position, upload in enumerate(entry.images):
        upload.seek(0)
        saved_images.append(
            product_image_add(product=product, upload=upload, alt=item.title if position == 0 else "")
        )
    products_sync_state_set(
        products=Product.objects.filter(pk=product.pk), status=Product.SyncStatus.SYNCED, at=now
    )
    return created


def items_write(
    *, run: ImportRun, supplier: Supplier, prepared: list[PreparedItem], saved_images: list[ProductImage]
) -> tuple[int, int]:
    """Write every item in one transaction; any refused item undoes them all (`ImportRefused`)."""
    now = timezone.now()
    created = updated = 0
    problems: list[ImportProblem] = []
    with transaction.atomic():
        # One import or sync of a supplier at a time.
        supplier = Supplier.objects.select_for_update().get(pk=supplier.pk)
        rule = pricing_rule_for(supplier=supplier)
        location = supplier_location(supplier=supplier)
        for entry in prepared:
            try:
                with transaction.atomic():
                    was_created = _item_write(
                        supplier=supplier,
                        entry=entry,
                        rule=rule,
                        location=location,
                        run=run,
                        now=now,
                        saved_images=saved_images,
                    )
            except (CatalogError, InventoryError, PlanLimitReached) as exc:
                problems.append(
                    import_problem_from_error(row=entry.item.row, column=exc.field or "", error=exc)
                )
                continue
            created += int(was_created)
            updated += int(not was_created)
        if problems:
            raise import_refused(CatalogErrorCode.IMPORT_PRODUCTS_REFUSED, problems)
    return created, updated
