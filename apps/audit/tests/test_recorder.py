"""The recorder on its own: what is written without a person (jobs, shell), what a save costs,
secrets and long text, the retention purge and the registrations made in `ready()`."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.audit.context import audit_request_reset, audit_request_set
from apps.audit.models import AuditEntry
from apps.audit.recorder import REDACTED, TEXT_MAX_LENGTH
from apps.audit.registry import audited_model
from apps.audit.services import audit_entries_purge
from apps.audit.tests.factories import AuditEntryFactory, entries
from apps.catalog.models import Product
from apps.catalog.tests.factories import make_product
from apps.core.navigation import nav_items
from apps.core.permissions import Perm, role_permissions
from apps.core.retention import retention_kind_get
from apps.tenants.models import Domain
from apps.tenants.tests.factories import custom_domain
from tests.fixtures import make_store_user

pytestmark = pytest.mark.django_db


class _Request:
    """Sets a dashboard request from `address` as the audit context for the block."""

    def __init__(self, world, user, address: str = "192.0.2.1") -> None:
        self.request = RequestFactory().post(
            "/dashboard/x/", REMOTE_ADDR=address, HTTP_USER_AGENT="UA " * 200
        )
        self.request.user = user
        self.request.tenant = world.tenant

    def __enter__(self):
        self.token = audit_request_set(self.request)
        return self.request

    def __exit__(self, *exc):
        audit_request_reset(self.token)


def test_a_catalog_change_outside_a_request_is_not_recorded(alpha):
    with schema_context(alpha.tenant.schema_name):
        product = make_product("Shell Made")
        product.title = "Shell Changed"
        product.save()
        product.delete()
    assert entries(alpha) == []


def test_a_domain_losing_its_verification_in_a_job_is_recorded_as_the_system(alpha):
    domain = custom_domain(alpha.tenant, "www.alpha-job.com")  # added, then verified by a check
    domain.status = Domain.Status.LOST
    domain.last_checked_at = timezone.now()
    domain.save()
    verified, entry = entries(alpha, object_type="tenants.domain")  # the addition had no actor
    assert verified.changes["status"] == ["pending", "verified"] and verified.actor_kind == "system"
    assert (entry.actor_kind, entry.actor_label, entry.ip_address) == ("system", "system", None)
    assert entry.changes == {"status": ["verified", "lost"]}  # the check's timestamp is not news


def test_a_save_costs_one_read_and_one_insert_and_nothing_without_a_change(alpha):
    user = make_store_user(alpha, "cost@example.com", role="owner")
    with schema_context(alpha.tenant.schema_name):
        product = make_product("Costed")
        with CaptureQueriesContext(connection) as bare:
            product.save()
        with _Request(alpha, user):
            with CaptureQueriesContext(connection) as unchanged:
                product.save()
            product.title = "Costed II"
            with CaptureQueriesContext(connection) as changed:
                product.save()
    assert len(unchanged) == len(bare) + 1  # the old row
    assert len(changed) == len(bare) + 2  # the old row and the entry
    [entry] = entries(alpha)
    assert entry.changes == {"title": ["Costed", "Costed II"]}
    assert len(entry.user_agent) == 255


def test_long_text_is_cut_and_secret_looking_fields_keep_no_value(alpha):
    user = make_store_user(alpha, "long@example.com", role="owner")
    with schema_context(alpha.tenant.schema_name):
        product = make_product("Long")
        with _Request(alpha, user):
            product.description = "x" * 5000
            product.save()
    [entry] = entries(alpha)
    assert len(entry.changes["description"][1]) == TEXT_MAX_LENGTH
    spec = audited_model(Product)
    assert spec is not None
    from apps.audit.recorder import _snapshot

    assert _snapshot(spec, "password", "hunter2") == REDACTED
    assert _snapshot(spec, "stripe_secret_key", "sk_live_1") == REDACTED
    assert _snapshot(spec, "webhook_token", "") is None


def test_the_purge_removes_only_entries_older_than_the_cut_off(alpha):
    with schema_context(alpha.tenant.schema_name):
        old, recent = AuditEntryFactory.create_batch(2)
        AuditEntry.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=400))
        assert audit_entries_purge(timezone.now() - timedelta(days=365)) == 1
        assert list(AuditEntry.objects.values_list("pk", flat=True)) == [recent.pk]


def test_retention_and_menu_are_registered():
    kind = retention_kind_get("audit_log")
    assert kind is not None and (kind.default_days, kind.min_days) == (365, 30)
    assert kind.purge is audit_entries_purge
    assert "dashboard:audit:entry_list" in {
        item.url_name for item, _url in nav_items(role_permissions("owner"))
    }
    assert "dashboard:audit:entry_list" not in {
        item.url_name for item, _url in nav_items(role_permissions("staff"))
    }
    assert Perm.AUDIT_VIEW not in role_permissions("finance")
