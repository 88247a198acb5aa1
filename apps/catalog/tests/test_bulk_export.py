"""The product CSV export: its rows, a fixed number of queries per chunk, filters, and a
round trip into another store."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from apps.catalog.bulk import COLUMNS, product_import_start, products_export_csv_rows
from apps.catalog.models import Category, ImportRun, Product
from apps.catalog.selectors import ProductFilters
from apps.catalog.services import ProductInput, VariantInput, category_save, product_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_of_its_own(settings, tmp_path):
    """Uploads outlive the rolled-back test transaction: keep them in this test's own directory.
    django-tenants' storage caches the media root and ignores setting changes, hence the pops."""
    storage = storages["default"]
    settings.MEDIA_ROOT = str(tmp_path)
    storage.__dict__.pop("relative_media_root", None)
    yield
    storage.__dict__.pop("relative_media_root", None)


def as_dicts(rows: list[list[str]]) -> list[dict[str, str]]:
    header, *body = rows
    return [dict(zip(header, row, strict=True)) for row in body]


def to_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode()


def make_catalog() -> None:
    """Products that use every column, in the current store."""
    clothing = category_save(category=Category(), name="Clothing", parent=None)
    shirts = category_save(category=Category(), name="Shirts", parent=clothing)
    product_create(
        data=ProductInput(
            title="Linen Shirt",
            handle="linen-shirt",
            description="<p>Breathable <b>linen</b>, “quoted”, with commas</p>",
            status=Product.Status.ACTIVE,
            vendor="Acme",
            product_type="Shirts",
            tags=("summer", "linen"),
            seo_title="Linen shirt",
            seo_description="A shirt\nover two lines",
            category_id=shirts.pk,
            variants=(
                VariantInput(
                    sku="LS-S-W",
                    price=Decimal("29.9"),
                    compare_at_price=Decimal("39"),
                    cost=Decimal("12.5"),
                    weight_grams=250,
                    barcode="400000000001",
                    options=(("Size", "S"), ("Colour", "White")),
                ),
                VariantInput(
                    sku="LS-M-W", price=Decimal("29.90"), options=(("Size", "M"), ("Colour", "White"))
                ),
                VariantInput(sku="LS-M-B", price=Decimal(31), options=(("Size", "M"), ("Colour", "Blue"))),
            ),
        )
    )
    product_create(
        data=ProductInput(title="Enamel Mug", variants=(VariantInput(sku="MUG-1", price=Decimal(9)),))
    )
    # text a spreadsheet would run as a formula, and a SKU starting with a minus
    product_create(
        data=ProductInput(
            title='=HYPERLINK("http://evil.example")',
            handle="formula",
            vendor="@vendor",
            variants=(VariantInput(sku="-5", price=Decimal(1)),),
        )
    )


def test_the_export_has_the_header_and_one_row_per_variant_with_product_columns_on_the_first(alpha):
    with schema_context(alpha.tenant.schema_name):
        make_catalog()
        rows = list(products_export_csv_rows())
    assert rows[0] == list(COLUMNS)
    by_sku = {row["sku"]: row for row in as_dicts(rows)}
    assert len(by_sku) == 5
    first = by_sku["LS-S-W"]
    assert first == {
        **dict.fromkeys(COLUMNS, ""),
        "handle": "linen-shirt",
        "title": "Linen Shirt",
        "description": "<p>Breathable <b>linen</b>, “quoted”, with commas</p>",
        "status": "active",
        "vendor": "Acme",
        "product_type": "Shirts",
        "tags": "summer, linen",
        "category": "clothing/shirts",
        "seo_title": "Linen shirt",
        "seo_description": "A shirt\nover two lines",
        "option1_name": "Size",
        "option1_value": "S",
        "option2_name": "Colour",
        "option2_value": "White",
        "sku": "LS-S-W",
        "price": "29.90",
        "compare_at_price": "39.00",
        "cost": "12.50",
        "weight_grams": "250",
        "barcode": "400000000001",
    }
    # later rows of a product carry only the handle, option values and the variant's columns
    assert by_sku["LS-M-B"] == {
        **dict.fromkeys(COLUMNS, ""),
        "handle": "linen-shirt",
        "option1_value": "M",
        "option2_value": "Blue",
        "sku": "LS-M-B",
        "price": "31.00",
    }
    # text a spreadsheet would execute is exported as literal text
    formula = by_sku["'-5"]
    assert (formula["title"], formula["vendor"]) == ('\'=HYPERLINK("http://evil.example")', "'@vendor")


def test_the_export_runs_four_queries_per_chunk_of_products(alpha):
    with schema_context(alpha.tenant.schema_name):
        for n in range(6):
            product_create(
                data=ProductInput(
                    title=f"P{n}",
                    variants=(
                        VariantInput(sku=f"P{n}-S", price=Decimal(1), options=(("Size", "S"),)),
                        VariantInput(sku=f"P{n}-M", price=Decimal(1), options=(("Size", "M"),)),
                    ),
                )
            )
        for chunk_size, chunks in ((2, 3), (4, 2), (100, 1)):
            with CaptureQueriesContext(connection) as queries:
                rows = list(products_export_csv_rows(chunk_size=chunk_size))
            assert len(rows) == 1 + 12
            # products, options, variants, option values; a full last chunk asks once more
            assert len(queries) == 4 * chunks + (1 if 6 % chunk_size == 0 else 0)


def test_the_export_follows_the_product_filters(alpha):
    with schema_context(alpha.tenant.schema_name):
        make_catalog()
        rows = as_dicts(list(products_export_csv_rows(filters=ProductFilters(status=Product.Status.ACTIVE))))
    assert {row["handle"] for row in rows} == {"linen-shirt"}


def test_an_export_imports_into_another_store_unchanged(alpha, beta, django_capture_on_commit_callbacks):
    with schema_context(alpha.tenant.schema_name):
        make_catalog()
        exported = list(products_export_csv_rows())
    # when store B imports store A's export
    with schema_context(beta.tenant.schema_name):
        with django_capture_on_commit_callbacks(execute=True):
            run = product_import_start(
                upload=SimpleUploadedFile("export.csv", to_csv(exported), content_type="text/csv"),
                policy=ImportRun.Policy.ALL_OR_NOTHING,
                actor=None,
            )
        run.refresh_from_db()
        assert run.status == ImportRun.Status.SUCCEEDED, [
            (error.row, error.column, error.message) for error in run.row_errors.all()
        ]
        assert run.created_count == 3
        # then store B's export is the same file
        assert list(products_export_csv_rows()) == exported
        # including the parts a spreadsheet would have run as formulas, stored as they were
        product = Product.objects.get(handle="formula")
        assert (product.title, product.vendor) == ('=HYPERLINK("http://evil.example")', "@vendor")
        assert product.variants.get().sku == "-5"
        # and the category tree it needed was created in B
        assert list(Category.objects.values_list("path", flat=True)) == ["clothing", "clothing/shirts"]
