"""A guest's customer record becomes their account's once they hold the email: on confirming it
after signing up, on signing in, on a social sign-up (which arrives verified). An account that
has not verified the email never gets the record."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.account.signals import user_signed_up
from django.test import RequestFactory
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.core.models import EventRecord
from apps.customers.models import Customer
from apps.customers.selectors import customer_for_user
from apps.customers.services import customer_for_order
from tests.fixtures import PASSWORD, make_store_user, store_client

pytestmark = pytest.mark.django_db

EMAIL = "ada@example.com"


def _in(world):  # type: ignore[no-untyped-def]
    return schema_context(world.tenant.schema_name)


def _guest_record(world) -> Customer:  # type: ignore[no-untyped-def]
    with _in(world):
        return customer_for_order(email="Ada@Example.com", user=None, name="Ada Lovelace")


def _signup(client, mailoutbox):  # type: ignore[no-untyped-def]
    response = client.post(
        "/accounts/signup/", {"email": EMAIL, "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", mailoutbox[-1].body)
    assert link is not None
    return link.group(1)


def test_a_guest_who_signs_up_gets_their_record_once_the_email_is_confirmed(alpha, mailoutbox):
    # given a guest ordered with their email
    guest = _guest_record(alpha)
    client = store_client(alpha)
    # when they sign up with it
    confirm_url = _signup(client, mailoutbox)
    # then nothing is linked while the email is unconfirmed
    with _in(alpha):
        guest.refresh_from_db()
        assert guest.user_id is None
    # and once they confirm it, the guest record is their account's
    assert client.post(confirm_url).status_code == 302
    with _in(alpha):
        account = User.objects.get(email=EMAIL)
        guest.refresh_from_db()
        assert guest.user_id == account.pk
        assert customer_for_user(user=account) == guest
        # and no second record was made for the account
        assert Customer.objects.filter(email=EMAIL).count() == 1


def test_signing_up_with_someone_elses_email_without_confirming_shows_nothing_of_theirs(alpha, mailoutbox):
    guest = _guest_record(alpha)
    _signup(store_client(alpha), mailoutbox)  # never confirmed
    with _in(alpha):
        claimant = User.objects.get(email=EMAIL)
        guest.refresh_from_db()
        assert guest.user_id is None
        assert customer_for_user(user=claimant) is None
        # and even an order placed from that account does not hand the record over
        assert customer_for_order(email=EMAIL, user=claimant, name="Mallory").user_id is None


def test_a_new_account_gets_a_record_of_its_own_without_a_second_announcement(alpha, mailoutbox):
    client = store_client(alpha)
    confirm_url = _signup(client, mailoutbox)
    client.post(confirm_url)
    with _in(alpha):
        account = User.objects.get(email=EMAIL)
        customer = Customer.objects.get(email=EMAIL)
        assert customer.user_id == account.pk
        # the sign-up itself is announced (by the accounts app), once
        assert EventRecord.objects.filter(name="customer.created", payload__email=EMAIL).count() == 1


def test_signing_in_links_an_account_that_existed_before_the_guest_order(alpha):
    # given a verified account, and a guest order placed with its email while signed out
    account = make_store_user(alpha, EMAIL)
    guest = _guest_record(alpha)
    with _in(alpha):
        assert Customer.objects.get(pk=guest.pk).user_id is None
    # when the shopper signs in
    response = store_client(alpha).post("/accounts/login/", {"login": EMAIL, "password": PASSWORD})
    assert response.status_code == 302
    # then the record is theirs
    with _in(alpha):
        assert Customer.objects.get(pk=guest.pk).user_id == account.pk


def test_signing_in_with_an_unverified_email_links_nothing(alpha):
    account = make_store_user(alpha, EMAIL, verified=False)
    guest = _guest_record(alpha)
    client = store_client(alpha)
    with _in(alpha):
        client.force_login(account, backend="django.contrib.auth.backends.ModelBackend")
        assert Customer.objects.get(pk=guest.pk).user_id is None


def test_a_social_sign_up_arrives_verified_and_is_linked_at_once(alpha):
    guest = _guest_record(alpha)
    with _in(alpha):
        account = User.objects.create_user(EMAIL, None)
        EmailAddress.objects.create(user=account, email=EMAIL, verified=True, primary=True)
        request = RequestFactory().get("/", HTTP_HOST=alpha.host)
        user_signed_up.send(sender=User, request=request, user=account)
        guest.refresh_from_db()
        assert guest.user_id == account.pk


def test_staff_sign_ins_never_take_a_shoppers_record(alpha):
    guest = _guest_record(alpha)
    staff = make_store_user(alpha, EMAIL, role="staff")
    client = store_client(alpha)
    with _in(alpha):
        client.force_login(staff, backend="django.contrib.auth.backends.ModelBackend")
        assert Customer.objects.get(pk=guest.pk).user_id is None


def test_records_and_links_stay_in_their_store(alpha, beta, mailoutbox):
    # given a guest record in store A
    _guest_record(alpha)
    # when the same person signs up and confirms in store B
    client = store_client(beta)
    client.post(_signup(client, mailoutbox))
    # then B has its own record linked to B's account, and A's record is untouched
    with _in(beta):
        assert Customer.objects.get(email=EMAIL).user.email == EMAIL  # type: ignore[union-attr]
    with _in(alpha):
        assert Customer.objects.get(email=EMAIL).user_id is None
