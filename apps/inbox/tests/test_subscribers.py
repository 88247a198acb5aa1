"""Each kind of notification comes from its domain event, raised by the real service and
dispatched as in production (eager Celery once the transaction commits), once per subject."""

from __future__ import annotations

import uuid

import pytest
from django.utils import translation

from apps.catalog.models import ImportRun
from apps.catalog.services.imports import import_run_create, import_run_finish
from apps.core.events import Event, subscribers_for
from apps.core.permissions import Perm
from apps.core.tenancy import current_schema
from apps.fraud.services import order_risk_assess
from apps.fraud.tests.factories import paid_order, settings_set
from apps.inbox.messages import notification_target, notification_text
from apps.inbox.models import Notification, NotificationKind
from apps.integrations.enums import DisabledReason
from apps.integrations.models import WebhookDelivery, WebhookEndpoint
from apps.integrations.services import endpoint_disable
from apps.inventory.models import StockLevel
from apps.inventory.services import inventory_reserve, stock_set
from apps.inventory.tests.factories import location_make, variant_make
from apps.orders.tests.factories import order_placed

pytestmark = pytest.mark.django_db

RISKY = {"email": "x@mailinator.com", "shipping": "NG", "billing": "GB"}  # score 65: high


def _only(kind: str) -> Notification:
    [notification] = Notification.objects.filter(kind=kind)
    return notification


def test_a_paid_order_becomes_a_new_order_notification(in_alpha, django_capture_on_commit_callbacks):
    # when an order is placed and paid
    with django_capture_on_commit_callbacks(execute=True):
        order = order_placed(email="buyer@example.com")
    # then one notification links to it, for those who may read orders, without the email
    notification = _only(NotificationKind.ORDER_PAID)
    assert notification.permission == Perm.ORDERS_VIEW
    assert notification.params == {
        "number": order.number,
        "total": str(order.total),
        "currency": order.currency,
    }
    assert "buyer@example.com" not in str(notification.params)
    assert notification_target(notification) == f"/dashboard/orders/{order.number}/"
    text = notification_text(notification)
    assert text.title == f"New order #{order.number}"
    assert text.message == f"{order.total} {order.currency} paid."


def test_stock_falling_to_its_threshold_becomes_a_low_stock_notification(
    in_alpha, django_capture_on_commit_callbacks
):
    # given 10 on hand with an alert at 5
    variant, location = variant_make(sku="INBOX-LOW"), location_make(code="inbox-wh", name="Main warehouse")
    stock = stock_set(variant=variant, location=location, on_hand=10, reason="count")
    StockLevel.objects.filter(pk=stock.pk).update(low_stock_threshold=5)
    # when orders reserve 6
    with django_capture_on_commit_callbacks(execute=True):
        inventory_reserve(variant=variant, quantity=6, reference="inbox")
    # then
    notification = _only(NotificationKind.LOW_STOCK)
    assert notification.permission == Perm.INVENTORY_VIEW
    assert notification_target(notification) == f"/dashboard/inventory/locations/{location.pk}/"
    text = notification_text(notification)
    assert (text.title, text.message) == (
        "Low stock: INBOX-LOW",
        "4 available at Main warehouse (alert at 5).",
    )


def test_a_held_high_risk_order_becomes_a_fraud_review_notification(
    in_alpha, django_capture_on_commit_callbacks
):
    # given a store that holds high-risk orders
    settings_set(hold_high_risk=True)
    order = paid_order(**RISKY)
    # when it is assessed
    with django_capture_on_commit_callbacks(execute=True):
        order_risk_assess(order)
    # then only those who may review fraud are told, with a link to the queue
    notification = _only(NotificationKind.FRAUD_REVIEW)
    assert notification.permission == Perm.FRAUD_REVIEW
    assert notification.params["number"] == order.number and notification.params["score"] == 65
    assert notification_target(notification) == "/dashboard/fraud/"
    assert notification_text(notification).title == f"Order #{order.number} held for fraud review"


def test_a_high_risk_order_the_store_does_not_hold_raises_nothing(
    in_alpha, django_capture_on_commit_callbacks
):
    settings_set(hold_high_risk=False)
    order = paid_order(**RISKY)
    with django_capture_on_commit_callbacks(execute=True):
        order_risk_assess(order)
    assert not Notification.objects.filter(kind=NotificationKind.FRAUD_REVIEW).exists()


