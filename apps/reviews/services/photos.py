"""Shoppers' review photos: checked with the catalog's image rules (real raster images only,
never SVG or markup, a pixel limit), at most REVIEW_PHOTO_MAX_BYTES each, then re-encoded (a
bounded copy and a thumbnail) so that what the store serves carries no EXIF data (a phone's
photo often holds where it was taken)."""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from apps.catalog.errors import CatalogError, CatalogErrorCode
from apps.catalog.services.images import image_validate
from apps.reviews.errors import ReviewError, ReviewErrorCode
from apps.reviews.models import Review, ReviewPhoto

MAX_PHOTOS = 5
MEGABYTE = 1024 * 1024
PHOTO_MAX_SIDE = 1600
THUMBNAIL_SIZE = (320, 320)


def photo_max_bytes() -> int:
    return int(getattr(settings, "REVIEW_PHOTO_MAX_BYTES", 5 * MEGABYTE))


def photo_validate(upload: UploadedFile | ContentFile) -> None:
    """Refuse anything but a real photo of at most `photo_max_bytes()`."""
    limit = photo_max_bytes()
    name = getattr(upload, "name", "") or _("photo")
    if (upload.size or 0) > limit:
        raise ReviewError(
            _("“%(name)s” is larger than %(limit)d MB; choose a smaller photo.")
            % {"name": name, "limit": limit // MEGABYTE},
            code=ReviewErrorCode.PHOTO_TOO_LARGE,
            field="photos",
            params={"limit": limit},
        )
    try:
        image_validate(upload)
    except CatalogError as error:
        code = (
            ReviewErrorCode.PHOTO_TOO_LARGE
            if error.code == CatalogErrorCode.IMAGE_TOO_LARGE
            else ReviewErrorCode.PHOTO_INVALID
        )
        raise ReviewError(
            _("“%(name)s” is not a photo we can show (JPEG, PNG, WebP or GIF): %(reason)s")
            % {"name": name, "reason": error.message},
            code=code,
            field="photos",
        ) from error


def _encode(upload: UploadedFile | ContentFile, box: tuple[int, int]) -> ContentFile:
    upload.seek(0)
    with Image.open(upload) as source:
        picture = ImageOps.exif_transpose(source)  # keep it upright once the EXIF is gone
        picture.thumbnail(box)
        out = io.BytesIO()
        picture.convert("RGB").save(out, format="JPEG", quality=85, optimize=True)
    upload.seek(0)
    return ContentFile(out.getvalue(), name="photo.jpg")


def review_photo_add(*, review: Review, upload: UploadedFile | ContentFile, position: int) -> ReviewPhoto:
    """Store one checked photo (call `photo_validate` first). Its files are removed again if
    the row cannot be written."""
    photo = ReviewPhoto(review=review, position=position)
    photo.image.save("photo.jpg", _encode(upload, (PHOTO_MAX_SIDE, PHOTO_MAX_SIDE)), save=False)
    photo.thumbnail.save("thumb.jpg", _encode(upload, THUMBNAIL_SIZE), save=False)
    try:
        photo.save()
    except Exception:
        review_photo_files_delete([photo])
        raise
    return photo


def review_photo_files_delete(photos: Iterable[ReviewPhoto]) -> None:
    for photo in photos:
        for file in (photo.image, photo.thumbnail):
            if file and file.name:
                file.storage.delete(file.name)


def review_photo_files_delete_after_commit(photos: Iterable[ReviewPhoto]) -> None:
    gone = list(photos)
    if gone:
        transaction.on_commit(lambda: review_photo_files_delete(gone))
