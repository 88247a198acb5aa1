"""The one role -> permission map, and the checks built on it.

Every dashboard page declares the permission it needs with `permission_required` (or says it
needs none with `no_permission_required`, naming why); anything undeclared is refused by the
URLconf test. The platform console asks the same map about a member's role, and the REST API's
key scopes map onto the same names. Roles are the four of a merchant's team; the map is the only
place that says what each may do.

| permission           | owner | admin | staff | finance |
|----------------------|:-----:|:-----:|:-----:|:-------:|
| dashboard.view       |   x   |   x   |   x   |    x    |
| catalog.view         |   x   |   x   |   x   |    x    |
| catalog.edit/delete/import |   x   |   x   |   x   |         |
| catalog.export       |   x   |   x   |   x   |    x    |
| inventory.view       |   x   |   x   |   x   |    x    |
| inventory.adjust     |   x   |   x   |   x   |         |
| sourcing.view        |   x   |   x   |   x   |    x    |
| sourcing.manage      |   x   |   x   |   x   |         |
| sourcing.credentials |   x   |   x   |       |         |
| orders.view          |   x   |   x   |   x   |    x    |
| orders.manage        |   x   |   x   |   x   |         |
| refunds.create       |   x   |   x   |       |    x    |
| purchase_orders.manage |   x   |   x   |   x   |         |
| returns.manage       |   x   |   x   |   x   |         |
| fraud.review         |   x   |   x   |       |    x    |
| reviews.moderate     |   x   |   x   |   x   |         |
| notifications.view   |   x   |   x   |       |    x    |
| notifications.manage |   x   |   x   |       |         |
| stores.manage        |   x   |   x   |       |         |
| domains.view         |   x   |   x   |       |    x    |
| domains.manage       |   x   |   x   |       |         |
| settings.view        |   x   |   x   |       |    x    |
| settings.manage      |   x   |   x   |       |         |
| team.view            |   x   |   x   |       |    x    |
| team.manage          |   x   |   x   |       |         |
| team.ownership       |   x   |       |       |         |
| billing.view         |   x   |       |       |    x    |
| billing.manage       |   x   |       |       |         |
| api_keys.view        |   x   |   x   |       |    x    |
| api_keys.manage      |   x   |   x   |       |         |
| webhooks.view        |   x   |   x   |       |    x    |
| webhooks.manage      |   x   |   x   |       |         |
| activity.view        |   x   |   x   |   x   |    x    |
| audit.view           |   x   |   x   |       |         |
| exports.download     |   x   |   x   |   x   |    x    |
| analytics.view       |   x   |   x   |       |    x    |
| theme.view           |   x   |   x   |       |    x    |
| theme.edit           |   x   |   x   |       |         |
| privacy.manage       |   x   |   x   |       |         |
| content.edit         |   x   |   x   |   x   |         |
| content.publish      |   x   |   x   |       |         |
| store.export         |   x   |       |       |         |
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    STAFF = "staff"
    FINANCE = "finance"


class Perm(StrEnum):
    DASHBOARD_VIEW = "dashboard.view"
    CATALOG_VIEW = "catalog.view"
    CATALOG_EDIT = "catalog.edit"
    CATALOG_DELETE = "catalog.delete"
    CATALOG_IMPORT = "catalog.import"
    CATALOG_EXPORT = "catalog.export"
    INVENTORY_VIEW = "inventory.view"
    INVENTORY_ADJUST = "inventory.adjust"
    SOURCING_VIEW = "sourcing.view"
    SOURCING_MANAGE = "sourcing.manage"
    SOURCING_CREDENTIALS = "sourcing.credentials"
    ORDERS_VIEW = "orders.view"
    ORDERS_MANAGE = "orders.manage"
    REFUNDS_CREATE = "refunds.create"
    # Place, approve or retry orders with suppliers (dropshipping); reading them is orders.view.
    PURCHASE_ORDERS_MANAGE = "purchase_orders.manage"
    RETURNS_MANAGE = "returns.manage"  # approve or refuse a return, send its label or instructions
    FRAUD_REVIEW = "fraud.review"  # release or cancel an order held as high risk
    REVIEWS_MODERATE = "reviews.moderate"  # publish, hide or answer product reviews
    NOTIFICATIONS_VIEW = "notifications.view"  # email templates and the delivery log
    NOTIFICATIONS_MANAGE = "notifications.manage"  # edit the templates and the SMS settings
    CUSTOMERS_VIEW = "customers.view"
    CUSTOMERS_MANAGE = "customers.manage"  # edit a customer record, grant store credit
    DISCOUNTS_MANAGE = "discounts.manage"  # discount codes and automatic discounts
    GIFT_CARDS_MANAGE = "gift_cards.manage"  # issue, top up, disable gift cards
    # Shipping zones and rates, taxes and payment gateways: settings that change what a
    # shopper pays, so they sit with settings.manage's holders (owner, admin).
    SHIPPING_VIEW = "shipping.view"
    SHIPPING_MANAGE = "shipping.manage"
    TAXES_VIEW = "taxes.view"
    TAXES_MANAGE = "taxes.manage"
    PAYMENTS_VIEW = "payments.view"
    PAYMENTS_MANAGE = "payments.manage"
    STORES_MANAGE = "stores.manage"  # open new stores, retry a failed provisioning (console)
    DOMAINS_VIEW = "domains.view"
    DOMAINS_MANAGE = "domains.manage"
    SETTINGS_VIEW = "settings.view"
    SETTINGS_MANAGE = "settings.manage"
    TEAM_VIEW = "team.view"
    TEAM_MANAGE = "team.manage"
    TEAM_OWNERSHIP = "team.ownership"
    BILLING_VIEW = "billing.view"
    BILLING_MANAGE = "billing.manage"
    API_KEYS_VIEW = "api_keys.view"
    API_KEYS_MANAGE = "api_keys.manage"
    WEBHOOKS_VIEW = "webhooks.view"  # outbound webhook endpoints and their delivery log
    WEBHOOKS_MANAGE = "webhooks.manage"  # add, change, rotate secrets, resend deliveries
    ACTIVITY_VIEW = "activity.view"
    AUDIT_VIEW = "audit.view"
    EXPORTS_DOWNLOAD = "exports.download"
    ANALYTICS_VIEW = "analytics.view"  # revenue, conversion and the reports; home's figures
    THEME_VIEW = "theme.view"
    THEME_EDIT = "theme.edit"  # change the theme's draft, publish or discard it
    # A customer's data rights (export everything held, erase) and the retention settings.
    PRIVACY_MANAGE = "privacy.manage"
    # The store's blog and pages in Wagtail (/cms/): write drafts, upload images and documents,
    # edit menus; publishing (and scheduling, unpublishing, deleting live pages) is content.publish.
    CONTENT_EDIT = "content.edit"
    CONTENT_PUBLISH = "content.publish"
    # "Download my store": an archive of every row and file of the store (apps.backups).
    STORE_EXPORT = "store.export"


_ALL = frozenset(Perm)
_READ = frozenset(p for p in Perm if p.value.endswith(".view"))

ROLE_PERMISSIONS: dict[Role, frozenset[Perm]] = {
    Role.OWNER: _ALL,
    # Everything but the merchant's money with the platform, who owns the business and the
    # archive of the whole store (every customer, order and file at once).
    Role.ADMIN: _ALL - {Perm.BILLING_VIEW, Perm.BILLING_MANAGE, Perm.TEAM_OWNERSHIP, Perm.STORE_EXPORT},
    # The day-to-day shop floor: products, stock, suppliers (not their keys), orders.
    Role.STAFF: frozenset(
        {
            Perm.DASHBOARD_VIEW,
            Perm.CATALOG_VIEW,
            Perm.CATALOG_EDIT,
            Perm.CATALOG_DELETE,
            Perm.CATALOG_IMPORT,
            Perm.CATALOG_EXPORT,
            Perm.INVENTORY_VIEW,
            Perm.INVENTORY_ADJUST,
            Perm.SOURCING_VIEW,
            Perm.SOURCING_MANAGE,
            Perm.ORDERS_VIEW,
            Perm.ORDERS_MANAGE,
            Perm.PURCHASE_ORDERS_MANAGE,
            Perm.RETURNS_MANAGE,
            Perm.REVIEWS_MODERATE,
            Perm.CUSTOMERS_VIEW,
            Perm.CUSTOMERS_MANAGE,
            Perm.DISCOUNTS_MANAGE,
            Perm.GIFT_CARDS_MANAGE,
            Perm.ACTIVITY_VIEW,
            Perm.EXPORTS_DOWNLOAD,
            Perm.CONTENT_EDIT,
        }
    ),
    # Reads everything except the audit trail, handles money, downloads exports; changes no
    # catalog, stock, supplier, domain or setting.
    Role.FINANCE: (_READ - {Perm.AUDIT_VIEW})
    | {
        Perm.REFUNDS_CREATE,
        Perm.FRAUD_REVIEW,
        Perm.GIFT_CARDS_MANAGE,
        Perm.CATALOG_EXPORT,
        Perm.EXPORTS_DOWNLOAD,
    },
}


def role_permissions(role: str | None) -> frozenset[Perm]:
    """What a role may do; an unknown or empty role may do nothing."""
    try:
        return ROLE_PERMISSIONS[Role(role or "")]
    except ValueError:
        return frozenset()


def role_has_permission(role: str | None, permission: str) -> bool:
    return permission in role_permissions(role)


def user_permissions(user: Any) -> frozenset[Perm]:
    """What a store user may do in this store's dashboard: nothing unless an active staff
    account with a role."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    if not user.is_staff:
        return frozenset()
    return role_permissions(getattr(user, "store_role", ""))


