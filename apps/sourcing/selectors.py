"""Sourcing reads for the dashboard: suppliers with their counts, offers, rules, recent imports."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from apps.catalog.models import ImportRun
from apps.sourcing.models import PricingRule, Supplier, SupplierOffer


def supplier_list() -> QuerySet[Supplier]:
    return Supplier.objects.annotate(
        offer_count=Count("offers", distinct=True),
        linked_count=Count("offers", filter=Q(offers__variant__isnull=False), distinct=True),
    ).order_by("name", "id")


def supplier_offers(*, supplier: Supplier) -> QuerySet[SupplierOffer]:
    return (
        SupplierOffer.objects.filter(supplier=supplier)
        .select_related("variant__product")
        .order_by("supplier_product_id", "supplier_sku", "id")
    )


def supplier_import_runs(*, supplier: Supplier, limit: int = 5) -> list[ImportRun]:
    return list(ImportRun.objects.filter(supplier=supplier).order_by("-created_at", "-id")[:limit])


def pricing_rule_list() -> QuerySet[PricingRule]:
    return PricingRule.objects.select_related("supplier").order_by("supplier__name", "name", "id")
