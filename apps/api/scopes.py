"""Admin API resources and the scopes of an API key, mapped onto the role -> permission map.

A key holds scopes `<resource>:read` or `<resource>:write` (write includes read). A request
passes when the key holds the scope its method needs *and* the member who created the key still
holds the resource's permission for it, so a key never does more than its creator may, and
follows the creator's role and removal at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from apps.core.permissions import Perm

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

READ = "read"
WRITE = "write"
LEVELS = (READ, WRITE)


@dataclass(frozen=True)
class Resource:
    name: str
    label: StrOrPromise
    read: Perm
    write: Perm


RESOURCES: dict[str, Resource] = {
    resource.name: resource
    for resource in (
        Resource(
            "products", _("Products, variants, images and collections"), Perm.CATALOG_VIEW, Perm.CATALOG_EDIT
        ),
        Resource("inventory", _("Inventory"), Perm.INVENTORY_VIEW, Perm.INVENTORY_ADJUST),
        Resource("customers", _("Customers"), Perm.CUSTOMERS_VIEW, Perm.CUSTOMERS_MANAGE),
        Resource("orders", _("Orders and fulfilments"), Perm.ORDERS_VIEW, Perm.ORDERS_MANAGE),
        Resource("refunds", _("Refunds"), Perm.ORDERS_VIEW, Perm.REFUNDS_CREATE),
        Resource("discounts", _("Discounts"), Perm.DISCOUNTS_MANAGE, Perm.DISCOUNTS_MANAGE),
        Resource("gift_cards", _("Gift cards"), Perm.GIFT_CARDS_MANAGE, Perm.GIFT_CARDS_MANAGE),
        Resource("suppliers", _("Suppliers"), Perm.SOURCING_VIEW, Perm.SOURCING_MANAGE),
        Resource(
            "purchase_orders", _("Supplier purchase orders"), Perm.ORDERS_VIEW, Perm.PURCHASE_ORDERS_MANAGE
        ),
        Resource("webhooks", _("Webhook endpoints"), Perm.WEBHOOKS_VIEW, Perm.WEBHOOKS_MANAGE),
    )
}

ALL_SCOPES = frozenset(f"{name}:{level}" for name in RESOURCES for level in LEVELS)


def scope_permission(scope: str) -> Perm:
    """The permission a member must hold to grant or use `scope`."""
    name, _sep, level = scope.partition(":")
    resource = RESOURCES[name]
    return resource.write if level == WRITE else resource.read


def scope_needed(resource: str, *, write: bool) -> str:
    if resource not in RESOURCES:
        raise ValueError(f"unknown API resource {resource!r}")
    return f"{resource}:{WRITE if write else READ}"


def scopes_grant(scopes: frozenset[str] | set[str] | list[str], needed: str) -> bool:
    """Whether a key holding `scopes` may do what `needed` asks (write includes read)."""
    if needed in scopes:
        return True
    name, _sep, level = needed.partition(":")
    return level == READ and f"{name}:{WRITE}" in scopes
