"""Template context of dashboard pages: the menu the user's role may see, and its permissions,
so templates hide buttons the role cannot use (`{% if "catalog.edit" in store_perms %}`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from apps.billing.selectors import STORE_ACTIVE, StoreBillingState
from apps.core.navigation import nav_items
from apps.core.permissions import user_permissions
from apps.core.tenancy import current_schema
from apps.dashboard.middleware import dashboard_billing_state
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
        # The billing banner of dashboard pages (read only when drawn: one query per request).
        "billing_state": SimpleLazyObject(lambda: _billing_state(request)),
        "billing_console_url": SimpleLazyObject(lambda: _billing_console_url(request)),
    }


def _billing_state(request: HttpRequest) -> StoreBillingState:
    return dashboard_billing_state(request) or StoreBillingState(STORE_ACTIVE)


def _billing_console_url(request: HttpRequest) -> str:
    """The console's billing page of the store's merchant, on the platform's domain."""
    state = _billing_state(request)
    if state.merchant_uuid is None:
        return f"{settings.PLATFORM_URL}{reverse('platform:billing_index', urlconf=settings.PUBLIC_SCHEMA_URLCONF)}"
    path = reverse(
        "platform:billing",
        urlconf=settings.PUBLIC_SCHEMA_URLCONF,
        kwargs={"merchant_uuid": state.merchant_uuid},
    )
    return f"{settings.PLATFORM_URL}{path}"
