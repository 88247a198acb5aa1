"""Template context of dashboard pages: the menu the user's role may see (flat in `nav`, under
its headings in `nav_sections`), the default breadcrumbs, and the role's permissions, so
templates hide buttons the role cannot use (`{% if "catalog.edit" in store_perms %}`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise, SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from apps.billing.selectors import STORE_ACTIVE, StoreBillingState
from apps.core.navigation import NavItem, nav_item_for_path, nav_items, nav_sections
from apps.core.permissions import user_permissions
from apps.core.tenancy import current_schema
from apps.dashboard.middleware import dashboard_billing_state
from apps.stores.selectors import store_currency_get


def dashboard(request: HttpRequest) -> dict[str, Any]:
    if current_schema() == "public":
        return {}
    user = getattr(request, "user", None)
    perms = SimpleLazyObject(lambda: user_permissions(user))
    nav: Any = SimpleLazyObject(lambda: nav_items(user_permissions(user)))
    return {
        # The currency the store sells in, for `{{ amount|money:store_currency }}`; read only when
        # a template uses it (one cached lookup).
        "store_currency": SimpleLazyObject(store_currency_get),
        "store_perms": perms,
        "nav": nav,
        "nav_sections": SimpleLazyObject(lambda: nav_sections(list(nav))),
        "breadcrumbs": SimpleLazyObject(lambda: breadcrumbs_default(list(nav), request.path)),
        # The menu item an inner page belongs to (an order's page: Orders), marked in the menu.
        "nav_current_url": SimpleLazyObject(lambda: _nav_current_url(list(nav), request.path)),
        # The billing banner of dashboard pages (read only when drawn: one query per request).
        "billing_state": SimpleLazyObject(lambda: _billing_state(request)),
        "billing_console_url": SimpleLazyObject(lambda: _billing_console_url(request)),
    }


@dataclass(frozen=True)
class Crumb:
    label: str | Promise
    url: str
    current: bool = False


def breadcrumbs_default(items: list[tuple[NavItem, str]], path: str) -> list[Crumb]:
    """Home, then the menu item the page belongs to (an order's page: Orders), the current one
    marked; a page may override `{% block breadcrumbs %}` or add its own last crumb in
    `{% block breadcrumb_current %}`. None on home itself (a trail of one is noise), Home
    alone on pages outside the menu."""
    home_url = reverse("dashboard:home")
    if not items or path == home_url:  # signed out or no role: no menu, no trail
        return []
    crumbs = [Crumb(_("Home"), home_url)]
    match = nav_item_for_path(items, path)
    if match is not None and match[1] != home_url:
        item, url = match
        crumbs.append(Crumb(item.label, url, current=path == url))
    return crumbs


def _nav_current_url(items: list[tuple[NavItem, str]], path: str) -> str:
    match = nav_item_for_path(items, path)
    return match[1] if match is not None else ""


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
