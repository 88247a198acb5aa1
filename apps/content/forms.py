"""The image form of a store's /cms/ (WAGTAILIMAGES_IMAGE_FORM_BASE): Wagtail's own checks
(extension, size, pixels, format matching the extension) and then the catalog's, so an editor's
upload is held to the same rules as a product image: a real raster image Pillow can read to
the end, never SVG or other markup however it is named. A file Pillow cannot decode is a form
error, not a failed request (Wagtail's field lets the decoder's error through)."""

from __future__ import annotations

import struct
from typing import Any

from django.core.exceptions import ValidationError
from PIL import Image as PILImage
from wagtail.images.fields import WagtailImageField
from wagtail.images.forms import BaseImageForm

from apps.catalog.errors import CatalogError
from apps.catalog.services import image_validate


class StoreImageField(WagtailImageField):
    def to_python(self, data: Any) -> Any:
        try:
            return super().to_python(data)
        except (
            OSError,
            ValueError,
            SyntaxError,
            EOFError,
            struct.error,
            PILImage.DecompressionBombError,
        ) as exc:
            raise ValidationError(self.error_messages["invalid_image"], code="invalid_image") from exc


class StoreImageForm(BaseImageForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields.get("file")
        if type(field) is WagtailImageField:
            # Wagtail builds the field itself (help text, accepted types, limits): keep it all and
            # only add the decoder's errors to what it refuses politely.
            field.__class__ = StoreImageField

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if upload is None or "file" not in self.changed_data:
            return upload
        try:
            image_validate(upload)
        except CatalogError as exc:
            raise ValidationError(exc.message, code=exc.code) from exc
        return upload
