"""The product CSV import: checking every row, both policies, batched writes, progress, events,
malformed files, the Celery task and the store boundary."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.postgres.search import SearchQuery
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.catalog import bulk
from apps.catalog.bulk import COLUMNS, product_import_run, product_import_start
from apps.catalog.errors import CatalogError
from apps.catalog.models import Category, ImportRowError, ImportRun, Product, ProductVariant
from apps.catalog.services import ProductInput, VariantInput, category_save, product_create
from apps.catalog.tasks import product_import_task
from apps.core.models import EventRecord
from apps.stores.selectors import store_settings_get
from tests.fixtures import make_store_user

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


# ------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------
def csv_bytes(rows: list[dict[str, str]], columns: tuple[str, ...] = COLUMNS, *, bom: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return (("\ufeff" if bom else "") + out.getvalue()).encode()


def upload(data: bytes, name: str = "products.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


@pytest.fixture
def import_csv(django_capture_on_commit_callbacks):
    """Start an import in the store and let the commit run it (eager Celery), like the dashboard."""

    def run(world, data: bytes, *, policy: str = ImportRun.Policy.ALL_OR_NOTHING, actor=None) -> ImportRun:
        with schema_context(world.tenant.schema_name):
            with django_capture_on_commit_callbacks(execute=True):
                started = product_import_start(upload=upload(data), policy=policy, actor=actor)
            started.refresh_from_db()
            return started

    return run


def run_file(world, data: bytes, *, policy: str = ImportRun.Policy.ALL_OR_NOTHING) -> ImportRun:
    """Run the import service on a stored file directly (what the task does)."""
    with schema_context(world.tenant.schema_name):
        run = ImportRun(kind=ImportRun.Kind.PRODUCT_CSV, policy=policy)
        run.file.save("test.csv", ContentFile(data), save=False)
        run.save()
        return product_import_run(run=run)


def report(world, run: ImportRun) -> list[tuple[int, str, str]]:
    with schema_context(world.tenant.schema_name):
        return [(e.row, e.column, e.message) for e in run.row_errors.all()]


def has_problem(problems: list[tuple[int, str, str]], row: int, column: str, text: str) -> bool:
    return any(r == row and c == column and text in m for r, c, m in problems)


SHIRT = [
    {
        "handle": "linen-shirt",
        "title": "Linen Shirt",
        "description": "<p>Cool <b>linen</b><script>alert(1)</script></p>",
        "status": "Active",
        "vendor": "Acme",
        "product_type": "Shirts",
        "tags": "summer, linen,  summer",
        "category": "Clothing/Shirts",
        "seo_title": "Linen shirt",
        "option1_name": "Size",
        "option1_value": "S",
        "option2_name": "Colour",
        "option2_value": "White",
        "sku": "LS-S-W",
        "price": "29.9",
        "compare_at_price": "39.999",
        "cost": "12",
        "weight_grams": "250",
        "barcode": "400000000001",
    },
    {
        "handle": "linen-shirt",
        "option1_value": "M",
        "option2_value": "White",
        "sku": "LS-M-W",
        "price": "29.90",
    },
    {"handle": "linen-shirt", "option1_value": "M", "option2_value": "Blue", "sku": "LS-M-B", "price": "31"},
]
MUG = [{"title": "Enamel Mug", "sku": "MUG-1", "price": "9.50"}]


# ------------------------------------------------------------------------------
# a good file
# ------------------------------------------------------------------------------
def test_a_valid_file_creates_products_options_variants_and_one_event_per_product(alpha, import_csv):
    # given a staff member of store A
    staff = make_store_user(alpha, "importer@example.com", staff=True)
    # when they import two products (four rows) and the transaction commits
    run = import_csv(alpha, csv_bytes(SHIRT + MUG, bom=True), actor=staff)
    # then the run succeeded and says what it did
    assert run.status == ImportRun.Status.SUCCEEDED, report(alpha, run)
    assert (run.total_rows, run.processed_rows, run.created_count, run.updated_count) == (4, 4, 2, 0)
    assert run.error_count == 0 and run.progress == 100
    assert run.started_at and run.finished_at and run.created_by_id == staff.pk
    assert run.source_name == "products.csv"
    with schema_context(alpha.tenant.schema_name):
        shirt = Product.objects.get(handle="linen-shirt")
        # under the product services' rules: sanitised HTML, clean tags, lower-case status
        assert shirt.title == "Linen Shirt" and shirt.status == Product.Status.ACTIVE
        assert "<b>linen</b>" in shirt.description and "script" not in shirt.description
        assert shirt.tags == ["summer", "linen"]
        assert (shirt.vendor, shirt.product_type, shirt.seo_title) == ("Acme", "Shirts", "Linen shirt")
        # the category path was created, named after what the file said
        assert shirt.category is not None
        assert (shirt.category.path, shirt.category.name) == ("clothing/shirts", "Shirts")
        assert Category.objects.get(path="clothing").name == "Clothing"
        # options and their values in file order
        options = list(shirt.options.all())
        assert [(o.name, o.position) for o in options] == [("Size", 0), ("Colour", 1)]
        assert [(v.value, v.position) for v in options[0].values.all()] == [("S", 0), ("M", 1)]
        assert [(v.value, v.position) for v in options[1].values.all()] == [("White", 0), ("Blue", 1)]
        variants = list(shirt.variants.all())
        assert [(v.sku, v.title, v.position) for v in variants] == [
            ("LS-S-W", "S / White", 0),
            ("LS-M-W", "M / White", 1),
            ("LS-M-B", "M / Blue", 2),
        ]
        first = variants[0]
        # money quantized to cents, like the services do
        assert (first.price, first.compare_at_price, first.cost) == (
            Decimal("29.90"),
            Decimal("40.00"),
            Decimal("12.00"),
        )
        assert (first.weight_grams, first.barcode) == (250, "400000000001")
        assert sorted(first.option_values.values_list("value", flat=True)) == ["S", "White"]
        assert sorted(variants[2].option_values.values_list("value", flat=True)) == ["Blue", "M"]
        # a row without a handle takes its title's handle; no options: one variant named as the product
        mug = Product.objects.get(handle="enamel-mug")
        assert mug.status == Product.Status.DRAFT
        assert [(v.sku, v.title, v.price) for v in mug.variants.all()] == [
            ("MUG-1", "Enamel Mug", Decimal("9.50"))
        ]
        # the search index is filled in
        assert Product.objects.filter(search_vector=SearchQuery("linen")).get() == shirt
        # one product.created event per product, dispatched after commit
        events = EventRecord.objects.filter(name="product.created")
        assert sorted(e.payload["handle"] for e in events) == ["enamel-mug", "linen-shirt"]
        assert {e.payload["product_uuid"] for e in events} == {str(shirt.uuid), str(mug.uuid)}
        assert all(e.status == EventRecord.Status.DISPATCHED for e in events)


def test_header_names_are_forgiving_blank_lines_are_skipped_and_rows_are_spreadsheet_rows(alpha):
    # given a header in another case, a blank line and a description spanning two lines
    data = (
        b'Handle,Title,Description,SKU ,Price\r\n'
        b'tee,Tee,"two\nlines",T-1,5\r\n'  # row 2
        b'\r\n'  # row 3: blank
        b'cap,Cap,,C-1,five\r\n'  # row 4
    )  # fmt: skip
    # when it is imported
    run = run_file(alpha, data)
    # then the bad price is reported on the row a spreadsheet shows it on
    assert run.status == ImportRun.Status.FAILED
    assert report(alpha, run) == [
        (
            4,
            "price",
            "“five” is not an amount; write it like 12.50, without currency sign or thousands separator.",
        )
    ]
    assert run.total_rows == 2


# ------------------------------------------------------------------------------
# the report
# ------------------------------------------------------------------------------
def test_the_report_names_row_column_and_problem_and_all_or_nothing_writes_nothing(alpha):
    columns = (*COLUMNS, "option4_name", "option4_value")
    rows = [
        # row 2
        {"handle": "tee", "title": "Tee", "status": "published", "option1_name": "Size",
         "option1_value": "S", "sku": "T-S", "price": "1,250"},
        # row 3
        {"handle": "tee", "title": "Other Tee", "option1_value": "M", "sku": "", "price": "12", "cost": "-3"},
        # row 4
        {"handle": "tee", "option1_value": "L", "sku": "T-L", "price": "", "weight_grams": "2.5",
         "compare_at_price": "€15"},
        # row 5
        {"handle": "cap", "title": "Cap", "sku": "CAP-1", "price": "5", "option4_name": "Extra",
         "option4_value": "x"},
        # row 6: a second variant without option values
        {"handle": "cap", "sku": "CAP-2", "price": "5"},
        # row 7
        {"sku": "X-1", "price": "1"},
        # row 8: a new product without a title, an option value without a name
        {"handle": "no-title", "sku": "NT-1", "price": "1", "option2_value": "Red"},
        # row 9: a good product, not written either
        {"handle": "fine", "title": "Fine", "sku": "F-1", "price": "1"},
    ]  # fmt: skip
    before = run_count = None
    with schema_context(alpha.tenant.schema_name):
        before = Product.objects.count()
    # when the file is imported with the default policy
    run = run_file(alpha, csv_bytes(rows, columns))
    problems = report(alpha, run)
    # then each problem names its row, its column and what is wrong
    expected = [
        (2, "status", "Unknown status “published”; use draft, active, archived."),
        (2, "price", "“1,250” is not an amount"),
        (3, "title", "“Other Tee” differs from “Tee” on row 2 of the same product (tee)"),
        (3, "sku", "The SKU is missing"),
        (3, "cost", "“-3” is negative"),
        (4, "compare_at_price", "“€15” is not an amount"),
        (4, "price", "The price is missing."),
        (4, "weight_grams", "“2.5” is not a whole number of grams."),
        (5, "option4_value", "A product can have at most 3 options"),
        (5, "option4_name", "A product can have at most 3 options"),
        (6, "option1_value", "The same option values as row 5 of this product (cap)"),
        (7, "handle", "The row has neither a handle nor a title."),
        (8, "title", "A new product needs a title."),
        (8, "option2_value", "“Red” has no option name; fill option2_name"),
    ]
    for row, column, text in expected:
        assert has_problem(problems, row, column, text), (row, column, text, problems)
    assert len(problems) == len(expected)
    assert [p[0] for p in problems] == sorted(p[0] for p in problems)
    # and nothing at all was written: the run failed with a reason
    assert run.status == ImportRun.Status.FAILED
    assert "7 of 8 rows have problems, so nothing was imported" in run.failure_reason
    assert run.error_count == len(problems)
    with schema_context(alpha.tenant.schema_name):
        run_count = Product.objects.count()
        assert not EventRecord.objects.filter(name__startswith="product.").exists()
    assert run_count == before


def test_a_sku_twice_in_the_file_is_reported_on_both_rows_naming_both(alpha):
    rows = [
        {"handle": "a", "title": "A", "sku": "DUP", "price": "1"},
        {"handle": "b", "title": "B", "sku": "OK", "price": "1"},
        {"handle": "c", "title": "C", "sku": "DUP", "price": "1"},
    ]
    run = run_file(alpha, csv_bytes(rows))
    assert report(alpha, run) == [
        (2, "sku", "SKU “DUP” is on more than one row of the file: rows 2, 4."),
        (4, "sku", "SKU “DUP” is on more than one row of the file: rows 2, 4."),
    ]


def test_a_sku_of_another_product_in_the_store_is_reported_naming_that_product(alpha):
    with schema_context(alpha.tenant.schema_name):
        product_create(
            data=ProductInput(title="Old Mug", variants=(VariantInput(sku="MUG-1", price=Decimal(5)),))
        )
    # when a new product claims the old product's SKU
    run = run_file(
        alpha, csv_bytes([{"handle": "new-mug", "title": "New Mug", "sku": "MUG-1", "price": "6"}])
    )
    # then the report names the product that owns it
    assert report(alpha, run) == [
        (2, "sku", "SKU “MUG-1” is already used by another product: “Old Mug” (handle old-mug).")
    ]
    # while the product that owns it may keep it
    run = run_file(alpha, csv_bytes([{"handle": "old-mug", "sku": "MUG-1", "price": "6"}]))
    assert run.status == ImportRun.Status.SUCCEEDED, report(alpha, run)


def test_valid_rows_skips_whole_products_and_reports_every_skipped_row(alpha, import_csv):
    rows = [
        {"handle": "good", "title": "Good", "option1_name": "Size", "option1_value": "S", "sku": "G-S", "price": "1"},
        {"handle": "good", "option1_value": "M", "sku": "G-M", "price": "1"},
        {"handle": "bad", "title": "Bad", "option1_name": "Size", "option1_value": "S", "sku": "B-S", "price": "1"},
        {"handle": "bad", "option1_value": "M", "sku": "B-M", "price": "x"},
        {"handle": "bad", "option1_value": "L", "sku": "B-L", "price": "1"},
    ]  # fmt: skip
    # when the file is imported with "import the valid products"
    run = import_csv(alpha, csv_bytes(rows), policy=ImportRun.Policy.VALID_ROWS)
    # then the good product is imported and the run is partial
    assert run.status == ImportRun.Status.PARTIAL
    assert (run.created_count, run.processed_rows, run.total_rows) == (1, 5, 5)
    problems = report(alpha, run)
    # and every row of the bad product is in the report: its problem, and why the others were skipped
    assert problems == [
        (4, "", "Not imported: row 5 of the same product (bad) has a problem."),
        (
            5,
            "price",
            "“x” is not an amount; write it like 12.50, without currency sign or thousands separator.",
        ),
        (6, "", "Not imported: row 5 of the same product (bad) has a problem."),
    ]
    assert run.error_count == 3
    with schema_context(alpha.tenant.schema_name):
        assert list(Product.objects.filter(handle__in=["good", "bad"]).values_list("handle", flat=True)) == [
            "good"
        ]
        assert not ProductVariant.objects.filter(sku__startswith="B-").exists()


def test_valid_rows_with_no_valid_product_fails(alpha):
    run = run_file(
        alpha,
        csv_bytes([{"handle": "bad", "title": "Bad", "sku": "B", "price": "-1"}]),
        policy=ImportRun.Policy.VALID_ROWS,
    )
    assert run.status == ImportRun.Status.FAILED
    assert "No product could be imported" in run.failure_reason


# ------------------------------------------------------------------------------
# updating
# ------------------------------------------------------------------------------
def test_an_existing_product_is_updated_by_handle_and_columns_the_file_lacks_are_kept(alpha, import_csv):
    with schema_context(alpha.tenant.schema_name):
        existing = product_create(
            data=ProductInput(
                title="Linen Shirt",
                handle="linen-shirt",
                status=Product.Status.ACTIVE,
                vendor="Old vendor",
                tags=("old",),
                variants=(
                    VariantInput(
                        sku="LS-S", price=Decimal(20), cost=Decimal(5), barcode="B1", options=(("Size", "S"),)
                    ),
                    VariantInput(sku="LS-M", price=Decimal(20), options=(("Size", "M"),)),
                ),
            )
        )
        EventRecord.objects.all().delete()
    columns = ("handle", "title", "tags", "option1_name", "option1_value", "sku", "price")
    rows = [
        {"handle": "linen-shirt", "title": "Linen Shirt II", "tags": "new", "option1_name": "Size",
         "option1_value": "S", "sku": "LS-S", "price": "25"},
        {"handle": "linen-shirt", "option1_value": "L", "sku": "LS-L", "price": "27"},
    ]  # fmt: skip
    # when a file with some of the columns updates it
    run = import_csv(alpha, csv_bytes(rows, columns))
    assert run.status == ImportRun.Status.SUCCEEDED, report(alpha, run)
    assert (run.created_count, run.updated_count) == (0, 1)
    with schema_context(alpha.tenant.schema_name):
        product = Product.objects.get(handle="linen-shirt")
        # then it is the same product, changed where the file says
        assert (product.pk, product.uuid) == (existing.pk, existing.uuid)
        assert (product.title, product.tags) == ("Linen Shirt II", ["new"])
        # and left alone where the file has no column
        assert (product.vendor, product.status) == ("Old vendor", Product.Status.ACTIVE)
        variants = {v.sku: v for v in product.variants.all()}
        # the variants are the file's rows: matched by SKU, the missing one removed
        assert sorted(variants) == ["LS-L", "LS-S"]
        assert (variants["LS-S"].price, variants["LS-S"].cost, variants["LS-S"].barcode) == (
            Decimal("25.00"),
            Decimal("5.00"),
            "B1",
        )
        assert variants["LS-L"].title == "L"
        assert [v.value for v in product.options.get(name="Size").values.all()] == ["S", "L"]
        assert list(variants["LS-L"].option_values.values_list("value", flat=True)) == ["L"]
        # one product.updated event
        events = list(EventRecord.objects.filter(name__startswith="product."))
        assert [(e.name, e.payload["handle"], e.payload["title"]) for e in events] == [
            ("product.updated", "linen-shirt", "Linen Shirt II")
        ]


def test_options_can_be_renamed_and_dropped_on_update(alpha):
    first = [
        {"handle": "cup", "title": "Cup", "option1_name": "Size", "option1_value": "S",
         "option2_name": "Colour", "option2_value": "Red", "sku": "C-1", "price": "1"},
        {"handle": "cup", "option1_value": "M", "option2_value": "Red", "sku": "C-2", "price": "1"},
    ]  # fmt: skip
    assert run_file(alpha, csv_bytes(first)).status == ImportRun.Status.SUCCEEDED
    second = [
        {"handle": "cup", "option1_name": "Volume", "option1_value": "200 ml", "sku": "C-1", "price": "1"},
        {"handle": "cup", "option1_value": "300 ml", "sku": "C-2", "price": "1"},
    ]  # fmt: skip
    run = run_file(alpha, csv_bytes(second))
    assert run.status == ImportRun.Status.SUCCEEDED, report(alpha, run)
    with schema_context(alpha.tenant.schema_name):
        product = Product.objects.get(handle="cup")
        assert [o.name for o in product.options.all()] == ["Volume"]
        assert [(v.sku, v.title) for v in product.variants.all()] == [("C-1", "200 ml"), ("C-2", "300 ml")]
        assert [list(v.option_values.values_list("value", flat=True)) for v in product.variants.all()] == [
            ["200 ml"],
            ["300 ml"],
        ]


# ------------------------------------------------------------------------------
# malformed files
# ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "The file is empty."),
        (b"\r\n\r\n", "The file is empty."),
        ("handle,title,sku,price\nkaffee,Café,K-1,2\n".encode("latin-1"), "not UTF-8 text (the first character that is not is on line 2)"),
        ("handle,title,sku,price\n".encode("utf-16"), "UTF-16"),
        (b"PK\x03\x04\x14\x00\x06\x00garbage", "spreadsheet workbook"),
        (bytes(range(256)) * 4, "binary data"),
        (b"handle;title;sku;price\nx;X;1;2\n", "separated by semicolons or tabs"),
        (b"hello world\nthis is not a product file\n", "lacks the required columns handle or title, sku, price (found: hello world)"),
        (b"title,sku\nTee,T-1\n", "lacks the required columns price"),
        (b"sku,price\nT-1,2\n", "lacks the required columns handle or title"),
        (b"handle,title,sku,price,SKU\n", "“sku” appears twice"),
        (b"handle,title,sku,price\n", "a header row but no product rows"),
        (b'handle,title,sku,price\ntee,"Bad "quote",T-1,1\n', "not valid CSV at row 2"),
    ],
)  # fmt: skip
def test_a_malformed_file_fails_the_run_with_a_reason_and_writes_nothing(alpha, data, reason):
    with schema_context(alpha.tenant.schema_name):
        before = (Product.objects.count(), Category.objects.count())
    run = run_file(alpha, data)
    assert run.status == ImportRun.Status.FAILED
    assert reason in run.failure_reason
    assert run.finished_at is not None
    with schema_context(alpha.tenant.schema_name):
        assert (Product.objects.count(), Category.objects.count()) == before
        assert not ImportRowError.objects.filter(run=run).exists()


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (b"", "empty.csv", "import_empty"),
        (b"PK\x03\x04\x14\x00\x06\x00", "products.xlsx", "import_not_csv"),
        ("handle,title\nx,Café\n".encode("cp1252"), "products.csv", "import_not_csv"),
        (b"\x00\x01\x02\x03", "products.csv", "import_not_csv"),
        (b"handle,title,sku,price\n" + b"x" * 200, "big.csv", "import_too_large"),
    ],
)
def test_starting_refuses_what_is_clearly_not_a_csv_and_keeps_nothing(alpha, data, name, code):
    with schema_context(alpha.tenant.schema_name), override_settings(CATALOG_IMPORT_MAX_BYTES=100):
        with pytest.raises(CatalogError) as caught:
            product_import_start(upload=upload(data, name), policy="", actor=None)
        assert caught.value.code == code
        assert not ImportRun.objects.exists()


def test_starting_refuses_an_unknown_policy_and_the_public_schema(alpha):
    with schema_context(alpha.tenant.schema_name), pytest.raises(CatalogError) as caught:
        product_import_start(upload=upload(csv_bytes(MUG)), policy="yolo", actor=None)
    assert caught.value.code == "import_policy"
    with pytest.raises(RuntimeError, match="tenant context"):
        product_import_start(upload=upload(csv_bytes(MUG)), policy="", actor=None)


# ------------------------------------------------------------------------------
# progress, batching, the task
# ------------------------------------------------------------------------------
def test_progress_is_saved_after_every_chunk_of_whole_products(alpha, monkeypatch):
    rows = [
        {"handle": f"p{n}", "title": f"P{n}", "option1_name": "Size", "option1_value": size,
         "sku": f"P{n}-{size}", "price": "1"}
        for n in range(4)
        for size in ("S", "M")
    ]  # fmt: skip
    seen: list[int] = []
    write = bulk.ProductWriter.write

    def spy(self, items):
        seen.append(ImportRun.objects.get(kind=ImportRun.Kind.PRODUCT_CSV, status="running").processed_rows)
        return write(self, items)

    monkeypatch.setattr(bulk.ProductWriter, "write", spy)
    # when 8 rows are imported 3 rows at a time (a product is never split: chunks of 4 rows)
    with override_settings(CATALOG_IMPORT_CHUNK_ROWS=3):
        run = run_file(alpha, csv_bytes(rows))
    # then the progress moved between the chunks and ends at every row
    assert seen == [0, 4]
    assert (run.status, run.processed_rows, run.total_rows, run.progress) == (
        ImportRun.Status.SUCCEEDED,
        8,
        8,
        100,
    )


def _products_file(count: int, prefix: str) -> bytes:
    rows = [
        {"handle": f"{prefix}-{n}", "title": f"{prefix} {n}", "category": "kitchen", "tags": "a, b",
         "option1_name": "Size", "option1_value": size, "sku": f"{prefix}-{n}-{size}", "price": "3"}
        for n in range(count)
        for size in ("S", "M")
    ]  # fmt: skip
    return csv_bytes(rows)


def test_the_queries_of_a_chunk_do_not_grow_with_its_products(alpha):
    with schema_context(alpha.tenant.schema_name):
        category_save(category=Category(), name="Kitchen", parent=None)
        store_settings_get()  # the store's settings row exists and is cached, as in a running store
    counts = []
    for count, prefix in ((3, "few"), (30, "many")):
        for _round in ("create", "update"):
            with CaptureQueriesContext(connection) as queries:
                run = run_file(alpha, _products_file(count, prefix))
            assert run.status == ImportRun.Status.SUCCEEDED, report(alpha, run)
            counts.append(len(queries))
    # creating 3 or 30 products (and updating them) costs the same number of queries
    assert counts[0] == counts[2] and counts[1] == counts[3], counts
    assert counts[0] < 40 and counts[1] < 40, counts


def test_the_task_runs_after_commit_and_a_second_run_does_nothing(alpha, django_capture_on_commit_callbacks):
    with schema_context(alpha.tenant.schema_name):
        # when an import is started, nothing happens before the transaction commits
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            run = product_import_start(upload=upload(csv_bytes(MUG)), policy="", actor=None)
        assert run.status == ImportRun.Status.PENDING and run.policy == ImportRun.Policy.ALL_OR_NOTHING
        assert not Product.objects.filter(handle="enamel-mug").exists()
        # then the commit queues the task, which Celery runs (eagerly here)
        with django_capture_on_commit_callbacks(execute=True):
            for callback in callbacks:
                callback()
        run.refresh_from_db()
        assert run.status == ImportRun.Status.SUCCEEDED
        events = EventRecord.objects.filter(name="product.created").count()
        # and a redelivered message changes nothing
        assert product_import_task(run.pk) == ImportRun.Status.SUCCEEDED
        assert EventRecord.objects.filter(name="product.created").count() == events == 1
        assert product_import_task(999_999) == "missing"


def test_the_task_fails_a_run_left_running_by_a_dead_worker(alpha):
    with schema_context(alpha.tenant.schema_name):
        run = ImportRun.objects.create(
            kind=ImportRun.Kind.PRODUCT_CSV,
            status=ImportRun.Status.RUNNING,
            started_at=timezone.now() - timedelta(hours=2),
        )
        assert product_import_task(run.pk) == ImportRun.Status.FAILED
        run.refresh_from_db()
        assert "interrupted" in run.failure_reason


# ------------------------------------------------------------------------------
# the store boundary
# ------------------------------------------------------------------------------
def test_an_import_and_its_file_belong_to_the_store_that_ran_it(alpha, beta, import_csv):
    bad = csv_bytes([{"handle": "secret", "title": "Secret", "sku": "S-1", "price": "oops"}])
    run = import_csv(alpha, bad)
    assert run.status == ImportRun.Status.FAILED
    with schema_context(alpha.tenant.schema_name):
        storage = run.file.storage
        # the file is under store A's private prefix: <PRIVATE_MEDIA_ROOT>/store_alpha/imports/<uuid>.csv
        assert run.file.name == f"imports/{run.uuid.hex}.csv"
        path = Path(storage.path(run.file.name))
        assert path.parts[-3:] == (alpha.tenant.schema_name, "imports", f"{run.uuid.hex}.csv")
        assert path.is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT).resolve())
        assert alpha.tenant.schema_name == "store_alpha"
        assert storage.exists(run.file.name)
        # and it has no URL at all: an uploaded CSV is never public
        with pytest.raises(ValueError, match="no public URL"):
            storage.url(run.file.name)
    with schema_context(beta.tenant.schema_name):
        # store B has neither the run, nor its report, nor the file
        assert not ImportRun.objects.filter(uuid=run.uuid).exists()
        assert not ImportRowError.objects.filter(params__value="oops").exists()
        assert not run.file.storage.exists(run.file.name)
        assert alpha.tenant.schema_name not in run.file.storage.path(run.file.name)


def test_the_example_in_the_format_documentation_imports(alpha):
    doc = (Path(__file__).resolve().parents[3] / "docs" / "product-csv.md").read_text()
    example = doc.split("```csv\n", 1)[1].split("```", 1)[0]
    run = run_file(alpha, example.encode())
    assert run.status == ImportRun.Status.SUCCEEDED, report(alpha, run)
    assert (run.total_rows, run.created_count) == (4, 2)
    with schema_context(alpha.tenant.schema_name):
        shirt = Product.objects.get(handle="linen-shirt")
        assert shirt.category is not None and shirt.category.path == "clothing/shirts"
        assert [v.title for v in shirt.variants.all()] == ["S / White", "M / White", "M / Blue"]
