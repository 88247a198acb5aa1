"""Review requests: "how was it?" emails a few days after an order arrived.

`order.delivered` (from the fulfilment app) records one `ReviewRequest` per order, due
`request_delay_days` after the delivery (a later delivery of the same order moves it on while
it is unsent). The hourly store job `reviews.review_requests_send` sends the due ones through
the notifications app, each exactly once: the row is locked and stamped `sent_at` in the
transaction that queues the email, and the send carries an idempotency key of its own.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from apps.core.tenancy import current_tenant, require_store
from apps.orders.enums import OrderStatus
from apps.orders.models import Order
from apps.reviews.models import ReviewRequest
from apps.reviews.selectors import order_reviewable_lines, review_settings_get
from apps.stores.selectors import store_settings_get
from apps.tenants.links import store_base_url
from apps.tenants.models import Tenant

logger = logging.getLogger(__name__)

SEND_BATCH = 200
TEMPLATE = "review_request"
# Orders that are not asked: nothing left that the shopper kept.
NOT_ASKED = (OrderStatus.PENDING, OrderStatus.CANCELLED, OrderStatus.REFUNDED)


def review_request_record(*, order: Order, delivered_at: datetime | None = None) -> ReviewRequest:
    """Note that `order` was delivered: its review request falls due after the store's delay."""
    delay = review_settings_get().request_delay_days
    due = (delivered_at or timezone.now()) + timedelta(days=delay)
    with transaction.atomic():
        request, created = ReviewRequest.objects.select_for_update().get_or_create(
            order=order, defaults={"due_at": due}
        )
        if not created and request.sent_at is None and due > request.due_at:
            request.due_at = due
            request.save(update_fields=["due_at", "updated_at"])
    return request


def _this_store() -> Tenant:
    tenant = current_tenant()
    if isinstance(tenant, Tenant):
        return tenant
    return Tenant.objects.get(schema_name=require_store())


class _Links:
    """Absolute storefront URLs on the store's primary domain, in the order's language when the
    store offers it (else the store's default language): the path as the platform's default
    language has it (unprefixed), behind the language's prefix, as the storefront's language
    URLs have it ("" for the store's default language, "/de" for German)."""

    def __init__(self) -> None:
        store = store_settings_get()
        self.languages = tuple(store.languages)
        self.default = store.default_language
        self.base = store_base_url(_this_store())

    def url(self, name: str, language: str, **kwargs: Any) -> str:
        chosen = language if language in self.languages else self.default
        with translation.override(settings.LANGUAGE_CODE):
            path = reverse(name, kwargs=kwargs, urlconf=settings.ROOT_URLCONF)
        prefix = "" if chosen == self.default else f"/{chosen}"
        return f"{self.base}{prefix}{path}"


def _notification_send(**kwargs: Any) -> Any:
    from apps.notifications.services import notification_send

    return notification_send(**kwargs)


def _notifications_available() -> bool:
    try:
        from apps.notifications.services import notification_send  # noqa: F401
    except ImportError:
        return False
    return True


def _send(request: ReviewRequest, links: _Links) -> str:
    """Queue the email of one request; returns "" when sent, else why not."""
    order = request.order
    if order.status in NOT_ASKED:
        return "not_paid_or_refunded"
    if not order.email:
        return "no_email"
    lines = [line for line in _reviewable(order) if line.review is None]
    if not lines:
        return "nothing_to_review"
    language = order.language
    rows = []
    for line in lines:
        url = links.url("storefront:review_write", language, handle=line.product.handle)
        # "review_url" is the contract's name; "url" is what the default template reads.
        rows.append({"title": line.title, "review_url": url, "url": url})
    review_url = (
        rows[0]["review_url"]
        if len(rows) == 1
        else links.url("storefront:order_detail", language, order_uuid=order.uuid)
    )
    _notification_send(
        template=TEMPLATE,
        to=order.email,
        language=language,
        order=order,
        extra={"review_url": review_url, "lines": rows},
        key=f"review_request:{order.uuid}",
    )
    return ""


def _reviewable(order: Order) -> list[Any]:
    # A guest order (no account): every product of it; the link asks them to sign in first.
    return order_reviewable_lines(order=order, user=order.user)


def review_requests_send_due(*, now: datetime | None = None) -> dict[str, int]:
    """Send every due, unsent review request of the store (the hourly job); safe to run twice
    or at the same time: a request is sent once."""
    now = now or timezone.now()
    if not _notifications_available():
        waiting = ReviewRequest.objects.filter(sent_at__isnull=True, due_at__lte=now).count()
        logger.warning("notifications app missing: %d review requests wait", waiting)
        return {"sent": 0, "skipped": 0, "waiting": waiting}
    due = list(
        ReviewRequest.objects.filter(sent_at__isnull=True, due_at__lte=now)
        .order_by("due_at", "id")
        .values_list("pk", flat=True)[:SEND_BATCH]
    )
    links = _Links() if due else None
    sent = skipped = 0
    for pk in due:
        with transaction.atomic():
            request = (
                ReviewRequest.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("order", "order__user")
                .filter(pk=pk, sent_at__isnull=True)
                .first()
            )
            if request is None:  # another run has it, or sent it
                continue
            assert links is not None
            reason = _send(request, links)
            request.sent_at = now
            request.skipped_reason = reason
            request.save(update_fields=["sent_at", "skipped_reason", "updated_at"])
        if reason:
            skipped += 1
        else:
            sent += 1
    return {"sent": sent, "skipped": skipped}
