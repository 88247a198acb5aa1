from __future__ import annotations

from typing import Any

from allauth.account.signals import user_signed_up
from django.dispatch import receiver
from django.http import HttpRequest

from apps.accounts.models import User
from apps.accounts.services import customer_signed_up
from apps.core.tenancy import current_schema


@receiver(user_signed_up)
def _user_signed_up(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    if current_schema() != "public":
        customer_signed_up(user=user)
