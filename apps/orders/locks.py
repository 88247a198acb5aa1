"""The order in which order-related rows are locked, in one place.

Every service that changes an order locks, in this order: the checkout it came from (when still
open), then the order, then its payments, then stock rows (by variant id), then discount and
gift card rows, then customer rows, and the order-number counter last of all. Placement locks
the checkout first to serialise completions of one checkout, so anything else that may need
the checkout (a late payment success completes it) must lock it before the order too, or the
two would wait for each other.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from apps.checkout.models import Checkout
from apps.orders.errors import OrderNotFound
from apps.orders.models import Order


def order_lock(*, order_id: int) -> Order:
    """Lock the order (and first its open checkout) for the rest of the caller's transaction."""
    token = Order.objects.filter(pk=order_id).values_list("checkout_token", flat=True).first()
    if token is not None:
        list(
            Checkout.objects.select_for_update().filter(token=token, status=Checkout.Status.OPEN).values("pk")
        )
    order = Order.objects.select_for_update().filter(pk=order_id).first()
    if order is None:
        raise OrderNotFound(_("This order does not exist."), params={"order": order_id})
    return order
