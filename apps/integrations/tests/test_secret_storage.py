"""Webhook signing secrets and SMS tokens are stored encrypted (apps.core.encryption): the
column holds ciphertext, the model the plain value; a rotated SECRET_KEY still reads them; the
migration that introduced it encrypts what was stored before and decrypts it when undone."""

from __future__ import annotations

import pytest
from cryptography.fernet import InvalidToken
from django.core.exceptions import FieldError
from django.db import connection
from django.test import override_settings
from django_tenants.utils import schema_context

from apps.core.encryption import PREFIX, decrypt, encrypt
from apps.integrations.models import WebhookSecret
from apps.integrations.selectors import endpoint_current_secret
from apps.notifications.models import SmsSettings
from tests.fixtures import migration_step

from .factories import make_endpoint

pytestmark = pytest.mark.django_db

MIGRATION = ("integrations", "0002_secrets_encrypted")


def _stored(table: str, column: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


def test_the_column_holds_ciphertext_and_the_model_the_secret(in_alpha):
    endpoint = make_endpoint()
    secret = endpoint_current_secret(endpoint=endpoint)
    assert secret is not None and secret.secret.startswith("whsec_")
    stored = _stored("integrations_webhooksecret", "secret")
    assert len(stored) == 1 and stored[0].startswith(PREFIX)
    assert secret.secret not in stored[0] and secret.secret[6:] not in stored[0]
    assert WebhookSecret.objects.get(pk=secret.pk).secret == secret.secret
    with pytest.raises(FieldError, match="stored encrypted"):  # it could never match a ciphertext
        WebhookSecret.objects.filter(secret=secret.secret).exists()

    sms = SmsSettings.objects.create(
        enabled=True, account_sid="AC123", auth_token="tok-abc", from_number="+100"
    )
    stored_token = _stored("notifications_smssettings", "auth_token")[0]
    assert stored_token.startswith(PREFIX) and "tok-abc" not in stored_token
    assert SmsSettings.objects.get(pk=sms.pk).auth_token == "tok-abc"


def test_a_rotated_secret_key_still_reads_what_the_old_one_wrote():
    with override_settings(SECRET_KEY="old-key-" + "x" * 50, SECRET_KEY_FALLBACKS=[]):
        stored = encrypt("whsec_abc")
    with override_settings(SECRET_KEY="new-key-" + "y" * 50, SECRET_KEY_FALLBACKS=["old-key-" + "x" * 50]):
        assert decrypt(stored) == "whsec_abc"
        assert decrypt(encrypt("whsec_abc")) == "whsec_abc"
    with (
        override_settings(SECRET_KEY="other-key-" + "z" * 50, SECRET_KEY_FALLBACKS=[]),
        pytest.raises(InvalidToken),
    ):
        decrypt(stored)


def test_a_value_stored_before_encryption_is_read_as_it_is_and_encrypted_on_save(in_alpha):
    endpoint = make_endpoint()
    secret = endpoint_current_secret(endpoint=endpoint)
    assert secret is not None
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE integrations_webhooksecret SET secret = 'whsec_legacy' WHERE id = %s", [secret.pk]
        )
    legacy = WebhookSecret.objects.get(pk=secret.pk)
    assert legacy.secret == "whsec_legacy"
    legacy.save()
    assert _stored("integrations_webhooksecret", "secret")[0].startswith(PREFIX)
    assert WebhookSecret.objects.get(pk=secret.pk).secret == "whsec_legacy"


def test_the_migration_encrypts_what_was_stored_and_undoing_it_decrypts(alpha, beta):
    # given: a secret in each store
    plain = {}
    for world in (alpha, beta):
        with schema_context(world.tenant.schema_name):
            secret = endpoint_current_secret(endpoint=make_endpoint())
            assert secret is not None
            plain[world.tenant.schema_name] = secret.secret
    schema, other = alpha.tenant.schema_name, beta.tenant.schema_name

    # when the migration is undone in alpha: plain text again, in a varchar column
    migration_step(schema, MIGRATION, undo=True)
    with schema_context(schema):
        assert _stored("integrations_webhooksecret", "secret") == [plain[schema]]
    with schema_context(other):  # beta is not touched
        assert _stored("integrations_webhooksecret", "secret")[0].startswith(PREFIX)

    # and applied again: encrypted, and read back as before
    migration_step(schema, MIGRATION, undo=False)
    with schema_context(schema):
        stored = _stored("integrations_webhooksecret", "secret")
        assert stored[0].startswith(PREFIX) and decrypt(stored[0]) == plain[schema]
        assert WebhookSecret.objects.get().secret == plain[schema]


def test_a_secret_no_key_of_this_platform_reads_is_empty_not_an_error(in_alpha, caplog):
    # given: a secret encrypted by another platform (an archive restored here)
    secret = endpoint_current_secret(endpoint=make_endpoint())
    assert secret is not None
    with override_settings(SECRET_KEY="another-platform-" + "z" * 50, SECRET_KEY_FALLBACKS=[]):
        foreign = encrypt("whsec_foreign")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE integrations_webhooksecret SET secret = %s WHERE id = %s", [foreign, secret.pk]
        )
    # then: it reads as empty (the endpoint's page still opens and its secret can be rotated), logged
    assert WebhookSecret.objects.get(pk=secret.pk).secret == ""
    assert "no key of this platform decrypts" in caplog.text
