"""Outbound HTTP to addresses a merchant can set (feed URLs, supplier API base URLs, image URLs).

Every request goes through `safe_get`/`safe_post`, which refuse to reach the platform's own
network (server-side request forgery):

- only ``http`` and ``https`` URLs;
- the host is resolved once and every address it resolves to must be public: loopback, private,
  link-local (cloud metadata at 169.254.169.254), multicast, reserved, unspecified, shared
  (100.64/10) and IPv4-mapped/6to4 forms of those are refused, unless the host name or address
  is listed in ``settings.OUTBOUND_HTTP_ALLOWED_PRIVATE_HOSTS`` (empty in production; the test
  settings allow the local fake servers on 127.0.0.1);
- the connection is made to the vetted address itself (the host name only travels in the
  ``Host`` header and in TLS SNI/certificate checks), so a DNS answer that changes between the
  check and the connect (DNS rebinding) cannot move the request elsewhere;
- redirects are never followed automatically: up to ``max_redirects`` hops are followed here,
  each one checked like the first request;
- environment proxies and ``.netrc`` are ignored, the body is streamed and cut off at
  ``max_bytes`` (after content decoding, so a compressed bomb is cut off too), and the whole
  exchange is bounded by ``timeout`` seconds.

Failures raise `OutboundHttpError` with a stable ``code``; a response with an error status is
returned as is (see `SafeResponse.raise_for_status`).
"""

from __future__ import annotations

import ipaddress
import json
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings
from django.utils.translation import gettext as _
from requests.adapters import HTTPAdapter

from apps.core.errors import ApplicationError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_REDIRECTS = 3
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
USER_AGENT = "StorefrontCloud/1.0 (+outbound)"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class OutboundHttpError(ApplicationError):
    """An outbound request was refused or failed. Codes: ``invalid_url``, ``scheme_not_allowed``,
    ``address_not_allowed``, ``dns_failure``, ``timeout``, ``connection_failed``,
    ``too_many_redirects``, ``response_too_large``, ``http_status``."""

    code = "outbound_http_error"


@dataclass(frozen=True)
class SafeResponse:
    url: str  # the final URL, after any redirects that were followed
    status_code: int
    headers: Mapping[str, str]  # lower-case names
    content: bytes
    history: tuple[str, ...] = field(default=())  # URLs that answered with a redirect

    @property
    def ok(self) -> bool:
        return 200 <= self.status_code < 400

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()

    @property
    def text(self) -> str:
        charset = "utf-8"
        for part in self.headers.get("content-type", "").split(";")[1:]:
            name, _sep, value = part.strip().partition("=")
            if name.lower() == "charset" and value:
                charset = value.strip("\"' ")
        try:
            return self.content.decode(charset, errors="replace")
        except LookupError:
            return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body parsed as JSON; raises ``ValueError`` when it is not JSON."""
        return json.loads(self.content.decode("utf-8-sig"))

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise OutboundHttpError(
                _("%(url)s answered with HTTP %(status)d.")
                % {"url": _display(self.url), "status": self.status_code},
                code="http_status",
            )


# ------------------------------------------------------------------------------
# address checks
# ------------------------------------------------------------------------------
def _allowed_private_hosts() -> set[str]:
    return {
        str(host).strip().lower() for host in getattr(settings, "OUTBOUND_HTTP_ALLOWED_PRIVATE_HOSTS", [])
    }


def address_is_public(address: IPAddress) -> bool:
    """True when `address` is routable on the public internet (and not multicast)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address.teredo is not None:
            embedded = address.teredo[1]
        if embedded is not None and not address_is_public(embedded):
            return False
    return address.is_global and not (
        address.is_multicast
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_unspecified
    )


