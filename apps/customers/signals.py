"""Accounts meet their customer records.

A shopper who ordered as a guest and later holds an account with that email sees those orders
in their account once the account's email is verified: on sign-up (a social sign-up arrives
verified), on the confirmation of an email address, and on every sign-in (which covers accounts
that existed before their guest orders). Linking never follows an unverified email, so signing
up with someone else's address shows nothing of theirs. Store schemas only: the platform's
accounts have no customer records.
"""

from __future__ import annotations

from typing import Any

from allauth.account.signals import email_confirmed, user_signed_up
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from apps.core.tenancy import in_store
from apps.customers.services import customer_account_ensure, customer_link_account


@receiver(user_signed_up, dispatch_uid="customers.record_on_sign_up")
def _record_on_sign_up(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if in_store():
        customer_account_ensure(user=user)


@receiver(email_confirmed, dispatch_uid="customers.link_on_email_confirmed")
def _link_on_email_confirmed(sender: Any, request: Any, email_address: Any, **kwargs: Any) -> None:
    if in_store():
        customer_link_account(user=email_address.user, email=email_address.email)


@receiver(user_logged_in, dispatch_uid="customers.link_on_sign_in")
def _link_on_sign_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if in_store() and not getattr(user, "is_staff", False):
        customer_link_account(user=user)
