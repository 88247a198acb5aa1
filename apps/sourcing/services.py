"""Sourcing writes: suppliers and their connector settings, pricing rules, supplier imports and
the periodic sync of what suppliers offer.

- **Import** (`supplier_import_start` -> task -> `supplier_import_run`): the connector's whole
  catalog becomes DRAFT products with variants (cost, price from the pricing rules), images
  (fetched through the SSRF guard) and `SupplierOffer`s linked to the variants. Offers are
  matched by supplier + supplier SKU, so importing again updates the same products (new variants,
  new costs) instead of duplicating them; the merchant's own texts, status and prices of
  unchanged costs are kept. Supplier imports are all-or-nothing: the feed is read and checked
  first, images are fetched next (an image that cannot be used is skipped and reported), and
  every row is written in one transaction, so a bad feed leaves the catalog as it was.
- **Sync** (`supplier_sync_queue` -> task -> `supplier_sync`): refreshes cost, stock and
  availability of a supplier's linked offers; a changed cost re-prices the variant, the stock
  goes to the supplier's inventory location, and a product the supplier no longer has is
  unpublished (DRAFT) with `sync_status` ERROR. One product per transaction, one supplier per
  task: a failing supplier leaves the others alone.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.catalog.errors import CatalogError
from apps.catalog.models import ImportRowError, ImportRun, Product, ProductImage, ProductVariant
from apps.catalog.services import (
    ProductInput,
    VariantInput,
    image_validate,
    product_create,
    product_image_add,
    product_image_files_delete,
    product_update,
    products_sync_state_set,
    variant_cost_price_set,
)
from apps.core.errors import ApplicationError
from apps.core.events import event_emit
from apps.core.http import OutboundHttpError, safe_get, url_check
from apps.core.tenancy import current_schema
from apps.inventory.errors import InventoryError, StockBelowReserved
from apps.inventory.models import Location, StockLevel, StockMovement
from apps.inventory.services import stock_set
from apps.sourcing.connectors import SupplierItem, SupplierItemVariant
from apps.sourcing.connectors.dropship_api import product_ids_parse
from apps.sourcing.connectors.factory import connector_for, store_currency, upload_format
from apps.sourcing.errors import FeedInvalid, FeedProblem, PricingRuleInvalid, SourcingError, SupplierInvalid
from apps.sourcing.models import PricingRule, Supplier, SupplierOffer
from apps.sourcing.pricing import price_apply_rule, pricing_rule_for

logger = logging.getLogger(__name__)

MAX_VARIANT_SKU = 100
FINISHED = (ImportRun.Status.SUCCEEDED, ImportRun.Status.PARTIAL, ImportRun.Status.FAILED)
# Connector settings that are secrets: stored, used, never shown back in full.
SECRET_KEYS = ("app_secret", "access_token")


# ------------------------------------------------------------------------------
# suppliers
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class SupplierInput:
    name: str
    code: str
    connector: str = Supplier.Connector.MANUAL
    # feed: {"feed_url"}; API: {"base_url", "app_key", "app_secret", "access_token",
    # "product_ids", "ship_to_country", "target_currency", "target_language"}. A secret left
    # empty keeps the one already stored.
    connector_config: dict[str, Any] = field(default_factory=dict)
    contact_name: str = ""
    contact_email: str = ""
    phone: str = ""
    website: str = ""
    lead_time_days: int = 7
    ships_from_country: str = ""
    sync_enabled: bool = True
    is_active: bool = True
    notes: str = ""


def _config_clean(*, connector: str, config: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    if connector not in Supplier.Connector.values:
        raise SupplierInvalid(_("Unknown connector “%(value)s”.") % {"value": connector}, field="connector")
    if connector == Supplier.Connector.MANUAL:
        return {}
    if connector in (Supplier.Connector.CSV_FEED, Supplier.Connector.JSON_FEED):
        feed_url = str(config.get("feed_url") or "").strip()
        if not feed_url:
            raise SupplierInvalid(_("A feed supplier needs the feed URL."), field="feed_url")
        try:
            url_check(feed_url)
        except OutboundHttpError as exc:
            raise SupplierInvalid(exc.message, field="feed_url") from exc
        return {"feed_url": feed_url}
    cleaned: dict[str, Any] = {}
    base_url = str(config.get("base_url") or "").strip() or settings.SOURCING_DROPSHIP_API_BASE_URL
    try:
        url_check(base_url)
    except OutboundHttpError as exc:
        raise SupplierInvalid(exc.message, field="base_url") from exc
    cleaned["base_url"] = base_url.rstrip("/")
    cleaned["app_key"] = str(config.get("app_key") or "").strip()
    if not cleaned["app_key"]:
        raise SupplierInvalid(_("The API needs the app key."), field="app_key")
    for key in SECRET_KEYS:
        value = str(config.get(key) or "").strip() or str(previous.get(key) or "")
        cleaned[key] = value
    if not cleaned["app_secret"]:
        raise SupplierInvalid(_("The API needs the app secret."), field="app_secret")
    ids = config.get("product_ids") or []
    if isinstance(ids, str):
        try:
            ids = product_ids_parse(ids)
        except ValueError as exc:
            raise SupplierInvalid(str(exc), field="product_ids") from exc
    cleaned["product_ids"] = [str(pid) for pid in ids]
    country = str(config.get("ship_to_country") or "").strip().upper()
    if len(country) != 2 or not country.isalpha():
        raise SupplierInvalid(
            _("Ship-to country must be a two-letter code such as DE."), field="ship_to_country"
        )
    cleaned["ship_to_country"] = country
    cleaned["target_currency"] = str(config.get("target_currency") or store_currency()).strip().upper()
    cleaned["target_language"] = str(config.get("target_language") or "en_US").strip()
    return cleaned


@transaction.atomic
def supplier_save(*, supplier: Supplier, data: SupplierInput, actor: User | None = None) -> Supplier:
    """Create (an unsaved `Supplier()`) or update a supplier and its connector settings."""
    name = data.name.strip()
    code = data.code.strip().lower()
    if not name:
        raise SupplierInvalid(_("A supplier needs a name."), field="name")
    if not code:
        raise SupplierInvalid(_("A supplier needs a code."), field="code")
    if Supplier.objects.filter(code=code).exclude(pk=supplier.pk).exists():
        raise SupplierInvalid(
            _("The code “%(code)s” is already used by another supplier.") % {"code": code}, field="code"
        )
    supplier.connector_config = _config_clean(
        connector=data.connector, config=data.connector_config, previous=supplier.connector_config or {}
    )
    supplier.name, supplier.code, supplier.connector = name[:150], code, data.connector
    supplier.contact_name = data.contact_name.strip()[:150]
    supplier.contact_email = data.contact_email.strip()
    supplier.phone = data.phone.strip()[:40]
    supplier.website = data.website.strip()
    supplier.lead_time_days = data.lead_time_days
    supplier.ships_from_country = data.ships_from_country.strip().upper()[:2]
    supplier.sync_enabled = data.sync_enabled
    supplier.is_active = data.is_active
    supplier.notes = data.notes
    try:
        with transaction.atomic():
            supplier.save()
    except IntegrityError as exc:
        raise SupplierInvalid(
            _("The code “%(code)s” is already used by another supplier.") % {"code": code}, field="code"
        ) from exc
    location = Location.objects.filter(supplier=supplier).first()
    if location is not None and location.name != supplier.name[:120]:
        location.name = supplier.name[:120]
        location.save(update_fields=["name", "updated_at"])
    return supplier


def supplier_location(*, supplier: Supplier) -> Location:
    """The inventory location that holds this supplier's stock (created on first use)."""
    location = Location.objects.filter(supplier=supplier).first()
    if location is not None:
        return location
    code = f"supplier-{supplier.code}"[:60]
    if Location.objects.filter(code=code).exists():
        code = f"supplier-{supplier.pk}-{hashlib.sha1(supplier.code.encode()).hexdigest()[:6]}"[:60]  # noqa: S324
    location, _created = Location.objects.get_or_create(
        supplier=supplier,
        defaults={"name": supplier.name[:120], "code": code, "kind": Location.Kind.SUPPLIER},
    )
    return location


