"""The DNS side of custom-domain verification: which TXT record proves control of a domain, and
one lookup of it through an injectable resolver.

To verify `shop.example.com` the merchant creates

    _storefront-verify.shop.example.com.  TXT  "storefront-verify=<the domain's token>"

A separate name (not the apex TXT set) keeps the record away from SPF and other TXT records and
works for subdomains whose name is a CNAME. Other TXT strings on the same name are ignored; the
check passes when any one record equals the expected value.

The default resolver is dnspython's stub resolver on the system's recursive servers (or
DOMAIN_DNS_NAMESERVERS on DOMAIN_DNS_PORT) with a short overall lifetime, so a slow zone costs
one check a few seconds and never a worker. Tests pass any object with a `resolve(qname, rdtype)`
method; the test settings point the default at a silent loopback port.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

import dns.exception
import dns.resolver
from django.conf import settings

from apps.tenants.models import Domain

VERIFY_RECORD_PREFIX = "_storefront-verify"
VERIFY_VALUE_PREFIX = "storefront-verify="


class TxtResolver(Protocol):
    def resolve(self, qname: str, rdtype: str) -> Iterable[Any]:
        """Answer the TXT records of `qname`, raising dnspython's exceptions as
        `dns.resolver.Resolver.resolve` does (NXDOMAIN, NoAnswer, LifetimeTimeout, ...)."""
        ...


def verification_record_name(domain: str) -> str:
    return f"{VERIFY_RECORD_PREFIX}.{domain}"


def verification_record_value(token: str) -> str:
    return f"{VERIFY_VALUE_PREFIX}{token}"


def resolver_default() -> TxtResolver:
    resolver = dns.resolver.Resolver(configure=not settings.DOMAIN_DNS_NAMESERVERS)
    if settings.DOMAIN_DNS_NAMESERVERS:
        resolver.nameservers = list(settings.DOMAIN_DNS_NAMESERVERS)
    resolver.port = settings.DOMAIN_DNS_PORT
    resolver.timeout = min(2.0, float(settings.DOMAIN_DNS_TIMEOUT_SECONDS))  # per server try
    resolver.lifetime = float(settings.DOMAIN_DNS_TIMEOUT_SECONDS)  # the whole lookup
    return resolver


def _txt_value(rdata: Any) -> str:
    # A TXT record longer than 255 bytes arrives as several strings that form one value.
    strings = getattr(rdata, "strings", None)
    if strings is None:
        return str(rdata).strip().strip('"')
    return b"".join(strings).decode("utf-8", errors="replace").strip()


def txt_record_check(*, domain: str, token: str, resolver: TxtResolver | None = None) -> str:
    """Look up the verification record of `domain`: "" when it holds `token`, otherwise the
    `Domain.CheckError` code saying what was seen. Errors other than DNS ones propagate."""
    expected = verification_record_value(token)
    try:
        if resolver is None:
            resolver = resolver_default()  # raises NoResolverConfiguration without resolv.conf
        answer = resolver.resolve(verification_record_name(domain), "TXT")
        values = [_txt_value(rdata) for rdata in answer]
    except dns.resolver.NXDOMAIN:
        return Domain.CheckError.NXDOMAIN
    except dns.resolver.NoAnswer:
        return Domain.CheckError.NO_RECORD
    except dns.exception.Timeout:  # LifetimeTimeout included
        return Domain.CheckError.TIMEOUT
    except dns.exception.DNSException:  # NoNameservers (SERVFAIL, REFUSED), bad names, ...
        return Domain.CheckError.DNS_ERROR
    if not values:
        return Domain.CheckError.NO_RECORD
    if expected in values:
        return ""
    return Domain.CheckError.WRONG_TOKEN
