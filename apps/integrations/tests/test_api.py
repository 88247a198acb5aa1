"""Webhook endpoints through the admin API (`/api/v1/webhook-endpoints...`): create (the secret
answered once), read, change, enable, delete, rotate; SSRF refusals as 400s naming `url`; scopes;
another store's key and ids."""

from __future__ import annotations

import json

import pytest
from django_tenants.utils import schema_context

from apps.api.tests.factories import api_client, api_key_make
from apps.integrations.models import WebhookEndpoint, WebhookSecret
from apps.integrations.tests.factories import current_secret, make_endpoint

pytestmark = pytest.mark.django_db

LIST = "/api/v1/webhook-endpoints"


def _post(client, path, body=None):
    return client.post(path, json.dumps(body or {}), content_type="application/json")


def _patch(client, path, body):
    return client.patch(path, json.dumps(body), content_type="application/json")


def test_create_answers_the_secret_once(alpha):
    client = api_client(alpha, api_key_make(alpha, ["webhooks:read", "webhooks:write"]))
    response = _post(client, LIST, {"url": "https://hooks.example.com/in", "event_types": ["order.paid"]})
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data["url"] == "https://hooks.example.com/in" and data["event_types"] == ["order.paid"]
    assert data["secret"].startswith("whsec_") and data["is_active"] is True
    with schema_context(alpha.tenant.schema_name):
        endpoint = WebhookEndpoint.objects.get(uuid=data["id"])
        assert current_secret(endpoint) == data["secret"]
    detail = client.get(f"{LIST}/{data['id']}").json()["data"]
    assert "secret" not in detail
    listed = client.get(LIST).json()
    assert listed["meta"]["total"] == 1 and "secret" not in listed["data"][0]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "http://169.254.169.254/latest/meta-data/"}, "url"),
        ({"url": "https://internal.example.com/"}, "url"),
        ({"url": "https://2130706433/"}, "url"),
        ({"url": "ftp://hooks.example.com/"}, "url"),
        ({"url": "https://hooks.example.com/", "event_types": ["order.exploded"]}, "event_types"),
        ({"url": "https://hooks.example.com/", "colour": "red"}, "colour"),
        ({"url": 42, "event_types": "order.paid"}, "event_types"),
        ({}, "url"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(alpha, settings, body, field):
    settings.OUTBOUND_HTTP_ALLOWED_PRIVATE_HOSTS = []
    client = api_client(alpha, api_key_make(alpha, ["webhooks:write"]))
    response = _post(client, LIST, body)
    assert response.status_code == 400, response.content
    named = {name.split(".", 1)[0] for name in response.json()["error"]["fields"]}
    assert field in named
    with schema_context(alpha.tenant.schema_name):
        assert not WebhookEndpoint.objects.exists()


def test_change_disable_enable_and_delete(alpha):
    with schema_context(alpha.tenant.schema_name):
        endpoint = make_endpoint()
    client = api_client(alpha, api_key_make(alpha, ["webhooks:write", "webhooks:read"]))
    path = f"{LIST}/{endpoint.uuid}"
    changed = _patch(client, path, {"description": "ERP", "event_types": ["inventory.low"]})
    assert changed.status_code == 200
    assert changed.json()["data"]["event_types"] == ["inventory.low"]
    off = _patch(client, path, {"is_active": False}).json()["data"]
    assert off["is_active"] is False and off["disabled_reason"] == "manual"
    on = _patch(client, path, {"is_active": True}).json()["data"]
    assert on["is_active"] is True and on["disabled_reason"] == ""
    refused = _patch(client, path, {"url": "https://10.0.0.1/"})
    assert refused.status_code == 400 and "url" in refused.json()["error"]["fields"]
    assert client.delete(path).status_code == 204
    assert client.get(path).status_code == 404


def test_rotate_answers_the_new_secret(alpha):
    with schema_context(alpha.tenant.schema_name):
        endpoint = make_endpoint()
        old = current_secret(endpoint)
    client = api_client(alpha, api_key_make(alpha, ["webhooks:write"]))
    response = _post(client, f"{LIST}/{endpoint.uuid}/rotate-secret")
    assert response.status_code == 200
    new = response.json()["data"]["secret"]
    assert new.startswith("whsec_") and new != old
    with schema_context(alpha.tenant.schema_name):
        assert WebhookSecret.objects.filter(endpoint=endpoint).count() == 2


def test_scopes(alpha):
    with schema_context(alpha.tenant.schema_name):
        endpoint = make_endpoint()
    reader = api_client(alpha, api_key_make(alpha, ["webhooks:read"]))
    assert reader.get(LIST).status_code == 200
    assert _post(reader, LIST, {"url": "https://hooks.example.com/x"}).status_code == 403
    assert _post(reader, f"{LIST}/{endpoint.uuid}/rotate-secret").status_code == 403
    assert reader.delete(f"{LIST}/{endpoint.uuid}").status_code == 403
    other = api_client(alpha, api_key_make(alpha, ["orders:read"]))
    assert other.get(LIST).status_code == 403
    assert api_client(alpha).get(LIST).status_code == 401


def test_another_stores_key_and_ids(alpha, beta):
    with schema_context(alpha.tenant.schema_name):
        endpoint = make_endpoint("https://hooks.example.com/alpha-only")
    beta_key = api_key_make(beta)
    # a key of beta on alpha's host is unknown there
    assert api_client(alpha, beta_key).get(LIST).status_code == 401
    # on beta's own host, alpha's endpoint does not exist
    client = api_client(beta, beta_key)
    assert client.get(LIST).json()["meta"]["total"] == 0
    assert client.get(f"{LIST}/{endpoint.uuid}").status_code == 404
    assert _patch(client, f"{LIST}/{endpoint.uuid}", {"description": "x"}).status_code == 404
    assert _post(client, f"{LIST}/{endpoint.uuid}/rotate-secret").status_code == 404
    assert client.delete(f"{LIST}/{endpoint.uuid}").status_code == 404
    with schema_context(alpha.tenant.schema_name):
        assert WebhookEndpoint.objects.filter(pk=endpoint.pk, description="").exists()
