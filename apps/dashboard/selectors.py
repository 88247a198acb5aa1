"""Reads for the dashboard home: the store, its domains and its counts."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.core.models import EventRecord
from apps.tenants.models import Domain, Tenant


@dataclass(frozen=True)
class StoreOverview:
    name: str
    status: str
    domains: list[str]
    primary_domain: str
    staff_count: int
    customer_count: int
    event_count: int


def store_overview(*, tenant: Tenant) -> StoreOverview:
    with schema_context("public"):
        # Only hostnames that answer: a pending or lost custom domain would link to a 404.
        domains = [
            domain
            for domain in Domain.objects.select_related("tenant")
            .filter(tenant_id=tenant.pk)
            .order_by("-is_primary", "domain")
            if domain.routes
        ]
    counts = User.objects.aggregate(
        staff=Count("id", filter=Q(is_staff=True)),
        customers=Count("id", filter=Q(is_staff=False)),
    )
    return StoreOverview(
        name=tenant.name,
        status=tenant.get_status_display(),
        domains=[d.domain for d in domains],
        primary_domain=next((d.domain for d in domains if d.is_primary), ""),
        staff_count=counts["staff"],
        customer_count=counts["customers"],
        event_count=EventRecord.objects.count(),
    )
