"""Store owners manage the hostnames their store answers on, from the dashboard."""

from __future__ import annotations

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.tenants.models import Domain, StoreAuditEntry
from tests.fixtures import store_client

pytestmark = pytest.mark.django_db


def _staff(world, role: str, email: str, platform_user: User | None = None) -> Client:
    with schema_context(world.tenant.schema_name):
        if platform_user is not None:  # the account provisioning made for the merchant's owner
            user = User.objects.get(platform_user_uuid=platform_user.uuid)
        else:
            user = User.objects.create_user(email, "x-pass-12345", is_staff=True, store_role=role)
        client = store_client(world)
        client.force_login(user)
    return client


def test_an_owner_adds_a_domain_that_then_serves_the_store(alpha):
    client = _staff(alpha, "owner", "owner-dom@example.com", platform_user=alpha.owner)
    response = client.post("/dashboard/store/domains/", {"domain": "Shop.Alpha-Brand.com."})
    assert response.status_code == 302
    assert Domain.objects.filter(
        domain="shop.alpha-brand.com", tenant=alpha.tenant, is_primary=False
    ).exists()
    entry = StoreAuditEntry.objects.filter(tenant=alpha.tenant, action="domain:add").get()
    assert entry.actor == alpha.owner  # the platform user behind the store account
    assert Client().get("/", HTTP_HOST="shop.alpha-brand.com").status_code == 200


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
    response = client.post("/dashboard/store/domains/", {"domain": domain})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["domain"])


def test_a_domain_of_another_store_is_refused(alpha, beta):
    Domain.objects.create(tenant=beta.tenant, domain="beta-brand.com", is_primary=False)
    client = _staff(alpha, "owner", "owner-dom2@example.com")
    response = client.post("/dashboard/store/domains/", {"domain": "beta-brand.com"})
    assert "already used by another store" in response.content.decode()
    assert Domain.objects.get(domain="beta-brand.com").tenant_id == beta.tenant.pk


def test_primary_switch_and_removal_with_confirmation(alpha):
    custom = Domain.objects.create(tenant=alpha.tenant, domain="www.alpha-brand.com", is_primary=False)
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


def test_staff_and_finance_see_domains_but_cannot_change_them(alpha):
    client = _staff(alpha, "finance", "finance-dom@example.com")
    page = client.get("/dashboard/store/domains/")
    assert page.status_code == 200 and "alpha.platform.test" in page.content.decode()
    assert client.post("/dashboard/store/domains/", {"domain": "x.alpha-brand.com"}).status_code == 403
    assert not Domain.objects.filter(domain="x.alpha-brand.com").exists()


def test_store_b_cannot_touch_store_as_domains(alpha, beta):
    custom = Domain.objects.create(tenant=alpha.tenant, domain="shop.alpha-only.com", is_primary=False)
    client = _staff(beta, "owner", "owner-b-dom@example.com")
    assert "shop.alpha-only.com" not in client.get("/dashboard/store/domains/").content.decode()
    assert client.post(f"/dashboard/store/domains/{custom.pk}/primary/").status_code == 404
    assert client.post(f"/dashboard/store/domains/{custom.pk}/remove/").status_code == 404
    assert Domain.objects.filter(pk=custom.pk, tenant=alpha.tenant, is_primary=False).exists()
