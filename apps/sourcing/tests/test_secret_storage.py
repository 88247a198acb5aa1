"""A supplier connector's secrets (`app_secret`, `access_token`) are stored encrypted
(apps.core.encryption): the column holds ciphertext under those keys, the model and every reader
of `connector_config` the plain values; a rotated SECRET_KEY still reads them; the migration
that introduced it encrypts what was stored before and decrypts it when undone; a store archive
holds no usable secret."""

from __future__ import annotations

import json
import tarfile
from typing import Any

import pytest
from django.core.exceptions import FieldError
from django.db import connection
from django.test import override_settings
from django_tenants.utils import schema_context, tenant_context

from apps.api.tests.factories import api_client, api_key_make
from apps.backups.services import store_export
from apps.core.encryption import PREFIX, decrypt, encrypt
from apps.sourcing.connectors.factory import connector_for
from apps.sourcing.models import Supplier
from apps.sourcing.tests.factories import make_api_supplier
from apps.sourcing.tests.fakes import ACCESS_TOKEN, APP_KEY, APP_SECRET, ds_product
from tests.fixtures import migration_step

pytestmark = pytest.mark.django_db

MIGRATION = ("sourcing", "0005_connector_secrets_encrypted")
OLD_KEY, NEW_KEY = "old-key-" + "x" * 50, "new-key-" + "y" * 50


