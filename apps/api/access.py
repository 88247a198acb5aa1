"""Who is calling (API key, shopper, anyone), what they may do, and how often."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from apps.api.errors import ApiErrorCode
from apps.api.keys import KeyRefused, api_key_authenticate, api_key_touch
from apps.api.models import ApiKey
from apps.api.scopes import scope_needed, scope_permission, scopes_grant
from apps.core.cache import rate_window_hit
from apps.core.permissions import SAFE_METHODS, user_permissions


@dataclass(frozen=True)
class KeyPrincipal:
    """`request.user` of a request made with an API key: the key, not a person."""

    key: ApiKey

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    pk = None

    @property
    def scopes(self) -> frozenset[str]:
        return frozenset(self.key.scopes)


class ApiKeyAuthentication(BaseAuthentication):
    """`Authorization: Bearer sk_...`, looked up in the schema the host routed to."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[KeyPrincipal, ApiKey] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _sep, credential = header.partition(" ")
        if scheme.lower() != "bearer" or not credential.strip().startswith("sk_"):
            return None
        try:
            key = api_key_authenticate(credential.strip())
        except KeyRefused as refused:
            raise exceptions.AuthenticationFailed(refused.code.label, refused.code) from None
        api_key_touch(key=key, address=request.META.get("REMOTE_ADDR"))
        return KeyPrincipal(key=key), key

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class ShopperSessionAuthentication(SessionAuthentication):
    """The storefront's own session (same-site JavaScript), with Django's CSRF check on writes.
    Store staff sessions do not reach the admin API this way: that takes a key."""


def _is_key(request: Request) -> bool:
    return isinstance(request.user, KeyPrincipal)


class DeclaredAccess(BasePermission):
    """Deny unless the view declares its access (see `apps.api` for the three kinds)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        resource = getattr(view, "api_resource", None)
        write = request.method not in SAFE_METHODS
        if resource:
            if not _is_key(request):
                raise exceptions.NotAuthenticated(
                    _("The admin API takes an API key: Authorization: Bearer sk_..."),
                    ApiErrorCode.NOT_AUTHENTICATED,
                )
            needed = scope_needed(resource, write=write)
            principal: KeyPrincipal = request.user  # type: ignore[assignment]
            if not scopes_grant(principal.scopes, needed) or scope_permission(needed) not in user_permissions(
                principal.key.created_by
            ):
                raise exceptions.PermissionDenied(
                    _("This API key lacks the scope %(scope)s.") % {"scope": needed},
                    ApiErrorCode.SCOPE_MISSING,
                )
            if write and _store_read_only(request):
                raise exceptions.PermissionDenied(
                    _("The store is read-only until its plan is paid: changes are refused."),
                    ApiErrorCode.STORE_READ_ONLY,
                )
            return True
        if getattr(view, "api_shopper", False):
            user = request.user
            if user is None or _is_key(request) or not getattr(user, "is_authenticated", False):
                raise exceptions.NotAuthenticated(
                    _("Sign in as a shopper first."), ApiErrorCode.NOT_AUTHENTICATED
                )
            return True
        return bool(getattr(view, "api_public_reason", ""))


def _store_read_only(request: Request) -> bool:
    from apps.billing.selectors import store_billing_state

    tenant = getattr(request._request, "tenant", None)
    if tenant is None:
        return False
    return bool(store_billing_state(tenant=tenant).read_only)


# ------------------------------------------------------------------------------
# Throttling: a sliding one-minute window per caller, counted in Redis
# ------------------------------------------------------------------------------
PLAN_RATE_CACHE_SECONDS = 60
RATE_WINDOW_SECONDS = 60


def _plan_rate(request: Request) -> int:
    """The merchant's plan's API requests per minute (0 = unlimited), cached for a minute.
    Plans live in the public schema, which is on every store's search path."""
    tenant = getattr(request._request, "tenant", None)
    merchant_id = getattr(tenant, "merchant_id", None)
    if merchant_id is None:
        return int(settings.API_DEFAULT_RATE_PER_MINUTE)
    cache_key = f"api-plan-rate:{merchant_id}"
    rate = cache.get(cache_key)
    if rate is None:
        from apps.billing.models import Limit, MerchantPlan

        merchant_plan = MerchantPlan.objects.select_related("plan").filter(merchant_id=merchant_id).first()
        if merchant_plan is None:
            rate = int(settings.API_DEFAULT_RATE_PER_MINUTE)
        else:
            value = merchant_plan.limit_value(Limit.API_REQUESTS_PER_MINUTE)
            rate = 0 if value is None else int(value)
        cache.set(cache_key, rate, PLAN_RATE_CACHE_SECONDS)
    return int(rate)


def _retry_after(rate: int, current: int, previous: int, elapsed: float) -> float:
    """Seconds until one more request fits the sliding window, if none is made meanwhile:
    later in this minute once the previous minute's weight has faded enough, else in the next
    minute once this one's has."""
    if current < rate and previous > 0:
        wait = RATE_WINDOW_SECONDS * (1 - (rate - current - 1) / previous) - elapsed
    else:
        wait = RATE_WINDOW_SECONDS - elapsed + RATE_WINDOW_SECONDS * (1 - (rate - 1) / max(current, 1))
    return max(1.0, math.ceil(round(wait, 6)))  # 19.000000000004 is 19 s


class PlanRateThrottle(BaseThrottle):
    """Requests per minute per API key or shopper as the merchant's plan allows; anonymous
    callers per address at `API_ANONYMOUS_RATE_PER_MINUTE`.

    The minute slides: a request is allowed while this calendar minute's allowed requests, plus
    the last minute's weighted by how much of it the past 60 seconds still cover, stay within
    the rate (the estimate Cloudflare's limiter uses: two counters, no per-request log). A fixed
    window let a caller send twice the rate across a minute's turn. Refused requests are not
    counted, so a client that waits `Retry-After` seconds gets through."""

    def allow_request(self, request: Request, view: Any) -> bool:
        if _is_key(request):
            caller, rate = f"key:{request.user.key.pk}", _plan_rate(request)  # type: ignore[union-attr]
        elif getattr(request.user, "is_authenticated", False):
            caller, rate = f"user:{request.user.pk}", _plan_rate(request)
        else:
            caller, rate = (
                f"ip:{request.META.get('REMOTE_ADDR', '')}",
                int(settings.API_ANONYMOUS_RATE_PER_MINUTE),
            )
        if rate <= 0:
            return True
        now = time.time()
        window, elapsed = divmod(now, RATE_WINDOW_SECONDS)
        allowed, current, previous = rate_window_hit(
            f"api-rate:{caller}:{int(window)}",
            f"api-rate:{caller}:{int(window) - 1}",
            weight=1 - elapsed / RATE_WINDOW_SECONDS,
            limit=rate,
            timeout=2 * RATE_WINDOW_SECONDS + 1,  # read as the previous window for a minute more
        )
        self.rate, self.count = rate, current
        self._wait = None if allowed else _retry_after(rate, current, previous, elapsed)
        return allowed

    def wait(self) -> float | None:
        return getattr(self, "_wait", None)
