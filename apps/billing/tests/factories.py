"""Test data for billing: plans with chosen limits and merchants on them."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from apps.billing.limits import merchant_plan_for
from apps.billing.models import MerchantPlan, Plan
from apps.platform.models import Merchant

_serials = itertools.count(1)


def make_plan(**fields: Any) -> Plan:
    """A plan with small limits (3 stores, 100 products per store, 5 seats) unless given."""
    serial = next(_serials)
    values: dict[str, Any] = {
        "code": f"test-plan-{serial}",
        "name": f"Test plan {serial}",
        "monthly_price": Decimal("10.00"),
        "currency": "EUR",
        "trial_days": 14,
        "max_stores": 3,
        "max_products_per_store": 100,
        "max_staff_seats": 5,
    }
    values.update(fields)
    return Plan.objects.create(**values)


def merchant_on_plan(merchant: Merchant, plan: Plan, **fields: Any) -> MerchantPlan:
    """Put `merchant` on `plan` (creating its MerchantPlan as a first limit check would)."""
    merchant_plan = merchant_plan_for(merchant=merchant)
    merchant_plan.plan = plan
    for name, value in fields.items():
        setattr(merchant_plan, name, value)
    merchant_plan.save()
    return merchant_plan
