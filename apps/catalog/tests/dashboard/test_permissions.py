"""Who may do what in the catalog pages: every write answers 403 to a role without the
permission and changes nothing; finance reads and exports but changes nothing; staff and owners
do the work. Pages hide the buttons and forms a role cannot use."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, reverse

from apps.catalog.dashboard import urls as catalog_urls
from apps.catalog.dashboard.forms import BulkAction, bulk_actions_allowed
from apps.catalog.models import Category, Collection, ImportRun, Product, ProductImage, ProductVariant
from apps.catalog.services import category_save
from apps.catalog.tests.dashboard.helpers import BASE, catalog_world, in_store, product_post, role_client
from apps.catalog.tests.factories import make_product
from apps.core.permissions import ROLE_PERMISSIONS, Perm, Role
from tests.fixtures import StoreWorld

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Write:
    """One kind of catalog write: the request, and how to tell whether it happened."""

    name: str
    permission: Perm
    send: Callable[[Client, dict[str, Any]], Any]
    happened: Callable[[dict[str, Any]], bool]


def _objects(world: StoreWorld) -> dict[str, Any]:
    with in_store(world):
        tee = make_product("Tee", sku_prefix="TEE")
        mug = make_product("Mug", sku_prefix="MUG")
        category = category_save(category=Category(), name="Kitchen", parent=None)
    return {"tee": tee, "mug": mug, "category": category, "world": world}


def _exists(objects: dict[str, Any], model: type[Any], **lookup: Any) -> bool:
    with in_store(objects["world"]):
        return bool(model.objects.filter(**lookup).exists())


def _csv_upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("p.csv", b"handle,title,sku,price\nnew-cap,New Cap,CAP-1,5\n", "text/csv")


WRITES = [
    Write(
        "product edit",
        Perm.CATALOG_EDIT,
        lambda c, o: c.post(
            f"{BASE}/products/{o['tee'].uuid}/",
            product_post(title="Renamed", handle="tee", rows=[{"sku": "TEE-S0", "price": "1"}]),
        ),
        lambda o: _exists(o, Product, title="Renamed"),
    ),
    Write(
        "product create",
        Perm.CATALOG_EDIT,
        lambda c, o: c.post(f"{BASE}/products/new/", product_post()),
        lambda o: _exists(o, Product, title="Basic Tee"),
    ),
    Write(
        "product delete",
        Perm.CATALOG_DELETE,
        lambda c, o: c.post(f"{BASE}/products/{o['tee'].uuid}/delete/"),
        lambda o: not _exists(o, Product, pk=o["tee"].pk),
    ),
    Write(
        "bulk delete",
        Perm.CATALOG_DELETE,
        lambda c, o: c.post(
            f"{BASE}/products/bulk/",
            {"action": "delete", "products": [str(o["tee"].uuid), str(o["mug"].uuid)], "confirm": "1"},
        ),
        lambda o: not _exists(o, Product, pk__in=[o["tee"].pk, o["mug"].pk]),
    ),
    Write(
        "bulk edit",
        Perm.CATALOG_EDIT,
        lambda c, o: c.post(
            f"{BASE}/products/bulk/",
            {"action": "status", "status": "archived", "products": [str(o["tee"].uuid)], "confirm": "1"},
        ),
        lambda o: _exists(o, Product, pk=o["tee"].pk, status="archived"),
    ),
    Write(
        "image upload",
        Perm.CATALOG_EDIT,
        lambda c, o: c.post(
            f"{BASE}/products/{o['tee'].uuid}/images/",
            {"image": SimpleUploadedFile("x.txt", b"not an image"), "alt": ""},
        ),
        # the upload is refused by the image check, so the page re-renders: reaching it is the write
        lambda o: False,
    ),
    Write(
        "import create",
        Perm.CATALOG_IMPORT,
        lambda c, o: c.post(f"{BASE}/imports/new/", {"file": _csv_upload(), "policy": "all_or_nothing"}),
        lambda o: _exists(o, ImportRun),
    ),
    Write(
        "category create",
        Perm.CATALOG_EDIT,
        lambda c, o: c.post(f"{BASE}/categories/new/", {"name": "Garden", "parent": "", "description": ""}),
        lambda o: _exists(o, Category, name="Garden"),
    ),
    Write(
        "category delete",
        Perm.CATALOG_DELETE,
        lambda c, o: c.post(f"{BASE}/categories/{o['category'].pk}/delete/"),
        lambda o: not _exists(o, Category, pk=o["category"].pk),
    ),
]


@pytest.mark.parametrize("write", WRITES, ids=lambda w: w.name)
@pytest.mark.parametrize("role", ["finance", "staff", "owner"])
def test_each_catalog_write_follows_the_role_map(alpha, role, write, django_capture_on_commit_callbacks):
    # given a store with products and a category, and a member with `role`
    objects = _objects(alpha)
    client = role_client(alpha, role)
    allowed = write.permission in ROLE_PERMISSIONS[Role(role)]
    # when the member sends the write
    with django_capture_on_commit_callbacks(execute=False):
        response = write.send(client, objects)
    # then a role without the permission gets the 403 page and nothing changes
    if not allowed:
        assert response.status_code == 403, (role, write.name)
        assert "Not allowed for your role" in response.content.decode()
        assert not write.happened(objects), (role, write.name)
        return
    # and a role with it gets its work done (or the form's own refusal, never a 403)
    assert response.status_code in (200, 302), (role, write.name, response.status_code)
    if write.name != "image upload":
        assert write.happened(objects), (role, write.name)


def test_finance_reads_and_exports_the_catalog_but_changes_nothing(alpha):
    objects = _objects(alpha)
    finance = role_client(alpha, "finance")
    for url in (
        f"{BASE}/products/",
        f"{BASE}/products/{objects['tee'].uuid}/",
        f"{BASE}/products/export.csv",
        f"{BASE}/categories/",
        f"{BASE}/collections/",
        f"{BASE}/imports/",
    ):
        assert finance.get(url).status_code == 200, url
    # the forms that only change things are refused outright
    for url in (
        f"{BASE}/products/new/",
        f"{BASE}/products/{objects['tee'].uuid}/delete/",
        f"{BASE}/categories/new/",
        f"{BASE}/categories/{objects['category'].pk}/",
        f"{BASE}/imports/new/",
    ):
        assert finance.get(url).status_code == 403, url
    # and even the preview step of a bulk delete is refused
    preview = finance.post(
        f"{BASE}/products/bulk/", {"action": "delete", "products": [str(objects["tee"].uuid)]}
    )
    assert preview.status_code == 403
    with in_store(alpha):
        assert Product.objects.filter(pk=objects["tee"].pk).exists()


def test_pages_hide_what_the_role_cannot_do(alpha):
    objects = _objects(alpha)
    tee = objects["tee"]
    finance, staff = role_client(alpha, "finance"), role_client(alpha, "staff")

    listing = finance.get(f"{BASE}/products/").content.decode()
    assert 'id="bulk-form"' not in listing and f"{BASE}/products/new/" not in listing
    assert f"{BASE}/imports/new/" not in listing and f"{BASE}/products/export.csv" in listing
    page = finance.get(f"{BASE}/products/{tee.uuid}/").content.decode()
    assert "Tee" in page and "<fieldset disabled" in page
    assert 'method="post"' not in page.split("</header>", 1)[-1]
    assert f"{BASE}/products/{tee.uuid}/delete/" not in page
    categories = finance.get(f"{BASE}/categories/").content.decode()
    assert f"{BASE}/categories/new/" not in categories and "/delete/" not in categories

    listing = staff.get(f"{BASE}/products/").content.decode()
    assert 'id="bulk-form"' in listing and f"{BASE}/products/new/" in listing
    page = staff.get(f"{BASE}/products/{tee.uuid}/").content.decode()
    assert 'id="product-form"' in page and "<fieldset disabled" not in page
    assert f"{BASE}/products/{tee.uuid}/delete/" in page


def test_bulk_actions_depend_on_the_action(alpha, monkeypatch):
    # given a role that may edit the catalog but not delete from it
    may_edit = ROLE_PERMISSIONS[Role.STAFF] - {Perm.CATALOG_DELETE}
    monkeypatch.setitem(ROLE_PERMISSIONS, Role.STAFF, may_edit)
    assert BulkAction.DELETE not in bulk_actions_allowed(may_edit)
    assert BulkAction.STATUS in bulk_actions_allowed(may_edit)
    objects = _objects(alpha)
    client = role_client(alpha, "staff")
    uuids = [str(objects["tee"].uuid)]
    # the list offers no delete
    listing = client.get(f"{BASE}/products/").content.decode()
    assert 'value="delete"' not in listing and 'value="status"' in listing
    # a bulk delete is refused, a bulk status change goes through
    refused = client.post(f"{BASE}/products/bulk/", {"action": "delete", "products": uuids, "confirm": "1"})
    assert refused.status_code == 403
    done = client.post(
        f"{BASE}/products/bulk/", {"action": "status", "status": "active", "products": uuids, "confirm": "1"}
    )
    assert done.status_code == 302
    with in_store(alpha):
        assert Product.objects.get(pk=objects["tee"].pk).status == "active"


def test_the_menu_shows_catalog_sections_to_readers_only(alpha):
    finance = role_client(alpha, "finance").get(f"{BASE}/products/").content.decode()
    for path in ("products/", "categories/", "collections/", "imports/"):
        assert f'href="{BASE}/{path}"' in finance
    shopper = Client(HTTP_HOST=alpha.host)
    assert shopper.get(f"{BASE}/products/").status_code == 302


def test_a_csv_export_is_streamed_to_finance(alpha):
    objects = _objects(alpha)
    response = role_client(alpha, "finance").get(f"{BASE}/products/export.csv")
    body = io.BytesIO(b"".join(response.streaming_content)).getvalue().decode()  # type: ignore[attr-defined]
    assert objects["tee"].handle in body


def _snapshot(world: StoreWorld) -> list[Any]:
    with in_store(world):
        return [
            list(model.objects.order_by("pk").values_list("pk", "updated_at"))
            for model in (Product, ProductVariant, ProductImage, Category, Collection, ImportRun)
        ]


def test_finance_gets_403_on_every_catalog_write_and_nothing_changes(alpha, media_cleanup):
    # given one of everything, and every catalog URL
    objects = catalog_world(alpha, media_cleanup)
    values = {
        "product_uuid": objects["product"].uuid,
        "image_id": objects["image"].pk,
        "category_id": objects["category"].pk,
        "collection_id": objects["collection"].pk,
        "run_uuid": objects["run"].uuid,
    }
    urls = [
        reverse(
            f"dashboard:catalog:{pattern.name}", kwargs={k: values[k] for k in pattern.pattern.converters}
        )
        for pattern in catalog_urls.urlpatterns
        if isinstance(pattern, URLPattern)
    ]
    assert len(urls) == 24
    before = _snapshot(alpha)
    finance = role_client(alpha, "finance")
    # when finance posts to each (a delete, for the bulk page)
    data = {"action": "delete", "products": [str(objects["product"].uuid)], "confirm": "1"}
    answers = {url: finance.post(url, data).status_code for url in urls}
    # then every write is refused with the 403 page (pages that only read do not take a POST),
    # and nothing changed
    writes = {url: status for url, status in answers.items() if status != 405}
    assert set(writes.values()) == {403}, answers
    assert len(writes) == 15, writes
    assert _snapshot(alpha) == before
