"""Stores serve from a per-process routing cache whose tenants carry their merchant's billing
row (apps.tenants.routing): a change to that row drops the cache, in this process at once and
in others within TENANT_ROUTING_CACHE_SECONDS."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from apps.billing.models import MerchantPlan
from apps.tenants.routing import routing_cache_clear


@receiver(post_save, sender=MerchantPlan, dispatch_uid="billing_merchant_plan_routing_clear")
@receiver(post_delete, sender=MerchantPlan, dispatch_uid="billing_merchant_plan_routing_clear_delete")
def _merchant_plan_changed(**kwargs: Any) -> None:
    routing_cache_clear()  # now, for this request's later reads
    transaction.on_commit(routing_cache_clear)  # and after commit, over a read made meanwhile