@pytest.mark.parametrize("reason", [DisabledReason.GONE, DisabledReason.FAILING])
def test_an_endpoint_switched_off_by_its_failures_becomes_a_failed_webhook_notification(
    in_alpha, django_capture_on_commit_callbacks, reason
):
    endpoint = WebhookEndpoint.objects.create(url="https://hooks.example.com/inbox", description="ERP")
    other = WebhookEndpoint.objects.create(url="https://hooks.example.com/everything")
    # when the deliveries switch it off
    with django_capture_on_commit_callbacks(execute=True):
        assert endpoint_disable(endpoint=endpoint, reason=reason)
    # then
    notification = _only(NotificationKind.WEBHOOK_FAILED)
    assert notification.permission == Perm.WEBHOOKS_VIEW
    assert notification_target(notification) == f"/dashboard/webhooks/{endpoint.uuid}/"
    text = notification_text(notification)
    assert text.title == "Webhook endpoint switched off"
    assert text.message == f"ERP: {DisabledReason(reason).label}."
    # and the store's webhook health is not sent to its other endpoints
    assert not WebhookDelivery.objects.filter(endpoint=other).exists()


def test_an_endpoint_a_team_member_switched_off_raises_nothing(in_alpha, django_capture_on_commit_callbacks):
    endpoint = WebhookEndpoint.objects.create(url="https://hooks.example.com/inbox")
    with django_capture_on_commit_callbacks(execute=True):
        endpoint_disable(endpoint=endpoint)
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    ("kind", "status", "message"),
    [
        (ImportRun.Kind.PRODUCT_CSV, ImportRun.Status.SUCCEEDED, "3 created, 2 updated."),
        (
            ImportRun.Kind.SUPPLIER_CSV,
            ImportRun.Status.PARTIAL,
            "3 created, 2 updated; 0 problems, some rows skipped.",
        ),
    ],
)
def test_a_finished_import_becomes_an_import_notification(
    in_alpha, django_capture_on_commit_callbacks, kind, status, message
):
    run = import_run_create(kind=kind, source_name="products.csv")
    with django_capture_on_commit_callbacks(execute=True):
        import_run_finish(run=run, status=status, created_count=3, updated_count=2)
    notification = _only(NotificationKind.IMPORT_FINISHED)
    assert notification.permission == Perm.CATALOG_IMPORT
    assert notification_target(notification) == f"/dashboard/catalog/imports/{run.uuid}/"
    text = notification_text(notification)
    assert text.title == f"{ImportRun.Kind(kind).label} import of “products.csv” finished"
    assert text.message == message


def test_a_failed_import_says_why_in_the_readers_language(in_alpha, django_capture_on_commit_callbacks):
    from apps.catalog.errors import CatalogErrorCode, error_message

    run = import_run_create(kind=ImportRun.Kind.PRODUCT_CSV)
    with django_capture_on_commit_callbacks(execute=True):
        import_run_finish(run=run, status=ImportRun.Status.FAILED, code=CatalogErrorCode.IMPORT_NO_ROWS)
    notification = _only(NotificationKind.IMPORT_FINISHED)
    assert notification.params["failure_code"] == CatalogErrorCode.IMPORT_NO_ROWS  # data, not a sentence
    with translation.override("de"):
        german = notification_text(notification)
        assert german.message.endswith(error_message(CatalogErrorCode.IMPORT_NO_ROWS))
    assert notification_text(notification).message == (
        f"The import failed: {error_message(CatalogErrorCode.IMPORT_NO_ROWS)}"
    )


def _deliver(name: str, payload: dict, *, event_id: str) -> None:
    """Hand `name` to this app's subscribers, as the dispatcher does."""
    event = Event(id=event_id, name=name, payload=payload, schema_name=current_schema())
    handlers = [h for key, h in subscribers_for(name).items() if key.startswith("apps.inbox.")]
    assert handlers
    for handler in handlers:
        handler(event)


LOW = {"sku": "INBOX-1", "variant_id": 1, "location": "nowhere", "available": 2, "threshold": 3}


def test_a_redelivered_event_changes_nothing(in_alpha):
    event_id = str(uuid.uuid4())
    _deliver("inventory.low", LOW, event_id=event_id)
    _deliver("inventory.low", LOW, event_id=event_id)
    notification = _only(NotificationKind.LOW_STOCK)
    assert notification.occurrences == 1
    # a location that is gone: the notification links to the locations instead
    assert notification_target(notification) == "/dashboard/inventory/"


def test_a_burst_of_the_same_alert_collapses_into_one_notification(in_alpha):
    # when the same variant goes low three times at the same location
    for available in (2, 1, 0):
        _deliver("inventory.low", {**LOW, "available": available}, event_id=str(uuid.uuid4()))
    # and another variant once
    _deliver("inventory.low", {**LOW, "sku": "INBOX-2", "variant_id": 2}, event_id=str(uuid.uuid4()))
    # then one notification each, the first with the latest numbers and a count
    assert Notification.objects.count() == 2
    notification = Notification.objects.get(params__sku="INBOX-1")
    assert (notification.occurrences, notification.params["available"]) == (3, 0)
