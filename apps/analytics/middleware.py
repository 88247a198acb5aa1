"""Counting storefront page views, served from the page cache or rendered (see
`apps.analytics.recording` for what is kept and how it is written).

It looks at the response on its way out, so a page answered by the whole-page cache
(`apps.storefront.page_cache` runs inside the view) is counted like a rendered one. Counted:

- a storefront page (URL namespace `storefront`) answered 200 with HTML to a GET, which is not
  an htmx or script fragment;
- an add to cart (`storefront:cart_add` POST answered with a page or a redirect): the funnel's
  cart step;
- the order confirmation page (`storefront:checkout_complete`): the order step, which ties the
  order to the session and so to the traffic source the session landed from.

Not counted: the dashboard, the API, the CMS, static and media files, anything outside a store,
errors and redirects, visitors asking not to be tracked (`DNT: 1` or `Sec-GPC: 1`) and clients
that say they are robots. Recording never breaks a page: a failure is logged and the response
goes out.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime

from django.http import HttpRequest
from django.http.response import HttpResponseBase

from apps.analytics.models import VisitKind
from apps.analytics.recording import URL_KINDS, VisitRecord, session_key, traffic_source, visit_push
from apps.core.tenancy import in_store
from apps.platform.access import client_ip

logger = logging.getLogger(__name__)

NAMESPACE = "storefront"
_BOTS = re.compile(
    r"bot|crawl|spider|slurp|preview|facebookexternalhit|headless|lighthouse|pingdom|monitor|"
    r"curl|wget|python-|httpx|java/|go-http|okhttp|scrapy|phantomjs",
    re.IGNORECASE,
)
_FRAGMENT_HEADERS = ("HTTP_HX_REQUEST", "HTTP_X_REQUESTED_WITH")
# The page a shopper sees once their order is placed (`order_uuid` in its URL).
ORDER_CONFIRMATION = "checkout_complete"


def _kind(request: HttpRequest, response: HttpResponseBase) -> tuple[VisitKind, str] | None:
    """What to record of this request (kind, url name), or None."""
    match = request.resolver_match
    if match is None or NAMESPACE not in match.namespaces:
        return None
    if request.method == "GET":
        if response.status_code != 200 or any(request.META.get(name) for name in _FRAGMENT_HEADERS):
            return None
        if not response.get("Content-Type", "").startswith("text/html"):
            return None
        if match.url_name == ORDER_CONFIRMATION:
            return VisitKind.ORDER, match.url_name
        return URL_KINDS.get(match.url_name or "", VisitKind.OTHER), match.url_name or ""
    if request.method == "POST" and match.url_name == "cart_add" and response.status_code in (200, 302, 303):
        return VisitKind.CART_ADD, match.url_name
    return None


def _excluded_visitor(request: HttpRequest) -> bool:
    meta = request.META
    if meta.get("HTTP_DNT") == "1" or meta.get("HTTP_SEC_GPC") == "1":
        return True
    agent = meta.get("HTTP_USER_AGENT", "")
    return not agent or bool(_BOTS.search(agent))


def visit_record(request: HttpRequest, response: HttpResponseBase) -> VisitRecord | None:
    """The record of this request/response, or None when it is not counted."""
    if not in_store():
        return None
    found = _kind(request, response)
    if found is None or _excluded_visitor(request):
        return None
    kind, _url_name = found
    address = client_ip(request) or ""
    now = time.time()
    session = session_key(request, now=datetime.fromtimestamp(now, tz=UTC), address=address)
    handle = ""
    variant_id = None
    if kind == VisitKind.PRODUCT and request.resolver_match is not None:
        handle = str(request.resolver_match.kwargs.get("handle", ""))
    if kind == VisitKind.CART_ADD:
        raw = request.POST.get("variant", "")
        variant_id = int(raw) if raw.isdigit() and len(raw) < 19 else None
        return VisitRecord(at=now, session=session, kind=kind, variant_id=variant_id)
    if kind == VisitKind.ORDER and request.resolver_match is not None:
        order = str(request.resolver_match.kwargs.get("order_uuid", ""))
        return VisitRecord(at=now, session=session, kind=kind, order=order)
    source, landing = traffic_source(request)
    return VisitRecord(at=now, session=session, kind=kind, handle=handle, source=source, landing=landing)


class VisitRecordMiddleware:
    """Records counted storefront requests (see the module docstring); last in MIDDLEWARE is
    not required, only after the tenant routing."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        try:
            record = visit_record(request, response)
            if record is not None:
                visit_push(record)
        except Exception:
            logger.warning("analytics: visit not recorded for %s", request.path, exc_info=True)
        return response
