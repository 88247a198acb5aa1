"""The cart: the page, adding from a product page, changing a line's quantity, removing a line.

Every change is a plain form POST that redirects back (no JavaScript needed); the cart's script
(static/js/storefront-cart.js) sends the same forms with `fetch` and `X-Requested-With:
XMLHttpRequest`, and gets an HTML fragment back (the cart's contents, or the add form's status
line) with the header's count in `X-Cart-Count`. A refused change answers 422 with the message
next to the field it concerns, and the cart as it was.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from apps.checkout import services
from apps.checkout.errors import CartError
from apps.checkout.models import Cart, CartLine
from apps.checkout.selectors import (
    CartSummary,
    cart_item_count,
    cart_line_get,
    cart_summary,
    cart_variant_get,
    variant_display_name,
)
from apps.checkout.sessions import request_cart, request_cart_open, request_cart_remember
from apps.core.permissions import no_permission_required

FRAGMENT_HEADER = "X-Requested-With"
COUNT_HEADER = "X-Cart-Count"
WHY = "the cart belongs to whoever holds the session or account it was made in"


def _wants_fragment(request: HttpRequest) -> bool:
    return request.headers.get(FRAGMENT_HEADER) == "XMLHttpRequest" or bool(getattr(request, "htmx", False))


def _finish(response: HttpResponse, *, count: int) -> HttpResponse:
    response[COUNT_HEADER] = str(count)
    # The same URL answers a page or a fragment: caches must keep them apart.
    patch_vary_headers(response, [FRAGMENT_HEADER, "HX-Request"])
    return response


def _render_cart(
    request: HttpRequest,
    *,
    status: int = 200,
    line_errors: dict[uuid.UUID, str] | None = None,
) -> HttpResponse:
    summary: CartSummary = cart_summary(cart=request_cart(request))
    errors = line_errors or {}
    context: dict[str, Any] = {
        "cart_summary": summary,
        "rows": [{"line": line, "error": errors.get(line.uuid, "")} for line in summary.lines],
        "max_quantity": settings.CART_LINE_MAX_QUANTITY,
    }
    template = "storefront/cart/_contents.html" if _wants_fragment(request) else "storefront/cart/cart.html"
    return _finish(render(request, template, context, status=status), count=summary.item_count)


def _back(request: HttpRequest) -> HttpResponseRedirect:
    """To the page the form asked for (`next`, on this host only), else the cart."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return redirect("storefront:cart")


@no_permission_required(WHY)
@require_GET
def cart_detail(request: HttpRequest) -> HttpResponse:
    return _render_cart(request)


@no_permission_required(WHY)
@require_POST
def cart_add(request: HttpRequest) -> HttpResponse:
    """Add a variant (`variant`: its id) in a `quantity` (default 1) from a product page."""
    fragment = _wants_fragment(request)
    try:
        variant = cart_variant_get(variant_id=request.POST.get("variant", ""))
        quantity = services.cart_quantity_parse(value=request.POST.get("quantity", "1"))
        # A cart opened for a refused addition is rolled back with it.
        with transaction.atomic():
            cart = request_cart_open(request)
            line = services.cart_line_add(cart=cart, variant=variant, quantity=quantity)
    except CartError as error:
        if fragment:
            response = render(request, "storefront/cart/_add_result.html", {"error": error}, status=422)
            return _finish(response, count=_count(request))
        messages.error(request, error.message)
        return _back(request)
    request_cart_remember(request, cart)
    count = _count(request, cart=cart)
    name = variant_display_name(line.variant)
    if fragment:
        response = render(
            request, "storefront/cart/_add_result.html", {"added": name, "quantity": quantity, "count": count}
        )
        return _finish(response, count=count)
    messages.success(
        request,
        ngettext(
            "Added %(product)s to your cart.", "Added %(quantity)s × %(product)s to your cart.", quantity
        )
        % {"product": name, "quantity": quantity},
    )
    return _back(request)


def _count(request: HttpRequest, *, cart: Cart | None = None) -> int:
    cart = cart or request_cart(request)
    if cart is None:
        return 0
    return cart_item_count(user=cart.user if cart.user_id else None, token=cart.token)


def _own_line(request: HttpRequest, line_uuid: uuid.UUID) -> tuple[Cart, CartLine]:
    """The line if it is in this request's cart; anyone else's line (or none) is a 404."""
    cart = request_cart(request)
    line = cart_line_get(cart=cart, line_uuid=line_uuid) if cart is not None else None
    if cart is None or line is None:
        raise Http404("no such line in this cart")
    return cart, line


def _changed(request: HttpRequest) -> HttpResponse:
    if _wants_fragment(request):
        return _render_cart(request)
    return redirect("storefront:cart")


@no_permission_required(WHY)
@require_POST
def cart_line_update(request: HttpRequest, line_uuid: uuid.UUID) -> HttpResponse:
    """Set a line's quantity (0 removes it)."""
    cart, line = _own_line(request, line_uuid)
    try:
        quantity = services.cart_quantity_parse(value=request.POST.get("quantity", ""), allow_zero=True)
        services.cart_line_set_quantity(cart=cart, line=line, quantity=quantity)
    except CartError as error:
        return _render_cart(request, status=422, line_errors={line.uuid: error.message})
    return _changed(request)


@no_permission_required(WHY)
@require_POST
def cart_line_remove(request: HttpRequest, line_uuid: uuid.UUID) -> HttpResponse:
    cart, line = _own_line(request, line_uuid)
    try:
        services.cart_line_remove(cart=cart, line=line)
    except CartError as error:
        return _render_cart(request, status=422, line_errors={line.uuid: error.message})
    return _changed(request)
