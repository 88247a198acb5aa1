"""`Idempotency-Key` on POSTs that create something a retry must not create twice.

Decorate the view's `post` with `@idempotent`. Without the header the request runs as usual.
With it, the first request records the key (with a hash of its method, path and body) before it
runs, and its response once it is done; a replay gets that response back with
`Idempotent-Replayed: true`; the same key with another body or path is refused (422
`idempotency_key_reused`); a replay while the first is still running gets 409. A request that
fails with an exception or a 5xx leaves no record, so it can be retried with the same key.
Records are per caller (API key, shopper or address) and expire after `API_IDEMPOTENCY_TTL_HOURS`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from apps.api.conventions import Envelope
from apps.api.errors import ApiErrorCode
from apps.api.models import IdempotencyRecord

HEADER = "HTTP_IDEMPOTENCY_KEY"
MAX_KEY_LENGTH = 255
STALE_AFTER = timedelta(minutes=5)  # an in-progress record this old belongs to a crashed request


class IdempotencyKeyInvalid(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = _("Idempotency-Key must be 1 to 255 printable characters.")
    default_code = ApiErrorCode.IDEMPOTENCY_KEY_INVALID


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = _(
        "This Idempotency-Key was used with a different request; use a new key for a new request."
    )
    default_code = ApiErrorCode.IDEMPOTENCY_KEY_REUSED


class IdempotencyInProgress(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("A request with this Idempotency-Key is still running; retry in a moment.")
    default_code = ApiErrorCode.IDEMPOTENCY_IN_PROGRESS


def _caller(request: Request) -> str:
    from apps.api.access import KeyPrincipal

    user = request.user
    if isinstance(user, KeyPrincipal):
        return f"key:{user.key.pk}"
    if getattr(user, "is_authenticated", False):
        return f"user:{user.pk}"
    return f"anon:{request.META.get('REMOTE_ADDR', '')}"


def _request_hash(request: Request) -> str:
    body = json.dumps(request.data, sort_keys=True, cls=JSONEncoder, separators=(",", ":"))
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _stored(response: Response) -> dict[str, Any]:
    data = response.data
    envelope = dict(data) if isinstance(data, Envelope) else {"data": data, "error": None}
    return json.loads(json.dumps(envelope, cls=JSONEncoder))


def _claim(request: Request, key: str) -> IdempotencyRecord | Response:
    """The new record of this key, or the stored response of an earlier identical request."""
    caller, digest = _caller(request), _request_hash(request)
    fields = {"method": request.method or "", "path": request.path[:500], "request_hash": digest}
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(caller=caller, key=key, **fields)
        except IntegrityError:
            existing = IdempotencyRecord.objects.filter(caller=caller, key=key).first()
            if existing is None:
                continue  # removed by a failed first request a moment ago: claim it again
            now = timezone.now()
            expired = existing.created_at < now - timedelta(hours=settings.API_IDEMPOTENCY_TTL_HOURS)
            stale = (
                existing.state == IdempotencyRecord.State.IN_PROGRESS
                and existing.created_at < now - STALE_AFTER
            )
            if expired or stale:
                existing.delete()
                continue
            if existing.request_hash != digest:
                raise IdempotencyKeyReused() from None
            if existing.state == IdempotencyRecord.State.IN_PROGRESS:
                raise IdempotencyInProgress() from None
            replay = Response(Envelope(existing.response_body or {}), status=existing.response_status or 200)
            replay["Idempotent-Replayed"] = "true"
            return replay
    raise IdempotencyInProgress()


def idempotent(method: Callable[..., Response]) -> Callable[..., Response]:
    @wraps(method)
    def wrapper(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        raw = request.META.get(HEADER)
        if raw is None:
            return method(self, request, *args, **kwargs)
        key = raw.strip()
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            raise IdempotencyKeyInvalid()
        claimed = _claim(request, key)
        if isinstance(claimed, Response):
            return claimed
        try:
            response = method(self, request, *args, **kwargs)
        except BaseException:
            claimed.delete()
            raise
        if response.status_code >= 500:
            claimed.delete()
            return response
        claimed.state = IdempotencyRecord.State.DONE
        claimed.response_status = response.status_code
        claimed.response_body = _stored(response)
        claimed.save(update_fields=["state", "response_status", "response_body"])
        return response

    wrapper.idempotent = True  # type: ignore[attr-defined]
    return wrapper


def idempotency_records_purge() -> int:
    """Drop records older than the TTL (a per-store job)."""
    cutoff = timezone.now() - timedelta(hours=settings.API_IDEMPOTENCY_TTL_HOURS)
    deleted, _by_model = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
