"""Signals of the accounts app: allauth's signup hook, and `user_deactivated`, which apps above
this one (the platform's memberships) listen to without this app importing them."""

from __future__ import annotations

from typing import Any

from allauth.account.signals import user_signed_up
from django.dispatch import Signal, receiver
from django.http import HttpRequest

from apps.accounts.models import User
from apps.core.tenancy import current_schema

# Sent by `apps.accounts.services.user_deactivate` with `user`, in the schema of that user.
user_deactivated = Signal()


@receiver(user_signed_up)
def _user_signed_up(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    # Imported here: services send `user_deactivated`, so they import this module.
    from apps.accounts.services import customer_signed_up

    if current_schema() != "public":
        customer_signed_up(user=user)
