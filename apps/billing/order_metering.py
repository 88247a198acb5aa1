"""Orders per day: a shopper's order is never refused for a plan limit. Each new order is
counted against its store's plan limit for the (UTC) day it was placed; an order beyond the
limit is accepted and flagged as overage (`MeteredOrder.overage`), and the console shows the
counts.

The orders app announces `order.created`; billing listens (apps.billing.subscribers) and reads
only the event's payload, so billing imports nothing of orders. Counting is serialised per store
and day by locking its `StoreOrderDay` row, and each order is counted once (a redelivered event
counts nothing).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from apps.billing.limits import BillingError, Limit, default_trial_plan, usage_counter_register
from apps.billing.models import MerchantPlan, MeteredOrder, StoreOrderDay
from apps.tenants.models import Tenant

if TYPE_CHECKING:
    from apps.platform.models import Merchant


def _orders_per_day_allowed(store: Tenant) -> int | None:
    """The store's merchant's orders per day, read without writing: a merchant with no plan row
    yet is on the default trial plan (and none at all means no limit)."""
    if store.merchant_id is None:
        return None
    merchant_plan = MerchantPlan.objects.select_related("plan").filter(merchant_id=store.merchant_id).first()
    if merchant_plan is not None:
        return merchant_plan.limit_value(Limit.ORDERS_PER_DAY)
    try:
        return default_trial_plan().limit_value(Limit.ORDERS_PER_DAY)
    except BillingError:
        return None


def order_count(
    *, store: Tenant, order_uuid: uuid.UUID, number: str = "", day: date | None = None
) -> MeteredOrder:
    """Count one order of `store` on `day` (today, UTC); flag it as overage beyond the plan's
    orders per day. Idempotent per order."""
    day = day or timezone.now().date()
    with transaction.atomic():
        StoreOrderDay.objects.get_or_create(tenant_id=store.pk, day=day)
        counter = StoreOrderDay.objects.select_for_update().get(tenant_id=store.pk, day=day)
        existing = MeteredOrder.objects.filter(tenant_id=store.pk, order_uuid=order_uuid).first()
        if existing is not None:
            return existing
        allowed = _orders_per_day_allowed(store)
        counter.orders += 1
        overage = allowed is not None and counter.orders > allowed
        if overage:
            counter.overage_orders += 1
        counter.save(update_fields=["orders", "overage_orders"])
        return MeteredOrder.objects.create(
            tenant_id=store.pk, order_uuid=order_uuid, number=number[:40], day=day, overage=overage
        )


def _orders_today(*, merchant: Merchant, store: Tenant | None = None) -> int:
    if store is None:
        return 0
    row = StoreOrderDay.objects.filter(tenant_id=store.pk, day=timezone.now().date()).first()
    return row.orders if row else 0


usage_counter_register(Limit.ORDERS_PER_DAY, _orders_today)


@dataclass(frozen=True)
class StoreOrderRow:
    store: Tenant
    today: int
    overage_today: int
    overage_30_days: int


def merchant_order_overage(*, merchant: Merchant) -> list[StoreOrderRow]:
    """Per store of the merchant: orders today, overage orders today and in the last 30 days."""
    today = timezone.now().date()
    stores = list(Tenant.objects.filter(merchant_id=merchant.pk).order_by("name", "pk"))
    days = StoreOrderDay.objects.filter(tenant__merchant_id=merchant.pk, day__gt=today - timedelta(days=30))
    recent = {
        row["tenant_id"]: int(row["total"] or 0)
        for row in days.values("tenant_id").annotate(total=Sum("overage_orders"))
    }
    todays = {row.tenant_id: row for row in days.filter(day=today)}
    return [
        StoreOrderRow(
            store=store,
            today=todays[store.pk].orders if store.pk in todays else 0,
            overage_today=todays[store.pk].overage_orders if store.pk in todays else 0,
            overage_30_days=recent.get(store.pk, 0),
        )
        for store in stores
    ]
