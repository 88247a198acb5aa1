"""The domain events that become notifications in the dashboard's bell, each with the page it
links to and the permission needed to open that page (so only those who may act see it):

| event                        | notification    | links to                  | permission      |
|------------------------------|-----------------|---------------------------|-----------------|
| `order.paid`                 | new order       | the order                 | orders.view     |
| `inventory.low`              | low stock       | the location's stock      | inventory.view  |
| `order.risk_high` (held)     | fraud review    | the fraud review queue    | fraud.review    |
| `webhook_endpoint.disabled`  | failed webhook  | the endpoint              | webhooks.view   |
| `import_run.finished`        | import finished | the import's report       | catalog.import  |

A redelivered event changes nothing (`notification_raise` remembers the event's id).
"""

from __future__ import annotations

from apps.catalog.services.imports import IMPORT_RUN_FINISHED
from apps.core.events import Event, subscribe
from apps.core.permissions import Perm
from apps.fraud.services import ORDER_RISK_HIGH
from apps.inbox.models import NotificationKind
from apps.inbox.services import notification_raise
from apps.integrations.enums import DisabledReason
from apps.integrations.models import WebhookEndpoint
from apps.integrations.services.endpoints import WEBHOOK_ENDPOINT_DISABLED
from apps.inventory.models import Location
from apps.inventory.services import LOW_STOCK_EVENT
from apps.orders.timeline import ORDER_PAID


@subscribe(ORDER_PAID)
def order_paid_notify(event: Event) -> None:
    """A new (paid) order. The shopper's email stays out: a notification holds no personal data
    that erasing a customer would have to find."""
    p = event.payload
    if not p.get("order") or p.get("number") is None:
        return
    notification_raise(
        kind=NotificationKind.ORDER_PAID,
        dedup_key=f"order_paid:{p['order']}",
        permission=Perm.ORDERS_VIEW,
        params={"number": p["number"], "total": p.get("total", ""), "currency": p.get("currency", "")},
        link_name="dashboard:orders:order_detail",
        link_args=[p["number"]],
        event_id=event.id,
    )


@subscribe(LOW_STOCK_EVENT)
def low_stock_notify(event: Event) -> None:
    """A variant fell to its low-stock threshold at a location; one notification per variant and
    location, so stock bouncing around the threshold collapses into it."""
    p = event.payload
    location = Location.objects.filter(code=p.get("location", "")).only("id", "name").first()
    notification_raise(
        kind=NotificationKind.LOW_STOCK,
        dedup_key=f"low_stock:{p.get('variant_id')}:{p.get('location')}",
        permission=Perm.INVENTORY_VIEW,
        params={
            "sku": p.get("sku", ""),
            "available": p.get("available", ""),
            "threshold": p.get("threshold", ""),
            "location": location.name if location else p.get("location", ""),
        },
        link_name="dashboard:inventory:location_stock" if location else "dashboard:inventory:location_list",
        link_args=[location.pk] if location else [],
        event_id=event.id,
    )


@subscribe(ORDER_RISK_HIGH)
def fraud_review_notify(event: Event) -> None:
    """A high-risk order the store holds until someone reviews it (not held: nothing to do)."""
    p = event.payload
    risk = p.get("risk") or {}
    if not risk.get("held") or not p.get("order"):
        return
    notification_raise(
        kind=NotificationKind.FRAUD_REVIEW,
        dedup_key=f"fraud_review:{p['order']}",
        permission=Perm.FRAUD_REVIEW,
        params={
            "number": p.get("number", ""),
            "score": risk.get("score", ""),
            "level": risk.get("level", ""),
        },
        link_name="dashboard:fraud:queue",
        event_id=event.id,
    )


@subscribe(WEBHOOK_ENDPOINT_DISABLED)
def webhook_failed_notify(event: Event) -> None:
    """An endpoint switched off by its failures (410 Gone, or three days of failures); one a
    team member switched off themselves is no news to anyone."""
    p = event.payload
    if p.get("reason") == DisabledReason.MANUAL or not p.get("endpoint"):
        return
    endpoint = WebhookEndpoint.objects.filter(uuid=p["endpoint"]).only("url", "description").first()
    if endpoint is None:
        return
    notification_raise(
        kind=NotificationKind.WEBHOOK_FAILED,
        dedup_key=f"webhook_failed:{p['endpoint']}",
        permission=Perm.WEBHOOKS_VIEW,
        params={"endpoint": endpoint.description or endpoint.url, "reason": p.get("reason", "")},
        link_name="dashboard:integrations:endpoint_detail",
        link_args=[p["endpoint"]],
        event_id=event.id,
    )


@subscribe(IMPORT_RUN_FINISHED)
def import_finished_notify(event: Event) -> None:
    """A product CSV import or a supplier import ended (succeeded, partly, or failed)."""
    p = event.payload
    if not p.get("run"):
        return
    notification_raise(
        kind=NotificationKind.IMPORT_FINISHED,
        dedup_key=f"import_finished:{p['run']}",
        permission=Perm.CATALOG_IMPORT,
        params={
            key: p.get(key)
            for key in (
                "kind",
                "status",
                "source_name",
                "created_count",
                "updated_count",
                "error_count",
                "failure_code",
                "failure_params",
            )
        },
        link_name="dashboard:catalog:import_detail",
        link_args=[p["run"]],
        event_id=event.id,
    )