# ------------------------------------------------------------------------------
# pricing rules
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class PricingRuleInput:
    name: str
    supplier_id: int | None = None
    markup_percent: Decimal = Decimal("0")
    fixed_margin: Decimal = Decimal("0")
    rounding: str = PricingRule.Rounding.NINETY_NINE
    compare_at_percent: Decimal | None = None
    is_active: bool = True


@transaction.atomic
def pricing_rule_save(*, rule: PricingRule, data: PricingRuleInput, actor: User | None = None) -> PricingRule:
    """Create (an unsaved `PricingRule()`) or update a rule; one active rule per scope."""
    if not data.name.strip():
        raise PricingRuleInvalid(_("A pricing rule needs a name."), field="name")
    if data.markup_percent < -100:
        raise PricingRuleInvalid(
            _("A markup below -100% would make prices negative."), field="markup_percent"
        )
    if data.compare_at_percent is not None and data.compare_at_percent < 0:
        raise PricingRuleInvalid(_("The compare-at markup cannot be negative."), field="compare_at_percent")
    if data.rounding not in PricingRule.Rounding.values:
        raise PricingRuleInvalid(
            _("Unknown rounding “%(value)s”.") % {"value": data.rounding}, field="rounding"
        )
    if data.supplier_id is not None and not Supplier.objects.filter(pk=data.supplier_id).exists():
        raise PricingRuleInvalid(_("That supplier does not exist."), field="supplier")
    if data.is_active:
        same_scope = Q(supplier__isnull=True) if data.supplier_id is None else Q(supplier_id=data.supplier_id)
        clash = PricingRule.objects.filter(same_scope, is_active=True).exclude(pk=rule.pk).first()
        if clash is not None:
            scope = clash.supplier.name if clash.supplier else _("all suppliers")
            raise PricingRuleInvalid(
                _("The rule “%(rule)s” already applies to %(scope)s; deactivate it first or edit it instead.")
                % {"rule": clash.name, "scope": scope},
                field="supplier",
            )
    rule.name = data.name.strip()[:120]
    rule.supplier_id = data.supplier_id
    rule.markup_percent = data.markup_percent
    rule.fixed_margin = data.fixed_margin
    rule.rounding = data.rounding
    rule.compare_at_percent = data.compare_at_percent
    rule.is_active = data.is_active
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError as exc:
        raise PricingRuleInvalid(
            _("Another active rule already applies to the same suppliers."), field="supplier"
        ) from exc
    return rule


