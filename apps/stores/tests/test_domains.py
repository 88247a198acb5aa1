"""Store owners manage the hostnames their store answers on, from the dashboard: a domain they
add is pending until its DNS TXT record is seen, then it serves the store and can be primary."""

from __future__ import annotations

import dns.resolver
import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.tenants.dns_check import verification_record_name, verification_record_value
from apps.tenants.domains import domain_add
from apps.tenants.models import Domain, StoreAuditEntry
from apps.tenants.tests.factories import FakeTxtResolver, custom_domain
from tests.fixtures import store_client

pytestmark = pytest.mark.django_db

DOMAINS = "/dashboard/store/domains/"


@pytest.fixture
def fake_dns(monkeypatch) -> FakeTxtResolver:
    """The resolver "Check now" uses: answers from a dict, never the network."""
    resolver = FakeTxtResolver()
    monkeypatch.setattr("apps.tenants.dns_check.resolver_default", lambda: resolver)
    return resolver


def _staff(world, role: str, email: str, platform_user: User | None = None) -> Client:
    with schema_context(world.tenant.schema_name):
        if platform_user is not None:  # the account provisioning made for the merchant's owner
            user = User.objects.get(platform_user_uuid=platform_user.uuid)
        else:
            user = User.objects.create_user(email, "x-pass-12345", is_staff=True, store_role=role)
        client = store_client(world)
        client.force_login(user)
    return client


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_an_owner_adds_a_domain_that_serves_the_store_once_its_record_is_seen(alpha, fake_dns):
    client = _staff(alpha, "owner", "owner-dom@example.com", platform_user=alpha.owner)

    # when the owner adds a domain
    response = client.post(DOMAINS, {"domain": "Shop.Alpha-Brand.com."}, follow=True)

    # then it is pending, does not serve the store yet, and the page shows the record to create
    domain = Domain.objects.get(domain="shop.alpha-brand.com", tenant=alpha.tenant, is_primary=False)
    assert domain.status == Domain.Status.PENDING
    entry = StoreAuditEntry.objects.filter(tenant=alpha.tenant, action="domain:add").get()
    assert entry.actor == alpha.owner  # the platform user behind the store account
    page = response.content.decode()
    assert "Create the TXT record shown for it" in " ".join(_messages(response))
    assert f'value="{verification_record_name(domain.domain)}"' in page
    assert f'value="{verification_record_value(domain.verification_token)}"' in page
    assert "Waiting for verification" in page
    assert f"/dashboard/store/domains/{domain.pk}/primary/" not in page  # not offered while pending
    assert Client().get("/", HTTP_HOST="shop.alpha-brand.com").status_code == 404

    # when the record exists and the owner presses "Check now"
    fake_dns.publish(domain)
    response = client.post(f"/dashboard/store/domains/{domain.pk}/check/", follow=True)

    # then the domain is verified, serves the store, and can be made primary
    assert "shop.alpha-brand.com is verified and serves this store." in _messages(response)
    domain.refresh_from_db()
    assert domain.status == Domain.Status.VERIFIED
    assert StoreAuditEntry.objects.get(tenant=alpha.tenant, action="domain:verified").actor == alpha.owner
    assert f"/dashboard/store/domains/{domain.pk}/primary/" in response.content.decode()
    assert Client().get("/", HTTP_HOST="shop.alpha-brand.com").status_code == 200


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (None, "No DNS record named _storefront-verify.shop.alpha-brand.com exists yet."),
        ("storefront-verify=not-this-one", "has a TXT record, but not this domain's value"),
        (dns.resolver.LifetimeTimeout(timeout=5.0, errors=[]), "did not answer in time"),
    ],
)
def test_check_now_says_what_it_found(alpha, fake_dns, record, message):
    domain = domain_add(tenant=alpha.tenant, domain="shop.alpha-brand.com")
    name = verification_record_name(domain.domain)
    if isinstance(record, str):
        fake_dns.records[name] = [record]
    elif record is not None:
        fake_dns.records[name] = record
    client = _staff(alpha, "admin", "admin-check@example.com")

    response = client.post(f"/dashboard/store/domains/{domain.pk}/check/", follow=True)

    text = " ".join(_messages(response))
    assert "shop.alpha-brand.com is not verified yet." in text and message in text
    domain.refresh_from_db()
    assert domain.status == Domain.Status.PENDING and domain.last_check_error
    assert Client().get("/", HTTP_HOST="shop.alpha-brand.com").status_code == 404


