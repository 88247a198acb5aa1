"""Product CSV imports in the dashboard: the upload form and its policies, the run's page with a
progress bar fed by the status JSON, the problems table and its CSV report."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.catalog.errors import CatalogErrorCode
from apps.catalog.models import ImportRun, Product
from apps.catalog.tests.dashboard.helpers import BASE, in_store, staff_client

pytestmark = pytest.mark.django_db

CSV_HEADER = "handle,title,status,vendor,sku,price\n"


@pytest.fixture
def run_files(alpha) -> Iterator[None]:
    """Removes the uploaded files of the runs a test starts (the database rolls back, the disk not)."""
    yield
    with in_store(alpha):
        for run in ImportRun.objects.exclude(file=""):
            if run.file.name:
                run.file.storage.delete(run.file.name)


def _csv(body: str, name: str = "products.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (CSV_HEADER + body).encode(), content_type="text/csv")


def test_the_upload_form_explains_both_policies(alpha):
    content = staff_client(alpha).get(f"{BASE}/imports/new/").content.decode()
    assert 'enctype="multipart/form-data"' in content
    assert (
        'value="all_or_nothing"' in content and "checked" in content.split('value="all_or_nothing"')[1][:40]
    )
    assert "Import nothing if any row is invalid" in content
    assert "Import the valid rows, report the others" in content


def test_an_import_runs_and_its_page_shows_counts_problems_and_the_report(
    alpha, run_files, django_capture_on_commit_callbacks
):
    client = staff_client(alpha, "importer@example.com")
    upload = _csv(
        "tee,Basic Tee,active,Acme,TEE-1,12.50\n"
        "cap,Sun Cap,active,Acme,CAP-1,abc\n"
        "mug,Mug,active,Acme,MUG-1,8.00\n"
    )
    # when staff upload a file with one bad row, importing the valid ones
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{BASE}/imports/new/", {"file": upload, "policy": "valid_rows"})

    # then they land on the run's page
    assert response.status_code == 302
    with in_store(alpha):
        run = ImportRun.objects.get()
        assert response["Location"] == f"{BASE}/imports/{run.uuid}/"
        assert run.created_by is not None and run.created_by.email == "importer@example.com"
        assert run.status == ImportRun.Status.PARTIAL, run.failure_reason
        assert set(Product.objects.values_list("title", flat=True)) == {"Basic Tee", "Mug"}

    page = client.get(response["Location"])
    content = page.content.decode()
    assert page.context["state"]["created_count"] == 2
    assert "Imported with skipped rows" in content
    assert 'class="badge status-partial"' in content
    assert f"{BASE}/imports/{run.uuid}/status/" in content  # the polling URL
    problems = list(page.context["page"].object_list)
    assert [(p.row, p.column) for p in problems][:1] == [(3, "price")]
    assert f"{BASE}/imports/{run.uuid}/report.csv" in content

    status = client.get(f"{BASE}/imports/{run.uuid}/status/").json()
    assert status["status"] == "partial" and status["done"] is True and status["progress"] == 100
    assert (status["created_count"], status["error_count"]) == (2, run.error_count)

    report = client.get(f"{BASE}/imports/{run.uuid}/report.csv")
    assert report["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(report.getvalue().decode())))
    assert rows[0] == ["row", "column", "problem"]
    assert rows[1][:2] == ["3", "price"]

    listing = client.get(f"{BASE}/imports/").content.decode()
    assert "Product CSV" in listing and "products.csv" in listing and "status-partial" in listing


def test_a_file_that_is_not_a_csv_is_refused_on_the_file_field(alpha, run_files):
    workbook = SimpleUploadedFile("products.xlsx", b"PK\x03\x04" + b"\x00" * 200)
    response = staff_client(alpha).post(
        f"{BASE}/imports/new/", {"file": workbook, "policy": "all_or_nothing"}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert errors and "not a CSV file" in errors[0]
    with in_store(alpha):
        assert not ImportRun.objects.exists()


def test_a_pending_run_polls_and_a_failed_one_shows_why(alpha):
    with in_store(alpha):
        pending = ImportRun.objects.create(kind=ImportRun.Kind.PRODUCT_CSV, total_rows=10, processed_rows=4)
        failed = ImportRun.objects.create(
            kind=ImportRun.Kind.SUPPLIER_CSV,
            status=ImportRun.Status.FAILED,
            failure_code=CatalogErrorCode.IMPORT_NO_ROWS,
        )
    client = staff_client(alpha)
    waiting = client.get(f"{BASE}/imports/{pending.uuid}/").content.decode()
    assert 'data-done="0"' in waiting and "catalog-import.js" in waiting
    assert client.get(f"{BASE}/imports/{pending.uuid}/status/").json()["progress"] == 40

    content = client.get(f"{BASE}/imports/{failed.uuid}/").content.decode()
    assert 'data-done="1"' in content and "The file has a header row but no product rows." in content
    listing = client.get(f"{BASE}/imports/")
    assert [run.uuid for run in listing.context["page"].object_list] == [failed.uuid, pending.uuid]


def test_the_report_cannot_smuggle_a_spreadsheet_formula(alpha):
    with in_store(alpha):
        run = ImportRun.objects.create(kind=ImportRun.Kind.PRODUCT_CSV, status=ImportRun.Status.FAILED)
        # a problem recorded before codes, whose kept sentence is a formula
        run.row_errors.create(
            row=2,
            column="title",
            code=CatalogErrorCode.LEGACY_TEXT,
            params={"text": '=HYPERLINK("http://evil")'},
        )
    report = staff_client(alpha).get(f"{BASE}/imports/{run.uuid}/report.csv")
    rows = list(csv.reader(io.StringIO(report.getvalue().decode())))
    assert rows[1] == ["2", "title", '\'=HYPERLINK("http://evil")']


def test_an_empty_import_list_offers_an_upload(alpha):
    content = staff_client(alpha).get(f"{BASE}/imports/").content.decode()
    assert "No imports yet." in content and f"{BASE}/imports/new/" in content
