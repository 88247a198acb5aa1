"""Test data for domains, made through the real services, and a DNS resolver that answers from a
dict with dnspython's own record objects and exceptions (no network)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import dns.name
import dns.rdata
import dns.resolver

from apps.tenants.dns_check import verification_record_name, verification_record_value
from apps.tenants.domains import domain_add, domain_verify
from apps.tenants.models import Domain, Tenant

TxtEntry = list[str] | BaseException


class FakeTxtResolver:
    """`records` maps a name to its TXT strings, or to an exception to raise for it; a name not
    in it does not exist (NXDOMAIN), like an unknown name in real DNS."""

    def __init__(self, records: dict[str, TxtEntry] | None = None) -> None:
        self.records: dict[str, TxtEntry] = dict(records or {})
        self.queries: list[tuple[str, str]] = []

    def resolve(self, qname: str, rdtype: str) -> Iterable[Any]:
        self.queries.append((qname, rdtype))
        entry = self.records.get(qname)
        if entry is None:
            raise dns.resolver.NXDOMAIN(qnames=[dns.name.from_text(qname)], responses={})
        if isinstance(entry, BaseException):
            raise entry
        if not entry:
            raise dns.resolver.NoAnswer()
        return [dns.rdata.from_text("IN", "TXT", " ".join(_quoted_chunks(value))) for value in entry]

    def publish(self, domain: Domain, value: str | None = None) -> None:
        """Create the domain's verification record (or one with another `value`)."""
        name = verification_record_name(domain.domain)
        self.records[name] = [
            value if value is not None else verification_record_value(domain.verification_token)
        ]

    def withdraw(self, domain: Domain) -> None:
        self.records.pop(verification_record_name(domain.domain), None)


def _quoted_chunks(value: str) -> list[str]:
    # DNS character-strings hold at most 255 bytes; longer values are several strings.
    return [f'"{value[i : i + 255]}"' for i in range(0, len(value), 255)] or ['""']


def custom_domain(tenant: Tenant, host: str, *, verified: bool = True) -> Domain:
    """A merchant's own domain added through `domain_add`; verified through `domain_verify`
    against a resolver that holds its record unless `verified` is False."""
    domain = domain_add(tenant=tenant, domain=host)
    if verified:
        resolver = FakeTxtResolver()
        resolver.publish(domain)
        domain = domain_verify(domain=domain, resolver=resolver)
        assert domain.status == Domain.Status.VERIFIED
    return domain
