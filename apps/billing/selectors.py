"""Billing reads for the console and the pricing page."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.billing.models import Plan


def plans_offered() -> QuerySet[Plan]:
    """Plans a merchant can choose: active and public, cheapest first."""
    return Plan.objects.filter(active=True, is_public=True).order_by("sort_order", "monthly_price")
