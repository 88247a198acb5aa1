"""Test data for the catalog: products made through the real services."""

from __future__ import annotations

import io
from decimal import Decimal

from django.core.files.base import ContentFile
from PIL import Image

from apps.catalog.models import Product
from apps.catalog.services import ProductInput, VariantInput, product_create


def make_product(
    title: str = "Linen Shirt",
    *,
    sku_prefix: str | None = None,
    variants: int = 1,
    price: str = "20.00",
    status: str = Product.Status.ACTIVE,
    **fields: object,
) -> Product:
    prefix = sku_prefix or title.upper().replace(" ", "-")[:40]
    sizes = [f"S{i}" for i in range(variants)]
    return product_create(
        data=ProductInput(
            title=title,
            status=status,
            variants=tuple(
                VariantInput(
                    sku=f"{prefix}-{size}",
                    price=Decimal(price) + index,
                    options=(("Size", size),) if variants > 1 else (),
                )
                for index, size in enumerate(sizes)
            ),
            **fields,  # type: ignore[arg-type]
        )
    )


def png_upload(name: str = "photo.png", size: tuple[int, int] = (64, 48), color: str = "red") -> ContentFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return ContentFile(buffer.getvalue(), name=name)
