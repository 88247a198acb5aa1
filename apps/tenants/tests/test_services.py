from __future__ import annotations

import pytest

from apps.core.errors import ApplicationError
from apps.tenants.domains import domain_add, domain_set_primary
from apps.tenants.models import Domain, Tenant
from apps.tenants.services import store_reactivate, store_suspend, subdomain_clean
from apps.tenants.tests.factories import custom_domain

pytestmark = pytest.mark.django_db


def test_subdomains_are_normalised():
    assert subdomain_clean("  My-Shop ") == "my-shop"


def test_a_domain_already_used_by_another_store_is_refused(alpha, beta):
    domain_add(tenant=alpha.tenant, domain="shop.alpha-brand.com")
    with pytest.raises(ApplicationError) as error:
        domain_add(tenant=beta.tenant, domain="SHOP.alpha-brand.com.")
    assert error.value.code == "domain_taken"
    assert "already used by another store" in error.value.message
    assert Domain.objects.get(domain="shop.alpha-brand.com").tenant_id == alpha.tenant.pk


@pytest.mark.parametrize(
    ("domain", "code"),
    [
        ("beta.platform.test", "domain_reserved"),  # another store's platform subdomain
        ("platform.test", "domain_reserved"),
        ("not a domain", "domain_invalid"),
        ("localhost", "domain_invalid"),
        ("-bad.example.com", "domain_invalid"),
    ],
)
def test_bad_domains_are_refused(alpha, domain, code):
    with pytest.raises(ApplicationError) as error:
        domain_add(tenant=alpha.tenant, domain=domain)
    assert error.value.code == code


def test_a_store_keeps_exactly_one_primary_domain(alpha):
    domain_set_primary(domain=custom_domain(alpha.tenant, "www.alpha-brand.com"))  # verified first
    primaries = Domain.objects.filter(tenant=alpha.tenant, is_primary=True)
    assert list(primaries.values_list("domain", flat=True)) == ["www.alpha-brand.com"]


def test_status_changes_are_checked_and_audited(alpha):
    with pytest.raises(ApplicationError, match="cannot become"):
        store_reactivate(tenant=alpha.tenant, actor=alpha.owner)
    store_suspend(tenant=alpha.tenant, actor=alpha.owner, reason="unpaid")
    tenant = Tenant.objects.get(pk=alpha.tenant.pk)
    assert tenant.status == Tenant.Status.SUSPENDED and tenant.status_reason == "unpaid"
    entry = tenant.audit_entries.first()
    assert entry is not None and entry.action == "status:suspended" and entry.actor == alpha.owner
