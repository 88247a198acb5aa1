"""Account writes: shoppers joining a store, store staff linked to platform users, and the end
of a user's access (sessions, deactivation).

A store staff account linked to a platform user (`platform_user_uuid`) follows the member's
role and removal: the platform's team services call `store_staff_sync` and
`store_staff_deactivate` in every store of the merchant.
"""

from __future__ import annotations

import secrets

from django.db import transaction

from apps.accounts.models import User
from apps.accounts.signals import user_deactivated
from apps.core.events import event_emit


def customer_signed_up(*, user: User) -> None:
    """A shopper created an account on this store."""
    event_emit(
        name="customer.created",
        payload={"user_uuid": str(user.uuid), "email": user.email},
    )


@transaction.atomic
def store_staff_sync(
    *, platform_user_uuid: str, email: str, full_name: str, role: str, end_sessions: bool = False
) -> User:
    """Create or update, in the current store schema, the staff account of a platform user.

    The staff account has no usable password: it is entered through the console's hand-off.
    An existing shopper account with the same email is promoted rather than duplicated.
    `end_sessions` signs the account out everywhere (a role that lost permissions: the member
    comes back through the hand-off and sees pages drawn for the new role).
    """
    user = User.objects.select_for_update().filter(platform_user_uuid=platform_user_uuid).first()
    if user is None:
        user = User.objects.select_for_update().filter(email=email.lower()).first()
        if user is not None:
            # A shopper account with the merchant's email could carry a password someone else
            # chose; once it becomes staff it is entered only through the hand-off.
            user.set_unusable_password()
    if user is None:
        user = User(email=email.lower())
        user.set_unusable_password()
    user.platform_user_uuid = platform_user_uuid
    user.full_name = full_name or user.full_name
    user.store_role = role
    user.is_staff = True
    user.is_active = True
    if end_sessions:
        user.session_stamp = secrets.token_hex(16)
    user.save()
    return user


def user_sessions_end(*, user: User) -> None:
    """End every session of `user` in the current schema: the next request of each is signed out.

    Sessions hold only a hash of the user's secrets (`User._get_session_auth_hash`); a new stamp
    makes every stored hash stale, without scanning the session table.
    """
    user.session_stamp = secrets.token_hex(16)
    user.save(update_fields=["session_stamp"])


@transaction.atomic
def store_staff_deactivate(*, platform_user_uuid: str) -> User | None:
    """In the current store schema: the staff account of someone who left the team loses its role,
    can no longer sign in and is signed out everywhere. Returns the account, or None if the
    member never had one here.

    The link to the platform user stays, so that a member who is invited again gets the same
    account (and its history) back at their next hand-off.
    """
    user = User.objects.select_for_update().filter(platform_user_uuid=platform_user_uuid).first()
    if user is None:
        return None
    user.is_active = False
    user.is_staff = False
    user.store_role = ""
    user.session_stamp = secrets.token_hex(16)
    user.save(update_fields=["is_active", "is_staff", "store_role", "session_stamp"])
    return user


@transaction.atomic
def user_deactivate(*, user: User) -> User:
    """Deactivate a user of the current schema and end their sessions.

    For a platform user this also ends their access to every store: the platform app listens to
    `user_deactivated` (it owns memberships, which this app cannot import).
    """
    user.is_active = False
    user.session_stamp = secrets.token_hex(16)
    user.save(update_fields=["is_active", "session_stamp"])
    user_deactivated.send(sender=User, user=user)
    return user
