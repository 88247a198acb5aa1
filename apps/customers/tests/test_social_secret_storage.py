"""The social sign-in apps' client secrets (allauth's SocialApp.secret) are stored encrypted
(apps.accounts.social_apps): the column holds ciphertext in a store's schema and in public, the
sign-in still sends the plain secret to the provider (a local fake of Google), a secret stored
before still works and the migration encrypts it, a rotated SECRET_KEY still reads them, one no
key of this platform reads counts as not configured, and a store's archive holds no plain one."""

from __future__ import annotations

import re
import tarfile

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.models import SocialAccount, SocialApp
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.accounts.social_apps import SOCIAL_APP_SECRET_COLUMN_LENGTH, social_app_secret_read
from apps.backups.services import store_export
from apps.core.encryption import PREFIX, encrypt
from apps.customers.admin import PlatformSocialAppForm
from apps.customers.errors import CustomerErrorCode, CustomerInputInvalid
from apps.customers.selectors import social_provider_states
from apps.customers.services import social_app_save
from apps.customers.social_providers import SECRET_MAX_LENGTH
from apps.customers.tests.fake_oauth import CLIENT_ID, CLIENT_SECRET, sign_in_with_google
from tests.fixtures import make_store_user, migration_step, store_client

pytestmark = pytest.mark.django_db

MIGRATION = ("accounts", "0003_social_secrets_encrypted")
OLD_KEY = "old-platform-key-" + "x" * 50
NEW_KEY = "new-platform-key-" + "y" * 50
OTHER_PLATFORM_KEY = "another-platform-" + "z" * 50
# The longest secret a merchant may enter, in printable ASCII as real ones are.
LONGEST = "".join(chr(0x21 + i % 94) for i in range(SECRET_MAX_LENGTH))


def _stored(schema: str) -> list[str]:
    """socialaccount_socialapp.secret as the database holds it (raw SQL: nothing decrypts)."""
    with schema_context(schema), connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM socialaccount_socialapp ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


def _encrypted_only(stored: list[str], plain: str) -> bool:
    return len(stored) == 1 and stored[0].startswith(PREFIX) and plain not in stored[0]


def _google_on(schema: str, secret: str = CLIENT_SECRET) -> None:
    with schema_context(schema):
        social_app_save(provider="google", client_id=CLIENT_ID, secret=secret)


def _platform_admin() -> Client:
    root = User.objects.create_superuser("root-social-secrets@example.com", "root-pw-1")
    EmailAddress.objects.create(user=root, email=root.email, verified=True, primary=True)
    client = Client(HTTP_HOST=settings.PLATFORM_DOMAIN)
    client.force_login(root)
    return client


# ------------------------------------------------------------------------------
# Stored encrypted, signed in with the plain secret
# ------------------------------------------------------------------------------
def test_a_stores_secret_is_ciphertext_in_its_schema_and_the_provider_gets_the_plain_one(alpha, fake_google):
    # given: Google turned on from the store's dashboard
    schema = alpha.tenant.schema_name
    _google_on(schema)
    stored = _stored(schema)
    assert _encrypted_only(stored, CLIENT_SECRET)

    # when: a shopper signs in
    response = sign_in_with_google(store_client(alpha), alpha.host)

    # then: the code exchange sent the plain secret, and nothing wrote it back to the row
    assert response.status_code == 302 and "token-ok" in fake_google.calls
    assert fake_google.secrets_received == [CLIENT_SECRET]
    assert _stored(schema) == stored


def test_allauth_gets_apps_holding_the_plain_secret_that_refuse_to_be_saved(in_alpha):
    _google_on(in_alpha.tenant.schema_name)
    app = get_adapter().get_app(None, "google")
    assert app.secret == CLIENT_SECRET
    with pytest.raises(RuntimeError, match="never saved back"):
        app.save()
    assert _encrypted_only(_stored(in_alpha.tenant.schema_name), CLIENT_SECRET)


def test_the_platforms_secret_entered_in_the_admin_is_ciphertext_in_public_and_signs_merchants_in(
    alpha, fake_google
):
    # given: the platform's Google app entered in the Django admin
    admin = _platform_admin()
    added = admin.post(
        "/admin/socialaccount/socialapp/add/",
        {"provider": "google", "name": "Google", "client_id": CLIENT_ID, "secret": CLIENT_SECRET},
    )
    assert added.status_code == 302, added.content.decode()[:2000]
    stored = _stored("public")
    assert _encrypted_only(stored, CLIENT_SECRET)
    assert _stored(alpha.tenant.schema_name) == []

    # when: saved again with the secret left empty, it is kept as stored
    change_url = f"/admin/socialaccount/socialapp/{SocialApp.objects.get().pk}/change/"
    kept = admin.post(change_url, {"provider": "google", "name": "Google", "client_id": CLIENT_ID})
    assert kept.status_code == 302 and _stored("public") == stored

    # then: a merchant signs in with it, and the provider got the plain secret
    response = sign_in_with_google(Client(HTTP_HOST=settings.PLATFORM_DOMAIN), settings.PLATFORM_DOMAIN)
    assert response.status_code == 302 and response["Location"] == "/console/"
    assert fake_google.secrets_received == [CLIENT_SECRET]

    # and a new secret replaces it, encrypted
    admin.post(
        change_url, {"provider": "google", "name": "Google", "client_id": CLIENT_ID, "secret": "new-1"}
    )
    replaced = _stored("public")
    assert replaced != stored and replaced[0].startswith(PREFIX)
    assert social_app_secret_read(replaced[0]) == "new-1"


