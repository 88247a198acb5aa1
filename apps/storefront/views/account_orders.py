"""The shopper's order history on their account: every order placed from the account, and the
guest orders of the customer record linked to it (orders placed with the account's email before
it existed or while signed out, once that email is verified; see `apps.customers.signals`).

An order that is not the shopper's (another shopper's, another store's, a guest order of an
email the account has not verified) answers 404, the same as an id that never existed.

An order's page shows what the confirmation and the status page show (`views.orders`): the same
rows of totals (`order_totals_rows`) and the shopper's timeline (`shopper_timeline`).
"""

from __future__ import annotations

import uuid

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from apps.core.page_slots import slots_render
from apps.core.permissions import no_permission_required
from apps.customers import selectors as customer_selectors
from apps.orders.selectors import order_for_shopper, orders_for_customer
from apps.storefront.views.account import WHY, _render, _shopper, shopper_required
from apps.storefront.views.orders import (
    latest_payment,
    order_totals_rows,
    payment_method_name,
    shopper_timeline,
)

ORDERS_PER_PAGE = 20


@no_permission_required(WHY)
@never_cache
@shopper_required
def orders(request: HttpRequest) -> HttpResponse:
    history = orders_for_customer(user=_shopper(request))
    page = Paginator(history, ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    return _render(request, "orders.html", {"page": page})


@no_permission_required(WHY)
@never_cache
@shopper_required
def order_detail(request: HttpRequest, order_uuid: uuid.UUID) -> HttpResponse:
    order = order_for_shopper(user=_shopper(request), order_uuid=order_uuid)
    if order is None:
        raise Http404(_("This order does not exist."))
    addresses = {
        key: {**address, "country_name": customer_selectors.country_name(address.get("country", ""))}
        for key, address in (("shipping", order.shipping_address), ("billing", order.billing_address))
        if address
    }
    context = {
        "order": order,
        "addresses": addresses,
        "totals_rows": order_totals_rows(order, payment_method=payment_method_name(latest_payment(order))),
        "timeline": shopper_timeline(order),
        "account_section": "orders",
        "sections": slots_render("storefront.order", request, order),
    }
    return _render(request, "order_detail.html", context)
