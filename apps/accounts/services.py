"""Account writes: shoppers joining a store and store staff linked to platform users."""

from __future__ import annotations

from django.db import transaction

from apps.accounts.models import User
from apps.core.events import event_emit


def customer_signed_up(*, user: User) -> None:
    """A shopper created an account on this store."""
    event_emit(
        name="customer.created",
        payload={"user_uuid": str(user.uuid), "email": user.email},
    )


@transaction.atomic
def store_staff_sync(*, platform_user_uuid: str, email: str, full_name: str, role: str) -> User:
    """Create or update, in the current store schema, the staff account of a platform user.

    The staff account has no usable password: it is entered through the console's hand-off.
    An existing shopper account with the same email is promoted rather than duplicated.
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
    user.save()
    return user
