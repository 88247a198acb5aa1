"""Social sign-in end to end, against a local fake of Google's OAuth/OIDC endpoints (real HTTP
on loopback; no network): start on the store's sign-in page, authorize at the fake, come back
to the callback, let allauth exchange the code, and find a signed-in shopper in that store only.

Each store turns providers on for itself (SocialApp rows in its own schema); the platform has
its own for merchants (public schema). A store never lets a social sign-in reach a staff account
linked to a platform user."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialApp
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.accounts.services import store_staff_sync
from apps.accounts.social_apps import social_app_secret_encrypt
from apps.core.models import EventRecord
from apps.customers.services import social_app_save
from apps.customers.tests.fake_oauth import CLIENT_ID, CLIENT_SECRET, SHOPPER_EMAIL, sign_in_with_google
from tests.fixtures import make_store_user, store_client

pytestmark = pytest.mark.django_db


def _google_on(schema: str) -> None:
    with schema_context(schema):
        social_app_save(provider="google", client_id=CLIENT_ID, secret=CLIENT_SECRET)


def _users(schema: str, email: str) -> list[User]:
    with schema_context(schema):
        return list(User.objects.filter(email=email))


@pytest.mark.parametrize("mode", ["id_token", "userinfo"])
def test_a_shopper_signs_up_with_google_in_that_store_only(alpha, beta, fake_google, mode):
    fake_google.mode = mode
    _google_on(alpha.tenant.schema_name)
    client = store_client(alpha)

    response = sign_in_with_google(client, alpha.host)

    # then the code was exchanged at the fake with the plain secret (stored encrypted), and the
    # shopper is signed in on alpha
    assert "token-ok" in fake_google.calls
    assert fake_google.secrets_received == [CLIENT_SECRET]
    assert ("userinfo" in fake_google.calls) == (mode == "userinfo")
    assert response.status_code == 302 and response["Location"] == "/"
    account_page = client.get("/account/")
    assert account_page.status_code == 200 and SHOPPER_EMAIL in account_page.content.decode()
    with schema_context(alpha.tenant.schema_name):
        user = User.objects.get(email=SHOPPER_EMAIL)
        assert not user.is_staff and user.platform_user_uuid is None and not user.has_usable_password()
        assert SocialAccount.objects.filter(user=user, provider="google", uid="google-sub-1001").exists()
        assert EmailAddress.objects.get(user=user).verified
        # social signups announce themselves like any other
        events = EventRecord.objects.filter(name="customer.created", payload__email=SHOPPER_EMAIL)
        assert events.count() == 1
    # and nowhere else
    assert _users(beta.tenant.schema_name, SHOPPER_EMAIL) == []
    assert _users("public", SHOPPER_EMAIL) == []


def test_signing_in_again_uses_the_same_account(alpha, fake_google):
    _google_on(alpha.tenant.schema_name)
    sign_in_with_google(store_client(alpha), alpha.host)
    response = sign_in_with_google(store_client(alpha), alpha.host)
    assert response.status_code == 302
    with schema_context(alpha.tenant.schema_name):
        assert User.objects.filter(email=SHOPPER_EMAIL).count() == 1
        assert EventRecord.objects.filter(name="customer.created", payload__email=SHOPPER_EMAIL).count() == 1


def test_an_existing_shopper_with_that_verified_email_is_signed_in_and_connected(alpha, fake_google):
    existing = make_store_user(alpha, SHOPPER_EMAIL)
    _google_on(alpha.tenant.schema_name)
    client = store_client(alpha)
    response = sign_in_with_google(client, alpha.host)
    assert response.status_code == 302
    assert client.get("/account/").wsgi_request.user.pk == existing.pk
    with schema_context(alpha.tenant.schema_name):
        assert User.objects.filter(email=SHOPPER_EMAIL).count() == 1
        assert SocialAccount.objects.get(provider="google").user_id == existing.pk
        assert not EventRecord.objects.filter(name="customer.created", payload__email=SHOPPER_EMAIL).exists()


def test_only_stores_that_turned_google_on_show_it_or_accept_it(alpha, beta, fake_google):
    _google_on(alpha.tenant.schema_name)
    alpha_page = store_client(alpha).get("/accounts/login/").content.decode()
    beta_page = store_client(beta).get("/accounts/login/").content.decode()
    assert "/accounts/google/login/" in alpha_page
    assert "/accounts/facebook/login/" not in alpha_page  # not configured: no button
    assert "/accounts/google/login/" not in beta_page
    # beta has no Google app: its login and callback answer 404, and nothing reaches the fake
    beta_client = store_client(beta)
    assert beta_client.post("/accounts/google/login/").status_code == 404
    assert beta_client.get("/accounts/google/login/callback/", {"code": "x", "state": "y"}).status_code == 404
    assert fake_google.calls == []


def test_a_state_from_another_store_is_refused(alpha, beta, fake_google):
    """A callback carried to another store's host (where the session that started it does not
    exist) signs nobody in there."""
    _google_on(alpha.tenant.schema_name)
    _google_on(beta.tenant.schema_name)
    alpha_client = store_client(alpha)
    start = alpha_client.post("/accounts/google/login/?process=login")
    consent = requests.get(start["Location"], allow_redirects=False, timeout=5)
    callback = urlsplit(consent.headers["Location"])
    beta_client = store_client(beta)
    response = beta_client.get(callback.path, {k: v[0] for k, v in parse_qs(callback.query).items()})
    assert response.status_code == 401  # allauth's "third-party sign-in failed" page
    assert not response.wsgi_request.user.is_authenticated
    assert "token-ok" not in fake_google.calls
    assert _users(beta.tenant.schema_name, SHOPPER_EMAIL) == []


# ------------------------------------------------------------------------------
# Linked staff accounts are entered only through the console's hand-off
# ------------------------------------------------------------------------------
def _linked_staff(world, email: str) -> User:
    with schema_context("public"):
        platform_user = User.objects.create_user(email, "platform-pw-1")
    with schema_context(world.tenant.schema_name):
        account = store_staff_sync(
            platform_user_uuid=str(platform_user.uuid), email=email, full_name="", role="admin"
        )
        # a verified address: nothing but the linking stands between it and an email match
        EmailAddress.objects.create(user=account, email=email, verified=True, primary=True)
        return account


def _refused(response, client) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 403
    assert "belongs to a member of this store" in response.content.decode()
    assert not client.get("/account/").wsgi_request.user.is_authenticated


def test_google_cannot_sign_in_or_up_as_a_linked_staff_email(alpha, fake_google):
    _linked_staff(alpha, SHOPPER_EMAIL)
    _google_on(alpha.tenant.schema_name)
    client = store_client(alpha)
    _refused(sign_in_with_google(client, alpha.host), client)
    with schema_context(alpha.tenant.schema_name):
        assert not SocialAccount.objects.exists()
        assert User.objects.filter(email=SHOPPER_EMAIL).count() == 1  # the staff account only


def test_google_cannot_sign_in_a_shopper_who_later_became_linked_staff(alpha, fake_google):
    """A shopper connected Google, then joined the merchant's team under that email: the
    connected Google account no longer opens the (now staff) account."""
    _google_on(alpha.tenant.schema_name)
    sign_in_with_google(store_client(alpha), alpha.host)
    with schema_context("public"):
        platform_user = User.objects.create_user(SHOPPER_EMAIL, "platform-pw-1")
    with schema_context(alpha.tenant.schema_name):
        store_staff_sync(
            platform_user_uuid=str(platform_user.uuid), email=SHOPPER_EMAIL, full_name="", role="staff"
        )
    client = store_client(alpha)
    _refused(sign_in_with_google(client, alpha.host), client)


def test_a_linked_staff_member_cannot_connect_google_to_their_store_account(alpha, fake_google):
    staff = _linked_staff(alpha, "member@example.com")
    _google_on(alpha.tenant.schema_name)
    client = store_client(alpha)
    with schema_context(alpha.tenant.schema_name):
        client.force_login(staff)
    start = client.post("/accounts/google/login/?process=connect")
    consent = requests.get(start["Location"], allow_redirects=False, timeout=5)
    callback = urlsplit(consent.headers["Location"])
    response = client.get(callback.path, {k: v[0] for k, v in parse_qs(callback.query).items()})
    assert response.status_code == 403
    with schema_context(alpha.tenant.schema_name):
        assert not SocialAccount.objects.exists()


def test_the_same_email_is_refused_only_on_the_store_where_it_is_staff(alpha, beta, fake_google):
    _linked_staff(alpha, SHOPPER_EMAIL)
    _google_on(beta.tenant.schema_name)
    response = sign_in_with_google(store_client(beta), beta.host)
    assert response.status_code == 302
    assert len(_users(beta.tenant.schema_name, SHOPPER_EMAIL)) == 1


# ------------------------------------------------------------------------------
# Merchants on the platform
# ------------------------------------------------------------------------------
def test_merchants_sign_up_on_the_platform_with_the_platforms_own_google_app(
    alpha, platform_client, fake_google
):
    SocialApp.objects.create(
        provider="google",
        name="Google",
        client_id=CLIENT_ID,
        secret=social_app_secret_encrypt(CLIENT_SECRET),  # as the admin stores it
    )
    assert "/accounts/google/login/" in platform_client.get("/accounts/login/").content.decode()
    # the platform's app is not a store's: alpha shows no Google button
    assert "/accounts/google/login/" not in store_client(alpha).get("/accounts/login/").content.decode()

    response = sign_in_with_google(platform_client, "platform.test")

    assert response.status_code == 302 and response["Location"] == "/console/"
    assert fake_google.secrets_received == [CLIENT_SECRET]
    assert len(_users("public", SHOPPER_EMAIL)) == 1
    assert _users(alpha.tenant.schema_name, SHOPPER_EMAIL) == []
