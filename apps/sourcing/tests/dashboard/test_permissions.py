"""Who may open and use the sourcing pages: every role reads (`sourcing.view`); owner, admin and
staff manage suppliers, imports, syncs and pricing rules (`sourcing.manage`); only owner and
admin see or change a supplier's API credentials (`sourcing.credentials`), and nobody sees a
stored secret again. Finance's attempts are refused and change nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django_tenants.utils import tenant_context

from apps.catalog.models import ImportRun
from apps.core.permissions import Perm, view_permission
from apps.sourcing.dashboard import urls as sourcing_urls
from apps.sourcing.models import PricingRule, Supplier
from apps.sourcing.tests.factories import make_api_supplier, make_feed_supplier, make_rule, make_supplier
from apps.sourcing.tests.fakes import ACCESS_TOKEN, APP_KEY, APP_SECRET

pytestmark = pytest.mark.django_db

BASE = "/dashboard/sourcing"
ROLES = ("owner", "admin", "staff", "finance")
MANAGERS = {"owner", "admin", "staff"}
READ_PAGES = {"supplier_list", "supplier_detail", "rule_list"}
CSV = "product_id,title,sku,cost,stock\nP1,Thing,T-1,3.00,5\n"


def _supplier_post(supplier: Supplier, **overrides: Any) -> dict[str, Any]:
    """The edit form as the browser would post it back, changed by `overrides`."""
    config = supplier.connector_config or {}
    data = {
        "name": supplier.name,
        "code": supplier.code,
        "connector": supplier.connector,
        "feed_url": config.get("feed_url", ""),
        "product_ids": "\n".join(config.get("product_ids") or []),
        "ship_to_country": config.get("ship_to_country", "DE"),
        "target_language": config.get("target_language", "en_US"),
        "lead_time_days": str(supplier.lead_time_days),
        "sync_enabled": "on",
        "is_active": "on",
    }
    data.update(overrides)
    return data


@pytest.fixture
def sourcing(alpha):  # type: ignore[no-untyped-def]
    """Store alpha: a manual supplier and a store-wide pricing rule."""
    with tenant_context(alpha.tenant):
        supplier = make_supplier(name="Acme Wholesale", code="acme")
        rule = make_rule(name="Standard")
    return supplier, rule


def _pages(supplier: Supplier, rule: PricingRule) -> dict[str, str]:
    return {
        "supplier_list": f"{BASE}/",
        "supplier_detail": f"{BASE}/suppliers/{supplier.pk}/",
        "rule_list": f"{BASE}/pricing-rules/",
        "supplier_create": f"{BASE}/suppliers/new/",
        "supplier_edit": f"{BASE}/suppliers/{supplier.pk}/edit/",
        "rule_create": f"{BASE}/pricing-rules/new/",
        "rule_edit": f"{BASE}/pricing-rules/{rule.pk}/",
        "rule_delete": f"{BASE}/pricing-rules/{rule.pk}/delete/",
    }


def test_every_sourcing_url_declares_its_permission():
    declared = {
        pattern.name: view_permission(pattern.callback)  # type: ignore[union-attr,arg-type]
        for pattern in sourcing_urls.urlpatterns
    }
    assert len(declared) == 10
    for name, permission in declared.items():
        assert permission is not None, name
        expected = Perm.SOURCING_VIEW if name in READ_PAGES else Perm.SOURCING_MANAGE
        assert (permission.read, permission.write) == (expected, expected), name


@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_the_pages_its_permissions_allow(alpha, sourcing, role_client, role):
    supplier, rule = sourcing
    client = role_client(role)
    for name, url in _pages(supplier, rule).items():
        response = client.get(url)
        expected = 200 if name in READ_PAGES or role in MANAGERS else 403
        assert response.status_code == expected, (role, name)
    # the import and sync buttons post; finance is refused before anything is looked at
    for action in ("import", "sync"):
        response = client.post(f"{BASE}/suppliers/{supplier.pk}/{action}/")
        assert (response.status_code == 403) is (role not in MANAGERS), (role, action)


def test_finance_posts_change_nothing(alpha, sourcing, role_client, django_capture_on_commit_callbacks):
    supplier, rule = sourcing
    with tenant_context(alpha.tenant):
        feed_supplier = make_feed_supplier("https://feeds.example.com/acme.csv", code="feed")
    pages = _pages(supplier, rule)
    client = role_client("finance")
    rule_data = {"name": "Cheap", "markup_percent": "1", "fixed_margin": "0", "rounding": "none"}
    # when finance posts every form and button
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        statuses = [
            client.post(
                pages["supplier_create"], _supplier_post(supplier, code="new", name="New")
            ).status_code,
            client.post(pages["supplier_edit"], _supplier_post(supplier, name="Renamed")).status_code,
            client.post(f"{BASE}/suppliers/{supplier.pk}/import/").status_code,
            client.post(f"{BASE}/suppliers/{feed_supplier.pk}/sync/").status_code,
            client.post(pages["rule_create"], {**rule_data, "is_active": ""}).status_code,
            client.post(pages["rule_edit"], {**rule_data, "is_active": "on"}).status_code,
            client.post(pages["rule_delete"]).status_code,
        ]
    # then every one is refused, nothing was queued, and the data is as it was
    assert statuses == [403] * 7
    assert callbacks == []
    with tenant_context(alpha.tenant):
        assert sorted(Supplier.objects.values_list("code", flat=True)) == ["acme", "feed"]
        assert Supplier.objects.get(pk=supplier.pk).name == "Acme Wholesale"
        assert not ImportRun.objects.exists()
        assert list(PricingRule.objects.values_list("name", "markup_percent")) == [("Standard", 100)]


def test_pages_hide_what_finance_cannot_use(alpha, sourcing, role_client):
    supplier, rule = sourcing
    with tenant_context(alpha.tenant):
        feed_supplier = make_feed_supplier("https://feeds.example.com/acme.csv", code="feed")
    pages = _pages(supplier, rule)
    finance, staff = role_client("finance"), role_client("staff")
    for client, shown in ((finance, False), (staff, True)):
        listing = client.get(pages["supplier_list"]).text
        manual = client.get(pages["supplier_detail"]).text
        feed = client.get(f"{BASE}/suppliers/{feed_supplier.pk}/").text
        rules = client.get(pages["rule_list"]).text
        assert (pages["supplier_create"] in listing) is shown
        assert (pages["supplier_edit"] in manual) is shown
        assert ("Import catalog" in manual) is shown
        assert (f"{BASE}/suppliers/{supplier.pk}/import/" in manual) is shown
        assert ("Sync now" in feed) is shown
        assert (f"{BASE}/suppliers/{feed_supplier.pk}/sync/" in feed) is shown
        assert (pages["rule_edit"] in rules) is shown
        assert (pages["rule_delete"] in rules) is shown
        assert (pages["rule_create"] in rules) is shown
        # what the pages show stays readable for all
        assert "Acme Wholesale" in listing and "Standard" in rules and "Standard" in manual
    assert f'href="{BASE}/"' in finance.get("/dashboard/").text


# ------------------------------------------------------------------------------
# credentials
# ------------------------------------------------------------------------------
def test_staff_do_not_see_the_api_credentials(alpha, fake, role_client):
    with tenant_context(alpha.tenant):
        supplier = make_api_supplier(fake, product_ids=["1005001"])
    page = role_client("staff").get(f"{BASE}/suppliers/{supplier.pk}/edit/")
    assert page.status_code == 200
    form = page.context["form"]
    assert not {"base_url", "app_key", "app_secret", "access_token"} & set(form.fields)
    for name in ("base_url", "app_key", "app_secret", "access_token"):
        assert f'name="{name}"' not in page.text
    for value in (APP_KEY, APP_SECRET, ACCESS_TOKEN, fake.base_url, APP_SECRET[-4:]):
        assert value not in page.text
    # the fields staff may change are there
    assert 'name="product_ids"' in page.text and "1005001" in page.text
    assert "managed by the store owner or an admin" in page.text


def test_a_forged_staff_post_changes_no_credential(alpha, fake, role_client):
    with tenant_context(alpha.tenant):
        supplier = make_api_supplier(fake, product_ids=["1005001"])
        before = dict(supplier.connector_config)
    # when staff post the edit form with credentials and a different connector added by hand
    response = role_client("staff").post(
        f"{BASE}/suppliers/{supplier.pk}/edit/",
        _supplier_post(
            supplier,
            name="AliExpress renamed",
            product_ids="1005001\n1005002",
            connector=Supplier.Connector.CSV_FEED,
            feed_url="https://feeds.example.com/x.csv",
            base_url="https://attacker.example.com",
            app_key="forged-key",
            app_secret="forged-secret",
            access_token="forged-token",
        ),
    )
    # then the fields staff may change are saved, and the connector and credentials are not
    assert response.status_code == 302, response.context["form"].errors
    with tenant_context(alpha.tenant):
        supplier.refresh_from_db()
    assert supplier.name == "AliExpress renamed"
    assert supplier.connector == Supplier.Connector.DROPSHIP_API
    assert supplier.connector_config["product_ids"] == ["1005001", "1005002"]
    for key in ("base_url", "app_key", "app_secret", "access_token"):
        assert supplier.connector_config[key] == before[key], key


def test_staff_cannot_connect_a_supplier_to_the_api(alpha, fake, role_client):
    client = role_client("staff")
    api = {
        "name": "Sneaky",
        "code": "sneaky",
        "connector": Supplier.Connector.DROPSHIP_API,
        "base_url": fake.base_url,
        "app_key": APP_KEY,
        "app_secret": APP_SECRET,
        "product_ids": "1005001",
        "ship_to_country": "DE",
        "lead_time_days": "7",
    }
    # neither as a new supplier
    created = client.post(f"{BASE}/suppliers/new/", api)
    assert created.status_code == 200 and "connector" in created.context["form"].errors
    # nor by switching an existing one
    with tenant_context(alpha.tenant):
        manual = make_supplier(code="manual", name="Manual")
    switched = client.post(f"{BASE}/suppliers/{manual.pk}/edit/", {**api, "code": "manual"})
    assert switched.status_code == 200 and "connector" in switched.context["form"].errors
    with tenant_context(alpha.tenant):
        assert not Supplier.objects.filter(code="sneaky").exists()
        manual.refresh_from_db()
        assert (manual.connector, manual.connector_config) == (Supplier.Connector.MANUAL, {})


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_owner_and_admin_replace_credentials_without_seeing_them(alpha, fake, role_client, role):
    with tenant_context(alpha.tenant):
        supplier = make_api_supplier(fake, product_ids=["1005001"], access_token="")
    client = role_client(role)
    page = client.get(f"{BASE}/suppliers/{supplier.pk}/edit/")
    form = page.context["form"]
    # the credential fields are there, saying only whether each is set
    assert {"base_url", "app_key", "app_secret", "access_token"} <= set(form.fields)
    assert form.fields["app_key"].help_text.startswith("Set.")
    assert form.fields["app_secret"].help_text.startswith("Set.")
    assert form.fields["access_token"].help_text == "Not set."
    for value in (APP_KEY, APP_SECRET, APP_SECRET[-4:]):
        assert value not in page.text
    # when they replace the secret and add a token, leaving the app key empty
    response = client.post(
        f"{BASE}/suppliers/{supplier.pk}/edit/",
        _supplier_post(supplier, base_url=fake.base_url, app_secret="new-secret", access_token="new-token"),
    )
    # then those change and the key is kept
    assert response.status_code == 302, response.context["form"].errors
    with tenant_context(alpha.tenant):
        supplier.refresh_from_db()
    assert supplier.connector_config["app_secret"] == "new-secret"
    assert supplier.connector_config["access_token"] == "new-token"
    assert supplier.connector_config["app_key"] == APP_KEY
    # and the page still shows neither
    page = client.get(f"{BASE}/suppliers/{supplier.pk}/edit/")
    assert "new-secret" not in page.text and "new-token" not in page.text


def test_store_b_staff_get_404_for_store_a_supplier_ids(alpha, beta, fake, role_client):
    with tenant_context(alpha.tenant):
        supplier = make_api_supplier(fake, product_ids=["1005001"])
    client_b = role_client("owner", beta)
    for suffix in ("", "edit/"):
        assert client_b.get(f"{BASE}/suppliers/{supplier.pk}/{suffix}").status_code == 404
    forged = _supplier_post(supplier, name="Hijacked", app_secret="forged")
    assert client_b.post(f"{BASE}/suppliers/{supplier.pk}/edit/", forged).status_code == 404
    with tenant_context(alpha.tenant):
        supplier.refresh_from_db()
    assert (supplier.name, supplier.connector_config["app_secret"]) == ("AliExpress DS", APP_SECRET)
