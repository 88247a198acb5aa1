from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from apps.core.tenancy import current_schema


def site(request: HttpRequest) -> dict[str, Any]:
    tenant = getattr(request, "tenant", None)
    is_store = tenant is not None and current_schema() != "public"
    return {
        "PLATFORM_NAME": settings.PLATFORM_NAME,
        "PLATFORM_URL": settings.PLATFORM_URL,
        "current_store": tenant if is_store else None,
    }
