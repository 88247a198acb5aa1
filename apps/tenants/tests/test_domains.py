"""Custom domains: pending until their TXT record is seen, only verified ones route or become
primary, a periodic re-check that flags a record that disappeared, one check at a time."""

from __future__ import annotations

import importlib
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta

import dns.message
import dns.rcode
import dns.rdatatype
import dns.resolver
import dns.rrset
import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.apps import apps as django_apps
from django.test import Client
from django.utils import timezone

from apps.accounts.models import User
from apps.tenants import domain_tasks
from apps.tenants.dns_check import (
    resolver_default,
    txt_record_check,
    verification_record_name,
    verification_record_value,
)
from apps.tenants.domains import (
    DomainError,
    DomainErrorCode,
    domain_add,
    domain_claims_expire,
    domain_ids_due_for_check,
    domain_platform_add,
    domain_remove,
    domain_set_primary,
    domain_verify,
    domain_verify_manual,
)
from apps.tenants.models import Domain, StoreAuditEntry
from apps.tenants.tests.factories import FakeTxtResolver, custom_domain
from tests.fixtures import store_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake_dns(monkeypatch) -> FakeTxtResolver:
    """The resolver every check uses when none is passed (the beat job, the dashboard)."""
    resolver = FakeTxtResolver()
    monkeypatch.setattr("apps.tenants.dns_check.resolver_default", lambda: resolver)
    return resolver


def _actions(tenant) -> list[str]:
    return list(StoreAuditEntry.objects.filter(tenant=tenant).values_list("action", flat=True))


# ------------------------------------------------------------------------------
# adding and verifying
# ------------------------------------------------------------------------------
def test_a_custom_domain_starts_pending_with_a_token_of_its_own(alpha):
    first = domain_add(tenant=alpha.tenant, domain="shop.alpha-brand.com")
    second = domain_add(tenant=alpha.tenant, domain="www.alpha-brand.com")
    assert first.status == second.status == Domain.Status.PENDING
    assert not first.is_primary and first.verified_at is None
    assert len(first.verification_token) == 32 and first.verification_token != second.verification_token
    assert verification_record_name(first.domain) == "_storefront-verify.shop.alpha-brand.com"
    assert (
        verification_record_value(first.verification_token) == f"storefront-verify={first.verification_token}"
    )


def test_the_platform_subdomain_is_verified_and_always_routes(alpha, client):
    subdomain = Domain.objects.select_related("tenant").get(domain=alpha.host)
    assert subdomain.is_platform_host and subdomain.routes
    assert client.get("/", HTTP_HOST=alpha.host).status_code == 200
    made = domain_platform_add(tenant=alpha.tenant, domain="Extra.Platform.Test.")
    assert made.status == Domain.Status.VERIFIED and made.verification_method == Domain.Method.PLATFORM


def test_verify_sees_the_record_and_the_domain_starts_routing(alpha):
    # given a pending domain that does not route
    domain = domain_add(tenant=alpha.tenant, domain="shop.alpha-brand.com")
    unknown = Client().get("/", HTTP_HOST="nobody.example.org")
    pending = Client().get("/", HTTP_HOST="shop.alpha-brand.com")
    assert pending.status_code == unknown.status_code == 404
    assert "There is no store at this address" in pending.content.decode()
    assert Client().get("/", HTTP_HOST=alpha.host).status_code == 200  # the platform address works
    resolver = FakeTxtResolver()
    resolver.publish(domain)
    resolver.records["_storefront-verify.shop.alpha-brand.com"].insert(0, "v=spf1 -all")  # type: ignore[union-attr]

    # when its TXT record is looked up
    domain = domain_verify(domain=domain, resolver=resolver, actor=alpha.owner)

    # then it is verified, audited, and serves the store
    assert resolver.queries == [("_storefront-verify.shop.alpha-brand.com", "TXT")]
    assert domain.status == Domain.Status.VERIFIED and domain.verification_method == Domain.Method.DNS
    assert domain.verified_at is not None and domain.last_checked_at is not None
    assert domain.last_check_error == ""
    entry = StoreAuditEntry.objects.get(tenant=alpha.tenant, action="domain:verified")
    assert entry.actor == alpha.owner
    assert Client().get("/", HTTP_HOST="shop.alpha-brand.com").status_code == 200


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        ("other-token", Domain.CheckError.WRONG_TOKEN),
        (None, Domain.CheckError.NXDOMAIN),
        ([], Domain.CheckError.NO_RECORD),
        (dns.resolver.LifetimeTimeout(timeout=5.0, errors=[]), Domain.CheckError.TIMEOUT),
        (dns.resolver.NoNameservers(), Domain.CheckError.DNS_ERROR),
    ],
)
def test_verify_records_why_the_record_was_not_accepted(alpha, answer, code):
    domain = domain_add(tenant=alpha.tenant, domain="shop.alpha-brand.com")
    resolver = FakeTxtResolver()
    name = verification_record_name(domain.domain)
    if answer == "other-token":
        resolver.publish(domain, value="storefront-verify=0123456789abcdef0123456789abcdef")
    elif answer is not None:
        resolver.records[name] = answer

    domain = domain_verify(domain=domain, resolver=resolver)

    assert domain.status == Domain.Status.PENDING
    assert domain.last_check_error == code and domain.last_checked_at is not None
    assert "domain:verified" not in _actions(alpha.tenant)
    assert Client().get("/", HTTP_HOST="shop.alpha-brand.com").status_code == 404


