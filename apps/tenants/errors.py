"""Errors of store lifecycle and domains."""

from __future__ import annotations

from apps.core.errors import ApplicationError


class StoreError(ApplicationError):
    code = "store_error"