@transaction.atomic
def pricing_rule_delete(*, rule: PricingRule, actor: User | None = None) -> None:
    rule.delete()  # prices already set stay; new costs use the next rule that applies


# ------------------------------------------------------------------------------
# shared helpers
# ------------------------------------------------------------------------------
def variant_sku_for(*, supplier: Supplier, supplier_sku: str) -> str:
    """Our SKU for a supplier's SKU: prefixed with the supplier code, unique across suppliers."""
    sku = f"{supplier.code}-{supplier_sku}"
    if len(sku) <= MAX_VARIANT_SKU:
        return sku
    digest = hashlib.sha1(sku.encode()).hexdigest()[:8]  # noqa: S324 - a short tag, not security
    return f"{sku[: MAX_VARIANT_SKU - 9]}-{digest}"


def _stock_put(
    *, variant: ProductVariant, location: Location, on_hand: int, kind: str, reason: str, reference: str
) -> str:
    """Set the supplier location's stock; returns a warning when reservations forbid it."""
    try:
        stock_set(
            variant=variant, location=location, on_hand=on_hand, reason=reason, kind=kind, reference=reference
        )
    except StockBelowReserved:
        reserved = (
            StockLevel.objects.filter(variant=variant, location=location)
            .values_list("reserved", flat=True)
            .first()
        )
        stock_set(
            variant=variant,
            location=location,
            on_hand=reserved or 0,
            reason=reason,
            kind=kind,
            reference=reference,
        )
        return _("%(sku)s: the supplier has %(stock)d left but %(reserved)d are reserved for orders.") % {
            "sku": variant.sku,
            "stock": on_hand,
            "reserved": reserved or 0,
        }
    return ""