def _stored(pk: int | None = None) -> dict[str, Any]:
    """The connector settings as the column holds them (raw SQL: no field decrypting)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT connector_config::text FROM sourcing_supplier WHERE id = %s"
            if pk
            else "SELECT connector_config::text FROM sourcing_supplier ORDER BY id LIMIT 1",
            [pk] if pk else [],
        )
        return json.loads(cursor.fetchone()[0])


def _store_raw(pk: int, config: dict[str, Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE sourcing_supplier SET connector_config = %s::jsonb WHERE id = %s",
            [json.dumps(config), pk],
        )


def _assert_encrypted(stored: dict[str, Any], plain: dict[str, str]) -> None:
    for key, value in plain.items():
        assert stored[key].startswith(PREFIX), key
        assert value not in json.dumps(stored), key
        assert decrypt(stored[key]) == value


def test_the_column_holds_ciphertext_and_the_model_the_secrets(in_alpha, fake):
    # given
    supplier = make_api_supplier(fake, product_ids=["1005001"])

    # then: the secrets are ciphertext in the column, the other settings as they were
    stored = _stored(supplier.pk)
    _assert_encrypted(stored, {"app_secret": APP_SECRET, "access_token": ACCESS_TOKEN})
    assert (stored["app_key"], stored["base_url"], stored["product_ids"]) == (
        APP_KEY,
        fake.base_url,
        ["1005001"],
    )
    # and the model (as every reader of connector_config) has the plain values
    config = Supplier.objects.get(pk=supplier.pk).connector_config
    assert (config["app_secret"], config["access_token"], config["app_key"]) == (
        APP_SECRET,
        ACCESS_TOKEN,
        APP_KEY,
    )
    assert Supplier.objects.values_list("connector_config", flat=True).get()["app_secret"] == APP_SECRET
    # an update writes ciphertext too
    Supplier.objects.filter(pk=supplier.pk).update(connector_config={**config, "access_token": "tok-updated"})
    _assert_encrypted(_stored(supplier.pk), {"access_token": "tok-updated"})
    assert Supplier.objects.get(pk=supplier.pk).connector_config["access_token"] == "tok-updated"


def test_an_empty_secret_stays_empty(in_alpha, fake):
    supplier = make_api_supplier(fake, product_ids=["1005001"], access_token="")
    assert _stored(supplier.pk)["access_token"] == ""
    assert Supplier.objects.get(pk=supplier.pk).connector_config["access_token"] == ""


def test_a_secret_key_cannot_be_looked_up_but_the_other_settings_can(in_alpha, fake):
    supplier = make_api_supplier(fake, product_ids=["1005001"])
    # a lookup by a secret could never match a ciphertext: refused rather than finding nothing
    for refused in (
        {"connector_config__app_secret": APP_SECRET},
        {"connector_config__access_token__startswith": "fake"},
        {"connector_config__contains": {"app_secret": APP_SECRET}},
        {"connector_config__in": [{"app_key": APP_KEY, "access_token": ACCESS_TOKEN}]},
    ):
        with pytest.raises(FieldError, match="encrypted"):
            Supplier.objects.filter(**refused).exists()
    with pytest.raises(FieldError):  # Django words this one itself
        Supplier.objects.values("connector_config__app_secret").get()
    # what compares no secret still works
    assert Supplier.objects.filter(connector_config__has_key="app_secret").get() == supplier
    assert Supplier.objects.filter(connector_config__app_key=APP_KEY).get() == supplier
    assert Supplier.objects.filter(connector_config__contains={"ship_to_country": "DE"}).get() == supplier


def test_the_connector_signs_with_the_plain_secret(in_alpha, fake):
    # given: a supplier read back from the database
    fake.products["1005001"] = ds_product(
        "1005001", title="Linen shirt", skus=[{"id": "12000001", "price": "7.35", "stock": 4, "options": {}}]
    )
    supplier = Supplier.objects.get(pk=make_api_supplier(fake, product_ids=["1005001"]).pk)

    # when its connector fetches the catalog
    items = connector_for(supplier).fetch_catalog()

    # then: the fake platform accepted the signature and the token (made with the plain values)
    assert fake.rejections == []
    assert fake.api_requests[0]["access_token"] == ACCESS_TOKEN
    assert [item.title for item in items] == ["Linen shirt"]


def test_the_api_keeps_a_secret_left_empty_encrypted(alpha):
    client = api_client(alpha, api_key_make(alpha, ["suppliers:write"]))
    body = {
        "name": "Dropship Co",
        "code": "dropco",
        "connector": "dropship_api",
        "connector_config": {
            "base_url": "https://api.dropship.example.com",
            "app_key": APP_KEY,
            "app_secret": APP_SECRET,
            "access_token": ACCESS_TOKEN,
            "ship_to_country": "DE",
        },
    }
    created = client.post("/api/v1/suppliers", json.dumps(body), content_type="application/json")
    assert created.status_code == 201, created.content

    # when a change sends the secret empty and the token not at all
    changed = client.patch(
        "/api/v1/suppliers/dropco",
        json.dumps({"name": "Dropship Company", "connector_config": {"app_secret": ""}}),
        content_type="application/json",
    )

    # then: both are kept, still encrypted
    assert changed.status_code == 200, changed.content
    with schema_context(alpha.tenant.schema_name):
        supplier = Supplier.objects.get(code="dropco")
        assert supplier.name == "Dropship Company"
        assert (supplier.connector_config["app_secret"], supplier.connector_config["access_token"]) == (
            APP_SECRET,
            ACCESS_TOKEN,
        )
        _assert_encrypted(_stored(supplier.pk), {"app_secret": APP_SECRET, "access_token": ACCESS_TOKEN})


def test_the_dashboard_keeps_a_secret_left_empty_and_encrypts_a_new_one(alpha, fake, role_client):
    with tenant_context(alpha.tenant):
        supplier = make_api_supplier(fake, product_ids=["1005001"])

    # when the owner saves the edit form with the secret empty and a new token
    response = role_client("owner").post(
        f"/dashboard/sourcing/suppliers/{supplier.pk}/edit/",
        {
            "name": "AliExpress renamed",
            "code": supplier.code,
            "connector": supplier.connector,
            "base_url": fake.base_url,
            "app_key": "",
            "app_secret": "",
            "access_token": "token-new-0042",
            "product_ids": "1005001",
            "ship_to_country": "DE",
            "target_language": "en_US",
            "lead_time_days": "7",
            "sync_enabled": "on",
            "is_active": "on",
        },
    )

    # then: the secret is kept, the token replaced, both encrypted
    assert response.status_code == 302, response.context["form"].errors
    with tenant_context(alpha.tenant):
        supplier.refresh_from_db()
        assert supplier.name == "AliExpress renamed"
        assert supplier.connector_config["app_secret"] == APP_SECRET
        assert supplier.connector_config["access_token"] == "token-new-0042"
        assert supplier.connector_config["app_key"] == APP_KEY
        _assert_encrypted(_stored(supplier.pk), {"app_secret": APP_SECRET, "access_token": "token-new-0042"})


def test_a_value_stored_before_encryption_is_read_as_it_is_and_encrypted_on_save(in_alpha, fake):
    # given: secrets written in plain text (before the field was encrypted)
    supplier = make_api_supplier(fake, product_ids=["1005001"])
    _store_raw(
        supplier.pk, {**_stored(supplier.pk), "app_secret": "legacy-secret", "access_token": "legacy-tok"}
    )

    # then: they are read as they are
    legacy = Supplier.objects.get(pk=supplier.pk)
    assert (legacy.connector_config["app_secret"], legacy.connector_config["access_token"]) == (
        "legacy-secret",
        "legacy-tok",
    )
    # and encrypted on the next save
    legacy.save()
    _assert_encrypted(_stored(supplier.pk), {"app_secret": "legacy-secret", "access_token": "legacy-tok"})
    assert Supplier.objects.get(pk=supplier.pk).connector_config["app_secret"] == "legacy-secret"


def test_a_rotated_secret_key_still_reads_what_the_old_one_wrote(in_alpha, fake):
    # given: secrets written under the old key
    with override_settings(SECRET_KEY=OLD_KEY, SECRET_KEY_FALLBACKS=[]):
        supplier = make_api_supplier(fake, product_ids=["1005001"])
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[]):  # the old key is needed
        assert Supplier.objects.get(pk=supplier.pk).connector_config["app_secret"] == ""

    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[OLD_KEY]):
        # then: readable with the old key among the fallbacks
        rotated = Supplier.objects.get(pk=supplier.pk)
        assert rotated.connector_config["app_secret"] == APP_SECRET
        # and saved again, encrypted with the new key
        rotated.save()
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[]):
        _assert_encrypted(_stored(supplier.pk), {"app_secret": APP_SECRET, "access_token": ACCESS_TOKEN})
        assert Supplier.objects.get(pk=supplier.pk).connector_config["access_token"] == ACCESS_TOKEN


def test_a_secret_no_key_of_this_platform_reads_is_empty_not_an_error(in_alpha, fake, caplog):
    # given: a secret encrypted by another platform (an archive restored here)
    supplier = make_api_supplier(fake, product_ids=["1005001"])
    with override_settings(SECRET_KEY="another-platform-" + "z" * 50, SECRET_KEY_FALLBACKS=[]):
        foreign = encrypt("foreign-secret")
    _store_raw(supplier.pk, {**_stored(supplier.pk), "app_secret": foreign})

    # then: it reads as empty (the merchant enters it again), the token as before, logged
    config = Supplier.objects.get(pk=supplier.pk).connector_config
    assert (config["app_secret"], config["access_token"]) == ("", ACCESS_TOKEN)
    assert "no key of this platform decrypts" in caplog.text


def test_the_migration_encrypts_what_was_stored_and_undoing_it_decrypts(alpha, beta, fake):
    # given: an API supplier in each store, a feed supplier in alpha
    for world in (alpha, beta):
        with schema_context(world.tenant.schema_name):
            make_api_supplier(fake, product_ids=["1005001"])
    schema, other = alpha.tenant.schema_name, beta.tenant.schema_name
    with schema_context(schema):
        feed = Supplier.objects.create(
            name="Feed",
            code="feed",
            connector=Supplier.Connector.CSV_FEED,
            connector_config={"feed_url": "x"},
        )

    # when the migration is undone in alpha: plain text again
    migration_step(schema, MIGRATION, undo=True)
    with schema_context(schema):
        stored = _stored()
        assert (stored["app_secret"], stored["access_token"]) == (APP_SECRET, ACCESS_TOKEN)
        assert _stored(feed.pk) == {"feed_url": "x"}
    with schema_context(other):  # beta is not touched
        _assert_encrypted(_stored(), {"app_secret": APP_SECRET})

    # and applied again: encrypted, and read back as before
    migration_step(schema, MIGRATION, undo=False)
    with schema_context(schema):
        _assert_encrypted(_stored(), {"app_secret": APP_SECRET, "access_token": ACCESS_TOKEN})
        assert _stored(feed.pk) == {"feed_url": "x"}
        config = Supplier.objects.get(code="ali").connector_config
        assert (config["app_secret"], config["access_token"]) == (APP_SECRET, ACCESS_TOKEN)


def test_a_store_archive_holds_no_plain_secret(alpha, fake, settings, tmp_path):
    # given
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private-media")
    with schema_context(alpha.tenant.schema_name):
        make_api_supplier(fake, product_ids=["1005001"])

    # when the store is exported
    store_export(tenant=alpha.tenant, destination=tmp_path / "alpha.tar.gz")

    # then: no file of the archive holds a secret; the supplier rows hold their ciphertext
    with tarfile.open(tmp_path / "alpha.tar.gz", "r:gz") as tar:
        files = {
            member.name: extracted.read()
            for member in tar.getmembers()
            if member.isfile() and (extracted := tar.extractfile(member)) is not None
        }
    for name, content in files.items():
        for secret in (APP_SECRET, ACCESS_TOKEN):
            assert secret.encode() not in content, name
    suppliers = next(content for name, content in files.items() if name.endswith("sourcing_supplier.copy"))
    assert APP_KEY.encode() in suppliers and PREFIX.encode() in suppliers
