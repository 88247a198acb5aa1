"""The dashboard page where a store turns social sign-in on: owners and admins change it,
finance reads it, staff do not reach it; the stored secret never goes back to a browser; bad
values are named; one store's apps are not another's."""

from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialApp
from django.urls import reverse
from django_tenants.utils import schema_context

from apps.accounts.social_apps import social_app_secret_read
from apps.core.encryption import PREFIX
from apps.core.models import EventRecord
from apps.customers.services import social_app_save
from tests.fixtures import make_store_user, store_client

pytestmark = pytest.mark.django_db

URL = "/dashboard/customers/social/"
GOOGLE_ID = "98765-abcdef.apps.googleusercontent.com"
SECRET = "GOCSPX-very-secret-value-42"
FACEBOOK_ID = "1234567890123"


def _client(world, role: str = "owner"):  # type: ignore[no-untyped-def]
    user = make_store_user(world, f"{role}-social@example.com", role=role)
    client = store_client(world)
    with schema_context(world.tenant.schema_name):
        client.force_login(user)
    return client


def _apps(world) -> list[tuple[str, str, str | None]]:
    """The store's apps with their secrets decrypted (test_social_secret_storage shows they are
    stored encrypted)."""
    with schema_context(world.tenant.schema_name):
        return [
            (provider, client_id, social_app_secret_read(secret))
            for provider, client_id, secret in SocialApp.objects.order_by("provider").values_list(
                "provider", "client_id", "secret"
            )
        ]


def _save(client, provider: str = "google", **data):  # type: ignore[no-untyped-def]
    return client.post(URL, {"provider": provider, "action": "save", **data})


def test_the_url_and_menu_entry(alpha):
    assert reverse("dashboard:customers:social_signin") == URL
    page = _client(alpha).get(URL)
    assert page.status_code == 200
    assert f'href="{URL}"' in page.content.decode()  # in the dashboard's menu


def test_an_owner_turns_google_on_and_the_secret_is_never_shown(alpha):
    client = _client(alpha)
    response = _save(client, client_id=GOOGLE_ID, secret=SECRET)
    assert response.status_code == 302
    assert _apps(alpha) == [("google", GOOGLE_ID, SECRET)]
    page = client.get(URL).content.decode()
    assert GOOGLE_ID in page
    assert SECRET not in page
    assert "set" in page
    with schema_context(alpha.tenant.schema_name):
        event = EventRecord.objects.get(name="store.social_signin_updated")
        assert event.payload["provider"] == "google" and SECRET not in str(event.payload)


def test_an_empty_secret_keeps_the_stored_one_and_a_new_one_replaces_it(alpha):
    client = _client(alpha)
    _save(client, client_id=GOOGLE_ID, secret=SECRET)
    _save(client, client_id="11111-zzz.apps.googleusercontent.com", secret="")
    assert _apps(alpha) == [("google", "11111-zzz.apps.googleusercontent.com", SECRET)]
    _save(client, client_id=GOOGLE_ID, secret="replaced-secret")
    assert _apps(alpha) == [("google", GOOGLE_ID, "replaced-secret")]


@pytest.mark.parametrize(
    ("provider", "data", "message"),
    [
        ("google", {"client_id": "", "secret": SECRET}, "Client ID is required."),
        ("google", {"client_id": FACEBOOK_ID, "secret": SECRET}, "ends with .apps.googleusercontent.com"),
        ("google", {"client_id": GOOGLE_ID, "secret": ""}, "Client secret is required."),
        ("google", {"client_id": GOOGLE_ID, "secret": "has spaces in it"}, "has no spaces"),
        ("google", {"client_id": GOOGLE_ID, "secret": "x" * 80}, "at most 79 characters"),
        ("facebook", {"client_id": GOOGLE_ID, "secret": SECRET}, "It is a number"),
    ],
)
def test_bad_values_are_named_and_nothing_is_saved(alpha, provider, data, message):
    client = _client(alpha)
    response = _save(client, provider, **data)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert data["secret"] not in page or not data["secret"]  # a refused secret is not echoed either
    assert _apps(alpha) == []


