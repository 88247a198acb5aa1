"""The platform's answers to store lifecycle signals."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from apps.platform.services import store_staff_seed
from apps.tenants.models import Tenant
from apps.tenants.signals import store_schema_ready


@receiver(store_schema_ready, sender=Tenant, dispatch_uid="platform.store_staff_seed")
def _seed_staff(sender: Any, tenant: Tenant, **kwargs: Any) -> None:
    store_staff_seed(tenant=tenant)
