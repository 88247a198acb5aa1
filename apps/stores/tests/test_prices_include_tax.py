"""The store's "prices include tax" switch on the settings page (read by the checkout totals)."""

from __future__ import annotations

from typing import Any

import pytest
from django_tenants.utils import schema_context, tenant_context

from apps.stores.selectors import store_settings_get
from apps.stores.services import StoreSettingsInput
from tests.fixtures import StoreWorld, make_store_user, store_client

pytestmark = pytest.mark.django_db

URL = "/dashboard/store/settings/"


def _form_data(world: StoreWorld) -> dict[str, Any]:
    with tenant_context(world.tenant):
        current = StoreSettingsInput.from_settings(store_settings_get())
    data: dict[str, Any] = {
        name: getattr(current, name)
        for name in StoreSettingsInput.__dataclass_fields__
        if name != "prices_include_tax"
    }
    data["languages"] = list(current.languages)
    return data


def test_owner_switches_prices_to_include_tax_and_back(alpha: StoreWorld) -> None:
    user = make_store_user(alpha, "owner-tax@example.com", role="owner")
    client = store_client(alpha)
    with schema_context(alpha.tenant.schema_name):
        client.force_login(user)
    page = client.get(URL).content.decode()
    assert "<legend>Taxes</legend>" in page and 'name="prices_include_tax"' in page

    # a ticked checkbox posts "on"
    response = client.post(URL, {**_form_data(alpha), "prices_include_tax": "on"})
    assert response.status_code == 302
    with tenant_context(alpha.tenant):
        assert store_settings_get().prices_include_tax is True
    # an unticked one posts nothing
    response = client.post(URL, _form_data(alpha))
    assert response.status_code == 302
    with tenant_context(alpha.tenant):
        assert store_settings_get().prices_include_tax is False