def test_a_value_split_into_several_strings_is_joined():
    class SplitResolver:
        def resolve(self, qname: str, rdtype: str):
            import dns.rdata

            return [dns.rdata.from_text("IN", "TXT", '"storefront-verify=" "abc123"')]

    assert txt_record_check(domain="x.example.com", token="abc123", resolver=SplitResolver()) == ""
    assert txt_record_check(domain="x.example.com", token="abc12", resolver=SplitResolver()) == "wrong_token"


def test_a_platform_host_is_not_looked_up(alpha):
    subdomain = Domain.objects.get(domain=alpha.host)
    with pytest.raises(DomainError) as error:
        domain_verify(domain=subdomain, resolver=FakeTxtResolver())
    assert error.value.code == DomainErrorCode.PLATFORM_HOST


# ------------------------------------------------------------------------------
# primary, removal, bad input
# ------------------------------------------------------------------------------
def test_only_a_verified_domain_can_become_primary(alpha):
    # given a pending domain
    domain = domain_add(tenant=alpha.tenant, domain="www.alpha-brand.com")
    before = _actions(alpha.tenant)

    # when it is made primary, it is refused and nothing changes
    with pytest.raises(DomainError) as error:
        domain_set_primary(domain=domain)
    assert error.value.code == DomainErrorCode.NOT_VERIFIED
    assert "not verified" in error.value.message
    assert Domain.objects.get(tenant=alpha.tenant, is_primary=True).domain == alpha.host
    assert _actions(alpha.tenant) == before

    # once verified it can, and the store keeps exactly one primary domain
    resolver = FakeTxtResolver()
    resolver.publish(domain)
    domain_verify(domain=domain, resolver=resolver)
    domain_set_primary(domain=domain, actor=alpha.owner)
    primaries = Domain.objects.filter(tenant=alpha.tenant, is_primary=True)
    assert list(primaries.values_list("domain", flat=True)) == ["www.alpha-brand.com"]


def test_a_pending_domain_of_another_store_is_taken(alpha, beta):
    domain_add(tenant=alpha.tenant, domain="shop.contested.com")
    with pytest.raises(DomainError) as error:
        domain_add(tenant=beta.tenant, domain="shop.contested.com")
    assert error.value.code == DomainErrorCode.TAKEN
    assert error.value.params == {"domain": "shop.contested.com"}
    assert not Domain.objects.filter(tenant=beta.tenant, domain="shop.contested.com").exists()


def test_removing_the_primary_custom_domain_makes_the_platform_subdomain_primary(alpha):
    domain = custom_domain(alpha.tenant, "www.alpha-brand.com")
    domain_set_primary(domain=domain)
    domain_remove(domain=domain, actor=alpha.owner)
    assert Domain.objects.get(tenant=alpha.tenant, is_primary=True).domain == alpha.host
    with pytest.raises(DomainError) as error:
        domain_remove(domain=Domain.objects.get(domain=alpha.host))
    assert error.value.code == DomainErrorCode.REQUIRED


