"""A store staff account linked to a platform user is entered only through the console's
hand-off: no password sign-in, no password reset and no signup under its email on the store,
tried through allauth's own pages on the store's host. Other accounts are not affected."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.accounts.services import store_staff_sync
from tests.fixtures import PASSWORD, make_store_user, store_client

pytestmark = pytest.mark.django_db

LINKED_EMAIL = "linked-member@example.com"


@pytest.fixture
def linked(alpha) -> User:
    """A linked staff account in alpha that somebody gave a usable password and a verified
    address, so nothing but the linking stands between it and a password sign-in."""
    platform_user = User.objects.create_user(LINKED_EMAIL, PASSWORD)
    with schema_context(alpha.tenant.schema_name):
        account = store_staff_sync(
            platform_user_uuid=str(platform_user.uuid), email=LINKED_EMAIL, full_name="", role="admin"
        )
        account.set_password(PASSWORD)
        account.save()
        EmailAddress.objects.create(user=account, email=LINKED_EMAIL, verified=True, primary=True)
    return account


def _login(world, email: str):  # type: ignore[no-untyped-def]
    client = store_client(world)
    response = client.post("/accounts/login/", {"login": email, "password": PASSWORD})
    return client, response


def test_a_linked_account_cannot_sign_in_with_a_password_on_the_store(alpha, linked):
    client, response = _login(alpha, LINKED_EMAIL)
    assert response.status_code == 200
    assert "not correct" in response.content.decode()  # the same answer as a wrong password
    assert not response.wsgi_request.user.is_authenticated
    assert client.get("/dashboard/").status_code == 302


def test_a_linked_account_is_refused_whatever_the_case_of_the_email(alpha, linked):
    _client, response = _login(alpha, LINKED_EMAIL.upper())
    assert not response.wsgi_request.user.is_authenticated


def test_a_shopper_with_a_password_still_signs_in(alpha):
    # the control: the same request for an account that is not linked succeeds
    make_store_user(alpha, "shopper-pw@example.com")
    _client, response = _login(alpha, "shopper-pw@example.com")
    assert response.status_code == 302
    assert response.wsgi_request.user.is_authenticated


def test_platform_users_still_sign_in_with_a_password_on_the_platform(alpha, platform_client, linked):
    # the platform user behind the linked account is not a store account: the platform lets them in
    response = platform_client.post("/accounts/login/", {"login": LINKED_EMAIL, "password": PASSWORD})
    assert response.status_code == 302


def test_a_linked_account_gets_no_password_reset_email_and_the_page_answers_as_for_anyone(
    alpha, linked, mailoutbox
):
    client = store_client(alpha)
    unknown = client.post("/accounts/password/reset/", {"email": "nobody-here@example.com"})
    sent_for_unknown = len(mailoutbox)
    response = client.post("/accounts/password/reset/", {"email": LINKED_EMAIL})
    # the same answer as for an address nobody uses ...
    assert (response.status_code, response["Location"]) == (unknown.status_code, unknown["Location"])
    assert response["Location"] == "/accounts/password/reset/done/"
    # ... and no email at all to the linked address
    assert len(mailoutbox) == sent_for_unknown
    assert all(LINKED_EMAIL not in mail.to for mail in mailoutbox)


def test_a_shopper_still_gets_a_password_reset_email(alpha, mailoutbox):
    make_store_user(alpha, "forgetful@example.com")
    store_client(alpha).post("/accounts/password/reset/", {"email": "forgetful@example.com"})
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["forgetful@example.com"]
    assert "/accounts/password/reset/key/" in mailoutbox[0].body


@pytest.mark.parametrize("email", [LINKED_EMAIL, LINKED_EMAIL.upper()])
def test_nobody_can_sign_up_on_the_store_under_a_linked_accounts_email(alpha, linked, mailoutbox, email):
    response = store_client(alpha).post(
        "/accounts/signup/", {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 200
    assert "belongs to a member of this store" in response.content.decode()
    with schema_context(alpha.tenant.schema_name):
        assert User.objects.filter(email__iexact=LINKED_EMAIL).count() == 1
    assert mailoutbox == []


def test_signup_under_a_removed_members_email_is_refused_too(alpha, linked):
    from apps.accounts.services import store_staff_deactivate

    with schema_context(alpha.tenant.schema_name):
        store_staff_deactivate(platform_user_uuid=str(linked.platform_user_uuid))
    response = store_client(alpha).post(
        "/accounts/signup/", {"email": LINKED_EMAIL, "password1": PASSWORD, "password2": PASSWORD}
    )
    assert "belongs to a member of this store" in response.content.decode()


def test_the_linked_email_is_free_on_another_store(beta, linked):
    # alpha's team member is nobody special on beta: a shopper may sign up there
    response = store_client(beta).post(
        "/accounts/signup/", {"email": LINKED_EMAIL, "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302
    with schema_context(beta.tenant.schema_name):
        assert User.objects.get(email=LINKED_EMAIL).platform_user_uuid is None
