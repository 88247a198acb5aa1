"""The signed link to an order's status page, which a shopper (or a guest) opens without signing
in: from the confirmation page, the order emails and the invoice links.

The token names the order and the store, so it opens nothing in another store; the storefront
serves it (`apps.storefront.views.orders.order_status`), emails and invoices only make it.
"""

from __future__ import annotations

import uuid

from django.core import signing

from apps.core.tenancy import current_schema
from apps.orders.models import Order

ORDER_STATUS_SALT = "storefront.order-status"


def order_status_token(*, order: Order) -> str:
    return signing.dumps({"o": str(order.uuid), "s": current_schema()}, salt=ORDER_STATUS_SALT, compress=True)


def order_uuid_from_status_token(token: str) -> uuid.UUID | None:
    """The order a status token names, if it is genuine and made by the current store."""
    try:
        data = signing.loads(token, salt=ORDER_STATUS_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("s") != current_schema():
        return None
    try:
        return uuid.UUID(str(data.get("o")))
    except ValueError:
        return None
