"""Customer records: one per email whatever its case, created by a first order and announced
once, linked only to an account that verified the email, counters that only move by UPDATE, and
staff edits checked like any other input."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.models import EventRecord
from apps.customers.errors import CustomerError, CustomerErrorCode, CustomerInputInvalid
from apps.customers.models import Customer
from apps.customers.services import (
    customer_for_order,
    customer_order_recorded,
    customer_order_reverted,
    customer_update,
)
from apps.customers.tests.factories import make_customer, make_shopper, make_verified_shopper

pytestmark = pytest.mark.django_db


def _created_events(email: str) -> list[dict]:
    return [e.payload for e in EventRecord.objects.filter(name="customer.created", payload__email=email)]


# ------------------------------------------------------------------------------
# One record per email
# ------------------------------------------------------------------------------
def test_a_guests_first_order_creates_the_record_and_announces_it_once(
    in_alpha, django_capture_on_commit_callbacks
):
    # when a guest orders twice, the second time with their email in another case
    with django_capture_on_commit_callbacks(execute=False):
        first = customer_for_order(
            email="  Ada@Example.COM ", user=None, name=" Ada  Lovelace ", phone="+44 20 1"
        )
        second = customer_for_order(email="ada@example.com", user=None, name="Someone Else")
    # then both orders belong to one record, keyed by the lower-cased email
    assert first.pk == second.pk
    assert Customer.objects.filter(email="ada@example.com").count() == 1
    assert (first.email, first.full_name, first.phone, first.user_id) == (
        "ada@example.com",
        "Ada Lovelace",
        "+44 20 1",
        None,
    )
    # and it was announced once, with what subscribers need
    assert _created_events("ada@example.com") == [
        {"customer_uuid": str(first.uuid), "email": "ada@example.com", "user_uuid": "", "source": "order"}
    ]


def test_a_later_order_fills_only_what_the_record_lacks(in_alpha):
    customer = make_customer("grace@example.com", full_name="Grace Hopper (staff edit)")
    customer_for_order(email="grace@example.com", user=None, name="G. Hopper", phone="+1 555 0100")
    customer.refresh_from_db()
    assert (customer.full_name, customer.phone) == ("Grace Hopper (staff edit)", "+1 555 0100")
    # and an existing record is not announced again
    assert _created_events("grace@example.com") == []


def test_a_guest_order_with_the_email_of_an_account_is_not_announced_twice(in_alpha):
    # given an account that was announced when it signed up (by the accounts app)
    make_shopper("member@example.com")
    # when a guest order uses its email
    customer = customer_for_order(email="member@example.com", user=None, name="Member")
    # then the record exists but no second customer.created is sent, and the guest order does
    # not link the account (a guest proves nothing about the email)
    assert customer.user_id is None
    assert _created_events("member@example.com") == []


@pytest.mark.parametrize("email", ["", "not-an-email", "a@b", "x" * 250 + "@example.com"])
def test_an_invalid_email_is_refused(in_alpha, email):
    with pytest.raises(CustomerError) as caught:
        customer_for_order(email=email, user=None, name="X")
    assert (caught.value.code, caught.value.field) == (CustomerErrorCode.EMAIL_INVALID, "email")
    assert not Customer.objects.exists()


def test_the_database_keeps_emails_lower_case_and_unique(in_alpha):
    make_customer("one@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.create(email="one@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.create(email="Two@Example.com")


# ------------------------------------------------------------------------------
# Accounts
# ------------------------------------------------------------------------------
def test_a_signed_in_shoppers_order_links_their_verified_account(in_alpha):
    # given a guest record of the shopper's email from before they had an account
    guest = make_customer("ada@example.com")
    account = make_verified_shopper("ada@example.com")
    # when they order signed in
    customer = customer_for_order(email="ada@example.com", user=account, name="Ada")
    # then the guest record is now their account's
    assert customer.pk == guest.pk and customer.user_id == account.pk
    guest.refresh_from_db()
    assert guest.user_id == account.pk


def test_a_signed_in_shopper_ordering_with_another_contact_email_stays_on_their_record(in_alpha):
    account = make_verified_shopper("ada@example.com")
    first = customer_for_order(email="ada@example.com", user=account, name="Ada")
    # when the contact email of a later order is another one
    second = customer_for_order(email="ada.work@example.com", user=account, name="Ada")
    # then it still goes on the account's record, and no record is made for the other address
    assert second.pk == first.pk and second.user_id == account.pk
    assert not Customer.objects.filter(email="ada.work@example.com").exists()


def test_an_unverified_account_is_never_linked(in_alpha):
    # given someone signed up with Ada's email but never verified it
    claimant = make_shopper("ada@example.com")
    # when an order is placed from that account
    customer = customer_for_order(email="ada@example.com", user=claimant, name="Ada?")
    # then the record exists but is not theirs
    assert customer.user_id is None


def test_an_account_with_another_linked_record_is_not_linked_twice(in_alpha):
    account = make_verified_shopper("ada@example.com")
    linked = make_customer("old-address@example.com", user=account)
    customer = customer_for_order(email="ada@example.com", user=account, name="Ada")
    assert customer.pk == linked.pk
    assert not Customer.objects.filter(email="ada@example.com").exists()


# ------------------------------------------------------------------------------
# Counters
# ------------------------------------------------------------------------------
def test_orders_are_counted_and_last_order_never_moves_back(in_alpha):
    customer = make_customer()
    now = timezone.now()
    customer_order_recorded(customer=customer, total=Decimal("19.990"), placed_at=now)
    customer_order_recorded(customer=customer, total=Decimal("5.010"), placed_at=now - timedelta(days=3))
    customer.refresh_from_db()
    assert (customer.orders_count, customer.total_spent, customer.last_order_at) == (
        2,
        Decimal("25.000"),
        now,
    )
    customer_order_reverted(customer=customer, total=Decimal("19.990"))
    customer_order_reverted(customer=customer, total=Decimal("100"))  # more than is left
    customer.refresh_from_db()
    assert (customer.orders_count, customer.total_spent) == (0, Decimal("0"))


@pytest.mark.parametrize("total", [19.99, Decimal("-1"), Decimal("NaN"), "10"])
def test_an_order_total_must_be_a_non_negative_decimal(in_alpha, total):
    customer = make_customer()
    with pytest.raises(CustomerError) as caught:
        customer_order_recorded(customer=customer, total=total, placed_at=timezone.now())
    assert caught.value.code == CustomerErrorCode.AMOUNT_INVALID
    customer.refresh_from_db()
    assert customer.orders_count == 0


# ------------------------------------------------------------------------------
# Staff edits
# ------------------------------------------------------------------------------
def test_staff_edits_are_saved_and_announced_without_their_values(
    in_alpha, django_capture_on_commit_callbacks
):
    customer = make_customer(full_name="Ada")
    staff = make_shopper("staff@example.com")
    updated = customer_update(
        customer=customer,
        actor=staff,
        full_name="  Ada   Lovelace ",
        phone="+44 20 7946 0000",
        note="Prefers DHL.\r\nCall before delivery.",
        accepts_marketing=True,
    )
    assert (updated.full_name, updated.phone, updated.note, updated.accepts_marketing) == (
        "Ada Lovelace",
        "+44 20 7946 0000",
        "Prefers DHL.\nCall before delivery.",
        True,
    )
    event = EventRecord.objects.get(name="customer.updated")
    assert event.payload == {
        "customer_uuid": str(customer.uuid),
        "fields": ["accepts_marketing", "full_name", "note", "phone"],
        "actor_id": staff.pk,
    }
    # and saving the same values again changes and announces nothing
    customer_update(customer=customer, actor=staff, full_name="Ada Lovelace", accepts_marketing=True)
    assert EventRecord.objects.filter(name="customer.updated").count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"full_name": "x" * 151}, "full_name", CustomerErrorCode.TOO_LONG),
        ({"full_name": "Ada\x00"}, "full_name", CustomerErrorCode.INVALID_CHARACTERS),
        ({"phone": "call me"}, "phone", CustomerErrorCode.PHONE_INVALID),
        ({"note": "x" * 5001}, "note", CustomerErrorCode.TOO_LONG),
        ({"note": "bell\x07"}, "note", CustomerErrorCode.INVALID_CHARACTERS),
    ],
)
def test_bad_staff_edits_are_refused_and_nothing_changes(in_alpha, changes, field, code):
    customer = make_customer(full_name="Before", note="Before")
    with pytest.raises(CustomerInputInvalid) as caught:
        customer_update(customer=customer, actor=None, **changes)
    assert [(e.field, e.code) for e in caught.value.errors] == [(field, code)]
    customer.refresh_from_db()
    assert (customer.full_name, customer.note, customer.phone) == ("Before", "Before", "")
