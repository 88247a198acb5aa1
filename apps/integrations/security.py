"""Which URLs an endpoint may have: the SSRF rules of `apps.core.http`, applied when the
merchant saves the URL and again before every send.

Refused: anything but ``https://`` (``http://`` only where ``settings.WEBHOOKS_ALLOW_HTTP`` says
so, as the test settings do for the loopback receiver), hosts that are or resolve to loopback,
private, link-local (cloud metadata at 169.254.169.254), shared/CGNAT (100.64/10, including
100.100.100.200), multicast, reserved or unspecified addresses, IPv4-mapped and 6to4 forms of
those, and the numeric spellings of IPv4 that resolvers accept (``2130706433``,
``0x7f000001``, ``0177.0.0.1``, ``127.1``). ``settings.OUTBOUND_HTTP_ALLOWED_PRIVATE_HOSTS``
lets named hosts through (empty in production). At send time `apps.core.http.safe_post`
resolves the host again, pins the vetted address for the connection and never follows a
redirect.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from apps.core import http
from apps.core.http import OutboundHttpError, address_is_public
from apps.integrations.enums import IntegrationErrorCode
from apps.integrations.errors import IntegrationError

URL_MAX_LENGTH = 2000
_NUMERIC_HOST = re.compile(r"^[0-9a-fx.]+$", re.IGNORECASE)


def _refuse(message: str, code: IntegrationErrorCode) -> IntegrationError:
    return IntegrationError(message, code=code, field="url")


def _numeric_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The address a resolver would read from a numeric host that is not a dotted quad
    (``2130706433``, ``0x7f000001``, ``0177.1``), or None for anything else."""
    if not _NUMERIC_HOST.match(host) or not any(ch.isdigit() for ch in host):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        return None


def _allowed(host: str) -> bool:
    allowed = {
        str(name).strip().lower() for name in getattr(settings, "OUTBOUND_HTTP_ALLOWED_PRIVATE_HOSTS", [])
    }
    return host in allowed


def endpoint_url_check(url: str, *, resolve: bool = True) -> str:
    """`url` stripped, or `IntegrationError` (field ``url``) saying why it cannot be used.

    With `resolve`, the host name is looked up and every address it has must be public (at
    save time); without, only what needs no network is checked (at send time `safe_post`
    resolves and checks itself)."""
    url = (url or "").strip()
    if not url:
        raise _refuse(_("Enter the URL of your endpoint."), IntegrationErrorCode.URL_INVALID)
    if len(url) > URL_MAX_LENGTH:
        raise _refuse(
            _("The URL is longer than %(limit)d characters.") % {"limit": URL_MAX_LENGTH},
            IntegrationErrorCode.URL_INVALID,
        )
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError on a port out of range)
    except ValueError:
        raise _refuse(_("This is not a valid URL."), IntegrationErrorCode.URL_INVALID) from None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".").lower()
    if scheme not in ("http", "https") or not host:
        raise _refuse(
            _("Enter a full URL starting with https://, such as https://example.com/webhooks."),
            IntegrationErrorCode.URL_INVALID,
        )
    if scheme == "http" and not getattr(settings, "WEBHOOKS_ALLOW_HTTP", False):
        raise _refuse(
            _("Webhooks are only sent over https://; use an https:// URL."),
            IntegrationErrorCode.URL_NOT_HTTPS,
        )
    not_public = _(
        "%(host)s is a private or local address; webhooks can only be sent to public internet addresses."
    ) % {"host": host}
    if _allowed(host):
        return url
    numeric = _numeric_ipv4(host)
    if numeric is not None and not (_allowed(str(numeric)) or address_is_public(numeric)):
        raise _refuse(not_public, IntegrationErrorCode.URL_NOT_PUBLIC)
    try:
        http.url_check(url)
    except OutboundHttpError as error:
        if error.code == "address_not_allowed":
            raise _refuse(not_public, IntegrationErrorCode.URL_NOT_PUBLIC) from error
        raise _refuse(_("This is not a valid URL."), IntegrationErrorCode.URL_INVALID) from error
    if resolve and numeric is None:
        try:
            # The guard's own resolution (the one `safe_post` uses), so the two never disagree.
            http._target(url)
        except OutboundHttpError as error:
            if error.code == "address_not_allowed":
                raise _refuse(
                    _(
                        "%(host)s points to a private or local address; webhooks can only be sent to public internet addresses."
                    )
                    % {"host": host},
                    IntegrationErrorCode.URL_NOT_PUBLIC,
                ) from error
            if error.code == "dns_failure":
                raise _refuse(
                    _("The host %(host)s could not be found; check the URL.") % {"host": host},
                    IntegrationErrorCode.URL_UNRESOLVABLE,
                ) from error
            raise _refuse(_("This is not a valid URL."), IntegrationErrorCode.URL_INVALID) from error
    return url
