"""The API key pages: create (the secret shown once), list (never the secret), revoke (the key
is refused at once), who may do what, and one store never seeing another's keys."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.api.dashboard.forms import ApiKeyCreateForm
from apps.api.dashboard.views import CREATED_SESSION_KEY
from apps.api.models import ApiKey
from apps.api.tests.factories import api_client
from apps.core.permissions import Perm, role_permissions
from tests.fixtures import make_store_user, store_client

pytestmark = pytest.mark.django_db

LIST = "/dashboard/api-keys/"
NEW = "/dashboard/api-keys/new/"


def _member(world, role: str, email: str | None = None):
    user = make_store_user(world, email or f"keys-{role}@example.com", role=role)
    client = store_client(world)
    with schema_context(world.tenant.schema_name):
        client.force_login(user)
    return client, user


def _create(client, **fields: str):
    data = {"name": "ERP sync", "expires": "90", "scope_products": "write", "scope_orders": "read", **fields}
    return client.post(NEW, data)


def _key(world, **lookup) -> ApiKey:
    with schema_context(world.tenant.schema_name):
        return ApiKey.objects.select_related("created_by").get(**lookup)


def test_a_new_key_is_shown_once_and_works(alpha):
    # given
    client, owner = _member(alpha, "owner")
    assert client.get(NEW).status_code == 200
    # when
    response = _create(client)
    # then
    key = _key(alpha, name="ERP sync")
    assert response.status_code == 302
    assert response["Location"] == f"/dashboard/api-keys/{key.uuid}/created/"
    assert sorted(key.scopes) == ["orders:read", "products:write"]
    assert key.created_by == owner
    assert key.expires_at is not None
    assert timedelta(days=89) < key.expires_at - timezone.now() <= timedelta(days=90)

    shown = client.get(response["Location"])
    assert shown.status_code == 200
    assert shown["Cache-Control"].startswith("no-store") or "no-store" in shown["Cache-Control"]
    plaintext = shown.context["plaintext"]
    assert plaintext.startswith(f"sk_{key.prefix}_") and plaintext in shown.content.decode()
    assert CREATED_SESSION_KEY not in client.session  # gone from the session once shown

    again = client.get(response["Location"])
    assert again.status_code == 200 and plaintext not in again.content.decode()
    assert "cannot be shown again" in again.content.decode()

    api = api_client(alpha, plaintext)
    assert api.get("/api/v1/products").status_code == 200


def test_the_list_shows_the_prefix_and_never_the_secret(alpha):
    client, _owner = _member(alpha, "owner")
    location = _create(client, name="Warehouse", expires="never")["Location"]
    plaintext = client.get(location).context["plaintext"]
    key = _key(alpha, name="Warehouse")
    api_client(alpha, plaintext).get("/api/v1/products")  # records the last use

    page = client.get(LIST)
    html = page.content.decode()
    assert page.status_code == 200
    secret = plaintext.split("_", 2)[2]
    assert secret not in html and plaintext not in html
    assert f"sk_{key.prefix}_…" in html
    assert "Warehouse" in html and "products:write" in html and "orders:read" in html
    assert "keys-owner@example.com" in html
    assert "127.0.0.1" in html  # last used from
    assert "Active" in html and "Never" in html  # never expires


def test_an_empty_list_says_what_keys_are_for(alpha):
    client, _owner = _member(alpha, "owner")
    page = client.get(LIST)
    assert page.status_code == 200
    assert page.context["keys"] == []
    assert "No API keys yet" in page.content.decode() and NEW in page.content.decode()


def test_revoking_asks_first_then_the_key_gets_401(alpha):
    # given
    client, _owner = _member(alpha, "owner")
    plaintext = client.get(_create(client)["Location"]).context["plaintext"]
    key = _key(alpha, name="ERP sync")
    api = api_client(alpha, plaintext)
    assert api.get("/api/v1/products").status_code == 200
    url = f"/dashboard/api-keys/{key.uuid}/revoke/"
    # when: the confirmation page changes nothing
    confirm = client.get(url)
    assert confirm.status_code == 200 and "cannot be undone" in confirm.content.decode()
    assert _key(alpha, pk=key.pk).revoked_at is None
    # when: confirmed
    response = client.post(url)
    # then
    assert response.status_code == 302 and response["Location"] == LIST
    assert _key(alpha, pk=key.pk).revoked_at is not None
    refused = api.get("/api/v1/products")
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "key_revoked"
    assert "Revoked" in client.get(LIST).content.decode()
    assert client.post(url).status_code == 302  # twice changes nothing, and is no error


def test_an_expired_key_is_listed_as_expired(alpha):
    client, _owner = _member(alpha, "owner")
    _create(client, name="Old")
    with schema_context(alpha.tenant.schema_name):
        ApiKey.objects.filter(name="Old").update(expires_at=timezone.now() - timedelta(minutes=1))
    assert "Expired" in client.get(LIST).content.decode()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"name": "x" * 101}, "name", "at most 100 characters"),
        ({"scope_products": "", "scope_orders": ""}, None, "Choose at least one scope."),
        ({"scope_products": "admin"}, "scope_products", "Select a valid choice."),
        ({"expires": "7"}, "expires", "Select a valid choice."),
    ],
)
def test_bad_input_is_shown_next_to_its_field(alpha, fields, field, message):
    client, _owner = _member(alpha, "owner")
    response = _create(client, **fields)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert any(message in error for error in errors[field or "__all__"]), errors
    with schema_context(alpha.tenant.schema_name):
        assert not ApiKey.objects.exists()


def test_a_service_refusal_becomes_a_form_error(alpha, monkeypatch):
    from apps.api.dashboard import views
    from apps.api.errors import ApiKeyError

    def refuse(**kwargs):
        raise ApiKeyError("The expiry date must be in the future.", field="expires_at")

    monkeypatch.setattr(views, "api_key_create", refuse)
    client, _owner = _member(alpha, "owner")
    response = _create(client)
    assert response.status_code == 400
    assert response.context["form"].errors["expires"] == ["The expiry date must be in the future."]


def test_the_form_offers_only_what_the_role_can_grant():
    finance = ApiKeyCreateForm(permissions=role_permissions("finance"))
    assert finance.grantable["products"] == ["read"]
    assert finance.grantable["gift_cards"] == ["read", "write"]
    assert finance.grantable["refunds"] == ["read", "write"]
    staff = ApiKeyCreateForm(permissions=role_permissions("staff"))
    assert "webhooks" not in staff.grantable and "scope_webhooks" not in staff.fields
    owner = ApiKeyCreateForm(permissions=role_permissions("owner"))
    assert all(levels == ["read", "write"] for levels in owner.grantable.values())
    row = next(r for r in finance.scope_rows() if r.resource.name == "products")
    assert [(o.value, o.offered) for o in row.options] == [("", True), ("read", True), ("write", False)]

    # a forged level the role cannot grant is refused, not silently granted
    forged = ApiKeyCreateForm(
        {"name": "x", "expires": "never", "scope_products": "write"}, permissions=role_permissions("finance")
    )
    assert not forged.is_valid() and "scope_products" in forged.errors
    ignored = ApiKeyCreateForm(
        {"name": "x", "expires": "never", "scope_products": "write", "scope_webhooks": "write"},
        permissions=role_permissions("staff"),
    )
    assert ignored.is_valid() and ignored.scopes() == ["products:write"]


def test_staff_cannot_reach_the_pages(alpha):
    owner_client, _owner = _member(alpha, "owner")
    _create(owner_client)
    key = _key(alpha, name="ERP sync")
    client, _staff = _member(alpha, "staff")
    for url in (
        LIST,
        NEW,
        f"/dashboard/api-keys/{key.uuid}/revoke/",
        f"/dashboard/api-keys/{key.uuid}/created/",
    ):
        assert client.get(url).status_code == 403, url
    assert _create(client).status_code == 403
    assert client.post(f"/dashboard/api-keys/{key.uuid}/revoke/").status_code == 403
    assert _key(alpha, pk=key.pk).revoked_at is None
    nav = client.get("/dashboard/").content.decode()
    assert LIST not in nav


def test_finance_sees_the_list_but_cannot_create_or_revoke(alpha):
    owner_client, _owner = _member(alpha, "owner")
    _create(owner_client)
    key = _key(alpha, name="ERP sync")
    client, _finance = _member(alpha, "finance")
    page = client.get(LIST)
    assert page.status_code == 200 and "ERP sync" in page.content.decode()
    assert NEW not in page.content.decode() and "/revoke/" not in page.content.decode()
    assert LIST in client.get("/dashboard/").content.decode()  # the menu links to it
    assert client.get(NEW).status_code == 403
    assert _create(client, name="Finance key").status_code == 403
    assert client.post(f"/dashboard/api-keys/{key.uuid}/revoke/").status_code == 403
    assert _key(alpha, pk=key.pk).revoked_at is None
    with schema_context(alpha.tenant.schema_name):
        assert not ApiKey.objects.filter(name="Finance key").exists()


def test_anonymous_visitors_are_sent_to_sign_in(alpha):
    response = store_client(alpha).get(LIST)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_store_never_sees_or_revokes_another_stores_keys(alpha, beta):
    beta_client, _owner = _member(beta, "owner", "keys-beta-owner@example.com")
    _create(beta_client, name="Beta secret integration")
    beta_key = _key(beta, name="Beta secret integration")
    client, _owner = _member(alpha, "owner")
    assert "Beta secret integration" not in client.get(LIST).content.decode()
    assert client.get(f"/dashboard/api-keys/{beta_key.uuid}/revoke/").status_code == 404
    assert client.post(f"/dashboard/api-keys/{beta_key.uuid}/revoke/").status_code == 404
    assert client.get(f"/dashboard/api-keys/{beta_key.uuid}/created/").status_code == 404
    assert _key(beta, pk=beta_key.pk).revoked_at is None


def test_the_secret_waiting_in_the_session_is_only_shown_for_its_own_key(alpha):
    client, _owner = _member(alpha, "owner")
    _create(client, name="First")
    first = _key(alpha, name="First")
    second_location = _create(client, name="Second")["Location"]
    # the page of the first key does not reveal the second key's secret waiting in the session
    page = client.get(f"/dashboard/api-keys/{first.uuid}/created/")
    assert page.context["plaintext"] == ""
    assert client.get(second_location).context["plaintext"] == ""  # popped by the visit above


def test_menu_permission_is_api_keys_view():
    from apps.core.navigation import nav_items

    urls = [url for _item, url in nav_items(frozenset({Perm.API_KEYS_VIEW}))]
    assert LIST in urls
