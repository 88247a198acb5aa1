"""Reads for the merchant console."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from apps.accounts.models import User
from apps.platform.models import Membership, Merchant
from apps.tenants.models import Domain, Tenant


def merchants_for_user(*, user: User, roles: list[str] | None = None) -> QuerySet[Merchant]:
    memberships = Membership.objects.filter(user=user)
    if roles is not None:
        memberships = memberships.filter(role__in=roles)
    return Merchant.objects.filter(id__in=memberships.values("merchant_id")).order_by("name")


def stores_for_user(*, user: User) -> QuerySet[Tenant]:
    return (
        Tenant.objects.filter(merchant__memberships__user=user)
        .select_related("merchant")
        .prefetch_related(Prefetch("domains", queryset=Domain.objects.order_by("-is_primary", "domain")))
        .order_by("name")
        .distinct()
    )


def store_for_user(*, user: User, store_uuid: str) -> Tenant | None:
    return stores_for_user(user=user).filter(uuid=store_uuid).first()
