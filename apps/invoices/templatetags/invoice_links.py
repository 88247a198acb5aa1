"""`{% order_status_invoices order %}`: the order's invoices and credit notes on the order status
page (the signed link a guest follows), each downloadable through that same signed token."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from apps.invoices.selectors import invoices_for_order
from apps.orders.links import order_status_token
from apps.orders.models import Order

register = template.Library()


@register.inclusion_tag("invoices/storefront/_status_invoices.html")
def order_status_invoices(order: Order) -> dict[str, Any]:
    if order.paid_at is None:
        return {"invoices": []}
    invoices = invoices_for_order(order)
    token = order_status_token(order=order) if invoices else ""
    return {
        "invoices": [
            (
                invoice,
                reverse(
                    "storefront:invoice_download_signed",
                    kwargs={"token": token, "invoice_uuid": invoice.uuid},
                ),
            )
            for invoice in invoices
        ]
    }
