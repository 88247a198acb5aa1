"""Platform staff run stores from the Django admin on the platform domain."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress

from apps.accounts.models import User
from apps.tenants.models import Domain, Tenant
from tests.fixtures import PASSWORD, store_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(platform_client):
    admin = User.objects.create_superuser("root@example.com", PASSWORD)
    EmailAddress.objects.create(user=admin, email=admin.email, verified=True, primary=True)
    platform_client.force_login(admin)
    return platform_client


def test_admin_lists_stores_merchants_users_and_memberships(staff_client, alpha):
    for path in [
        "/admin/tenants/tenant/",
        f"/admin/tenants/tenant/{alpha.tenant.pk}/change/",
        "/admin/platform/merchant/",
        f"/admin/platform/merchant/{alpha.merchant.pk}/change/",
        "/admin/platform/membership/",
        "/admin/accounts/user/",
        "/admin/accounts/user/add/",
        "/admin/tenants/domain/",
    ]:
        assert staff_client.get(path).status_code == 200, path


def test_admin_suspends_and_reactivates_stores(staff_client, alpha):
    response = staff_client.post(
        "/admin/tenants/tenant/",
        {"action": "suspend_stores", "_selected_action": [alpha.tenant.pk]},
        follow=True,
    )
    assert "1 store suspended." in response.content.decode()
    assert Tenant.objects.get(pk=alpha.tenant.pk).status == Tenant.Status.SUSPENDED
    assert store_client(alpha).get("/").status_code == 503

    staff_client.post(
        "/admin/tenants/tenant/", {"action": "reactivate_stores", "_selected_action": [alpha.tenant.pk]}
    )
    assert Tenant.objects.get(pk=alpha.tenant.pk).status == Tenant.Status.ACTIVE
    assert store_client(alpha).get("/").status_code == 200


def test_admin_refuses_a_domain_of_another_store(staff_client, alpha, beta):
    url = f"/admin/tenants/tenant/{beta.tenant.pk}/change/"
    primary = Domain.objects.get(tenant=beta.tenant, is_primary=True)
    data = {
        "name": beta.tenant.name,
        "merchant": beta.merchant.pk,
        "domains-TOTAL_FORMS": "2",
        "domains-INITIAL_FORMS": "1",
        "domains-MIN_NUM_FORMS": "0",
        "domains-MAX_NUM_FORMS": "1000",
        "domains-0-id": primary.pk,
        "domains-0-tenant": beta.tenant.pk,
        "domains-0-domain": primary.domain,
        "domains-0-is_primary": "on",
        "domains-1-tenant": beta.tenant.pk,
        "domains-1-domain": alpha.host,
        "audit_entries-TOTAL_FORMS": "0",
        "audit_entries-INITIAL_FORMS": "0",
        "audit_entries-MIN_NUM_FORMS": "0",
        "audit_entries-MAX_NUM_FORMS": "0",
    }
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert "assigned by the platform" in response.content.decode() or "already" in response.content.decode()
    assert Domain.objects.get(domain=alpha.host).tenant_id == alpha.tenant.pk


def test_the_admin_is_not_served_on_store_domains(alpha):
    assert store_client(alpha).get("/admin/").status_code == 404


def test_non_staff_cannot_use_the_admin(platform_client, alpha):
    platform_client.force_login(alpha.owner)
    response = platform_client.get("/admin/tenants/tenant/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
