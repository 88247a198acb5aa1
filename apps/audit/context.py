"""Who is acting in the current request, as the audit log names them.

`AuditContextMiddleware` puts the request here for the dashboard, the console and the API; the
actor is only resolved when something is written, because the API's key is known only once
the API view has authenticated the call (DRF puts its principal on the request then). Outside
such a request (jobs, shell, the storefront) there is no context, and a change is recorded as
the system's, or not at all (see `AuditedModel.system`).
"""

from __future__ import annotations

import contextvars
import ipaddress
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest

from apps.audit.models import AuditEntry

USER_AGENT_MAX_LENGTH = 255


@dataclass(frozen=True)
class AuditActor:
    kind: str  # an AuditEntry.ActorKind
    label: str
    id: int | None = None
    ip_address: str | None = None
    user_agent: str = ""


SYSTEM = AuditActor(kind=AuditEntry.ActorKind.SYSTEM, label="system")

_request_var: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar(
    "audit_request", default=None
)


def audit_request_set(request: HttpRequest | None) -> contextvars.Token[HttpRequest | None]:
    return _request_var.set(request)


def audit_request_reset(token: contextvars.Token[HttpRequest | None]) -> None:
    _request_var.reset(token)


def audit_request() -> HttpRequest | None:
    return _request_var.get()


def client_ip(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, or with `TRUSTED_PROXY_COUNT` proxies of ours in front, the address the
    outermost of them saw (counted from the right of X-Forwarded-For: what is to its left is
    whatever the client sent). The same rule as the console's (apps.platform.access.client_ip),
    which this app may not import."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    candidate = remote
    if proxies > 0:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
        ]
        if len(forwarded) >= proxies:
            candidate = forwarded[-proxies]
    for address in (candidate, remote):
        try:
            return str(ipaddress.ip_address(address))
        except ValueError:
            continue
    return None


def actor_from_request(request: HttpRequest) -> AuditActor | None:
    """The person or key behind `request`, or None when nobody the audit log names is acting
    (a signed-out visitor, a shopper calling the API with their session)."""
    user = getattr(request, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    address = client_ip(request)
    agent = request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX_LENGTH]
    key = getattr(user, "key", None)
    if key is not None and hasattr(key, "prefix"):
        # apps.api's KeyPrincipal: the key, not a person (read by shape: no import of the API app).
        return AuditActor(
            kind=AuditEntry.ActorKind.API_KEY,
            label=f"API key {key.name}"[:255],
            id=key.pk,
            ip_address=address,
            user_agent=agent,
        )
    is_platform = getattr(getattr(request, "tenant", None), "schema_name", "public") == "public"
    if not is_platform and request.path_info.startswith("/api/") and not getattr(user, "store_role", ""):
        return None  # a shopper's own session on the storefront API
    kind = AuditEntry.ActorKind.PLATFORM_USER if is_platform else AuditEntry.ActorKind.USER
    return AuditActor(
        kind=kind,
        label=str(getattr(user, "email", "") or user.pk)[:255],
        id=user.pk,
        ip_address=address,
        user_agent=agent,
    )


def audit_actor() -> AuditActor | None:
    """The actor of the current request, or None outside a request the audit log follows."""
    request = _request_var.get()
    if request is None:
        return None
    return actor_from_request(request)
