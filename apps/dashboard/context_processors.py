"""Template context of dashboard pages: the menu the user's role may see, and its permissions,
so templates hide buttons the role cannot use (`{% if "catalog.edit" in store_perms %}`)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from apps.core.navigation import nav_items
from apps.core.permissions import user_permissions
from apps.core.tenancy import current_schema
from apps.stores.selectors import store_currency_get


def dashboard(request: HttpRequest) -> dict[str, Any]:
    if current_schema() == "public":
        return {}
    user = getattr(request, "user", None)
    perms = SimpleLazyObject(lambda: user_permissions(user))
    return {
        # The currency the store sells in, for `{{ amount|money:store_currency }}`; read only when
        # a template uses it (one cached lookup).
        "store_currency": SimpleLazyObject(store_currency_get),
        "store_perms": perms,
        "nav": SimpleLazyObject(lambda: nav_items(user_permissions(user))),
    }
