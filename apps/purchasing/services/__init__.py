"""Purchasing services: making purchase orders from paid orders (`creation`), placing them with
suppliers and what staff do with them (`placement`), and supplier tracking turned into
shipments (`tracking`). The public names are re-exported here."""

from apps.purchasing.services.creation import (
    offer_choose,
    offer_rank,
    order_fraud_held,
    purchase_orders_cancel_open,
    purchase_orders_sync,
)
from apps.purchasing.services.placement import (
    PlacementOutcome,
    backoff_seconds,
    purchase_order_approve,
    purchase_order_cancel,
    purchase_order_mark_placed,
    purchase_order_place,
    purchase_order_retry,
    purchase_order_send,
    purchase_orders_resend_due,
    purchasing_settings_update,
)
from apps.purchasing.services.tracking import (
    TrackingSyncResult,
    purchase_order_tracking_sync,
    purchase_orders_tracking_sync,
)

__all__ = [
    "PlacementOutcome",
    "TrackingSyncResult",
    "backoff_seconds",
    "offer_choose",
    "offer_rank",
    "order_fraud_held",
    "purchase_order_approve",
    "purchase_order_cancel",
    "purchase_order_mark_placed",
    "purchase_order_place",
    "purchase_order_retry",
    "purchase_order_send",
    "purchase_order_tracking_sync",
    "purchase_orders_cancel_open",
    "purchase_orders_resend_due",
    "purchase_orders_sync",
    "purchase_orders_tracking_sync",
    "purchasing_settings_update",
]