# ------------------------------------------------------------------------------
# The longest secret fits the column once encrypted
# ------------------------------------------------------------------------------
def test_the_longest_secret_round_trips_through_the_column_and_one_more_character_is_refused(in_alpha):
    schema = in_alpha.tenant.schema_name
    _google_on(schema, LONGEST)
    stored = _stored(schema)[0]
    assert stored.startswith(PREFIX) and len(stored) <= SOCIAL_APP_SECRET_COLUMN_LENGTH
    assert get_adapter().get_app(None, "google").secret == LONGEST
    # one more character could not fit once encrypted: that is why this is the longest
    assert len(encrypt(LONGEST + "x")) > SOCIAL_APP_SECRET_COLUMN_LENGTH
    with pytest.raises(CustomerInputInvalid) as refused:
        social_app_save(provider="google", client_id=CLIENT_ID, secret=LONGEST + "x")
    assert refused.value.errors[0].code == CustomerErrorCode.SECRET_INVALID
    assert f"at most {SECRET_MAX_LENGTH} characters" in refused.value.errors[0].message
    assert _stored(schema) == [stored]


def test_the_admin_form_takes_the_longest_secret_and_refuses_a_longer_one():
    data = {"provider": "google", "name": "Google", "client_id": CLIENT_ID}
    longer = PlatformSocialAppForm(data={**data, "secret": LONGEST + "x"})
    assert not longer.is_valid() and "secret" in longer.errors
    form = PlatformSocialAppForm(data={**data, "secret": LONGEST})
    assert form.is_valid(), form.errors
    form.save()
    assert get_adapter().get_app(None, "google").secret == LONGEST
    assert _stored("public")[0].startswith(PREFIX)


# ------------------------------------------------------------------------------
# Secrets stored before: still read, encrypted by the migration
# ------------------------------------------------------------------------------
@pytest.mark.parametrize("where", ["store", "platform"])
def test_a_secret_stored_before_still_signs_in_and_the_migration_encrypts_it(alpha, beta, fake_google, where):
    schema, host = (
        (alpha.tenant.schema_name, alpha.host) if where == "store" else ("public", settings.PLATFORM_DOMAIN)
    )
    # given: an app as this release found it, the migration undone (which decrypts), and one
    # whose secret is too long to encrypt into the column (no real one is)
    _google_on(schema)
    _google_on(beta.tenant.schema_name)
    migration_step(schema, MIGRATION, undo=True)
    too_long = "f" * (SECRET_MAX_LENGTH + 21)
    with schema_context(schema):
        SocialApp.objects.create(provider="facebook", name="Facebook", client_id="1234567", secret=too_long)
    assert _stored(schema) == [CLIENT_SECRET, too_long]
    assert _stored(beta.tenant.schema_name)[0].startswith(PREFIX)  # another schema is not touched

    # then: the plain secret signs in as it did
    assert sign_in_with_google(Client(HTTP_HOST=host), host).status_code == 302

    # when: the migration runs
    migration_step(schema, MIGRATION, undo=False)

    # then: it is encrypted (the too long one left as it was), and still signs in
    encrypted, kept = _stored(schema)
    assert encrypted.startswith(PREFIX) and CLIENT_SECRET not in encrypted and kept == too_long
    assert social_app_secret_read(encrypted) == CLIENT_SECRET
    assert sign_in_with_google(Client(HTTP_HOST=host), host).status_code == 302
    assert fake_google.secrets_received == [CLIENT_SECRET, CLIENT_SECRET]


def test_the_migration_leaves_a_secret_no_key_of_this_platform_reads_both_ways(alpha, caplog):
    # given: a store's app from another platform's archive
    schema = alpha.tenant.schema_name
    with override_settings(SECRET_KEY=OTHER_PLATFORM_KEY, SECRET_KEY_FALLBACKS=[]):
        _google_on(schema)
    stored = _stored(schema)

    # when: the migration is undone, then run again
    migration_step(schema, MIGRATION, undo=True)
    # then: undoing neither fails nor changes it, and says why
    assert _stored(schema) == stored
    assert re.search(r"socialaccount_socialapp\.secret#\d+ cannot be decrypted; left as it is", caplog.text)
    # and running it again does not encrypt the ciphertext twice
    migration_step(schema, MIGRATION, undo=False)
    assert _stored(schema) == stored