def _emit_product_updated(product: Product) -> None:
    event_emit(
        name="product.updated",
        payload={"product_uuid": str(product.uuid), "handle": product.handle, "title": product.title},
    )


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


# ------------------------------------------------------------------------------
# import
# ------------------------------------------------------------------------------
@transaction.atomic
def supplier_import_start(
    *, supplier: Supplier, upload: UploadedFile | None = None, actor: User | None = None
) -> ImportRun:
    """Record an import of `supplier`'s catalog and queue it; returns the run to follow."""
    from apps.sourcing.tasks import supplier_import_task

    if not supplier.is_active:
        raise SupplierInvalid(
            _("%(supplier)s is inactive; activate it to import.") % {"supplier": supplier.name}
        )
    file_name = ""
    kind: str
    if supplier.connector == Supplier.Connector.MANUAL:
        if upload is None:
            raise SupplierInvalid(_("Choose the supplier's CSV or JSON file to import."), field="file")
        if (upload.size or 0) > settings.SOURCING_FEED_MAX_BYTES:
            raise SupplierInvalid(
                _("The file is larger than %(mb)d MB.")
                % {"mb": settings.SOURCING_FEED_MAX_BYTES // (1024 * 1024)},
                field="file",
            )
        upload.seek(0)
        head = upload.read(64)
        upload.seek(0)
        file_name = upload.name or "feed"
        fmt = upload_format(file_name, head)
        kind = ImportRun.Kind.SUPPLIER_JSON if fmt == "json" else ImportRun.Kind.SUPPLIER_CSV
        source = file_name
    else:
        connector = connector_for(supplier)
        kind = connector.import_kind
        config = supplier.connector_config or {}
        if kind == ImportRun.Kind.SUPPLIER_API:
            source = _("%(count)d product(s) from the API") % {"count": len(config.get("product_ids") or [])}
        else:
            source = str(config.get("feed_url") or "").split("?", 1)[0]
    run = ImportRun(
        kind=kind,
        policy=ImportRun.Policy.ALL_OR_NOTHING,
        source_name=source[:255],
        supplier=supplier,
        created_by=actor,
    )
    if upload is not None and supplier.connector == Supplier.Connector.MANUAL:
        run.file.save(file_name.rsplit("/", 1)[-1][:100], upload, save=False)
    run.save()
    schema = current_schema()
    transaction.on_commit(
        lambda: supplier_import_task.apply_async(args=(run.pk,), headers={"_schema_name": schema})
    )
    return run


@dataclass
class _Prepared:
    item: SupplierItem
    images: list[UploadedFile] = field(default_factory=list)


def _run_update(run: ImportRun, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(run, name, value)
    ImportRun.objects.filter(pk=run.pk).update(**fields, updated_at=timezone.now())


def _run_fail(run: ImportRun, *, reason: str, problems: Iterable[FeedProblem] = ()) -> ImportRun:
    problems = list(problems)
    ImportRowError.objects.bulk_create(
        [ImportRowError(run=run, row=p.row, column=p.column[:100], message=p.message) for p in problems]
    )
    _run_update(
        run,
        status=ImportRun.Status.FAILED,
        failure_reason=reason,
        error_count=len(problems),
        created_count=0,
        updated_count=0,
        finished_at=timezone.now(),
    )
    return run


def _items_check(items: list[SupplierItem]) -> list[FeedProblem]:
    """Rules the connector cannot know: the store's currency."""
    currency = store_currency()
    problems = []
    for item in items:
        for variant in item.variants:
            if variant.currency != currency:
                problems.append(
                    FeedProblem(
                        row=item.row,
                        column="currency",
                        message=_("%(sku)s costs are in %(currency)s; this store sells in %(store)s.")
                        % {"sku": variant.sku, "currency": variant.currency, "store": currency},
                    )
                )
    return problems


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


def _prepare(
    run: ImportRun, supplier: Supplier, items: list[SupplierItem], *, into: list[_Prepared]
) -> list[FeedProblem]:
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
        entry = _Prepared(item=item)
        into.append(entry)
        product = existing.get(item.supplier_product_id)
        if product is None or product.pk not in with_images:
            for url in item.images[: settings.SOURCING_IMAGES_PER_PRODUCT]:
                try:
                    entry.images.append(_image_fetch(url))
                except (OutboundHttpError, CatalogError) as exc:
                    warnings.append(
                        FeedProblem(
                            row=item.row,
                            column="image_urls",
                            message=_("Image %(url)s skipped: %(reason)s")
                            % {"url": url[:300], "reason": exc.message},
                        )
                    )
        _run_update(run, processed_rows=done)
    return warnings


def _item_write(
    *,
    supplier: Supplier,
    entry: _Prepared,
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
                vendor=supplier.name[:120],
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
        _stock_put(
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


def _import_read(run: ImportRun, supplier: Supplier) -> list[SupplierItem]:
    """Everything the connector offers, checked; FeedInvalid names each unusable row."""
    content = None
    if run.file:
        with run.file.open("rb") as handle:
            content = handle.read()
    connector = connector_for(
        supplier, upload_name=(run.file.name or "") if run.file else "", content=content
    )
    try:
        items = connector.fetch_catalog()
    except FeedInvalid as exc:
        raise FeedInvalid(
            _("The feed has %(count)d problem(s); nothing was imported. %(first)s")
            % {"count": len(exc.problems), "first": exc.message},
            problems=exc.problems,
        ) from exc
    problems = _items_check(items)
    if problems:
        raise FeedInvalid(
            _("%(count)d row(s) cannot be imported; nothing was imported.") % {"count": len(problems)},
            problems=problems,
        )
    return items


def _import_write(
    *, run: ImportRun, supplier: Supplier, prepared: list[_Prepared], saved_images: list[ProductImage]
) -> tuple[int, int]:
    """Write every item in one transaction; any refused item undoes them all (FeedInvalid)."""
    now = timezone.now()
    created = updated = 0
    problems: list[FeedProblem] = []
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
            except (CatalogError, InventoryError) as exc:
                problems.append(FeedProblem(row=entry.item.row, column=exc.field or "", message=exc.message))
                continue
            created += int(was_created)
            updated += int(not was_created)
        if problems:
            raise FeedInvalid(
                _("%(count)d product(s) could not be saved; nothing was imported. The first: %(message)s")
                % {"count": len(problems), "message": problems[0].message},
                problems=problems,
            )
    return created, updated


def supplier_import_run(*, run_id: int) -> ImportRun:
    """Do one import (the task's body). Safe to run twice: a finished run is left alone."""
    run = ImportRun.objects.select_related("supplier").get(pk=run_id)
    if run.status in FINISHED:
        return run
    supplier = run.supplier
    if supplier is None:
        return _run_fail(run, reason=_("The supplier of this import was deleted."))
    _run_update(run, status=ImportRun.Status.RUNNING, started_at=timezone.now(), processed_rows=0)
    ImportRowError.objects.filter(run=run).delete()
    prepared: list[_Prepared] = []
    saved_images: list[ProductImage] = []
    try:
        items = _import_read(run, supplier)
        _run_update(run, total_rows=len(items))
        warnings = _prepare(run, supplier, items, into=prepared)
        created, updated = _import_write(
            run=run, supplier=supplier, prepared=prepared, saved_images=saved_images
        )
    except FeedInvalid as exc:
        product_image_files_delete(saved_images)
        return _run_fail(run, reason=exc.message, problems=exc.problems)
    except SourcingError as exc:
        product_image_files_delete(saved_images)
        return _run_fail(run, reason=exc.message)
    except Exception as exc:
        product_image_files_delete(saved_images)
        logger.exception("supplier import %s failed", run.uuid)
        return _run_fail(
            run,
            reason=_("The import stopped on an unexpected error (%(error)s); nothing was imported.")
            % {"error": type(exc).__name__},
        )
    finally:
        for entry in prepared:
            for upload in entry.images:
                upload.close()  # temporary files
    ImportRowError.objects.bulk_create(
        [ImportRowError(run=run, row=p.row, column=p.column[:100], message=p.message) for p in warnings]
    )
    _run_update(
        run,
        status=ImportRun.Status.SUCCEEDED,
        processed_rows=len(items),
        created_count=created,
        updated_count=updated,
        error_count=len(warnings),
        failure_reason="",
        finished_at=timezone.now(),
    )
    return run


# ------------------------------------------------------------------------------
# sync
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class SyncResult:
    supplier_id: int
    ok: bool
    offers: int = 0
    repriced: int = 0
    unavailable: int = 0
    unpublished: int = 0
    error: str = ""


def supplier_syncable() -> Any:
    """Suppliers the periodic sync visits."""
    return Supplier.objects.filter(is_active=True, sync_enabled=True).exclude(
        connector=Supplier.Connector.MANUAL
    )


@transaction.atomic
def supplier_sync_queue(*, supplier: Supplier) -> None:
    """Mark the supplier's products PENDING and queue its sync once this transaction commits."""
    from apps.sourcing.tasks import supplier_sync_task

    if not supplier.is_active:
        raise SupplierInvalid(
            _("%(supplier)s is inactive; activate it to sync.") % {"supplier": supplier.name}
        )
    if supplier.connector == Supplier.Connector.MANUAL:
        raise SupplierInvalid(
            _("%(supplier)s is a manual supplier: import a new file to update it.")
            % {"supplier": supplier.name}
        )
    products_sync_state_set(
        products=Product.objects.filter(variants__supplier_offers__supplier=supplier).exclude(
            sync_status=Product.SyncStatus.PENDING
        ),
        status=Product.SyncStatus.PENDING,
    )
    schema = current_schema()
    supplier_id = supplier.pk
    transaction.on_commit(
        lambda: supplier_sync_task.apply_async(args=(supplier_id,), headers={"_schema_name": schema})
    )


def _sync_failed(supplier: Supplier, *, message: str, now: Any) -> None:
    products_sync_state_set(
        products=Product.objects.filter(variants__supplier_offers__supplier=supplier),
        status=Product.SyncStatus.ERROR,
        error=message,
        at=now,
    )
    Supplier.objects.filter(pk=supplier.pk).update(last_sync_error=message, updated_at=now)


def _offer_sync(
    *,
    offer: SupplierOffer,
    found: SupplierItemVariant | None,
    rule: PricingRule | None,
    location: Location,
    supplier: Supplier,
    now: Any,
    notes: list[str],
) -> tuple[bool, bool]:
    """Bring one offer (and its variant's cost, price and supplier stock) up to date.
    Returns (variant repriced, still available)."""
    repriced = False
    if found is None:
        offer.is_available, offer.stock = False, 0
    elif found.currency != offer.currency and found.currency != store_currency():
        notes.append(
            _("%(sku)s is now priced in %(currency)s; its cost was not changed.")
            % {"sku": offer.supplier_sku, "currency": found.currency}
        )
        offer.is_available, offer.stock = found.available, found.stock
    else:
        offer.cost, offer.currency = found.cost, found.currency
        offer.is_available, offer.stock = found.available, found.stock
        variant = offer.variant
        if variant is not None and variant.cost != found.cost:
            price, compare_at = price_apply_rule(cost=found.cost, rule=rule)
            variant_cost_price_set(variant=variant, cost=found.cost, price=price, compare_at_price=compare_at)
            repriced = True
    offer.last_synced_at = now
    offer.save(update_fields=["cost", "currency", "is_available", "stock", "last_synced_at", "updated_at"])
    if offer.variant is not None:
        warning = _stock_put(
            variant=offer.variant,
            location=location,
            on_hand=offer.stock if offer.is_available else 0,
            kind=StockMovement.Kind.SUPPLIER_SYNC,
            reason=_("Supplier sync"),
            reference=f"supplier:{supplier.code}",
        )
        if warning:
            notes.append(warning)
    return repriced, offer.is_available


@dataclass
class _SyncCounts:
    repriced: int = 0
    unavailable: int = 0
    unpublished: int = 0


def _product_sync(
    *,
    product_id: int | None,
    offers: list[SupplierOffer],
    offered: dict[str, SupplierItemVariant],
    rule: PricingRule | None,
    location: Location,
    supplier: Supplier,
    now: Any,
    counts: _SyncCounts,
) -> None:
    """Sync the offers behind one product, then its status: unpublished when none is left."""
    notes: list[str] = []
    available_count = 0
    missing = []
    changed = False
    for offer in offers:
        found = offered.get(offer.supplier_sku)
        was_repriced, is_available = _offer_sync(
            offer=offer, found=found, rule=rule, location=location, supplier=supplier, now=now, notes=notes
        )
        changed |= was_repriced
        counts.repriced += int(was_repriced)
        available_count += int(is_available)
        counts.unavailable += int(not is_available)
        if found is None:
            missing.append(offer.supplier_sku)
    if product_id is None:
        return
    product = Product.objects.select_for_update().get(pk=product_id)
    fields = ["sync_status", "sync_error", "synced_at", "updated_at"]
    if available_count == 0:
        notes.insert(0, _("No longer available from %(supplier)s.") % {"supplier": supplier.name})
        if product.status == Product.Status.ACTIVE:
            product.status = Product.Status.DRAFT
            fields.append("status")
            counts.unpublished += 1
            changed = True
    elif missing:
        notes.insert(
            0,
            _("%(supplier)s no longer offers: %(skus)s.")
            % {"supplier": supplier.name, "skus": ", ".join(missing)},
        )
    product.sync_status = Product.SyncStatus.ERROR if notes else Product.SyncStatus.SYNCED
    product.sync_error = " ".join(notes)
    product.synced_at = now
    product.save(update_fields=fields)
    if changed:
        _emit_product_updated(product)


def supplier_sync(*, supplier: Supplier) -> SyncResult:
    """Refresh cost, stock and availability of everything linked to `supplier` (the task's body).
    Each product is its own transaction; one that cannot be updated is marked, the rest go on."""
    now = timezone.now()
    offers = list(SupplierOffer.objects.filter(supplier=supplier).select_related("variant__product"))
    try:
        connector = connector_for(supplier)
        ids = {offer.supplier_product_id for offer in offers if offer.supplier_product_id}
        items = connector.fetch_items(ids) if ids else []
    except SourcingError as exc:
        logger.warning("supplier %s sync failed: %s", supplier.code, exc.message)
        _sync_failed(supplier, message=exc.message, now=now)
        return SyncResult(supplier_id=supplier.pk, ok=False, offers=len(offers), error=exc.message)
    offered = {variant.sku: variant for item in items for variant in item.variants}
    rule = pricing_rule_for(supplier=supplier)
    location = supplier_location(supplier=supplier)
    by_product: dict[int | None, list[SupplierOffer]] = defaultdict(list)
    for offer in offers:
        by_product[offer.variant.product_id if offer.variant is not None else None].append(offer)
    counts = _SyncCounts()
    for product_id, product_offers in by_product.items():
        try:
            with transaction.atomic():
                _product_sync(
                    product_id=product_id,
                    offers=product_offers,
                    offered=offered,
                    rule=rule,
                    location=location,
                    supplier=supplier,
                    now=now,
                    counts=counts,
                )
        except ApplicationError as exc:
            logger.warning("supplier %s: product %s not synced: %s", supplier.code, product_id, exc.message)
            if product_id is not None:
                products_sync_state_set(
                    products=Product.objects.filter(pk=product_id),
                    status=Product.SyncStatus.ERROR,
                    error=exc.message,
                    at=now,
                )
    Supplier.objects.filter(pk=supplier.pk).update(last_synced_at=now, last_sync_error="", updated_at=now)
    return SyncResult(
        supplier_id=supplier.pk,
        ok=True,
        offers=len(offers),
        repriced=counts.repriced,
        unavailable=counts.unavailable,
        unpublished=counts.unpublished,
    )


# Re-exported for interfaces that only import services.
__all__ = [
    "PricingRuleInput",
    "SupplierInput",
    "SyncResult",
    "pricing_rule_delete",
    "pricing_rule_save",
    "supplier_import_run",
    "supplier_import_start",
    "supplier_location",
    "supplier_save",
    "supplier_sync",
    "supplier_sync_queue",
    "supplier_syncable",
    "variant_sku_for",
]