# ------------------------------------------------------------------------------
# hand verification by platform staff
# ------------------------------------------------------------------------------
def test_staff_verify_by_hand_with_an_audit_entry_and_dns_does_not_undo_it(alpha):
    staff = User.objects.create_superuser("dom-staff@example.com", "x-pass-12345")
    domain = domain_add(tenant=alpha.tenant, domain="shop.alpha-brand.com")

    domain = domain_verify_manual(domain=domain, actor=staff, note="ticket 42")

    assert domain.status == Domain.Status.VERIFIED and domain.verification_method == Domain.Method.MANUAL
    entry = StoreAuditEntry.objects.get(tenant=alpha.tenant, action="domain:verify_manual")
    assert entry.actor == staff and "ticket 42" in entry.detail
    assert Client().get("/", HTTP_HOST="shop.alpha-brand.com").status_code == 200
    assert domain.pk not in domain_ids_due_for_check()
    # an explicit DNS check that finds nothing records it but keeps the staff's decision
    domain = domain_verify(domain=domain, resolver=FakeTxtResolver())
    assert domain.status == Domain.Status.VERIFIED and domain.last_check_error == Domain.CheckError.NXDOMAIN
    with pytest.raises(DomainError) as error:
        domain_verify_manual(domain=domain, actor=staff)
    assert error.value.code == DomainErrorCode.ALREADY_VERIFIED


# ------------------------------------------------------------------------------
# the periodic re-check
# ------------------------------------------------------------------------------
def test_recheck_flags_a_record_that_disappeared(alpha, fake_dns):
    # given a verified custom domain that is the store's primary and is being served
    domain = custom_domain(alpha.tenant, "www.alpha-brand.com")
    domain_set_primary(domain=domain)
    assert Client().get("/", HTTP_HOST="www.alpha-brand.com").status_code == 200  # cached now
    Domain.objects.filter(pk=domain.pk).update(last_checked_at=timezone.now() - timedelta(hours=7))

    # when the record is gone at the next re-check
    totals = domain_tasks.domains_recheck_due.delay().get()

    # then the domain is lost, no longer primary nor routed, and the platform address takes over
    assert totals["queued"] >= 1 and totals["failed"] == 0
    domain.refresh_from_db()
    assert domain.status == Domain.Status.LOST and not domain.is_primary
    assert domain.last_check_error == Domain.CheckError.NXDOMAIN
    assert Domain.objects.get(tenant=alpha.tenant, is_primary=True).domain == alpha.host
    assert Client().get("/", HTTP_HOST="www.alpha-brand.com").status_code == 404
    assert store_client(alpha).get("/").status_code == 200
    lost = StoreAuditEntry.objects.get(tenant=alpha.tenant, action="domain:lost")
    assert lost.actor is None and "nxdomain" in lost.detail

    # and when the merchant puts the record back, the next round verifies it again
    fake_dns.publish(domain)
    domain_tasks.domains_recheck_due.delay()
    domain.refresh_from_db()
    assert domain.status == Domain.Status.LOST  # checked a moment ago: not due yet
    Domain.objects.filter(pk=domain.pk).update(last_checked_at=timezone.now() - timedelta(minutes=10))
    domain_tasks.domains_recheck_due.delay()
    domain.refresh_from_db()
    assert domain.status == Domain.Status.VERIFIED and domain.last_check_error == ""


def test_a_timeout_does_not_demote_a_verified_domain(alpha, fake_dns):
    domain = custom_domain(alpha.tenant, "www.alpha-brand.com")
    fake_dns.records[verification_record_name(domain.domain)] = dns.resolver.LifetimeTimeout(
        timeout=5.0, errors=[]
    )
    assert domain_tasks.domain_check_task.delay(domain.pk).get() == Domain.Status.VERIFIED
    domain.refresh_from_db()
    assert domain.status == Domain.Status.VERIFIED and domain.last_check_error == Domain.CheckError.TIMEOUT


def test_recheck_verifies_a_pending_domain_without_a_click(alpha, fake_dns):
    domain = domain_add(tenant=alpha.tenant, domain="shop.alpha-brand.com")
    fake_dns.publish(domain)
    domain_tasks.domains_recheck_due.delay()
    domain.refresh_from_db()
    assert domain.status == Domain.Status.VERIFIED


