from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from apps.tenants.models import Domain, Tenant
from apps.tenants.routing import routing_cache_clear


@receiver([post_save, post_delete], sender=Tenant)
@receiver([post_save, post_delete], sender=Domain)
def _routing_changed(sender: Any, **kwargs: Any) -> None:
    routing_cache_clear()
