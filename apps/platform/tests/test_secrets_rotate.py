"""`manage.py secrets_rotate`: after SECRET_KEY is rotated (the old key in the fallbacks), every
stored secret of the platform and of every store (webhook signing secrets, SMS tokens, supplier
connector secrets, social sign-in secrets) is re-encrypted under the new key, so the old one can
be dropped; a dry run changes nothing; a second run has nothing to do; a secret no key reads is
left and named; `--store` touches that store only; an unknown store is refused."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from allauth.socialaccount.models import SocialApp
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django_tenants.utils import schema_context

from apps.accounts.social_apps import social_app_secret_encrypt, social_app_secret_read
from apps.core.encryption import PREFIX
from apps.customers.services import social_app_save
from apps.customers.tests.fake_oauth import CLIENT_ID
from apps.integrations.models import WebhookEndpoint, WebhookSecret
from apps.notifications.models import SmsSettings
from apps.sourcing.models import Supplier

pytestmark = pytest.mark.django_db

OLD_KEY = "old-platform-key-" + "o" * 50
NEW_KEY = "new-platform-key-" + "n" * 50
OTHER_PLATFORM_KEY = "another-platform-" + "z" * 50
OLD = {"SECRET_KEY": OLD_KEY, "SECRET_KEY_FALLBACKS": []}
ROTATING = {"SECRET_KEY": NEW_KEY, "SECRET_KEY_FALLBACKS": [OLD_KEY]}
NEW_ONLY = {"SECRET_KEY": NEW_KEY, "SECRET_KEY_FALLBACKS": []}

SUPPLIER_CONFIG = {
    "base_url": "https://api.example.com",
    "app_key": "key-1",
    "app_secret": "s3cret",
    "access_token": "tok-9",
}


def _raw(schema: str) -> dict[str, object]:
    """Every secret column of `schema` as stored (raw SQL: nothing decrypts)."""
    with schema_context(schema), connection.cursor() as cursor:
        found: dict[str, object] = {}
        for table, column in (
            ("integrations_webhooksecret", "secret"),
            ("notifications_smssettings", "auth_token"),
            ("sourcing_supplier", "connector_config::text"),
            ("socialaccount_socialapp", "secret"),
        ):
            if schema == "public" and table != "socialaccount_socialapp":
                continue
            cursor.execute(f"SELECT {column} FROM {table} ORDER BY id")
            found[table] = [row[0] for row in cursor.fetchall()]
        return found


def _secrets_written_under_the_old_key(alpha, beta) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with override_settings(**OLD):
        with schema_context(alpha.tenant.schema_name):
            endpoint = WebhookEndpoint.objects.create(url="https://hooks.example.com/in")
            WebhookSecret.objects.create(endpoint=endpoint, secret="whsec_rotate-me")
            SmsSettings.objects.create(
                enabled=True, account_sid="AC1", auth_token="sms-alpha", from_number="+1"
            )
            Supplier.objects.create(
                name="Api Supplier",
                code="api-rot",
                connector=Supplier.Connector.DROPSHIP_API,
                connector_config=SUPPLIER_CONFIG,
            )
            social_app_save(provider="google", client_id=CLIENT_ID, secret="g-secret")
            webhook = WebhookSecret.objects.get(endpoint=endpoint).secret
        with schema_context(beta.tenant.schema_name):
            SmsSettings.objects.create(
                enabled=True, account_sid="AC2", auth_token="sms-beta", from_number="+2"
            )
        SocialApp.objects.create(
            provider="google",
            name="Google",
            client_id="platform-id",
            secret=social_app_secret_encrypt("p-secret"),
        )
    return {"webhook": webhook}


def _rotate(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("secrets_rotate", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_every_secret_moves_to_the_new_key_and_reads_without_the_old_one(alpha, beta):
    # given: secrets written under the old key, in two stores and the platform's schema
    written = _secrets_written_under_the_old_key(alpha, beta)
    a, b = alpha.tenant.schema_name, beta.tenant.schema_name
    before = {schema: _raw(schema) for schema in (a, b, "public")}

    # when: the key is rotated and the command runs
    with override_settings(**ROTATING):
        out, err = _rotate()

    # then: every stored value changed (beta holds an SMS token only), each still ciphertext
    assert f"{a}: 5 re-encrypted, 0 already under the current key, 0 unreadable" in out
    assert f"{b}: 1 re-encrypted, 0 already under the current key, 0 unreadable" in out
    assert "public: 1 re-encrypted" in out and not err
    for schema in (a, b, "public"):
        after = _raw(schema)
        for table, values in after.items():
            assert not values or values != before[schema][table], (schema, table)
    assert all(value.startswith(PREFIX) for value in _raw(a)["integrations_webhooksecret"])  # type: ignore[attr-defined]

    # and without the old key every secret reads as it was written
    with override_settings(**NEW_ONLY):
        with schema_context(a):
            assert WebhookSecret.objects.get().secret == written["webhook"]
            assert SmsSettings.objects.get().auth_token == "sms-alpha"
            config = Supplier.objects.get(code="api-rot").connector_config
            assert (config["app_secret"], config["access_token"], config["app_key"]) == (
                "s3cret",
                "tok-9",
                "key-1",
            )
            assert social_app_secret_read(SocialApp.objects.get().secret) == "g-secret"
        with schema_context(b):
            assert SmsSettings.objects.get().auth_token == "sms-beta"
        assert social_app_secret_read(SocialApp.objects.get(client_id="platform-id").secret) == "p-secret"

        # a second run has nothing left to do
        out, _err = _rotate()
    assert f"{a}: 0 re-encrypted, 5 already under the current key, 0 unreadable" in out


def test_a_dry_run_counts_and_changes_nothing(alpha, beta):
    _secrets_written_under_the_old_key(alpha, beta)
    before = _raw(alpha.tenant.schema_name)
    with override_settings(**ROTATING):
        out, _err = _rotate("--dry-run")
    assert f"{alpha.tenant.schema_name}: 5 to re-encrypt" in out and "would be re-encrypted" in out
    assert _raw(alpha.tenant.schema_name) == before


def test_one_store_only_and_an_unknown_store_is_refused(alpha, beta):
    _secrets_written_under_the_old_key(alpha, beta)
    alpha_before, public_before = _raw(alpha.tenant.schema_name), _raw("public")
    with override_settings(**ROTATING):
        out, _err = _rotate("--store", beta.tenant.slug)
        assert f"{beta.tenant.schema_name}: 1 re-encrypted" in out
        assert alpha.tenant.schema_name not in out and "public" not in out
        with pytest.raises(CommandError, match="No store with the slug nope"):
            _rotate("--store", "nope")
    assert _raw(alpha.tenant.schema_name) == alpha_before and _raw("public") == public_before


def test_a_secret_no_key_reads_is_left_and_named(alpha, beta):
    schema = alpha.tenant.schema_name
    with override_settings(SECRET_KEY=OTHER_PLATFORM_KEY, SECRET_KEY_FALLBACKS=[]), schema_context(schema):
        sms = SmsSettings.objects.create(
            enabled=True, account_sid="AC3", auth_token="foreign", from_number="+3"
        )
    before = _raw(schema)
    with override_settings(**ROTATING):
        out, err = _rotate("--store", alpha.tenant.slug)
    assert f"{schema}: 0 re-encrypted, 0 already under the current key, 1 unreadable" in out
    assert f"{schema}: notifications_smssettings.auth_token#{sms.pk}" in err and "enter them again" in err
    assert _raw(schema) == before


def test_a_plain_value_stored_before_encryption_is_encrypted(alpha):
    schema = alpha.tenant.schema_name
    with schema_context(schema):
        supplier = Supplier.objects.create(
            name="Old", code="old-plain", connector=Supplier.Connector.DROPSHIP_API
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE sourcing_supplier SET connector_config = %s::jsonb WHERE id = %s",
                [json.dumps({"app_key": "k", "app_secret": "plain-secret"}), supplier.pk],
            )
    with override_settings(**NEW_ONLY):
        out, _err = _rotate("--store", alpha.tenant.slug)
        assert f"{schema}: 1 re-encrypted" in out
        stored = json.loads(_raw(schema)["sourcing_supplier"][0])  # type: ignore[index]
        assert stored["app_secret"].startswith(PREFIX) and stored["app_key"] == "k"
        with schema_context(schema):
            assert Supplier.objects.get(pk=supplier.pk).connector_config["app_secret"] == "plain-secret"