@pytest.mark.parametrize(
    ("domain", "message"),
    [
        ("beta.platform.test", "assigned by the platform"),
        ("not a domain", "not a valid domain"),
        ("alpha.platform.test", "already one of this store"),
    ],
)
def test_bad_domains_get_a_form_error(alpha, beta, domain, message):
    client = _staff(alpha, "admin", "admin-dom@example.com")
    before = Domain.objects.count()
    response = client.post(DOMAINS, {"domain": domain})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["domain"])
    assert Domain.objects.count() == before


def test_a_domain_of_another_store_is_refused_even_while_pending(alpha, beta):
    domain_add(tenant=beta.tenant, domain="beta-brand.com")
    client = _staff(alpha, "owner", "owner-dom2@example.com")
    response = client.post(DOMAINS, {"domain": "beta-brand.com"})
    assert "already used by another store" in response.content.decode()
    assert Domain.objects.get(domain="beta-brand.com").tenant_id == beta.tenant.pk


def test_a_pending_domain_cannot_be_made_primary(alpha):
    domain = domain_add(tenant=alpha.tenant, domain="www.alpha-brand.com")
    client = _staff(alpha, "owner", "owner-dom4@example.com")
    response = client.post(f"/dashboard/store/domains/{domain.pk}/primary/", follow=True)
    assert "www.alpha-brand.com is not verified yet, so it cannot be the primary domain." in _messages(
        response
    )
    assert Domain.objects.get(tenant=alpha.tenant, is_primary=True).domain == alpha.host
    assert not StoreAuditEntry.objects.filter(tenant=alpha.tenant, action="domain:primary").exists()


def test_primary_switch_and_removal_with_confirmation(alpha):
    custom = custom_domain(alpha.tenant, "www.alpha-brand.com")  # verified
    client = _staff(alpha, "owner", "owner-dom3@example.com")
    assert client.post(f"/dashboard/store/domains/{custom.pk}/primary/").status_code == 302
    assert Domain.objects.get(tenant=alpha.tenant, is_primary=True).domain == "www.alpha-brand.com"
    confirm = client.get(f"/dashboard/store/domains/{custom.pk}/remove/")
    assert "Remove www.alpha-brand.com?" in confirm.content.decode()
    assert Domain.objects.filter(pk=custom.pk).exists()  # nothing removed by looking
    client.post(f"/dashboard/store/domains/{custom.pk}/remove/")
    assert not Domain.objects.filter(pk=custom.pk).exists()
    assert Domain.objects.get(tenant=alpha.tenant, is_primary=True).domain == "alpha.platform.test"
    platform = Domain.objects.get(domain="alpha.platform.test")
    response = client.post(f"/dashboard/store/domains/{platform.pk}/remove/", follow=True)
    assert "cannot be removed" in response.content.decode()
    assert Domain.objects.filter(pk=platform.pk).exists()


def test_staff_and_finance_see_domains_but_cannot_change_them(alpha, fake_dns):
    domain = domain_add(tenant=alpha.tenant, domain="shop.alpha-brand.com")
    fake_dns.publish(domain)
    client = _staff(alpha, "finance", "finance-dom@example.com")
    page = client.get(DOMAINS)
    assert page.status_code == 200 and "alpha.platform.test" in page.content.decode()
    assert "Check now" not in page.content.decode()
    assert client.post(DOMAINS, {"domain": "x.alpha-brand.com"}).status_code == 403
    assert client.post(f"/dashboard/store/domains/{domain.pk}/check/").status_code == 403
    assert not Domain.objects.filter(domain="x.alpha-brand.com").exists()
    domain.refresh_from_db()
    assert domain.status == Domain.Status.PENDING and domain.last_checked_at is None
    assert _staff(alpha, "staff", "staff-dom@example.com").get(DOMAINS).status_code == 403


def test_store_b_cannot_see_check_or_touch_store_as_domains(alpha, beta, fake_dns):
    custom = domain_add(tenant=alpha.tenant, domain="shop.alpha-only.com")
    fake_dns.publish(custom)
    client = _staff(beta, "owner", "owner-b-dom@example.com")
    page = client.get(DOMAINS).content.decode()
    assert "shop.alpha-only.com" not in page and custom.verification_token not in page
    assert client.post(f"/dashboard/store/domains/{custom.pk}/check/").status_code == 404
    assert client.post(f"/dashboard/store/domains/{custom.pk}/primary/").status_code == 404
    assert client.post(f"/dashboard/store/domains/{custom.pk}/remove/").status_code == 404
    custom.refresh_from_db()
    assert custom.status == Domain.Status.PENDING and custom.last_checked_at is None
    assert custom.tenant_id == alpha.tenant.pk and not custom.is_primary
    assert fake_dns.queries == []
