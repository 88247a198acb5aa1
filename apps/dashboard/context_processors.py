"""Template context of dashboard pages: the menu the user's role may see, and its permissions,
so templates hide buttons the role cannot use (`{% if "catalog.edit" in store_perms %}`)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from apps.core.navigation import nav_items
from apps.core.permissions import user_permissions
from apps.core.tenancy import current_schema


def dashboard(request: HttpRequest) -> dict[str, Any]:
    if current_schema() == "public":
        return {}
    user = getattr(request, "user", None)
    perms = SimpleLazyObject(lambda: user_permissions(user))
    return {
        "store_perms": perms,
        "nav": SimpleLazyObject(lambda: nav_items(user_permissions(user))),
    }
