"""The merchant's team: invitations, roles, removal, and what each change does in the stores.

A member has a staff account in each of the merchant's stores, linked to their platform user by
`platform_user_uuid`. Every change here reaches all of those accounts in the same transaction:
a new role re-roles each of them, so the dashboard answers with the new role on the next
request (and a role that lost permissions ends the member's open sessions); a removal (or the platform user's deactivation) deactivates them and ends their
sessions, so an open dashboard stops working on its next request. Every change is written to
`TeamAuditEntry` with who made it, when and from which address.

Rules: only roles with `team.manage` change the team, and only `team.ownership` grants, changes
or removes the owner role; the last owner can be neither demoted nor removed; nobody raises
their own role (a change to one's own role may only take permissions away). Platform staff
editing memberships in the Django admin (`by_platform_staff=True`) skip the membership checks
but not the last-owner rule.
"""

from apps.platform.team.errors import TeamError, TeamErrorCode
from apps.platform.team.invitations import (
    invitation_check,
    invitation_for_token,
    invitation_url,
    team_invitation_accept,
    team_invitation_revoke,
    team_member_invite,
    user_owns_address,
)
from apps.platform.team.members import (
    platform_user_access_revoke,
    team_member_add,
    team_member_remove,
    team_member_remove_check,
    team_member_role_change,
    team_member_role_check,
)
from apps.platform.team.rules import invitation_ttl, merchant_store_tenants, on_public_schema
from apps.platform.team.stores import member_store_accounts_revoke, member_store_accounts_sync

__all__ = [
    "TeamError",
    "TeamErrorCode",
    "invitation_check",
    "invitation_for_token",
    "invitation_ttl",
    "invitation_url",
    "member_store_accounts_revoke",
    "member_store_accounts_sync",
    "merchant_store_tenants",
    "on_public_schema",
    "platform_user_access_revoke",
    "team_invitation_accept",
    "team_invitation_revoke",
    "team_member_add",
    "team_member_invite",
    "team_member_remove",
    "team_member_remove_check",
    "team_member_role_change",
    "team_member_role_check",
    "user_owns_address",
]
