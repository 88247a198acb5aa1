"""`{% cart_item_count as count %}`: units in the shopper's cart, for the header's cart link.

One small query per request at most (none for a guest who has no cart, none on the cart page,
which already counted them), remembered on the request for any further use on the page.
"""

from __future__ import annotations

from typing import Any

from django import template

from apps.checkout.sessions import request_cart_item_count
from apps.core.tenancy import in_store

register = template.Library()

_CACHE_ATTRIBUTE = "_storefront_cart_item_count"


@register.simple_tag(takes_context=True)
def cart_item_count(context: Any) -> int:
    summary = context.get("cart_summary")
    if summary is not None:
        return int(summary.item_count)
    request = context.get("request")
    if request is None or not in_store():
        return 0
    cached = getattr(request, _CACHE_ATTRIBUTE, None)
    if cached is None:
        cached = request_cart_item_count(request)
        setattr(request, _CACHE_ATTRIBUTE, cached)
    return int(cached)


def cart_count_shown(request: Any) -> int:
    """The cart count this request's page showed (0 when it showed none): the page cache
    never keeps a page that showed a cart."""
    return int(getattr(request, _CACHE_ATTRIBUTE, None) or 0)
