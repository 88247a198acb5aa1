"""Fixtures of the catalog's dashboard tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from apps.catalog.models import Product


@pytest.fixture
def media_cleanup() -> Iterator[list[tuple[str, Product]]]:
    """Removes the image files tests upload (the database rolls back, the disk does not)."""
    made: list[tuple[str, Product]] = []
    yield made
    for schema, product in made:
        shutil.rmtree(Path(settings.MEDIA_ROOT) / schema / "products" / str(product.uuid), ignore_errors=True)