def user_has_permission(user: Any, permission: str) -> bool:
    if permission not in _ALL:
        raise ValueError(f"unknown permission {permission!r}")
    return permission in user_permissions(user)


# ------------------------------------------------------------------------------
# Declaring what a view needs
# ------------------------------------------------------------------------------
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class ViewPermission:
    """What a view needs: `read` for GET/HEAD/OPTIONS, `write` for every other method.
    `public` views need none, and say why in `reason`."""

    read: Perm | None
    write: Perm | None
    public: bool = False
    reason: str = ""

    def for_method(self, method: str) -> Perm | None:
        return self.read if method.upper() in SAFE_METHODS else self.write


V = TypeVar("V", bound=Callable[..., HttpResponseBase])

FORBIDDEN_TEMPLATE = "errors/403.html"


def permission_required(read: Perm | str, *, write: Perm | str | None = None) -> Callable[[V], V]:
    """Decorate a dashboard view: signed-out visitors go to sign-in; a signed-in user whose role
    lacks the permission gets the 403 page. `write` (default: `read`) guards unsafe methods,
    so a page finance may read can still refuse finance's POST."""
    declared = ViewPermission(read=Perm(read), write=Perm(write) if write else Perm(read))

    def decorator(view: V) -> V:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            needed = declared.for_method(request.method or "GET")
            if needed is None or not user_has_permission(user, needed):
                return render(request, FORBIDDEN_TEMPLATE, {"permission": needed}, status=403)
            return view(request, *args, **kwargs)

        wrapped.view_permission = declared  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def no_permission_required(reason: str) -> Callable[[V], V]:
    """Mark a view that anyone may reach (a storefront page, the hand-off that signs staff in).
    The reason is required so that a reviewer sees why."""
    if not reason.strip():
        raise ValueError("say why this view needs no permission")

    def decorator(view: V) -> V:
        view.view_permission = ViewPermission(read=None, write=None, public=True, reason=reason)  # type: ignore[attr-defined]
        return view

    return decorator


def view_permission(view: Callable[..., Any]) -> ViewPermission | None:
    """What a URL's callback declared, looking through `wraps` chains (never_cache, require_POST)."""
    seen = 0
    current: Any = view
    while current is not None and seen < 20:
        declared = getattr(current, "view_permission", None)
        if isinstance(declared, ViewPermission):
            return declared
        current = getattr(current, "__wrapped__", None)
        seen += 1
    return None
