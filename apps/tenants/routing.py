"""Host -> store resolution with a small per-process cache.

Only verified domains (and the platform's hosts) route. Only serving stores (and the platform)
are cached, so a store that becomes active is served at once; unknown, unverified and
non-serving hosts are looked up every time. A suspension or a lost domain recorded in another
process reaches this one within TENANT_ROUTING_CACHE_SECONDS; in this process at once.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings

from apps.tenants.models import Domain, Tenant

_MAX_ENTRIES = 10_000
_cache: dict[str, tuple[float, Tenant]] = {}
_lock = threading.Lock()


def tenant_for_host(hostname: str) -> Tenant | None:
    now = time.monotonic()
    hit = _cache.get(hostname)
    if hit is not None and hit[0] > now:
        return hit[1]
    # The merchant's billing row rides along (a LEFT JOIN), so the dashboard's read-only check
    # (apps.billing.selectors.store_billing_state) costs no query on a cached host.
    domain = (
        Domain.objects.select_related("tenant", "tenant__merchant__billing_plan")
        .filter(domain=hostname)
        .first()
    )
    if domain is None or not domain.routes:
        # A custom domain that is pending or lost answers like an unknown host: claiming a
        # hostname shows nothing until its DNS record proves control (apps.tenants.domains).
        return None
    tenant = domain.tenant
    if tenant.is_platform or tenant.is_serving:
        with _lock:
            if len(_cache) >= _MAX_ENTRIES:
                _cache.clear()
            _cache[hostname] = (now + settings.TENANT_ROUTING_CACHE_SECONDS, tenant)
    else:
        _cache.pop(hostname, None)
    return tenant


def routing_cache_clear() -> None:
    with _lock:
        _cache.clear()
