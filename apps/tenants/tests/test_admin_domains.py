"""Platform staff handle domains in the Django admin through the same services as the dashboard:
verify by hand (audited), check DNS, make primary, and add/remove on the store's page."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.contrib.messages import get_messages

from apps.accounts.models import User
from apps.tenants.domains import domain_add
from apps.tenants.models import Domain, StoreAuditEntry
from apps.tenants.tests.factories import FakeTxtResolver, custom_domain
from tests.fixtures import PASSWORD

pytestmark = pytest.mark.django_db

DOMAINS = "/admin/tenants/domain/"


@pytest.fixture
def staff(platform_client):
    user = User.objects.create_superuser("domains-root@example.com", PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    platform_client.force_login(user)
    platform_client.user = user
    return platform_client


def _messages(response) -> str:
    return " ".join(str(message) for message in get_messages(response.wsgi_request))


def _inline_data(world, rows: list[dict], extra: list[dict] | None = None) -> dict:
    """The store change form with its domain rows as the admin renders them, plus `extra` new ones."""
    extra = extra or []
    data = {
        "name": world.tenant.name,
        "merchant": world.merchant.pk,
        "domains-TOTAL_FORMS": str(len(rows) + len(extra)),
        "domains-INITIAL_FORMS": str(len(rows)),
        "domains-MIN_NUM_FORMS": "0",
        "domains-MAX_NUM_FORMS": "1000",
        "audit_entries-TOTAL_FORMS": "0",
        "audit_entries-INITIAL_FORMS": "0",
        "audit_entries-MIN_NUM_FORMS": "0",
        "audit_entries-MAX_NUM_FORMS": "0",
    }
    for index, row in enumerate([*rows, *extra]):
        prefix = f"domains-{index}-"
        data[prefix + "tenant"] = world.tenant.pk
        for key, value in row.items():
            data[prefix + key] = value
    return data


def _rows(world) -> list[dict]:
    rows = []
    for domain in Domain.objects.filter(tenant=world.tenant).order_by("pk"):
        row = {"id": domain.pk, "domain": domain.domain}
        if domain.is_primary:
            row["is_primary"] = "on"
        rows.append(row)
    return rows


def test_staff_verify_a_domain_by_hand_with_an_audit_entry(staff, alpha, client):
    domain = domain_add(tenant=alpha.tenant, domain="shop.alpha-brand.com")
    assert client.get("/", HTTP_HOST="shop.alpha-brand.com").status_code == 404

    response = staff.post(DOMAINS, {"action": "verify_by_hand", "_selected_action": [domain.pk]}, follow=True)

    assert "1 domain verified by hand." in _messages(response)
    domain.refresh_from_db()
    assert domain.status == Domain.Status.VERIFIED and domain.verification_method == Domain.Method.MANUAL
    entry = StoreAuditEntry.objects.get(tenant=alpha.tenant, action="domain:verify_manual")
    assert entry.actor == staff.user
    assert client.get("/", HTTP_HOST="shop.alpha-brand.com").status_code == 200


def test_the_domain_page_shows_the_record_and_saves_nothing(staff, alpha):
    domain = domain_add(tenant=alpha.tenant, domain="shop.alpha-brand.com")
    page = staff.get(f"{DOMAINS}{domain.pk}/change/")
    assert page.status_code == 200
    assert "_storefront-verify.shop.alpha-brand.com" in page.content.decode()
    assert f"storefront-verify={domain.verification_token}" in page.content.decode()
    # read-only: a raw save of the row is refused
    assert staff.post(f"{DOMAINS}{domain.pk}/change/", {"domain": "evil.example.com"}).status_code == 403
    domain.refresh_from_db()
    assert domain.domain == "shop.alpha-brand.com" and domain.status == Domain.Status.PENDING


def test_check_dns_and_make_primary_actions_use_the_services(staff, alpha, monkeypatch):
    resolver = FakeTxtResolver()
    monkeypatch.setattr("apps.tenants.dns_check.resolver_default", lambda: resolver)
    domain = domain_add(tenant=alpha.tenant, domain="www.alpha-brand.com")

    # a pending domain cannot be made primary: refused with the service's message
    refused = staff.post(DOMAINS, {"action": "make_primary", "_selected_action": [domain.pk]}, follow=True)
    assert "not verified yet" in _messages(refused)
    assert Domain.objects.get(tenant=alpha.tenant, is_primary=True).domain == alpha.host

    # the DNS check finds the record, then the domain can become primary
    resolver.publish(domain)
    checked = staff.post(DOMAINS, {"action": "check_dns_now", "_selected_action": [domain.pk]}, follow=True)
    assert "www.alpha-brand.com: Verified" in _messages(checked)
    staff.post(DOMAINS, {"action": "make_primary", "_selected_action": [domain.pk]})
    assert Domain.objects.get(tenant=alpha.tenant, is_primary=True).pk == domain.pk
    actions = set(StoreAuditEntry.objects.filter(tenant=alpha.tenant).values_list("action", "actor"))
    assert {("domain:verified", staff.user.pk), ("domain:primary", staff.user.pk)} <= actions


def test_the_store_page_adds_and_removes_domains_through_the_services(staff, alpha):
    url = f"/admin/tenants/tenant/{alpha.tenant.pk}/change/"
    old = custom_domain(alpha.tenant, "old.alpha-brand.com")

    # one row removed, one added
    rows = _rows(alpha)
    for row in rows:
        if row["id"] == old.pk:
            row["DELETE"] = "on"
    response = staff.post(url, _inline_data(alpha, rows, extra=[{"domain": "New.Alpha-Brand.com"}]))

    assert response.status_code == 302, response.content.decode()[:2000]
    added = Domain.objects.get(domain="new.alpha-brand.com")
    assert added.tenant_id == alpha.tenant.pk and added.status == Domain.Status.PENDING
    assert not Domain.objects.filter(pk=old.pk).exists()
    audit = set(StoreAuditEntry.objects.filter(tenant=alpha.tenant).values_list("action", "detail", "actor"))
    assert ("domain:add", "new.alpha-brand.com", staff.user.pk) in audit
    assert ("domain:remove", "old.alpha-brand.com", staff.user.pk) in audit


def test_the_store_page_refuses_a_pending_primary_and_removing_the_platform_address(staff, alpha):
    url = f"/admin/tenants/tenant/{alpha.tenant.pk}/change/"
    pending = domain_add(tenant=alpha.tenant, domain="www.alpha-brand.com")

    # ticking primary on a pending domain
    rows = _rows(alpha)
    for row in rows:
        row.pop("is_primary", None)
        if row["id"] == pending.pk:
            row["is_primary"] = "on"
    response = staff.post(url, _inline_data(alpha, rows))
    assert response.status_code == 200
    assert "Only a verified domain can be primary" in response.content.decode()

    # deleting the platform subdomain
    rows = _rows(alpha)
    for row in rows:
        if row["domain"] == alpha.host:
            row["DELETE"] = "on"
    response = staff.post(url, _inline_data(alpha, rows))
    assert response.status_code == 200
    assert "cannot be removed" in response.content.decode()

    # nothing changed
    assert Domain.objects.get(tenant=alpha.tenant, is_primary=True).domain == alpha.host
    assert Domain.objects.filter(domain=alpha.host).exists()
    pending.refresh_from_db()
    assert pending.status == Domain.Status.PENDING and not pending.is_primary


def test_the_platform_hosts_are_read_only_in_the_admin(staff):
    from apps.tenants.models import Tenant

    public = Tenant.objects.get(schema_name="public")
    page = staff.get(f"/admin/tenants/tenant/{public.pk}/change/").content.decode()
    assert "platform.test" in page
    assert 'name="domains-0-domain"' not in page and 'name="domains-0-DELETE"' not in page
