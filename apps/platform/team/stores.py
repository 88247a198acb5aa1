"""What a membership means in the stores: the member's linked staff account in each of them."""

from __future__ import annotations

from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.accounts.services import store_staff_deactivate, store_staff_sync
from apps.platform.models import HandoffToken, Membership
from apps.platform.team.rules import merchant_store_tenants, on_public_schema


@on_public_schema
def member_store_accounts_sync(*, membership: Membership, end_sessions: bool = False) -> int:
    """Give the member a staff account with their current role in every store of the merchant;
    returns the number of stores. `end_sessions` also signs those accounts out everywhere."""
    user = membership.user
    tenants = merchant_store_tenants(merchant_id=membership.merchant_id)
    for tenant in tenants:
        with schema_context(tenant.schema_name):
            store_staff_sync(
                platform_user_uuid=str(user.uuid),
                email=user.email,
                full_name=user.full_name,
                role=membership.role,
                end_sessions=end_sessions,
            )
    return len(tenants)


@on_public_schema
def member_store_accounts_revoke(*, merchant_id: int, user: User) -> int:
    """Deactivate the user's staff account in every store of the merchant and end its sessions;
    unused hand-offs into those stores are deleted. Returns the number of accounts deactivated."""
    deactivated = 0
    for tenant in merchant_store_tenants(merchant_id=merchant_id):
        with schema_context(tenant.schema_name):
            if store_staff_deactivate(platform_user_uuid=str(user.uuid)) is not None:
                deactivated += 1
    HandoffToken.objects.filter(user=user, tenant__merchant_id=merchant_id, used_at__isnull=True).delete()
    return deactivated
