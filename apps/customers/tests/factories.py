"""Test data for the customers app."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from allauth.account.models import EmailAddress

from apps.accounts.models import User
from apps.customers.models import Customer
from apps.customers.services import AddressInput

BERLIN = AddressInput(
    name="Erika Mustermann",
    company="",
    line1="Heidestraße 17",
    line2="",
    city="Berlin",
    region="",
    postal_code="10557",
    country="DE",
    phone="+49 30 1234567",
)


def address_input(**changes: Any) -> AddressInput:
    return replace(BERLIN, **changes)


def make_shopper(email: str = "shopper@example.com") -> User:
    """A shopper in the schema the connection is on."""
    return User.objects.create_user(email, "not-used-1")


def make_customer(email: str = "guest@example.com", **fields: Any) -> Customer:
    """A customer record in the schema the connection is on."""
    return Customer.objects.create(email=email.lower(), **fields)


def make_verified_shopper(email: str = "shopper@example.com") -> User:
    """A shopper whose email allauth has verified (the only kind linked to customer records)."""
    user = make_shopper(email)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user
