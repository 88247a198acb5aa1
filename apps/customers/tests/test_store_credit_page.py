"""Store credit on a customer's dashboard page: the balance and ledger, giving and taking back
credit (customers.manage), refusals that write nothing, and nothing of another store."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from apps.checkout.models import StoreCreditEntry
from apps.checkout.selectors import store_credit_balance
from apps.checkout.services import store_credit_grant
from apps.customers.models import Customer
from apps.customers.tests.factories import make_customer, make_verified_shopper
from tests.fixtures import StoreWorld, make_store_user, store_client

pytestmark = pytest.mark.django_db


def _in(world: StoreWorld):  # type: ignore[no-untyped-def]
    return schema_context(world.tenant.schema_name)


def _client(world: StoreWorld, *, role: str) -> Client:
    user = make_store_user(world, f"{role}-{uuid.uuid4().hex[:6]}@example.com", role=role)
    client = store_client(world)
    with _in(world):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _account_customer(world: StoreWorld, email: str = "credit@example.com") -> Customer:
    with _in(world):
        user = make_verified_shopper(email)
        return make_customer(email, user=user, full_name="Credit Holder")


def _url(customer: Customer) -> str:
    return f"/dashboard/customers/{customer.uuid}/store-credit/"


def test_the_page_shows_the_balance_and_the_ledger(alpha):
    customer = _account_customer(alpha)
    assert customer.user is not None
    with _in(alpha):
        store_credit_grant(user=customer.user, amount=Decimal("15"), reason="Late parcel")
    html = _client(alpha, role="staff").get(f"/dashboard/customers/{customer.uuid}/").text
    assert 'id="store-credit"' in html
    assert "Late parcel" in html
    assert "15.00" in html
    assert "Change store credit" in html


def test_staff_give_and_take_back_credit_and_the_ledger_keeps_who_and_why(alpha):
    customer = _account_customer(alpha)
    client = _client(alpha, role="staff")
    response = client.post(_url(customer), {"amount": "20", "reason": "Goodwill"})
    assert response.status_code == 302
    response = client.post(_url(customer), {"amount": "-5", "reason": "Correction"})
    assert response.status_code == 302
    with _in(alpha):
        assert store_credit_balance(user=customer.user) == Decimal("15")
        entries = list(StoreCreditEntry.objects.filter(user=customer.user).order_by("id"))
        assert [(e.amount, e.reason) for e in entries] == [
            (Decimal("20"), "Goodwill"),
            (Decimal("-5"), "Correction"),
        ]
        assert all(entry.actor is not None for entry in entries)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"amount": "-1", "reason": "Too much"}, "not enough store credit"),
        ({"amount": "abc", "reason": "Typo"}, "number"),
        ({"amount": "5", "reason": ""}, "required"),
    ],
)
def test_a_refused_change_is_shown_on_the_page_and_writes_nothing(alpha, data, message):
    customer = _account_customer(alpha)
    response = _client(alpha, role="staff").post(_url(customer), data)
    assert response.status_code == 400
    assert 'id="store-credit"' in response.text
    assert message in response.text.lower()
    with _in(alpha):
        assert not StoreCreditEntry.objects.filter(user=customer.user).exists()


def test_a_guest_customer_has_no_store_credit(alpha):
    with _in(alpha):
        guest = make_customer("only-guest@example.com")
    client = _client(alpha, role="owner")
    html = client.get(f"/dashboard/customers/{guest.uuid}/").text
    assert "orders as a guest" in html and "Change store credit" not in html
    response = client.post(_url(guest), {"amount": "5", "reason": "Nice"})
    assert response.status_code == 302
    with _in(alpha):
        assert not StoreCreditEntry.objects.exists()


def test_finance_reads_the_credit_but_cannot_change_it(alpha):
    customer = _account_customer(alpha)
    client = _client(alpha, role="finance")
    html = client.get(f"/dashboard/customers/{customer.uuid}/").text
    assert 'id="store-credit"' in html and "Change store credit" not in html
    assert client.post(_url(customer), {"amount": "5", "reason": "Nice"}).status_code == 403
    assert client.get(_url(customer)).status_code == 403
    assert _client(alpha, role="staff").get(_url(customer)).status_code == 405


def test_another_stores_staff_cannot_reach_the_customer(alpha, beta):
    customer = _account_customer(alpha)
    response = _client(beta, role="owner").post(_url(customer), {"amount": "5", "reason": "Nice"})
    assert response.status_code == 404
    with _in(alpha):
        assert not StoreCreditEntry.objects.exists()
