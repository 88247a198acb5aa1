"""Sections that apps add to another app's page, so the page's app imports none of them and no
domain app imports a page: the dashboard's order page ("dashboard.order": shipments, supplier
orders, fraud risk, returns, invoices, emails, profit), the dashboard's customer page
("dashboard.customer": data and privacy) and the shopper's order page in their account
("storefront.order": shipments, returns, invoices, reviews).

An app registers a slot in its `AppConfig.ready()`, naming the function that builds the slot's
context by its dotted path (imported on first use, so registering imports no view):

    slot_register(PageSlot(page="dashboard.order", name="fulfilments",
                           template="fulfilment/dashboard/_order_panel.html",
                           context="apps.fulfilment.dashboard.views.shipments_panel_context",
                           position=10, permission=Perm.ORDERS_VIEW))

`context(request, obj)` returns the template's context, or None to leave the slot out (nothing to
show and nothing the reader may do). A slot with a `permission` is shown only to readers holding
it. Each slot keeps its queries few: the pages' query counts are pinned.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.module_loading import import_string
from django.utils.safestring import SafeString, mark_safe

from apps.core.permissions import Perm, user_has_permission

SlotContext = Callable[[HttpRequest, Any], dict[str, Any] | None]


@dataclass(frozen=True)
class PageSlot:
    page: str
    name: str
    template: str
    context: str  # dotted path of a SlotContext
    position: int = 100
    permission: Perm | None = None

    def context_function(self) -> SlotContext:
        return _import(self.context)


_slots: dict[str, dict[str, PageSlot]] = defaultdict(dict)
_functions: dict[str, SlotContext] = {}


def _import(path: str) -> SlotContext:
    function = _functions.get(path)
    if function is None:
        function = _functions[path] = import_string(path)
    return function


def slot_register(slot: PageSlot) -> PageSlot:
    _slots[slot.page][slot.name] = slot
    return slot


def page_slots(page: str) -> list[PageSlot]:
    return sorted(_slots[page].values(), key=lambda slot: (slot.position, slot.name))


def slots_render(page: str, request: HttpRequest, obj: Any, *, name: str = "order") -> list[SafeString]:
    """The slots of `page` this reader may see and that have something to show, rendered in
    order; each template gets `obj` as `name` plus its own context."""
    rendered = []
    for slot in page_slots(page):
        if slot.permission is not None and not user_has_permission(request.user, slot.permission):
            continue
        context = slot.context_function()(request, obj)
        if context is None:
            continue
        html = render_to_string(slot.template, {name: obj, **context}, request=request)
        rendered.append(mark_safe(html))  # noqa: S308 - rendered by our own template engine
    return rendered
