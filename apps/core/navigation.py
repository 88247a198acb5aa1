"""The dashboard's menu registry. Apps add their sections with `nav_register` in `ready()`, each
naming the permission its page needs; the dashboard shows a section only to roles that may open
it, and only when its URL resolves, so it never links to a missing or forbidden page. It lives in
core so that an app announcing its pages does not import the dashboard."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise

from apps.core.permissions import Perm


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    order: int
    permission: Perm = Perm.DASHBOARD_VIEW


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