def test_one_check_that_raises_does_not_stop_the_others(alpha, beta, fake_dns):
    # given three due domains: one whose check blows up, one that runs out of time, one fine
    broken = domain_add(tenant=alpha.tenant, domain="broken.alpha-brand.com")
    slow = domain_add(tenant=alpha.tenant, domain="slow.alpha-brand.com")
    fine = domain_add(tenant=beta.tenant, domain="shop.beta-brand.com")
    fake_dns.records[verification_record_name(broken.domain)] = RuntimeError("resolver bug")
    fake_dns.records[verification_record_name(slow.domain)] = SoftTimeLimitExceeded()
    fake_dns.publish(fine)

    # when the beat job runs
    totals = domain_tasks.domains_recheck_due.delay().get()

    # then each failure is recorded on its domain and the last one is still verified
    assert totals["failed"] == 0
    broken.refresh_from_db()
    slow.refresh_from_db()
    fine.refresh_from_db()
    assert (
        broken.status == Domain.Status.PENDING and broken.last_check_error == Domain.CheckError.CHECK_FAILED
    )
    assert slow.status == Domain.Status.PENDING and slow.last_check_error == Domain.CheckError.TIMEOUT
    assert fine.status == Domain.Status.VERIFIED


def test_queueing_that_fails_for_one_domain_still_queues_the_rest(alpha, monkeypatch):
    first = domain_add(tenant=alpha.tenant, domain="one.alpha-brand.com")
    second = domain_add(tenant=alpha.tenant, domain="two.alpha-brand.com")
    queued: list[int] = []

    def delay(domain_id: int) -> None:
        if domain_id == first.pk:
            raise ConnectionError("broker went away")
        queued.append(domain_id)

    monkeypatch.setattr(domain_tasks.domain_check_task, "delay", delay)
    totals = domain_tasks.domains_recheck_due()
    assert totals["failed"] == 1 and second.pk in queued
    first.refresh_from_db()
    assert first.last_check_error == Domain.CheckError.CHECK_FAILED


def test_which_domains_are_due(alpha):
    now = timezone.now()
    fresh_pending = domain_add(tenant=alpha.tenant, domain="a.alpha-brand.com")
    old_pending = domain_add(tenant=alpha.tenant, domain="b.alpha-brand.com")
    fresh_verified = custom_domain(alpha.tenant, "c.alpha-brand.com")
    old_verified = custom_domain(alpha.tenant, "d.alpha-brand.com")
    never_checked = domain_add(tenant=alpha.tenant, domain="e.alpha-brand.com")
    Domain.objects.filter(pk=fresh_pending.pk).update(last_checked_at=now - timedelta(minutes=5))
    Domain.objects.filter(pk=old_pending.pk).update(last_checked_at=now - timedelta(minutes=10))
    Domain.objects.filter(pk=fresh_verified.pk).update(last_checked_at=now - timedelta(hours=1))
    Domain.objects.filter(pk=old_verified.pk).update(last_checked_at=now - timedelta(hours=6))

    due = set(domain_ids_due_for_check(now=now))

    assert {old_pending.pk, old_verified.pk, never_checked.pk} <= due
    assert not {fresh_pending.pk, fresh_verified.pk} & due
    platform_hosts = Domain.objects.filter(domain__in=[alpha.host, "platform.test"]).values_list(
        "pk", flat=True
    )
    assert not set(platform_hosts) & due


