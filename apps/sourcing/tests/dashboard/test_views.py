"""Dashboard sourcing pages: suppliers, their offers, import and sync buttons, pricing rules, and
that one store's staff can neither see nor change another store's sourcing data."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import tenant_context

from apps.catalog.models import ImportRun, Product
from apps.sourcing.dashboard import views
from apps.sourcing.models import PricingRule, Supplier, SupplierOffer
from apps.sourcing.services import supplier_import_start
from apps.sourcing.tests.factories import make_api_supplier, make_feed_supplier, make_rule, make_supplier
from apps.sourcing.tests.fakes import APP_SECRET
from tests.fixtures import StoreWorld, make_store_user, store_client

pytestmark = pytest.mark.django_db

BASE = "/dashboard/sourcing"
CSV = "product_id,title,sku,cost,stock\nP1,Thing,T-1,3.00,5\n"


def staff_client(
    world: StoreWorld, email: str = "buyer@example.com", *, staff: bool = True, role: str = ""
) -> Client:
    user = make_store_user(world, email, staff=staff, role=role)
    client = store_client(world)
    with tenant_context(world.tenant):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def supplier_post(**overrides):
    data = {
        "name": "Acme Wholesale",
        "code": "acme",
        "connector": Supplier.Connector.CSV_FEED,
        "feed_url": "https://feeds.example.com/acme.csv",
        "lead_time_days": "7",
        "ship_to_country": "DE",
        "sync_enabled": "on",
        "is_active": "on",
    }
    data.update(overrides)
    return data


def test_pages_are_for_staff_only(alpha):
    assert store_client(alpha).get(f"{BASE}/").status_code == 302
    assert staff_client(alpha, "shopper@example.com", staff=False).get(f"{BASE}/").status_code == 403


def test_empty_supplier_list_invites_to_add_one(alpha):
    response = staff_client(alpha).get(f"{BASE}/")
    assert response.status_code == 200
    assert b"No suppliers yet" in response.content
    assert f'href="{BASE}/suppliers/new/"'.encode() in response.content


def test_supplier_list_is_paginated(alpha):
    with tenant_context(alpha.tenant):
        for n in range(views.SUPPLIER_PAGE_SIZE + 2):
            make_supplier(name=f"Supplier {n:02d}", code=f"s{n:02d}")
    client = staff_client(alpha)
    first = client.get(f"{BASE}/")
    assert len(first.context["page"].object_list) == views.SUPPLIER_PAGE_SIZE
    assert b"Page 1 of 2" in first.content
    second = client.get(f"{BASE}/?page=2")
    assert [s.name for s in second.context["page"].object_list] == ["Supplier 25", "Supplier 26"]


def test_a_feed_supplier_is_created(alpha):
    response = staff_client(alpha).post(f"{BASE}/suppliers/new/", supplier_post())
    with tenant_context(alpha.tenant):
        supplier = Supplier.objects.get(code="acme")
    assert response.status_code == 302
    assert response["Location"] == f"{BASE}/suppliers/{supplier.pk}/"
    assert supplier.connector_config == {"feed_url": "https://feeds.example.com/acme.csv"}


@pytest.mark.parametrize(
    ("overrides", "field", "text"),
    [
        ({"feed_url": ""}, "feed_url", "feed URL"),
        ({"feed_url": "http://169.254.169.254/latest/meta-data"}, "feed_url", "private or local"),
        ({"feed_url": "ftp://feeds.example.com/a.csv"}, "feed_url", "Only http:// and https://"),
        ({"code": "not a slug!"}, "code", "letters"),
        ({"connector": Supplier.Connector.DROPSHIP_API, "app_key": ""}, "app_key", "app key"),
        (
            {
                "connector": Supplier.Connector.DROPSHIP_API,
                "app_key": "1",
                "app_secret": "s",
                "product_ids": "shirt",
            },
            "product_ids",
            "not a product id",
        ),
    ],
)
def test_bad_supplier_input_names_the_problem(alpha, settings, overrides, field, text):
    settings.OUTBOUND_HTTP_ALLOWED_PRIVATE_HOSTS = []
    # an admin, who may also set the dropship API's credentials
    response = staff_client(alpha, role="admin").post(f"{BASE}/suppliers/new/", supplier_post(**overrides))
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors.get(field, []))
    assert text in errors, response.context["form"].errors
    with tenant_context(alpha.tenant):
        assert not Supplier.objects.exists()


def test_a_supplier_names_the_countries_it_ships_to(alpha):
    client = staff_client(alpha)
    refused = client.post(f"{BASE}/suppliers/new/", supplier_post(ships_to_countries="DE, Germany"))
    assert "not a two-letter country code" in " ".join(refused.context["form"].errors["ships_to_countries"])

    response = client.post(f"{BASE}/suppliers/new/", supplier_post(ships_to_countries="de, at;FR de"))

    assert response.status_code == 302
    with tenant_context(alpha.tenant):
        supplier = Supplier.objects.get(code="acme")
    assert supplier.ships_to_countries == ["AT", "DE", "FR"]
    edit = client.get(f"{BASE}/suppliers/{supplier.pk}/edit/")
    assert edit.context["form"].initial["ships_to_countries"] == "AT, DE, FR"


def test_a_taken_code_is_refused_on_the_code_field(alpha):
    with tenant_context(alpha.tenant):
        make_supplier(code="acme")
    response = staff_client(alpha).post(f"{BASE}/suppliers/new/", supplier_post(name="Other"))
    assert "already used" in " ".join(response.context["form"].errors["code"])


def test_api_secrets_are_never_shown_back_and_kept_when_left_empty(alpha, fake):
    with tenant_context(alpha.tenant):
        supplier = make_api_supplier(fake, product_ids=["1005001"])
    client = staff_client(alpha, role="owner")
    page = client.get(f"{BASE}/suppliers/{supplier.pk}/edit/")
    assert APP_SECRET.encode() not in page.content
    # not even its last characters: only whether it is set
    assert APP_SECRET[-4:].encode() not in page.content
    assert page.context["form"].fields["app_secret"].help_text.startswith("Set.")
    response = client.post(
        f"{BASE}/suppliers/{supplier.pk}/edit/",
        supplier_post(
            name="AliExpress DS",
            code="ali",
            connector=Supplier.Connector.DROPSHIP_API,
            base_url=fake.base_url,
            app_key="500100",
            app_secret="",
            access_token="",
            product_ids="1005001\nhttps://www.aliexpress.com/item/1005002.html",
        ),
    )
    assert response.status_code == 302, response.context["form"].errors
    with tenant_context(alpha.tenant):
        supplier.refresh_from_db()
    assert supplier.connector_config["app_secret"] == APP_SECRET
    assert supplier.connector_config["product_ids"] == ["1005001", "1005002"]


def test_supplier_detail_lists_offers_with_pagination(alpha):
    with tenant_context(alpha.tenant):
        supplier = make_supplier()
        SupplierOffer.objects.bulk_create(
            [
                SupplierOffer(
                    supplier=supplier, supplier_sku=f"SKU-{n:03d}", supplier_product_id="P", cost=Decimal("1")
                )
                for n in range(views.OFFER_PAGE_SIZE + 1)
            ]
        )
    client = staff_client(alpha)
    response = client.get(f"{BASE}/suppliers/{supplier.pk}/")
    assert response.status_code == 200
    assert b"SKU-000" in response.content and b"Import catalog" in response.content
    assert b"Sync now" not in response.content  # a manual supplier has nothing to sync from
    assert b"SKU-050" in client.get(f"{BASE}/suppliers/{supplier.pk}/?page=2").content


def test_import_button_starts_the_import_and_shows_its_progress(
    alpha, fake, django_capture_on_commit_callbacks
):
    with tenant_context(alpha.tenant):
        supplier = make_feed_supplier(fake.feed("/feed.csv", CSV))
    client = staff_client(alpha)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{BASE}/suppliers/{supplier.pk}/import/")
    with tenant_context(alpha.tenant):
        run = ImportRun.objects.get(supplier=supplier)
        assert run.status == ImportRun.Status.SUCCEEDED
        assert Product.objects.filter(title="Thing").exists()
    assert response.status_code == 302
    assert response["Location"] == f"/dashboard/catalog/imports/{run.uuid}/"


def test_import_falls_back_to_the_supplier_page_without_the_import_page(alpha, fake, monkeypatch):
    monkeypatch.setattr(views, "_import_url", lambda run_uuid: None)
    with tenant_context(alpha.tenant):
        supplier = make_feed_supplier(fake.feed("/feed.csv", CSV))
    response = staff_client(alpha).post(f"{BASE}/suppliers/{supplier.pk}/import/", follow=True)
    assert response.redirect_chain[-1][0] == f"{BASE}/suppliers/{supplier.pk}/"
    assert b"The import has started." in response.content


def test_a_manual_supplier_imports_an_uploaded_file(alpha, django_capture_on_commit_callbacks):
    with tenant_context(alpha.tenant):
        supplier = make_supplier(code="manual")
    client = staff_client(alpha)
    upload = SimpleUploadedFile("list.csv", CSV.encode(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{BASE}/suppliers/{supplier.pk}/import/", {"file": upload})
    with tenant_context(alpha.tenant):
        assert ImportRun.objects.get(supplier=supplier).status == ImportRun.Status.SUCCEEDED
    # without a file the merchant is told what is missing
    response = client.post(f"{BASE}/suppliers/{supplier.pk}/import/", follow=True)
    assert b"CSV or JSON file to import" in response.content


def test_sync_now_queues_the_sync(alpha, fake, django_capture_on_commit_callbacks):
    with tenant_context(alpha.tenant):
        supplier = make_feed_supplier(fake.feed("/feed.csv", CSV))
    client = staff_client(alpha)
    assert b"Sync now" in client.get(f"{BASE}/suppliers/{supplier.pk}/").content
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(f"{BASE}/suppliers/{supplier.pk}/sync/", follow=True)
    assert len(callbacks) == 1
    assert b"Syncing Acme Wholesale" in response.content
    with tenant_context(alpha.tenant):
        manual = make_supplier(code="manual", name="Manual")
    response = client.post(f"{BASE}/suppliers/{manual.pk}/sync/", follow=True)
    assert b"manual supplier" in response.content


def test_pricing_rules_are_created_edited_and_deleted(alpha):
    client = staff_client(alpha)
    assert b"No pricing rules yet" in client.get(f"{BASE}/pricing-rules/").content
    response = client.post(
        f"{BASE}/pricing-rules/new/",
        {
            "name": "Double",
            "supplier": "",
            "markup_percent": "100",
            "fixed_margin": "0",
            "rounding": "0.99",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    with tenant_context(alpha.tenant):
        rule = PricingRule.objects.get(name="Double")
    # a second active store-wide rule is refused, naming the first
    clash = client.post(
        f"{BASE}/pricing-rules/new/",
        {
            "name": "Other",
            "supplier": "",
            "markup_percent": "10",
            "fixed_margin": "0",
            "rounding": "none",
            "is_active": "on",
        },
    )
    assert "Double" in " ".join(clash.context["form"].errors["supplier"])
    # bad numbers are named on their fields
    bad = client.post(
        f"{BASE}/pricing-rules/{rule.pk}/",
        {"name": "Double", "markup_percent": "-150", "fixed_margin": "x", "rounding": "0.99"},
    )
    assert set(bad.context["form"].errors) == {"markup_percent", "fixed_margin"}
    # deleting asks first, then deletes
    confirm = client.get(f"{BASE}/pricing-rules/{rule.pk}/delete/")
    assert b"Delete the pricing rule" in confirm.content
    with tenant_context(alpha.tenant):
        assert PricingRule.objects.filter(pk=rule.pk).exists()
    assert client.post(f"{BASE}/pricing-rules/{rule.pk}/delete/").status_code == 302
    with tenant_context(alpha.tenant):
        assert not PricingRule.objects.filter(pk=rule.pk).exists()


def test_store_b_cannot_see_or_change_store_as_sourcing(
    alpha, beta, fake, django_capture_on_commit_callbacks
):
    # given a supplier with an offer and a pricing rule in store A
    with tenant_context(alpha.tenant):
        supplier = make_feed_supplier(fake.feed("/feed.csv", CSV), name="Alpha Secret Supplier")
        with django_capture_on_commit_callbacks(execute=True):
            supplier_import_start(supplier=supplier)
        rule = make_rule(supplier=supplier, name="Alpha rule")
        assert SupplierOffer.objects.filter(supplier=supplier).count() == 1
    client_b = staff_client(beta, "staff-b@example.com")
    # then B's pages do not list them
    assert b"Alpha Secret Supplier" not in client_b.get(f"{BASE}/").content
    assert b"Alpha rule" not in client_b.get(f"{BASE}/pricing-rules/").content
    # and A's ids lead nowhere on B, whatever the method
    for url in (
        f"{BASE}/suppliers/{supplier.pk}/",
        f"{BASE}/suppliers/{supplier.pk}/edit/",
        f"{BASE}/pricing-rules/{rule.pk}/",
        f"{BASE}/pricing-rules/{rule.pk}/delete/",
    ):
        assert client_b.get(url).status_code == 404, url
    for url in (
        f"{BASE}/suppliers/{supplier.pk}/edit/",
        f"{BASE}/suppliers/{supplier.pk}/import/",
        f"{BASE}/suppliers/{supplier.pk}/sync/",
        f"{BASE}/pricing-rules/{rule.pk}/delete/",
    ):
        assert client_b.post(url, supplier_post(name="Hijacked")).status_code == 404, url
    # and A's data is unchanged, while B has none of it
    with tenant_context(alpha.tenant):
        assert Supplier.objects.get(pk=supplier.pk).name == "Alpha Secret Supplier"
        assert PricingRule.objects.filter(pk=rule.pk).exists()
        assert Product.objects.filter(title="Thing").exists()
    with tenant_context(beta.tenant):
        assert not Supplier.objects.exists()
        assert not SupplierOffer.objects.exists()
        assert not PricingRule.objects.exists()
        assert not ImportRun.objects.exists()
        assert not Product.objects.filter(title="Thing").exists()


def test_supplier_detail_runs_a_fixed_number_of_queries(alpha):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.catalog.services import ProductInput, VariantInput, product_create

    client = staff_client(alpha)
    with tenant_context(alpha.tenant):
        supplier = make_supplier()

    def add_linked_offers(start: int, count: int) -> None:
        with tenant_context(alpha.tenant):
            for n in range(start, start + count):
                product = product_create(
                    data=ProductInput(
                        title=f"P{n}", variants=(VariantInput(sku=f"V{n}", price=Decimal("2")),)
                    )
                )
                SupplierOffer.objects.create(
                    supplier=supplier,
                    supplier_sku=f"S{n}",
                    supplier_product_id=f"P{n}",
                    cost=Decimal("1"),
                    variant=product.variants.get(),
                )

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"{BASE}/suppliers/{supplier.pk}/").status_code == 200
        return len(captured)

    client.get(f"{BASE}/suppliers/{supplier.pk}/")  # the host -> store lookup is cached after this
    add_linked_offers(0, 2)
    few = queries()
    add_linked_offers(2, 10)
    assert queries() == few
