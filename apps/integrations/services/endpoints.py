"""Webhook endpoints: create, change, delete, switch off and on, and rotate their secrets.

A URL is checked against the SSRF rules (`apps.integrations.security`) when it is saved; the
event types must be ones the store emits (`WEBHOOK_EVENT_TYPES`), an empty list meaning all.
Rotating a secret makes a new current one and keeps the previous one valid for
`SECRET_ROTATION_GRACE` (24 h), both signing every message meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.events import event_emit
from apps.core.tenancy import require_store
from apps.integrations.enums import WEBHOOK_EVENT_NAMES, DisabledReason, IntegrationErrorCode
from apps.integrations.errors import IntegrationError
from apps.integrations.models import WebhookEndpoint, WebhookSecret
from apps.integrations.security import endpoint_url_check
from apps.integrations.signing import secret_generate

SECRET_ROTATION_GRACE = timedelta(hours=24)
# Emitted when an endpoint is switched off, by a team member or by its failures (`reason`).
WEBHOOK_ENDPOINT_DISABLED = "webhook_endpoint.disabled"
MAX_ENDPOINTS = 20
DESCRIPTION_MAX_LENGTH = 200


def _event_types_clean(event_types: Iterable[str]) -> list[str]:
    chosen = sorted({str(name).strip() for name in event_types if str(name).strip()})
    unknown = [name for name in chosen if name not in WEBHOOK_EVENT_NAMES]
    if unknown:
        raise IntegrationError(
            _("Unknown event type: %(names)s.") % {"names": ", ".join(unknown[:5])},
            code=IntegrationErrorCode.EVENT_TYPE_UNKNOWN,
            field="event_types",
            params={"names": unknown},
        )
    return chosen


def _description_clean(description: str) -> str:
    description = (description or "").strip()
    if len(description) > DESCRIPTION_MAX_LENGTH:
        raise IntegrationError(
            _("Keep the description under %(limit)d characters.") % {"limit": DESCRIPTION_MAX_LENGTH},
            code=IntegrationErrorCode.DESCRIPTION_TOO_LONG,
            field="description",
        )
    return description


@transaction.atomic
def endpoint_create(*, url: str, description: str = "", event_types: Iterable[str] = ()) -> WebhookEndpoint:
    require_store()
    if WebhookEndpoint.objects.count() >= MAX_ENDPOINTS:
        raise IntegrationError(
            _("A store can have at most %(limit)d webhook endpoints.") % {"limit": MAX_ENDPOINTS},
            code=IntegrationErrorCode.TOO_MANY_ENDPOINTS,
        )
    endpoint = WebhookEndpoint.objects.create(
        url=endpoint_url_check(url),
        description=_description_clean(description),
        event_types=_event_types_clean(event_types),
    )
    WebhookSecret.objects.create(endpoint=endpoint, secret=secret_generate())
    return endpoint


@transaction.atomic
def endpoint_update(
    *, endpoint: WebhookEndpoint, url: str, description: str = "", event_types: Iterable[str] = ()
) -> WebhookEndpoint:
    url = url.strip()
    # An unchanged URL is not looked up again: a form saved for its description must not fail
    # because of a DNS hiccup (every send checks the address anyway).
    endpoint.url = url if url == endpoint.url else endpoint_url_check(url)
    endpoint.description = _description_clean(description)
    endpoint.event_types = _event_types_clean(event_types)
    endpoint.save(update_fields=["url", "description", "event_types", "updated_at"])
    return endpoint


def endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    """Delete the endpoint with its secrets and delivery log."""
    endpoint.delete()


def endpoint_disable(
    *, endpoint: WebhookEndpoint, reason: str = DisabledReason.MANUAL, now: datetime | None = None
) -> bool:
    """Stop sending to `endpoint`; False when it was already off. Its scheduled deliveries are
    dead-lettered when their turn comes (unless it is enabled again first). A change emits
    `webhook_endpoint.disabled` with the endpoint's UUID and the reason, for the store only
    (it is never sent to the other endpoints: `apps.integrations.subscribers`)."""
    now = now or timezone.now()
    changed = WebhookEndpoint.objects.filter(pk=endpoint.pk, is_active=True).update(
        is_active=False, disabled_reason=DisabledReason(reason), disabled_at=now, updated_at=now
    )
    endpoint.refresh_from_db()
    if changed:
        event_emit(
            name=WEBHOOK_ENDPOINT_DISABLED,
            payload={"endpoint": str(endpoint.uuid), "reason": endpoint.disabled_reason},
        )
    return bool(changed)


def endpoint_enable(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Send to `endpoint` again, with a clean slate: its failing streak is forgotten."""
    endpoint.is_active = True
    endpoint.disabled_reason = ""
    endpoint.disabled_at = None
    endpoint.failing_since = None
    endpoint.save(
        update_fields=["is_active", "disabled_reason", "disabled_at", "failing_since", "updated_at"]
    )
    return endpoint


def endpoint_secrets_valid(*, endpoint: WebhookEndpoint, now: datetime | None = None) -> list[str]:
    """The secrets that sign a message sent at `now`: the current one first, then any previous
    one still inside its rotation window."""
    now = now or timezone.now()
    rows = sorted(
        (s for s in endpoint.secrets.all() if s.expires_at is None or s.expires_at > now),
        key=lambda s: (s.expires_at is not None, -(s.created_at.timestamp() if s.created_at else 0)),
    )
    return [row.secret for row in rows]


@transaction.atomic
def secret_rotate(
    *, endpoint: WebhookEndpoint, now: datetime | None = None, grace: timedelta = SECRET_ROTATION_GRACE
) -> WebhookSecret:
    """A new current secret; the previous one keeps signing until `now + grace`."""
    now = now or timezone.now()
    WebhookEndpoint.objects.select_for_update().filter(pk=endpoint.pk).first()
    WebhookSecret.objects.filter(endpoint=endpoint, expires_at__isnull=True).update(expires_at=now + grace)
    # Secrets already past their window are of no use to anyone: drop them.
    WebhookSecret.objects.filter(endpoint=endpoint, expires_at__lte=now).delete()
    return WebhookSecret.objects.create(endpoint=endpoint, secret=secret_generate())
