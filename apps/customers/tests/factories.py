"""Test data for the customers app."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from apps.accounts.models import User
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
