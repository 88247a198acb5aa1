"""One product write path: the product editor, the product CSV import and supplier imports read
a product's fields through the same normalisation (`apps.catalog.normalise`), so the same text
gives the same product, or the same refusal, whichever way it came in; and sourcing writes
catalog rows only through the catalog's services."""

from __future__ import annotations

import ast
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model
from django_tenants.utils import schema_context

from apps.catalog import models as catalog_models
from apps.catalog import normalise
from apps.catalog.bulk import product_import_run
from apps.catalog.models import ImportRun, Product, ProductVariant
from apps.sourcing.models import Supplier
from apps.sourcing.services import supplier_import_start
from apps.sourcing.tests.factories import make_supplier
from tests.fixtures import StoreWorld, make_store_user, store_client

ROOT = Path(__file__).resolve().parent.parent
FEED_HEADER = "product_id,title,sku,cost,currency,stock"


def _csv_import(world: StoreWorld, data: str) -> ImportRun:
    with schema_context(world.tenant.schema_name):
        run = ImportRun(kind=ImportRun.Kind.PRODUCT_CSV)
        run.file.save("same.csv", ContentFile(data.encode()), save=False)
        run.save()
        return product_import_run(run=run)


def _supplier_import(world: StoreWorld, capture: Any, feed: str, code: str) -> ImportRun:
    with schema_context(world.tenant.schema_name):
        supplier = make_supplier(name=f"Supplier {code}", code=code, connector=Supplier.Connector.MANUAL)
        with capture(execute=True):
            run = supplier_import_start(
                supplier=supplier, upload=SimpleUploadedFile("feed.csv", feed.encode(), "text/csv")
            )
        run.refresh_from_db()
        return run


@pytest.fixture
def spied(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """Records every call of the shared title and money normalisers."""
    calls: dict[str, list[Any]] = {"title_clean": [], "money_parse": []}
    for name in calls:
        original: Callable[..., Any] = getattr(normalise, name)

        def spy(value: Any, *args: Any, _name: str = name, _original: Any = original, **kwargs: Any) -> Any:
            calls[_name].append(value)
            return _original(value, *args, **kwargs)

        monkeypatch.setattr(normalise, name, spy)
    return calls


@pytest.mark.django_db
def test_a_supplier_feed_and_a_product_csv_give_the_same_title_and_amounts(
    alpha, django_capture_on_commit_callbacks, spied
):
    # given the same messy title and the same decimal-comma cost, once in a product CSV ...
    csv_run = _csv_import(
        alpha, 'handle,title,sku,price,cost\ncsv-shirt,"  Linen \t Shirt  ",CSV-1,"19,90","12,50"\n'
    )
    csv_calls = {name: len(values) for name, values in spied.items()}
    # ... and once in a supplier's feed
    supplier_run = _supplier_import(
        alpha,
        django_capture_on_commit_callbacks,
        f'{FEED_HEADER}\nP1,"  Linen \t Shirt  ",S-1,"12,50",EUR,3\n',
        "same",
    )
    # then both imports went through the shared normalisation
    assert csv_run.status == ImportRun.Status.SUCCEEDED, list(csv_run.row_errors.all())
    assert supplier_run.status == ImportRun.Status.SUCCEEDED, supplier_run.failure_reason
    assert csv_calls["title_clean"] >= 1 and csv_calls["money_parse"] >= 2
    assert len(spied["title_clean"]) > csv_calls["title_clean"]
    assert len(spied["money_parse"]) > csv_calls["money_parse"]
    # and made the same product fields from the same text
    with schema_context(alpha.tenant.schema_name):
        from_csv = ProductVariant.objects.select_related("product").get(sku="CSV-1")
        from_supplier = ProductVariant.objects.select_related("product").get(sku="same-S-1")
    assert from_csv.product.title == from_supplier.product.title == "Linen Shirt"
    assert from_csv.cost == from_supplier.cost == Decimal("12.50")
    assert from_csv.price == Decimal("19.90")


@pytest.mark.django_db
def test_an_ambiguous_amount_is_refused_the_same_way_on_both_paths(alpha, django_capture_on_commit_callbacks):
    # "1,250" could be 1.25 or 1250: neither import guesses
    csv_run = _csv_import(alpha, 'handle,title,sku,price,cost\ncap,Cap,CAP-1,5,"1,250"\n')
    supplier_run = _supplier_import(
        alpha, django_capture_on_commit_callbacks, f'{FEED_HEADER}\nP1,Cap,S-1,"1,250",EUR,3\n', "ambiguous"
    )
    with schema_context(alpha.tenant.schema_name):
        csv_problem = csv_run.row_errors.get()
        supplier_problem = supplier_run.row_errors.get()
        assert not Product.objects.filter(title="Cap").exists()
    assert (csv_run.status, supplier_run.status) == (ImportRun.Status.FAILED, ImportRun.Status.FAILED)
    assert csv_problem.column == supplier_problem.column == "cost"
    assert csv_problem.message == supplier_problem.message
    assert csv_problem.message.startswith("“1,250” is not an amount")


@pytest.mark.django_db
def test_the_editor_reads_fields_through_the_same_normalisation(alpha, spied):
    staff = make_store_user(alpha, "editor@example.com", role="staff")
    client = store_client(alpha)
    with schema_context(alpha.tenant.schema_name):
        client.force_login(staff)
    data = {
        "title": "  Linen \t Shirt  ",
        "handle": "",
        "description": "",
        "status": "draft",
        "category": "",
        "variants-TOTAL_FORMS": "1",
        "variants-INITIAL_FORMS": "0",
        "variants-0-sku": "ED-1",
        "variants-0-price": "19.90",
        "variants-0-cost": "12.50",
    }
    assert client.post("/dashboard/catalog/products/new/", data).status_code == 302
    # (the form strips the ends; the inner tab is the normaliser's to collapse)
    assert spied["title_clean"] == ["Linen \t Shirt"] and spied["money_parse"]
    with schema_context(alpha.tenant.schema_name):
        variant = ProductVariant.objects.select_related("product").get(sku="ED-1")
    assert (variant.product.title, variant.cost) == ("Linen Shirt", Decimal("12.50"))


# ------------------------------------------------------------------------------
# sourcing changes catalog rows only through catalog services
# ------------------------------------------------------------------------------
CATALOG_MODELS = {
    name
    for name, value in vars(catalog_models).items()
    if isinstance(value, type) and issubclass(value, Model) and value._meta.app_label == "catalog"
}
WRITES = {
    "create",
    "bulk_create",
    "update",
    "bulk_update",
    "delete",
    "get_or_create",
    "update_or_create",
    "save",
}


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def test_sourcing_writes_no_catalog_row_itself():
    offending = []
    for path in (ROOT / "apps" / "sourcing").rglob("*.py"):
        if {"tests", "migrations"} & set(path.parts):
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr not in WRITES:
                continue
            root = _root_name(node.func.value)
            # Product.objects...update(), ImportRun.objects.create(), product.save(), run.save()
            if root in CATALOG_MODELS or root in {"product", "variant", "image", "run", "row_error"}:
                offending.append(f"{path.relative_to(ROOT)}:{node.lineno} {ast.unparse(node.func)}")
    assert not offending, offending
    assert "Product" in CATALOG_MODELS and "ImportRun" in CATALOG_MODELS
