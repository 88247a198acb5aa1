"""Product images: checked uploads (real raster images only, never SVG or other markup), a
thumbnail for lists, alt texts and order. Files are removed only after the rows are gone."""

from __future__ import annotations

import io
from collections.abc import Sequence

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from PIL import Image, UnidentifiedImageError

from apps.billing.limits import Limit, store_limit_check
from apps.catalog.changes import catalog_data_changed
from apps.catalog.errors import CatalogError, CatalogErrorCode
from apps.catalog.models import Product, ProductImage
from apps.catalog.selectors import megabytes_rounded_up, product_image_bytes
from apps.catalog.services.products import product_event_emit, product_image_files_delete

ACCEPTED_IMAGE_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
MEGABYTE = 1024 * 1024


def image_validate(upload: UploadedFile | ContentFile) -> str:
    """Check an upload is a real raster image we accept; returns its file extension."""
    size = upload.size or 0
    if size > settings.CATALOG_IMAGE_MAX_BYTES:
        raise CatalogError(
            CatalogErrorCode.IMAGE_TOO_LARGE,
            {"size": size // MEGABYTE, "limit": settings.CATALOG_IMAGE_MAX_BYTES // MEGABYTE},
            field="image",
        )
    name = (getattr(upload, "name", "") or "").lower()
    upload.seek(0)
    head = upload.read(512)
    upload.seek(0)
    if name.endswith(".svg") or b"<svg" in head.lower() or head.lstrip().startswith(b"<"):
        raise CatalogError(CatalogErrorCode.IMAGE_SVG, field="image")
    try:
        with Image.open(upload) as probe:
            if probe.width * probe.height > settings.CATALOG_IMAGE_MAX_PIXELS:
                raise CatalogError(CatalogErrorCode.IMAGE_TOO_MANY_PIXELS, field="image")
            image_format = probe.format or ""
            probe.verify()
    except CatalogError:
        raise
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError) as exc:
        raise CatalogError(CatalogErrorCode.IMAGE_INVALID, field="image") from exc
    finally:
        upload.seek(0)
    if image_format not in ACCEPTED_IMAGE_FORMATS:
        raise CatalogError(CatalogErrorCode.IMAGE_FORMAT, {"format": image_format or "?"}, field="image")
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


def _media_limit_check(size_bytes: int) -> None:
    """Billing counts a store's media in whole MB, rounded up. Adding the MB this upload takes
    the total to (not its own size rounded up) lets small images fill the last MB exactly. The
    first check takes the plan lock (and refuses a store already past its limit), held until
    the caller's transaction ends, so the bytes read after it cannot change under a concurrent
    upload."""
    store_limit_check(limit=Limit.MEDIA_MB, adding=0)
    stored = product_image_bytes()
    adding = megabytes_rounded_up(stored + size_bytes) - megabytes_rounded_up(stored)
    store_limit_check(limit=Limit.MEDIA_MB, adding=adding)


@transaction.atomic
def product_image_add(*, product: Product, upload: UploadedFile | ContentFile, alt: str = "") -> ProductImage:
    """Store a checked image and its thumbnail. Refused with `PlanLimitReached` when its bytes
    would take the store past its plan's media limit (in MB)."""
    extension = image_validate(upload)
    thumbnail = _thumbnail(upload)
    size_bytes = (upload.size or 0) + (thumbnail.size or 0)
    _media_limit_check(size_bytes)
    position = product.images.count()
    image = ProductImage(product=product, alt=alt.strip()[:255], position=position, size_bytes=size_bytes)
    image.image.save(f"upload.{extension}", upload, save=False)
    image.thumbnail.save("thumb.jpg", thumbnail, save=False)
    try:
        image.save()
    except Exception:
        product_image_files_delete([image])
        raise
    product_event_emit("product.updated", product)
    return image


@transaction.atomic
def product_image_delete(*, image: ProductImage) -> None:
    product = image.product
    image.delete()
    transaction.on_commit(lambda: product_image_files_delete([image]))
    product_event_emit("product.updated", product)


@transaction.atomic
def product_image_alt_set(*, image: ProductImage, alt: str) -> ProductImage:
    alt = alt.strip()
    if len(alt) > 255:
        raise CatalogError(CatalogErrorCode.ALT_TOO_LONG, field="alt")
    image.alt = alt
    image.save(update_fields=["alt", "updated_at"])
    product_event_emit("product.updated", image.product)
    return image


@transaction.atomic
def product_images_reorder(*, product: Product, image_ids: Sequence[int]) -> None:
    images = {image.pk: image for image in product.images.all()}
    if set(image_ids) != set(images):
        raise CatalogError(CatalogErrorCode.IMAGE_ORDER_INVALID)
    for position, image_id in enumerate(image_ids):
        images[image_id].position = position
    ProductImage.objects.bulk_update(images.values(), ["position"])
    catalog_data_changed()
