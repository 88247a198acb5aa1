"""Sections other apps add to the shopper's order page in their account (shipments, returns,
invoices, reviews), so the storefront imports none of them.

An app registers a section in its `AppConfig.ready()`:

    order_section_register(OrderSection(name="returns", template="returns/storefront/_order_section.html",
                                        context=return_section_context, position=20))

`context(request, order)` returns the template's context, or None to leave the section out. The
order is already known to be the signed-in shopper's; each section keeps its queries few.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from apps.orders.models import Order

SectionContext = Callable[[HttpRequest, Order], dict[str, Any] | None]


@dataclass(frozen=True)
class OrderSection:
    name: str
    template: str
    context: SectionContext
    position: int = 100


_sections: dict[str, OrderSection] = {}


def order_section_register(section: OrderSection) -> OrderSection:
    _sections[section.name] = section
    return section


def order_sections_render(request: HttpRequest, order: Order) -> list[SafeString]:
    """The registered sections with something to show for `order`, rendered in order."""
    rendered = []
    for section in sorted(_sections.values(), key=lambda s: (s.position, s.name)):
        context = section.context(request, order)
        if context is None:
            continue
        html = render_to_string(section.template, {"order": order, **context}, request=request)
        rendered.append(mark_safe(html))  # noqa: S308 - rendered by our own template engine
    return rendered
