"""A key found is kept in the cache (no query per request) and dropped at once when what it may
do changes; its last use is written at most once a minute and still follows its use."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from apps.api import keys
from apps.api.errors import ApiErrorCode
from apps.api.keys import api_key_revoke
from apps.api.models import ApiKey
from apps.api.tests.factories import api_client, api_key_make

pytestmark = pytest.mark.django_db

LIST = "/api/v1/products"


def _prefix(key: str) -> str:
    return key.split("_")[1]


def _kept(world, key: str) -> object:
    with schema_context(world.tenant.schema_name):
        return cache.get(f"api-key:{_prefix(key)}")


def _key_queries(client) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIST).status_code == 200
    return [q["sql"] for q in queries.captured_queries if "api_apikey" in q["sql"]]


def test_a_key_once_found_is_kept_and_costs_no_query(alpha):
    # given a key used once
    key = api_key_make(alpha, ["products:read"])
    client = api_client(alpha, key)
    assert client.get(LIST).status_code == 200
    # then it is kept, and the next request does not read (nor write) the key's row
    kept = _kept(alpha, key)
    assert isinstance(kept, dict) and kept["key"]["prefix"] == _prefix(key)
    assert "password" not in kept["creator"]  # what decides the key's rights, nothing more
    assert _key_queries(client) == []


def test_a_kept_key_that_is_revoked_is_refused_at_once(alpha):
    key = api_key_make(alpha, ["products:read"])
    client = api_client(alpha, key)
    assert client.get(LIST).status_code == 200
    assert _kept(alpha, key) is not None
    with schema_context(alpha.tenant.schema_name):
        api_key_revoke(key=ApiKey.objects.get(prefix=_prefix(key)), revoked_by=None)
    response = client.get(LIST)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == ApiErrorCode.KEY_REVOKED


def test_a_kept_key_follows_its_creators_role_at_once(alpha):
    key = api_key_make(alpha, ["products:read"], role="staff")
    client = api_client(alpha, key)
    assert client.get(LIST).status_code == 200
    with schema_context(alpha.tenant.schema_name):
        creator = ApiKey.objects.get(prefix=_prefix(key)).created_by
        assert creator is not None
        creator.store_role = ""
        creator.save(update_fields=["store_role"])
    response = client.get(LIST)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == ApiErrorCode.KEY_OWNER_INACTIVE


def test_a_creators_sign_in_keeps_their_keys_kept(alpha):
    key = api_key_make(alpha, ["products:read"])
    client = api_client(alpha, key)
    assert client.get(LIST).status_code == 200
    with schema_context(alpha.tenant.schema_name):
        creator = ApiKey.objects.get(prefix=_prefix(key)).created_by
        assert creator is not None
        creator.save(update_fields=["last_login"])
    assert _kept(alpha, key) is not None


def test_a_key_kept_for_store_a_never_authenticates_on_store_b(alpha, beta):
    key = api_key_make(alpha, ["products:read"])
    assert api_client(alpha, key).get(LIST).status_code == 200
    assert _kept(alpha, key) is not None
    response = api_client(beta, key).get(LIST)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == ApiErrorCode.KEY_INVALID
    assert _kept(beta, key) is None


def test_a_wrong_secret_with_a_kept_prefix_is_refused(alpha):
    key = api_key_make(alpha, ["products:read"])
    assert api_client(alpha, key).get(LIST).status_code == 200
    forged = f"sk_{_prefix(key)}_{'x' * 43}"
    response = api_client(alpha, forged).get(LIST)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == ApiErrorCode.KEY_INVALID


def test_last_use_is_written_once_a_minute_and_follows_the_use(alpha, monkeypatch):
    key = api_key_make(alpha, ["products:read"])
    first = api_client(alpha, key, REMOTE_ADDR="203.0.113.7")
    assert first.get(LIST).status_code == 200
    with schema_context(alpha.tenant.schema_name):
        used = ApiKey.objects.get(prefix=_prefix(key))
    assert used.last_used_at is not None and used.last_used_ip == "203.0.113.7"
    # within the minute: no write
    second = api_client(alpha, key, REMOTE_ADDR="198.51.100.9")
    assert _key_queries(second) == []
    # a minute later (this process's clock and the cache's gate both say so): written again
    now = keys.time.monotonic()
    monkeypatch.setattr(keys.time, "monotonic", lambda: now + keys.LAST_USED_EVERY + 1)
    with schema_context(alpha.tenant.schema_name):
        cache.delete(f"api-key-used:{used.pk}")
    writes = _key_queries(second)
    assert len(writes) == 1 and writes[0].startswith("UPDATE")
    with schema_context(alpha.tenant.schema_name):
        again = ApiKey.objects.get(prefix=_prefix(key))
    assert again.last_used_ip == "198.51.100.9" and again.last_used_at >= used.last_used_at  # type: ignore[operator]


def test_a_kept_key_acts_as_its_whole_creator(alpha):
    # given a kept key
    key = api_key_make(alpha, ["products:read"], role="admin")
    assert api_client(alpha, key).get(LIST).status_code == 200
    with schema_context(alpha.tenant.schema_name):
        # when it is authenticated from the cache
        with CaptureQueriesContext(connection) as queries:
            found = keys.api_key_authenticate(key)
        assert queries.captured_queries == []
        # then its creator's other fields load from their row on first use (who acts, in writes)
        stored = ApiKey.objects.select_related("created_by").get(prefix=_prefix(key))
        assert found.created_by is not None and stored.created_by is not None
        assert found.created_by.store_role == "admin"
        assert found.created_by.email == stored.created_by.email
        assert found.scopes == ["products:read"] and found.pk == stored.pk
