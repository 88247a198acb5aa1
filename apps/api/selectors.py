"""Reads of the API's own data: the store's API keys for the dashboard."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from apps.api.models import ApiKey


def api_key_list() -> QuerySet[ApiKey]:
    """Every key of the store, newest first, with the member who created it."""
    return ApiKey.objects.select_related("created_by", "revoked_by").order_by("-created_at", "-id")


def api_key_get(*, key_uuid: uuid.UUID) -> ApiKey | None:
    return ApiKey.objects.select_related("created_by", "revoked_by").filter(uuid=key_uuid).first()
