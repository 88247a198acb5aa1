"""Changes made through the real pages (dashboard, console) and the API each leave the right
entry: who, from which address, what changed; secrets never appear in the changes."""

from __future__ import annotations

import json

import pytest
from django_tenants.utils import schema_context

from apps.api.tests.factories import api_client, api_key_make
from apps.audit.models import AuditEntry
from apps.audit.recorder import REDACTED
from apps.audit.tests.factories import ADDRESS, entries, member_client
from apps.catalog.tests.dashboard.helpers import product_post
from apps.catalog.tests.factories import make_product
from apps.platform.tests.factories import console_client
from apps.stores.models import StoreTheme
from apps.stores.selectors import store_settings_get
from apps.stores.services import StoreSettingsInput
from apps.stores.themes import PRESETS
from apps.tenants.models import Domain

pytestmark = pytest.mark.django_db


def test_editing_a_product_in_the_dashboard_records_who_from_where_and_what(alpha):
    # given
    with schema_context(alpha.tenant.schema_name):
        product = make_product("Linen Shirt", sku_prefix="LIN")
    client, user = member_client(alpha, "staff")
    # when
    response = client.post(
        f"/dashboard/catalog/products/{product.uuid}/",
        product_post(title="Linen Shirt II", status="active", rows=[{"sku": "LIN-S0", "price": "30.00"}]),
    )
    # then
    assert response.status_code == 302
    [entry] = entries(alpha, object_type="catalog.product", action="updated")
    assert (entry.actor_kind, entry.actor_id, entry.actor_label) == ("user", user.pk, user.email)
    assert entry.ip_address == ADDRESS and entry.user_agent == "AuditTest/1.0"
    assert entry.object_id == str(product.pk) and entry.object_repr == "Linen Shirt II"
    assert entry.changes["title"] == ["Linen Shirt", "Linen Shirt II"], entry.changes
    assert "updated_at" not in entry.changes and "search_vector" not in entry.changes


def test_a_store_setting_changed_on_its_page_is_recorded(alpha):
    client, user = member_client(alpha, "admin")
    with schema_context(alpha.tenant.schema_name):
        current = StoreSettingsInput.from_settings(store_settings_get())
    data = {name: getattr(current, name) for name in StoreSettingsInput.__dataclass_fields__}
    data["languages"] = list(current.languages)
    data["city"] = "Porto"
    response = client.post("/dashboard/store/settings/", data)
    assert response.status_code == 302
    [entry] = entries(alpha, object_type="stores.storesettings")
    assert entry.action == "updated" and entry.actor_label == user.email and entry.ip_address == ADDRESS
    assert entry.changes == {"city": [current.city or "", "Porto"]} or entry.changes["city"][1] == "Porto"


def test_choosing_a_theme_preset_is_recorded(alpha):
    client, user = member_client(alpha, "owner")
    with schema_context(alpha.tenant.schema_name):
        current = StoreTheme.objects.get()
    other = next(key for key in PRESETS if key != current.preset)
    response = client.post("/dashboard/store/theme/", {"action": "preset", "preset": other})
    assert response.status_code == 302
    [entry] = entries(alpha, object_type="stores.storetheme")
    assert entry.actor_label == user.email and entry.ip_address == ADDRESS
    assert "draft" in entry.changes  # the preset goes to the draft first


def test_a_domain_added_in_the_dashboard_is_recorded_in_the_store_not_in_public(alpha, beta):
    client, user = member_client(alpha, "owner")
    response = client.post("/dashboard/store/domains/", {"domain": "shop.alpha-audit.com"})
    assert response.status_code == 302
    domain = Domain.objects.get(domain="shop.alpha-audit.com")
    [entry] = entries(alpha, object_type="tenants.domain")
    assert (entry.action, entry.object_id, entry.object_repr) == (
        "created",
        str(domain.pk),
        "shop.alpha-audit.com",
    )
    assert entry.actor_label == user.email and entry.ip_address == ADDRESS
    assert entry.changes["domain"] == [None, "shop.alpha-audit.com"]
    assert entry.changes["verification_token"] == [None, REDACTED]  # a token never in clear
    assert entries(beta, object_type="tenants.domain") == []

    response = client.post(f"/dashboard/store/domains/{domain.pk}/remove/")
    assert response.status_code == 302
    assert [e.action for e in entries(alpha, object_type="tenants.domain")] == ["created", "deleted"]


def test_an_api_key_made_in_the_dashboard_is_recorded_without_its_secret(alpha):
    client, user = member_client(alpha, "owner")
    response = client.post(
        "/dashboard/api-keys/new/",
        {"name": "ERP sync", "expires": "90", "scope_products": "write", "scope_orders": "read"},
    )
    assert response.status_code == 302
    shown = client.get(response["Location"])
    plaintext = shown.context["plaintext"]
    [entry] = entries(alpha, object_type="api.apikey")
    assert entry.action == "created" and entry.object_repr and entry.actor_label == user.email
    assert entry.changes["secret_hash"] == [None, REDACTED]
    assert entry.changes["name"] == [None, "ERP sync"]
    stored = json.dumps(entry.changes)
    secret_part = plaintext.rsplit("_", 1)[-1]
    assert secret_part not in stored and plaintext not in stored


def test_a_change_through_the_api_names_the_key(alpha):
    with schema_context(alpha.tenant.schema_name):
        product = make_product("Mug", sku_prefix="MUG", status="draft")
    api = api_client(
        alpha, api_key_make(alpha, ["products:write"], name="Shop sync"), REMOTE_ADDR="198.51.100.20"
    )
    response = api.patch(
        f"/api/v1/products/{product.uuid}", {"status": "active"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    [entry] = entries(alpha, object_type="catalog.product", action="updated")
    assert (entry.actor_kind, entry.actor_label) == ("api_key", "API key Shop sync")
    assert entry.ip_address == "198.51.100.20"
    assert entry.changes["status"] == ["draft", "active"]


def test_a_team_invitation_from_the_console_is_recorded_in_the_merchants_store(alpha, beta):
    client = console_client(alpha.owner, remote_addr="203.0.113.50")
    response = client.post(
        f"/console/merchants/{alpha.merchant.uuid}/team/invite/",
        {"email": "new-hire@example.com", "role": "staff"},
    )
    assert response.status_code == 302
    [entry] = entries(alpha, object_type="platform.teaminvitation")
    assert entry.action == AuditEntry.Action.INVITE_SENT
    assert (entry.actor_kind, entry.actor_id, entry.actor_label) == (
        "platform_user",
        alpha.owner.pk,
        alpha.owner.email,
    )
    assert entry.ip_address == "203.0.113.50"
    assert entry.object_repr == "new-hire@example.com"
    assert entries(beta, object_type="platform.teaminvitation") == []  # another merchant's store
