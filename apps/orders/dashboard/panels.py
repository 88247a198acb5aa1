"""Sections other apps add to the dashboard's order page (fulfilments, supplier orders, fraud
risk, returns, invoices, profit), so the orders app imports none of them.

An app registers a panel in its `AppConfig.ready()`:

    order_panel_register(OrderPanel(name="fulfilments", template="fulfilment/dashboard/_order_panel.html",
                                    context=fulfilment_panel_context, position=10))

`context(request, order)` returns the template's context, or None to leave the panel out (nothing
to show and nothing the reader may do). A panel is shown only to readers holding its
`permission`; each keeps its own queries few (the order page's query count is pinned).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from apps.core.permissions import Perm, user_has_permission
from apps.orders.models import Order

PanelContext = Callable[[HttpRequest, Order], dict[str, Any] | None]


@dataclass(frozen=True)
class OrderPanel:
    name: str
    template: str
    context: PanelContext
    position: int = 100
    permission: Perm = Perm.ORDERS_VIEW


_panels: dict[str, OrderPanel] = {}


def order_panel_register(panel: OrderPanel) -> OrderPanel:
    _panels[panel.name] = panel
    return panel


def order_panels() -> list[OrderPanel]:
    return sorted(_panels.values(), key=lambda panel: (panel.position, panel.name))


def order_panels_render(request: HttpRequest, order: Order) -> list[SafeString]:
    """The registered panels this reader may see, rendered in order."""
    rendered = []
    for panel in order_panels():
        if not user_has_permission(request.user, panel.permission):
            continue
        context = panel.context(request, order)
        if context is None:
            continue
        html = render_to_string(panel.template, {"order": order, **context}, request=request)
        rendered.append(mark_safe(html))  # noqa: S308 - rendered by our own template engine
    return rendered
