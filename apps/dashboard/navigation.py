"""The dashboard's navigation. Apps add their sections with `nav_register` in `ready()`;
a section shows only when its URL resolves, so the menu never links to a missing page."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    order: int


_items: dict[str, NavItem] = {}


def nav_register(item: NavItem) -> None:
    _items[item.url_name] = item


def nav_items() -> list[tuple[NavItem, str]]:
    resolved = []
    for item in sorted(_items.values(), key=lambda i: i.order):
        try:
            resolved.append((item, reverse(item.url_name)))
        except NoReverseMatch:
            continue
    return resolved


nav_register(NavItem(label=_("Home"), url_name="dashboard:home", order=0))
nav_register(NavItem(label=_("Domains"), url_name="dashboard:domains", order=80))
nav_register(NavItem(label=_("Activity"), url_name="dashboard:activity", order=90))
