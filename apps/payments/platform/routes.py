"""The public lookup table from a Stripe connected account to its store."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from apps.payments.errors import AccountRouteConflict
from apps.payments.platform.models import ConnectedAccountRoute
from apps.tenants.models import Tenant


def connected_account_route_record(*, account_id: str, tenant: Tenant) -> ConnectedAccountRoute:
    """Route `account_id` to `tenant` (idempotent). Raises `AccountRouteConflict` if the account
    is already routed to another store: one account never serves two stores."""
    route = ConnectedAccountRoute.objects.filter(account_id=account_id).first()
    if route is None:
        try:
            with transaction.atomic():
                route = ConnectedAccountRoute.objects.create(account_id=account_id, tenant=tenant)
        except IntegrityError:
            route = ConnectedAccountRoute.objects.get(account_id=account_id)
    if route.tenant_id != tenant.pk:
        raise AccountRouteConflict(
            _("This Stripe account is connected to another store."), params={"account_id": account_id}
        )
    return route


def connected_account_tenant(*, account_id: str) -> Tenant | None:
    """The store `account_id` belongs to, or None for an account no store connected."""
    if not account_id:
        return None
    route = ConnectedAccountRoute.objects.select_related("tenant").filter(account_id=account_id).first()
    return route.tenant if route is not None else None