# ------------------------------------------------------------------------------
# the real resolver, against a DNS server on loopback
# ------------------------------------------------------------------------------
@pytest.fixture
def loopback_dns() -> Iterator[tuple[int, dict[str, list[str]]]]:
    """A UDP DNS server on 127.0.0.1 answering TXT from a dict; names under "slow."
    are never answered, unknown names get NXDOMAIN."""
    zone: dict[str, list[str]] = {}
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                data, peer = sock.recvfrom(4096)
            except TimeoutError:
                continue
            query = dns.message.from_wire(data)
            name = query.question[0].name.to_text(omit_final_dot=True)
            if ".slow." in name:
                continue
            response = dns.message.make_response(query)
            if name in zone:
                quoted = [f'"{value}"' for value in zone[name]]
                response.answer.append(dns.rrset.from_text(name + ".", 60, "IN", "TXT", *quoted))
            else:
                response.set_rcode(dns.rcode.NXDOMAIN)
            sock.sendto(response.to_wire(), peer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield sock.getsockname()[1], zone
    stop.set()
    thread.join()
    sock.close()


def test_the_default_resolver_looks_up_the_record_and_gives_up_in_time(settings, loopback_dns):
    port, zone = loopback_dns
    settings.DOMAIN_DNS_NAMESERVERS = ["127.0.0.1"]
    settings.DOMAIN_DNS_PORT = port
    settings.DOMAIN_DNS_TIMEOUT_SECONDS = 0.5
    resolver = resolver_default()
    zone["_storefront-verify.shop.example.com"] = ["storefront-verify=abc123"]

    assert txt_record_check(domain="shop.example.com", token="abc123", resolver=resolver) == ""
    assert txt_record_check(domain="shop.example.com", token="zzz", resolver=resolver) == "wrong_token"
    assert txt_record_check(domain="other.example.com", token="abc123", resolver=resolver) == "nxdomain"
    started = timezone.now()
    assert txt_record_check(domain="slow.example.com", token="abc123", resolver=resolver) == "timeout"
    assert timezone.now() - started < timedelta(seconds=2)


# ------------------------------------------------------------------------------
# the data migration
# ------------------------------------------------------------------------------
def test_the_migration_verifies_platform_hosts_and_leaves_custom_domains_pending(alpha):
    # given rows as they were before verification existed: all pending, a custom one primary
    custom = Domain.objects.create(tenant=alpha.tenant, domain="legacy.alpha-brand.com", is_primary=True)
    Domain.objects.filter(tenant=alpha.tenant).update(status=Domain.Status.PENDING, verified_at=None)
    token_before = custom.verification_token

    migration = importlib.import_module("apps.tenants.migrations.0004_domain_verification")
    migration.verify_platform_hosts(django_apps, None)

    subdomain = Domain.objects.get(domain=alpha.host)
    custom.refresh_from_db()
    assert subdomain.status == Domain.Status.VERIFIED and subdomain.is_primary
    assert subdomain.verification_method == Domain.Method.PLATFORM
    assert Domain.objects.get(domain="platform.test").status == Domain.Status.VERIFIED
    assert custom.status == Domain.Status.PENDING and not custom.is_primary
    assert custom.verification_token != token_before and len(custom.verification_token) == 32


# ------------------------------------------------------------------------------
# stale claims: adding a hostname never squats it
# ------------------------------------------------------------------------------
def _age(domain: Domain, days: int) -> None:
    Domain.objects.filter(pk=domain.pk).update(created_at=timezone.now() - timedelta(days=days))


def test_a_fresh_pending_claim_blocks_another_store(alpha, beta):
    custom_domain(alpha.tenant, "fresh-claim.example.com", verified=False)
    with pytest.raises(DomainError) as refused:
        domain_add(tenant=beta.tenant, domain="fresh-claim.example.com")
    assert refused.value.code == DomainErrorCode.TAKEN


def test_a_stale_pending_claim_is_released_to_the_store_that_asks(alpha, beta, settings):
    settings.DOMAIN_CLAIM_DAYS = 7
    squatted = custom_domain(alpha.tenant, "squatted.example.com", verified=False)
    _age(squatted, 8)

    claimed = domain_add(tenant=beta.tenant, domain="squatted.example.com")

    assert claimed.tenant_id == beta.tenant.pk and claimed.status == Domain.Status.PENDING
    assert not Domain.objects.filter(pk=squatted.pk).exists()
    assert StoreAuditEntry.objects.filter(tenant=alpha.tenant, action="domain:claim_expired").exists()


def test_a_verified_domain_is_never_released_however_old(alpha, beta, settings):
    settings.DOMAIN_CLAIM_DAYS = 7
    proved = custom_domain(alpha.tenant, "proved.example.com")
    _age(proved, 400)
    with pytest.raises(DomainError):
        domain_add(tenant=beta.tenant, domain="proved.example.com")
    assert domain_claims_expire() == 0
    assert Domain.objects.filter(pk=proved.pk, tenant=alpha.tenant).exists()


def test_the_periodic_check_removes_pending_claims_past_their_time(alpha, settings):
    settings.DOMAIN_CLAIM_DAYS = 7
    old = custom_domain(alpha.tenant, "old-pending.example.com", verified=False)
    young = custom_domain(alpha.tenant, "young-pending.example.com", verified=False)
    _age(old, 8)

    assert domain_claims_expire() == 1

    assert not Domain.objects.filter(pk=old.pk).exists()
    assert Domain.objects.filter(pk=young.pk).exists()
    entry = StoreAuditEntry.objects.get(tenant=alpha.tenant, action="domain:claim_expired")
    assert "old-pending.example.com" in entry.detail
