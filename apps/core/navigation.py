"""The dashboard's menu registry. Apps add their sections with `nav_register` in `ready()`, each
naming the permission its page needs; the dashboard shows a section only to roles that may open
it, and only when its URL resolves, so it never links to a missing or forbidden page. It lives in
core so that an app announcing its pages does not import the dashboard.

Each item names the sidebar section (`NavGroup`) it sits in; an app that names none lands in
"More", so a registration written before the sections existed still shows."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import TextChoices
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apps.core.permissions import Perm


class NavGroup(TextChoices):
    """The sidebar's sections, in the order they are shown (MAIN has no heading: Home)."""

    MAIN = "main", _("Main")
    SELL = "sell", _("Sell")
    CATALOG = "catalog", _("Catalog")
    CUSTOMERS = "customers", _("Customers")
    STORE = "store", _("Store")
    DEVELOPERS = "developers", _("Developers")
    MORE = "more", _("More")


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    order: int
    permission: Perm = Perm.DASHBOARD_VIEW
    group: NavGroup = NavGroup.MORE


@dataclass(frozen=True)
class NavSection:
    """One heading of the sidebar with the items under it (with their URLs)."""

    group: NavGroup
    items: list[tuple[NavItem, str]]

    @property
    def label(self) -> str | Promise:
        return self.group.label


_items: dict[str, NavItem] = {}


def nav_register(item: NavItem) -> None:
    _items[item.url_name] = item


def nav_items(permissions: frozenset[Perm] | None = None) -> list[tuple[NavItem, str]]:
    """The sections `permissions` may open (all of them when None), in menu order, with URLs."""
    resolved = []
    for item in sorted(_items.values(), key=lambda i: i.order):
        if permissions is not None and item.permission not in permissions:
            continue
        try:
            resolved.append((item, reverse(item.url_name)))
        except NoReverseMatch:
            continue
    return resolved


def nav_sections(items: list[tuple[NavItem, str]]) -> list[NavSection]:
    """`items` (from `nav_items`) under their sections, sections in `NavGroup` order, items in
    menu order; a section with nothing the reader may open is left out."""
    by_group: dict[NavGroup, list[tuple[NavItem, str]]] = {group: [] for group in NavGroup}
    for item, url in items:
        by_group[NavGroup(item.group)].append((item, url))
    return [NavSection(group, entries) for group, entries in by_group.items() if entries]


def nav_item_for_path(items: list[tuple[NavItem, str]], path: str) -> tuple[NavItem, str] | None:
    """The item whose URL is the longest prefix of `path` (an order's page belongs to Orders),
    for the default breadcrumbs; the home URL only matches itself, or it would match everything."""
    best: tuple[NavItem, str] | None = None
    for item, url in items:
        if path == url:
            return item, url
        if path.startswith(url) and url.count("/") > 2 and (best is None or len(url) > len(best[1])):
            best = (item, url)
    return best