def _display(url: str) -> str:
    """The URL without credentials or query (which may hold tokens), for messages and logs."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str  # lower-case, without brackets
    port: int
    host_header: str
    address: str  # the vetted address the socket connects to


def _split(url: str) -> tuple[str, str, int]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise OutboundHttpError(
            _("“%(url)s” is not a valid URL.") % {"url": url[:200]}, code="invalid_url"
        ) from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise OutboundHttpError(
            _("Only http:// and https:// addresses can be fetched, not “%(scheme)s”.")
            % {"scheme": scheme or "?"},
            code="scheme_not_allowed",
        )
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise OutboundHttpError(_("“%(url)s” has no host name.") % {"url": url[:200]}, code="invalid_url")
    return scheme, host, port or (443 if scheme == "https" else 80)


def _literal_address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _resolve(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to (a seam tests replace to simulate DNS answers)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = [str(info[4][0]) for info in infos]
    # IPv4 first: most hosts answer on it, and a server without IPv6 egress cannot use the rest.
    return sorted(dict.fromkeys(addresses), key=lambda address: ":" in address)


def url_check(url: str) -> None:
    """Check what can be checked without the network: scheme, host, and literal addresses.

    For validating a URL a merchant types into a form; `safe_get` checks everything again,
    including what the host resolves to, when it is actually fetched.
    """
    _scheme, host, _port = _split(url)
    allowed = _allowed_private_hosts()
    if host in allowed:
        return
    literal = _literal_address(host)
    if (
        (literal is not None and not address_is_public(literal))
        or host == "localhost"
        or host.endswith(".localhost")
    ):
        raise OutboundHttpError(
            _("%(host)s is a private or local address; only public internet addresses can be used.")
            % {"host": host},
            code="address_not_allowed",
        )


def _target(url: str) -> _Target:
    scheme, host, port = _split(url)
    allowed = _allowed_private_hosts()
    literal = _literal_address(host)
    if literal is not None:
        addresses = [str(literal)]
    else:
        try:
            addresses = _resolve(host, port)
        except (OSError, UnicodeError) as exc:
            raise OutboundHttpError(
                _("The host %(host)s could not be found.") % {"host": host}, code="dns_failure"
            ) from exc
        if not addresses:
            raise OutboundHttpError(
                _("The host %(host)s could not be found.") % {"host": host}, code="dns_failure"
            )
    if host not in allowed:
        for candidate in addresses:
            address = ipaddress.ip_address(candidate.split("%", 1)[0])
            if str(address) not in allowed and not address_is_public(address):
                raise OutboundHttpError(
                    _(
                        "%(host)s points to a private or local address; only public internet addresses can be used."
                    )
                    % {"host": host},
                    code="address_not_allowed",
                )
    default_port = 443 if scheme == "https" else 80
    shown_host = f"[{host}]" if ":" in host else host
    host_header = shown_host if port == default_port else f"{shown_host}:{port}"
    return _Target(scheme=scheme, host=host, port=port, host_header=host_header, address=addresses[0])


class _PinnedAddressAdapter(HTTPAdapter):
    """Connects to the vetted address whatever DNS says now; TLS still checks the host name."""

    def __init__(self, target: _Target) -> None:
        self._target = target
        super().__init__(max_retries=0)

    def build_connection_pool_key_attributes(  # type: ignore[override]
        self, request: requests.PreparedRequest, verify: Any, cert: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        host_params["host"] = self._target.address
        if host_params.get("scheme") == "https":
            pool_kwargs["server_hostname"] = self._target.host
            pool_kwargs["assert_hostname"] = self._target.host
        return host_params, pool_kwargs


def _read_capped(response: requests.Response, *, url: str, max_bytes: int, deadline: float) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise OutboundHttpError(
            _("%(url)s is larger than the %(limit)s bytes allowed.")
            % {"url": _display(url), "limit": max_bytes},
            code="response_too_large",
        )
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(chunk_size=64 * 1024):
        size += len(chunk)
        if size > max_bytes:
            raise OutboundHttpError(
                _("%(url)s is larger than the %(limit)s bytes allowed.")
                % {"url": _display(url), "limit": max_bytes},
                code="response_too_large",
            )
        if time.monotonic() > deadline:
            raise OutboundHttpError(
                _("%(url)s took too long to answer.") % {"url": _display(url)}, code="timeout"
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _send_once(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str],
    data: Any,
    timeout: float,
    max_bytes: int,
    deadline: float,
) -> tuple[requests.Response, bytes]:
    target = _target(url)
    remaining = max(0.1, deadline - time.monotonic())
    with requests.Session() as session:
        session.trust_env = False  # no proxies or .netrc from the environment
        session.mount("http://", _PinnedAddressAdapter(target))
        session.mount("https://", _PinnedAddressAdapter(target))
        request_headers = {"User-Agent": USER_AGENT, **headers, "Host": target.host_header}
        try:
            response = session.request(
                method,
                url,
                headers=request_headers,
                data=data,
                timeout=(min(timeout, remaining), min(timeout, remaining)),
                allow_redirects=False,
                stream=True,
            )
        except requests.Timeout as exc:
            raise OutboundHttpError(
                _("%(url)s took too long to answer.") % {"url": _display(url)}, code="timeout"
            ) from exc
        except requests.RequestException as exc:
            raise OutboundHttpError(
                _("%(url)s could not be reached (%(reason)s).")
                % {"url": _display(url), "reason": type(exc).__name__},
                code="connection_failed",
            ) from exc
        try:
            if response.status_code in REDIRECT_STATUSES:
                return response, b""
            try:
                body = _read_capped(response, url=url, max_bytes=max_bytes, deadline=deadline)
            except requests.RequestException as exc:
                raise OutboundHttpError(
                    _("%(url)s could not be read (%(reason)s).")
                    % {"url": _display(url), "reason": type(exc).__name__},
                    code="connection_failed",
                ) from exc
            return response, body
        finally:
            response.close()


def _request(
    method: str,
    url: str,
    *,
    params: Mapping[str, Any] | None,
    data: Any,
    headers: Mapping[str, str] | None,
    timeout: float,
    max_bytes: int,
    max_redirects: int,
) -> SafeResponse:
    if params:
        url = requests.Request("GET", url, params=dict(params)).prepare().url or url
    deadline = time.monotonic() + timeout
    history: list[str] = []
    current_headers = dict(headers or {})
    original_host = urlsplit(url).hostname
    while True:
        response, body = _send_once(
            method,
            url,
            headers=current_headers,
            data=data,
            timeout=timeout,
            max_bytes=max_bytes,
            deadline=deadline,
        )
        if response.status_code not in REDIRECT_STATUSES:
            return SafeResponse(
                url=url,
                status_code=response.status_code,
                headers={name.lower(): value for name, value in response.headers.items()},
                content=body,
                history=tuple(history),
            )
        location = response.headers.get("Location", "")
        if not location:
            raise OutboundHttpError(
                _("%(url)s redirected without saying where to.") % {"url": _display(url)},
                code="connection_failed",
            )
        if len(history) >= max_redirects:
            raise OutboundHttpError(
                _("%(url)s redirected more than %(n)d times.")
                % {"url": _display(history[0] if history else url), "n": max_redirects},
                code="too_many_redirects",
            )
        history.append(url)
        url = urljoin(url, location)
        if response.status_code in (301, 302, 303) and method != "GET":
            method, data = "GET", None
        if urlsplit(url).hostname != original_host:
            # Credentials meant for one host never travel to another.
            current_headers = {
                k: v for k, v in current_headers.items() if k.lower() not in ("authorization", "cookie")
            }


def safe_get(
    url: str,
    *,
    params: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 10,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_redirects: int = DEFAULT_MAX_REDIRECTS,
) -> SafeResponse:
    """GET `url` (plus `params`) under the rules in the module docstring."""
    return _request(
        "GET",
        url,
        params=params,
        data=None,
        headers=headers,
        timeout=timeout,
        max_bytes=max_bytes,
        max_redirects=max_redirects,
    )


def safe_post(
    url: str,
    *,
    data: Mapping[str, Any] | bytes | None = None,
    params: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 10,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_redirects: int = DEFAULT_MAX_REDIRECTS,
) -> SafeResponse:
    """POST `data` (a form dict or raw bytes) to `url` under the rules in the module docstring."""
    return _request(
        "POST",
        url,
        params=params,
        data=data,
        headers=headers,
        timeout=timeout,
        max_bytes=max_bytes,
        max_redirects=max_redirects,
    )
