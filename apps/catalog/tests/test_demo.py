from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from apps.catalog.demo import demo_catalog_load
from apps.catalog.models import Collection, Product, ProductImage, ProductVariant
from apps.inventory.models import StockLevel
from apps.platform.management.commands.demo_setup import _demo_stock

pytestmark = pytest.mark.django_db


def test_demo_catalog_has_variants_images_stock_and_collections(alpha):
    with schema_context(alpha.tenant.schema_name):
        assert demo_catalog_load(theme="gadgets", count=6, stock=_demo_stock) == 6
        assert Product.objects.count() == 6
        assert ProductVariant.objects.count() >= 6
        assert ProductImage.objects.count() == 9  # one or two generated images each
        assert StockLevel.objects.count() == ProductVariant.objects.count()
        assert Collection.objects.count() == 2
        assert demo_catalog_load(theme="gadgets", count=6) == 0  # idempotent
