"""Reads of outbound webhooks for the dashboard (and later the API): endpoints, the delivery log
with its filters, one delivery with its attempts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet

from apps.integrations.enums import DeliveryStatus
from apps.integrations.models import WebhookDelivery, WebhookEndpoint, WebhookSecret

DELIVERIES_PER_PAGE = 25


def endpoint_list() -> list[WebhookEndpoint]:
    """Every endpoint with its counts of deliveries still scheduled and dead."""
    return list(
        WebhookEndpoint.objects.annotate(
            scheduled_count=Count(
                "deliveries",
                filter=Q(deliveries__status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING]),
            ),
            dead_count=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.DEAD)),
        ).order_by("-created_at", "-id")
    )


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        return None


def endpoint_get(*, endpoint_uuid: object) -> WebhookEndpoint | None:
    found = _uuid(endpoint_uuid)
    if found is None:
        return None
    return WebhookEndpoint.objects.filter(uuid=found).prefetch_related("secrets").first()


def endpoint_current_secret(*, endpoint: WebhookEndpoint) -> WebhookSecret | None:
    return next((s for s in endpoint.secrets.all() if s.expires_at is None), None)


def endpoint_previous_secrets(*, endpoint: WebhookEndpoint) -> list[WebhookSecret]:
    return [s for s in endpoint.secrets.all() if s.expires_at is not None]


@dataclass(frozen=True)
class DeliveryFilters:
    status: str = ""
    event_type: str = ""
    endpoint: WebhookEndpoint | None = None

    def __bool__(self) -> bool:
        return bool(self.status or self.event_type or self.endpoint)


def delivery_queryset(filters: DeliveryFilters) -> QuerySet[WebhookDelivery]:
    deliveries = WebhookDelivery.objects.select_related("endpoint").defer("body")
    if filters.status:
        deliveries = deliveries.filter(status=filters.status)
    if filters.event_type:
        deliveries = deliveries.filter(event_type=filters.event_type)
    if filters.endpoint is not None:
        deliveries = deliveries.filter(endpoint=filters.endpoint)
    return deliveries.order_by("-created_at", "-id")


def delivery_page(
    *, filters: DeliveryFilters, page: str | int | None = 1, per_page: int = DELIVERIES_PER_PAGE
) -> Page:
    return Paginator(delivery_queryset(filters), per_page).get_page(page)


def delivery_get(*, delivery_uuid: object) -> WebhookDelivery | None:
    found = _uuid(delivery_uuid)
    if found is None:
        return None
    return (
        WebhookDelivery.objects.select_related("endpoint")
        .prefetch_related("attempt_log")
        .filter(uuid=found)
        .first()
    )


def delivery_event_types() -> list[str]:
    """The event types that appear in the log (for the filter)."""
    return sorted(set(WebhookDelivery.objects.values_list("event_type", flat=True).distinct()))