def test_an_unknown_provider_or_action_is_a_clear_400(alpha):
    client = _client(alpha)
    assert client.post(URL, {"provider": "myspace", "action": "save", "client_id": "x"}).status_code == 400
    assert client.post(URL, {"provider": "google", "action": "explode"}).status_code == 400
    assert client.post(URL, {}).status_code == 400
    assert _apps(alpha) == []


def test_turning_a_provider_off_deletes_its_app(alpha):
    client = _client(alpha)
    _save(client, client_id=GOOGLE_ID, secret=SECRET)
    _save(client, "facebook", client_id=FACEBOOK_ID, secret=SECRET)
    response = client.post(URL, {"provider": "google", "action": "remove"})
    assert response.status_code == 302
    assert _apps(alpha) == [("facebook", FACEBOOK_ID, SECRET)]
    assert "/accounts/google/login/" not in store_client(alpha).get("/accounts/login/").content.decode()
    assert "/accounts/facebook/login/" in store_client(alpha).get("/accounts/login/").content.decode()


def test_finance_reads_the_page_without_forms_or_secrets_and_cannot_post(alpha):
    with schema_context(alpha.tenant.schema_name):
        social_app_save(provider="google", client_id=GOOGLE_ID, secret=SECRET)
    client = _client(alpha, "finance")
    page = client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert GOOGLE_ID in html and SECRET not in html
    assert 'name="secret"' not in html and 'name="client_id"' not in html
    assert _save(client, client_id=GOOGLE_ID, secret="finance-was-here").status_code == 403
    assert client.post(URL, {"provider": "google", "action": "remove"}).status_code == 403
    assert _apps(alpha) == [("google", GOOGLE_ID, SECRET)]


@pytest.mark.parametrize("role", ["staff", ""])
def test_staff_and_shoppers_get_403(alpha, role):
    user = make_store_user(alpha, f"no-{role or 'shopper'}@example.com", role=role)
    client = store_client(alpha)
    with schema_context(alpha.tenant.schema_name):
        client.force_login(user)
    assert client.get(URL).status_code == 403
    assert _save(client, client_id=GOOGLE_ID, secret=SECRET).status_code == 403
    assert _apps(alpha) == []


def test_signed_out_visitors_are_sent_to_sign_in(alpha):
    response = store_client(alpha).get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_page_lists_the_redirect_uris_of_the_stores_hosts(alpha):
    page = _client(alpha).get(URL).content.decode()
    assert f"http://{alpha.host}/accounts/google/login/callback/" in page
    assert f"http://{alpha.host}/accounts/facebook/login/callback/" in page


def test_one_stores_apps_are_not_anothers(alpha, beta):
    _save(_client(alpha), client_id=GOOGLE_ID, secret=SECRET)
    beta_page = _client(beta).get(URL).content.decode()
    assert GOOGLE_ID not in beta_page
    assert _apps(beta) == []
    with schema_context("public"):
        assert not SocialApp.objects.exists()


# ------------------------------------------------------------------------------
# The platform's own apps, in the Django admin
# ------------------------------------------------------------------------------
def test_the_admin_never_shows_the_platforms_secret_and_keeps_it_when_left_empty(platform_client):
    from allauth.account.models import EmailAddress

    from apps.accounts.models import User

    root = User.objects.create_superuser("root-social@example.com", "root-pw-1")
    EmailAddress.objects.create(user=root, email=root.email, verified=True, primary=True)
    platform_client.force_login(root)
    add = platform_client.post(
        "/admin/socialaccount/socialapp/add/",
        {"provider": "google", "name": "Google", "client_id": GOOGLE_ID, "secret": SECRET},
    )
    assert add.status_code == 302, add.content.decode()[:2000]
    app = SocialApp.objects.get(provider="google")
    change_url = f"/admin/socialaccount/socialapp/{app.pk}/change/"
    page = platform_client.get(change_url).content.decode()
    assert GOOGLE_ID in page and SECRET not in page
    platform_client.post(
        change_url, {"provider": "google", "name": "Google", "client_id": GOOGLE_ID, "secret": ""}
    )
    app.refresh_from_db()
    assert app.secret.startswith(PREFIX) and social_app_secret_read(app.secret) == SECRET
    refused = platform_client.post(
        change_url, {"provider": "google", "name": "Google", "client_id": "nope", "secret": ""}
    )
    assert refused.status_code == 200 and "apps.googleusercontent.com" in refused.content.decode()
