"""Catalog pages of the dashboard, by seam: products (list, export, editor), bulk actions,
images, categories, collections and imports. Each view declares the permission it needs
(`apps.core.permissions`); templates hide what the role cannot do (`store_perms`).

Views parse forms, call one service or selector, and show a service's refusal (`CatalogError`)
next to what caused it. Everything is read from and written to the current store's schema, so
another store's product, image, category, collection or import is a 404.
"""

from __future__ import annotations

from apps.catalog.dashboard.views.bulk import product_bulk
from apps.catalog.dashboard.views.categories import (
    category_create,
    category_delete,
    category_edit,
    category_list,
)
from apps.catalog.dashboard.views.collections import (
    collection_create,
    collection_delete,
    collection_detail,
    collection_edit,
    collection_list,
)
from apps.catalog.dashboard.views.images import (
    product_image_add,
    product_image_alt,
    product_image_delete,
    product_image_move,
)
from apps.catalog.dashboard.views.imports import (
    import_create,
    import_detail,
    import_list,
    import_report,
    import_status,
)
from apps.catalog.dashboard.views.products import (
    product_create,
    product_delete,
    product_edit,
    product_export,
    product_list,
)

__all__ = [
    "category_create",
    "category_delete",
    "category_edit",
    "category_list",
    "collection_create",
    "collection_delete",
    "collection_detail",
    "collection_edit",
    "collection_list",
    "import_create",
    "import_detail",
    "import_list",
    "import_report",
    "import_status",
    "product_bulk",
    "product_create",
    "product_delete",
    "product_edit",
    "product_export",
    "product_image_add",
    "product_image_alt",
    "product_image_delete",
    "product_image_move",
    "product_list",
]
