from __future__ import annotations

from apps.core.errors import ApplicationError


class CatalogError(ApplicationError):
    code = "catalog_error"
