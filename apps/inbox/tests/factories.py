"""Notifications for the tests, raised through the service as the subscribers raise them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from apps.core.permissions import Perm
from apps.inbox.models import Notification, NotificationKind
from apps.inbox.services import notification_raise


def notification_make(
    *,
    kind: str = NotificationKind.ORDER_PAID,
    permission: Perm = Perm.ORDERS_VIEW,
    dedup_key: str = "",
    params: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Notification:
    """A notification of `kind` readable with `permission` (a new order #1001 by default)."""
    return notification_raise(
        kind=kind,
        dedup_key=dedup_key or f"test:{uuid.uuid4().hex}",
        permission=permission,
        params=params if params is not None else {"number": 1001, "total": "20.00", "currency": "EUR"},
        link_name="dashboard:orders:order_detail" if kind == NotificationKind.ORDER_PAID else "",
        link_args=[(params or {}).get("number", 1001)] if kind == NotificationKind.ORDER_PAID else [],
        event_id=uuid.uuid4().hex,
        now=now,
    )


# One notification of each kind, with the permission its subscriber gives it.
KIND_PERMISSIONS: dict[str, Perm] = {
    NotificationKind.ORDER_PAID: Perm.ORDERS_VIEW,
    NotificationKind.LOW_STOCK: Perm.INVENTORY_VIEW,
    NotificationKind.FRAUD_REVIEW: Perm.FRAUD_REVIEW,
    NotificationKind.WEBHOOK_FAILED: Perm.WEBHOOKS_VIEW,
    NotificationKind.IMPORT_FINISHED: Perm.CATALOG_IMPORT,
}


def one_of_each_kind() -> dict[str, Notification]:
    return {kind: notification_make(kind=kind, permission=perm) for kind, perm in KIND_PERMISSIONS.items()}
