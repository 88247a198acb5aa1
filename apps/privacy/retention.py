"""The data kinds with a retention period that existed before the retention settings: abandoned
carts (checkout), the emails log (notifications), the webhook deliveries log (integrations) and
the store's event log (core). Registered here (from PrivacyConfig.ready) rather than in each app,
so those apps need not change; apps added later register their own kinds in their `ready()`.

Each purge deletes only what is finished and older than `before`, and returns the number of
rows of its kind removed (cascaded rows, such as a cart's lines, are not counted):

- abandoned carts: open or merged carts untouched since `before` (nor their checkout); a cart that became an order
  (converted) is kept, since its checkout is part of the order's history until the customer is
  erased;
- emails log: sent and failed messages; queued ones are still on their way;
- webhook log: delivered and dead deliveries (with their attempts); scheduled ones are kept;
- event log: dispatched events none of whose subscribers is still pending (with the deliveries).

The defaults match the periods the apps used on their own (`EVENT_LOG_RETENTION_DAYS`,
`WEBHOOKS_RETENTION_DAYS`), so a store that never opens the settings keeps what it kept. Those
apps still run their own daily purge with that period (`core.event_log_purge`,
`integrations.deliveries_purge`), so for these two kinds the period is also the most a store may
choose: it may keep them shorter, never longer.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from apps.core.retention import RetentionKind, retention_register

ABANDONED_CARTS = "abandoned_carts"
EMAIL_LOG = "email_log"
WEBHOOK_LOG = "webhook_log"
EVENT_LOG = "event_log"


def abandoned_carts_purge(before: datetime) -> int:
    from apps.checkout.models import Cart

    # "Touched" as the abandoned-cart reminder reads it: the cart or its checkout.
    _total, counts = (
        Cart.objects.filter(status__in=[Cart.Status.OPEN, Cart.Status.MERGED], updated_at__lt=before)
        .exclude(checkout__updated_at__gte=before)
        .delete()
    )
    return counts.get(Cart._meta.label, 0)


def email_log_purge(before: datetime) -> int:
    from apps.notifications.models import Delivery

    _total, counts = Delivery.objects.filter(
        status__in=[Delivery.Status.SENT, Delivery.Status.FAILED], created_at__lt=before
    ).delete()
    return counts.get(Delivery._meta.label, 0)


def webhook_log_purge(before: datetime) -> int:
    from apps.integrations.enums import DeliveryStatus
    from apps.integrations.models import WebhookDelivery

    _total, counts = WebhookDelivery.objects.filter(
        status__in=[DeliveryStatus.SUCCEEDED, DeliveryStatus.DEAD], created_at__lt=before
    ).delete()
    return counts.get(WebhookDelivery._meta.label, 0)


def event_log_purge(before: datetime) -> int:
    from apps.core.models import EventDelivery, EventRecord

    pending = EventDelivery.objects.filter(event=OuterRef("pk"), status=EventDelivery.Status.PENDING)
    _total, counts = (
        EventRecord.objects.filter(status=EventRecord.Status.DISPATCHED, created_at__lt=before)
        .exclude(Exists(pending))
        .delete()
    )
    return counts.get(EventRecord._meta.label, 0)


def _webhooks_days() -> int:
    return int(getattr(settings, "WEBHOOKS_RETENTION_DAYS", 30))


def register() -> None:
    retention_register(
        RetentionKind(
            key=ABANDONED_CARTS,
            label=_("Abandoned carts"),
            default_days=90,
            min_days=7,
            max_days=730,
            purge=abandoned_carts_purge,
            help_text=_("Carts nobody has touched for this many days and that never became an order."),
        )
    )
    retention_register(
        RetentionKind(
            key=EMAIL_LOG,
            label=_("Emails and text messages log"),
            default_days=365,
            min_days=30,
            max_days=3650,
            purge=email_log_purge,
            help_text=_("Sent and failed messages to shoppers (who, which email, when); not the templates."),
        )
    )
    retention_register(
        RetentionKind(
            key=WEBHOOK_LOG,
            label=_("Webhook deliveries log"),
            default_days=_webhooks_days(),
            min_days=1,
            max_days=_webhooks_days(),
            purge=webhook_log_purge,
            help_text=_(
                "Delivered and abandoned webhook deliveries with their attempts; retries still due are kept."
            ),
        )
    )
    retention_register(
        RetentionKind(
            key=EVENT_LOG,
            label=_("Store event log"),
            default_days=int(settings.EVENT_LOG_RETENTION_DAYS),
            min_days=min(7, int(settings.EVENT_LOG_RETENTION_DAYS)),
            max_days=int(settings.EVENT_LOG_RETENTION_DAYS),
            purge=event_log_purge,
            help_text=_(
                "Events the store's apps reacted to (order placed, product updated, …) once handled."
            ),
        )
    )
