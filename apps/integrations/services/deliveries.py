"""Webhook deliveries: fan-out of the store's events, sending, retries, resend and retention.

Fan-out: every event of the store (`apps.integrations.subscribers` listens to ``"*"``) becomes
one `WebhookDelivery` per active endpoint subscribed to its type, each sent by its own Celery
task in the store's schema once the transaction commits. The body is
``{"type": <event>, "timestamp": <ISO 8601>, "data": <payload>}``, fixed at fan-out, and the
``webhook-id`` is ``msg_<event id>``: the same on every retry and resend (and for every endpoint
of one event), so receivers can drop duplicates.

Sending (`delivery_attempt`) goes through `apps.core.http.safe_post` with ``max_redirects=0``
after the URL is checked again (`apps.integrations.security`):

- 2xx: delivered;
- 3xx: a failure (redirects are never followed, wherever they point);
- 410 Gone: the endpoint is disabled (reason recorded, owners and admins emailed) and the
  delivery dead-lettered;
- 429: retried when ``Retry-After`` says (seconds or an HTTP date, 1 s to 24 h), else on the
  schedule;
- any other status, a timeout, a refused address or a connection error: retried on the schedule.

The schedule, after the 1st to 9th failed attempt (each delay ±20 % random jitter so that a
receiver coming back is not hit by every store at once):

    5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h

that is 10 attempts over about 3 days 3 hours (75 h 35 min before jitter). When the 10th fails
the delivery is dead-lettered: status ``dead``, kept and shown in the log, resendable by hand.

An endpoint with no success for `FAILING_DISABLE_AFTER` (3 days) since its first failure is
disabled and the store's owners and admins are emailed; enabling it again clears the streak.

Each attempt claims its delivery by pushing ``next_attempt_at`` forward by `CLAIM_LEASE` in one
UPDATE, so two workers (the task and the sweeper job) never send the same attempt twice, and a
worker that dies mid-send leaves the delivery due again once the lease runs out.

A manual resend (`delivery_resend`) is one more attempt, now, with the same message id; it does
not move the automatic schedule, and a success marks the delivery delivered.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core import http
from apps.core.http import OutboundHttpError
from apps.core.tenancy import current_schema, require_store
from apps.integrations.enums import (
    SCHEDULED,
    AttemptOutcome,
    AttemptTrigger,
    DeliveryStatus,
    DisabledReason,
    IntegrationErrorCode,
)
from apps.integrations.errors import IntegrationError
from apps.integrations.models import EXCERPT_BYTES, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from apps.integrations.security import endpoint_url_check
from apps.integrations.services.endpoints import endpoint_disable, endpoint_secrets_valid
from apps.integrations.signing import webhook_headers

logger = logging.getLogger(__name__)

RETRY_SCHEDULE: tuple[timedelta, ...] = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=20),
    timedelta(hours=24),
)
MAX_ATTEMPTS = len(RETRY_SCHEDULE) + 1
JITTER = 0.2
RETRY_AFTER_MIN = timedelta(seconds=1)
RETRY_AFTER_MAX = timedelta(hours=24)
FAILING_DISABLE_AFTER = timedelta(days=3)
CLAIM_LEASE = timedelta(minutes=5)
LAST_SUCCESS_RESOLUTION = timedelta(minutes=1)  # how fresh `last_success_at` is kept
DEFAULT_TIMEOUT_SECONDS = 15.0
RESPONSE_MAX_BYTES = 256 * 1024
RETENTION_DAYS = 30
DUE_BATCH = 500

_random = random.SystemRandom()


def message_id_for(event_id: Any) -> str:
    return f"msg_{str(event_id).replace('-', '')}"


def body_render(*, event_type: str, occurred_at: datetime, payload: Mapping[str, Any]) -> str:
    return json.dumps(
        {"type": event_type, "timestamp": occurred_at.isoformat(), "data": payload},
        cls=DjangoJSONEncoder,
        separators=(",", ":"),
        ensure_ascii=False,
    )


# ------------------------------------------------------------------------------
# fan-out
# ------------------------------------------------------------------------------
def _queue_send(delivery_ids: list[int]) -> None:
    if not delivery_ids:
        return
    from apps.integrations.tasks import webhook_delivery_send

    # The schema is fixed now: the commit may come after the caller left the store's context.
    schema = current_schema()

    def send() -> None:
        for delivery_id in delivery_ids:
            try:
                webhook_delivery_send.apply_async(args=(delivery_id,), headers={"_schema_name": schema})
            except Exception:
                # Still due in the table: the sweeper job sends it on its next round.
                logger.exception("could not queue webhook delivery %s in %s", delivery_id, schema)

    transaction.on_commit(send)


@transaction.atomic
def webhooks_fan_out(
    *, event_id: Any, event_type: str, payload: Mapping[str, Any], occurred_at: datetime | None = None
) -> list[int]:
    """One delivery per active endpoint subscribed to `event_type`; idempotent per event, so a
    redelivered event creates and queues nothing twice (a concurrent duplicate run hits the
    unique constraint and is retried by the event machinery). Returns the ids created."""
    require_store()
    now = timezone.now()
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(is_active=True).only("id", "event_types")
        if endpoint.subscribes_to(event_type)
    ]
    if not endpoints:
        return []
    done = set(WebhookDelivery.objects.filter(event_id=event_id).values_list("endpoint_id", flat=True))
    endpoints = [endpoint for endpoint in endpoints if endpoint.pk not in done]
    if not endpoints:
        return []
    body = body_render(event_type=event_type, occurred_at=occurred_at or now, payload=payload)
    message_id = message_id_for(event_id)
    created = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                endpoint=endpoint,
                event_id=event_id,
                message_id=message_id,
                event_type=event_type,
                body=body,
                next_attempt_at=now,
            )
            for endpoint in endpoints
        ]
    )
    ids = [delivery.pk for delivery in created]
    _queue_send(ids)
    return ids


# ------------------------------------------------------------------------------
# one attempt
# ------------------------------------------------------------------------------
@dataclass
class _Outcome:
    succeeded: bool
    status_code: int | None = None
    error_code: str = ""
    error: str = ""
    retry_after: timedelta | None = None
    gone: bool = False
    response_headers: dict[str, str] | None = None
    response_excerpt: str = ""


def _timeout() -> float:
    return float(getattr(settings, "WEBHOOKS_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS))


def _excerpt(data: bytes | str) -> str:
    raw = data.encode("utf-8", errors="replace") if isinstance(data, str) else data
    text = raw[:EXCERPT_BYTES].decode("utf-8", errors="replace")
    return text + ("…" if len(raw) > EXCERPT_BYTES else "")


def _headers_excerpt(headers: Mapping[str, str]) -> dict[str, str]:
    return {str(name)[:100]: str(value)[:300] for name, value in list(headers.items())[:30]}


def retry_after_parse(value: str | None, *, now: datetime) -> timedelta | None:
    """``Retry-After`` as a delay (seconds or an HTTP date), clamped to 1 s .. 24 h; None when
    absent or unreadable."""
    value = (value or "").strip()
    if not value:
        return None
    delay: timedelta | None
    if value.isdigit():
        delay = timedelta(seconds=int(value[:9]))
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        if timezone.is_naive(when):
            when = when.replace(tzinfo=UTC)
        delay = when - now
    return max(RETRY_AFTER_MIN, min(RETRY_AFTER_MAX, delay))


def retry_delay(*, attempts: int, retry_after: timedelta | None = None) -> timedelta | None:
    """How long to wait after the `attempts`-th failed attempt; None when it was the last."""
    if attempts >= MAX_ATTEMPTS:
        return None
    if retry_after is not None:
        return retry_after
    base = RETRY_SCHEDULE[attempts - 1]
    return base * _random.uniform(1 - JITTER, 1 + JITTER)


def _post(url: str, *, body: str, headers: dict[str, str], now: datetime) -> _Outcome:
    try:
        response = http.safe_post(
            url,
            data=body.encode("utf-8"),
            headers=headers,
            timeout=_timeout(),
            max_bytes=RESPONSE_MAX_BYTES,
            max_redirects=0,
        )
    except OutboundHttpError as error:
        if error.code == "too_many_redirects":
            return _Outcome(
                succeeded=False,
                error_code="redirect",
                error=_("The endpoint answered with a redirect; redirects are never followed."),
            )
        return _Outcome(succeeded=False, error_code=error.code, error=error.message[:500])
    except Exception as error:  # a bug must not stall the schedule: it counts as a failed attempt
        logger.exception("webhook post to %s failed unexpectedly", url.split("?", 1)[0])
        return _Outcome(succeeded=False, error_code="unexpected", error=type(error).__name__)
    outcome = _Outcome(
        succeeded=200 <= response.status_code < 300,
        status_code=response.status_code,
        response_headers=_headers_excerpt(response.headers),
        response_excerpt=_excerpt(response.content),
    )
    if not outcome.succeeded:
        outcome.error_code = "http_status"
        outcome.error = _("The endpoint answered with HTTP %(status)d.") % {"status": response.status_code}
        outcome.gone = response.status_code == 410
        if response.status_code == 429:
            outcome.retry_after = retry_after_parse(response.headers.get("retry-after"), now=now)
    return outcome


def _claim(delivery_id: int, now: datetime) -> bool:
    return bool(
        WebhookDelivery.objects.filter(pk=delivery_id, status__in=SCHEDULED, next_attempt_at__lte=now).update(
            next_attempt_at=now + CLAIM_LEASE
        )
    )


def _dead_letter(delivery: WebhookDelivery, *, now: datetime, error: str) -> None:
    delivery.status = DeliveryStatus.DEAD
    delivery.next_attempt_at = None
    delivery.dead_at = now
    delivery.last_error = error[:500]
    delivery.save(update_fields=["status", "next_attempt_at", "dead_at", "last_error", "updated_at"])


def delivery_attempt(
    *, delivery_id: int, now: datetime | None = None, trigger: str = AttemptTrigger.AUTOMATIC
) -> WebhookDelivery | None:
    """Make one attempt at `delivery_id` (see the module docstring); None when there was
    nothing to do (not due, already delivered, claimed by another worker, gone)."""
    require_store()
    now = now or timezone.now()
    manual = trigger == AttemptTrigger.MANUAL
    if not manual and not _claim(delivery_id, now):
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None:
        return None
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        if not manual:
            _dead_letter(delivery, now=now, error=_("The endpoint is disabled."))
        return delivery

    request_headers: dict[str, str] = {}
    started = time.monotonic()
    try:
        url = endpoint_url_check(endpoint.url, resolve=False)
    except IntegrationError as refused:
        outcome = _Outcome(succeeded=False, error_code=str(refused.code), error=refused.message[:500])
        url = endpoint.url
    else:
        request_headers = webhook_headers(
            secrets=endpoint_secrets_valid(endpoint=endpoint, now=now),
            message_id=delivery.message_id,
            timestamp=now,
            body=delivery.body,
        )
        outcome = _post(url, body=delivery.body, headers=request_headers, now=now)
    duration_ms = int((time.monotonic() - started) * 1000)
    return _record(
        delivery,
        outcome,
        now=now,
        manual=manual,
        url=url,
        request_headers=request_headers,
        duration_ms=duration_ms,
    )


@transaction.atomic
def _record(
    delivery: WebhookDelivery,
    outcome: _Outcome,
    *,
    now: datetime,
    manual: bool,
    url: str,
    request_headers: dict[str, str],
    duration_ms: int,
) -> WebhookDelivery:
    # No second read under a lock: an automatic attempt holds the delivery by its claim.
    endpoint = delivery.endpoint
    fields = ["last_attempt_at", "last_status_code", "last_error", "updated_at"]
    delivery.last_attempt_at = now
    delivery.last_status_code = outcome.status_code
    delivery.last_error = outcome.error[:500]
    next_attempt: datetime | None = None
    if not manual:
        delivery.attempts += 1
        fields.append("attempts")
    if outcome.succeeded:
        delivery.status = DeliveryStatus.SUCCEEDED
        delivery.succeeded_at = now
        delivery.next_attempt_at = None
        delivery.dead_at = None
        fields += ["status", "succeeded_at", "next_attempt_at", "dead_at"]
    elif outcome.gone:
        if delivery.status in SCHEDULED:
            delivery.status = DeliveryStatus.DEAD
            delivery.dead_at = now
            delivery.next_attempt_at = None
            fields += ["status", "dead_at", "next_attempt_at"]
    elif not manual:
        delay = retry_delay(attempts=delivery.attempts, retry_after=outcome.retry_after)
        if delay is None:
            delivery.status = DeliveryStatus.DEAD
            delivery.dead_at = now
            delivery.next_attempt_at = None
            fields += ["status", "dead_at", "next_attempt_at"]
        else:
            next_attempt = now + delay
            delivery.status = DeliveryStatus.RETRYING
            delivery.next_attempt_at = next_attempt
            fields += ["status", "next_attempt_at"]
    delivery.save(update_fields=fields)
    WebhookAttempt.objects.create(
        delivery=delivery,
        trigger=AttemptTrigger.MANUAL if manual else AttemptTrigger.AUTOMATIC,
        outcome=AttemptOutcome.SUCCEEDED if outcome.succeeded else AttemptOutcome.FAILED,
        attempted_at=now,
        url=url[:2000],
        status_code=outcome.status_code,
        error_code=outcome.error_code[:50],
        error=outcome.error[:500],
        duration_ms=duration_ms,
        request_headers=_headers_excerpt(request_headers),
        request_excerpt=_excerpt(delivery.body),
        response_headers=outcome.response_headers or {},
        response_excerpt=outcome.response_excerpt,
        next_attempt_at=next_attempt,
    )
    _endpoint_health(endpoint, outcome, now=now)
    return delivery


def _endpoint_health(endpoint: WebhookEndpoint, outcome: _Outcome, *, now: datetime) -> None:
    from apps.integrations.notify import endpoint_disabled_notify

    if outcome.succeeded:
        # One write per endpoint and minute at most on the hot path, unless a streak ends.
        stale = endpoint.last_success_at is None or now - endpoint.last_success_at >= LAST_SUCCESS_RESOLUTION
        if endpoint.failing_since is not None or stale:
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
                failing_since=None, last_success_at=now, updated_at=now
            )
        return
    WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(
        failing_since=now, updated_at=now
    )
    endpoint.refresh_from_db(fields=["failing_since", "is_active"])
    reason = ""
    if outcome.gone:
        reason = DisabledReason.GONE
    elif endpoint.failing_since is not None and now - endpoint.failing_since >= FAILING_DISABLE_AFTER:
        reason = DisabledReason.FAILING
    if reason and endpoint_disable(endpoint=endpoint, reason=reason, now=now):
        endpoint_disabled_notify(endpoint=endpoint)


# ------------------------------------------------------------------------------
# the dashboard and the jobs
# ------------------------------------------------------------------------------
def delivery_resend(*, delivery: WebhookDelivery) -> None:
    """Queue one more attempt of `delivery`, now, with the same message id."""
    require_store()
    if not delivery.endpoint.is_active:
        raise IntegrationError(
            _("The endpoint is disabled; enable it before sending to it again."),
            code=IntegrationErrorCode.ENDPOINT_DISABLED,
        )
    from apps.integrations.tasks import webhook_delivery_resend

    schema = current_schema()
    delivery_id = delivery.pk
    transaction.on_commit(
        lambda: webhook_delivery_resend.apply_async(args=(delivery_id,), headers={"_schema_name": schema})
    )


def deliveries_queue_due(*, now: datetime | None = None, limit: int = DUE_BATCH) -> int:
    """Queue a send task for every delivery whose next attempt is due (retries whose time has
    come, first attempts whose task was lost, attempts whose worker died); returns how many."""
    require_store()
    now = now or timezone.now()
    ids = list(
        WebhookDelivery.objects.filter(status__in=SCHEDULED, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("id", flat=True)[:limit]
    )
    from apps.integrations.tasks import webhook_delivery_send

    schema = current_schema()
    for delivery_id in ids:
        webhook_delivery_send.apply_async(args=(delivery_id,), headers={"_schema_name": schema})
    return len(ids)


def deliveries_purge(*, now: datetime | None = None, days: int | None = None) -> int:
    """Delete delivered and dead deliveries older than the retention (30 days by default);
    scheduled ones are kept whatever their age. Returns how many were deleted."""
    require_store()
    now = now or timezone.now()
    days = days if days is not None else int(getattr(settings, "WEBHOOKS_RETENTION_DAYS", RETENTION_DAYS))
    _total, counts = WebhookDelivery.objects.filter(
        status__in=[DeliveryStatus.SUCCEEDED, DeliveryStatus.DEAD], created_at__lt=now - timedelta(days=days)
    ).delete()
    return int(counts.get(WebhookDelivery._meta.label, 0))