# ------------------------------------------------------------------------------
# Keys: rotated, or another platform's
# ------------------------------------------------------------------------------
def test_a_rotated_secret_key_still_reads_the_secret(alpha, fake_google):
    # given: the secret saved under the old key, which is now a fallback
    with override_settings(SECRET_KEY=OLD_KEY, SECRET_KEY_FALLBACKS=[]):
        _google_on(alpha.tenant.schema_name)
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[OLD_KEY]):
        # when: a shopper signs in
        response = sign_in_with_google(store_client(alpha), alpha.host)
    # then: the provider got the plain secret
    assert response.status_code == 302
    assert fake_google.secrets_received == [CLIENT_SECRET]
    # and without the old key it cannot be read
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[]):
        assert social_app_secret_read(_stored(alpha.tenant.schema_name)[0]) is None


def test_a_secret_no_key_of_this_platform_reads_counts_as_not_configured(alpha, fake_google, caplog):
    # given: the store's app came in an archive of another platform
    schema = alpha.tenant.schema_name
    with override_settings(SECRET_KEY=OTHER_PLATFORM_KEY, SECRET_KEY_FALLBACKS=[]):
        _google_on(schema)
    client = store_client(alpha)

    # then: no button; its sign-in and callback answer 404 (not 500); nothing reaches the provider
    assert "/accounts/google/login/" not in client.get("/accounts/login/").content.decode()
    assert client.post("/accounts/google/login/").status_code == 404
    assert client.get("/accounts/google/login/callback/", {"code": "x", "state": "y"}).status_code == 404
    assert fake_google.calls == []
    assert "no key of this platform decrypts" in caplog.text

    # and the dashboard shows the secret as not set, and asks for it rather than keeping it
    with schema_context(schema):
        google = next(state for state in social_provider_states() if state.id == "google")
        assert google.configured and not google.secret_set
        with pytest.raises(CustomerInputInvalid) as refused:
            social_app_save(provider="google", client_id=CLIENT_ID, secret="")
        assert [error.code for error in refused.value.errors] == [CustomerErrorCode.REQUIRED]
    _google_on(schema)
    assert sign_in_with_google(store_client(alpha), alpha.host).status_code == 302


def test_the_account_page_offers_connected_accounts_only_when_a_sign_in_app_works(alpha):
    # given: a shopper, and a store with no sign-in app
    schema = alpha.tenant.schema_name
    user = make_store_user(alpha, "connections@example.com")
    client = store_client(alpha)
    with schema_context(schema):
        client.force_login(user)
    link = 'href="/accounts/3rdparty/"'
    assert link not in client.get("/account/").content.decode()

    # when: the only app holds a secret no key of this platform reads, still no link
    with override_settings(SECRET_KEY=OTHER_PLATFORM_KEY, SECRET_KEY_FALLBACKS=[]):
        _google_on(schema)
    assert link not in client.get("/account/").content.decode()

    # then: a shopper who linked an account before keeps the way to disconnect it
    with schema_context(schema):
        SocialAccount.objects.create(user=user, provider="google", uid="linked-before")
    assert link in client.get("/account/").content.decode()
    with schema_context(schema):
        SocialAccount.objects.filter(user=user).delete()

    # and once the secret is entered again, the link is back for everyone
    _google_on(schema)
    assert link in client.get("/account/").content.decode()


def test_the_admin_asks_again_for_a_platform_secret_it_cannot_read():
    with override_settings(SECRET_KEY=OTHER_PLATFORM_KEY, SECRET_KEY_FALLBACKS=[]):
        form = PlatformSocialAppForm(
            data={"provider": "google", "name": "Google", "client_id": CLIENT_ID, "secret": CLIENT_SECRET}
        )
        assert form.is_valid(), form.errors
        app = form.save()
    kept = PlatformSocialAppForm(
        data={"provider": "google", "name": "Google", "client_id": CLIENT_ID, "secret": ""}, instance=app
    )
    assert not kept.is_valid() and "secret" in kept.errors


# ------------------------------------------------------------------------------
# Store archives
# ------------------------------------------------------------------------------
def test_a_store_archive_holds_the_ciphertext_and_not_the_secret(alpha, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private-media")
    _google_on(alpha.tenant.schema_name)

    archive = store_export(tenant=alpha.tenant, destination=tmp_path / "alpha.tar.gz")

    with tarfile.open(archive.path) as tar:
        files = {
            member.name: tar.extractfile(member).read()  # type: ignore[union-attr]
            for member in tar.getmembers()
            if member.isfile()
        }
    apps_table = next(
        content for name, content in files.items() if name.endswith("socialaccount_socialapp.copy")
    )
    assert PREFIX.encode() in apps_table
    assert not [name for name, content in files.items() if CLIENT_SECRET.encode() in content]
