"""Catalog error codes are one enum: every raise uses it with parameters, import runs store the
code and the parameters (never the sentence), and the sentence is made when it is shown, in
the reader's language."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import translation
from django_tenants.utils import schema_context

from apps.catalog.bulk import product_import_run
from apps.catalog.errors import MESSAGES, CatalogError, CatalogErrorCode, error_message
from apps.catalog.models import ImportRowError, ImportRun
from apps.catalog.services import ProductInput, VariantInput, import_runs_fail_interrupted, product_create
from tests.fixtures import make_store_user

APP = Path(__file__).resolve().parents[1]
FILE = b"handle,title,sku,price\ntee,Tee,T-1,five\ncap,Cap,C-1,2\n"


def _sources() -> list[Path]:
    return [
        path for path in APP.rglob("*.py") if not {"tests", "migrations"} & set(path.relative_to(APP).parts)
    ]


def test_every_code_has_a_message_and_every_raise_uses_the_enum():
    assert set(CatalogErrorCode.values) <= set(MESSAGES)
    raises = re.compile(r"(?<!class )CatalogError\(\s*(?!CatalogErrorCode\.)[^)\s]")
    wrapped = re.compile(r"CatalogError\(CatalogErrorCode\(error\.code\)")
    for path in _sources():
        text = path.read_text()
        offending = [m.group(0) for m in raises.finditer(text) if not wrapped.match(text, m.start())]
        assert not offending, (path, offending)
        # no code is written as a bare string, and no sentence is built to be raised
        assert not re.search(r"""\bcode=["']""", text) or path.name in {"listing.py", "demo.py"}, path


def test_nothing_reads_an_errors_text():
    # a message is for people: no module splits, searches or compares one
    pattern = re.compile(r"\.message\.(split|startswith|endswith|find|index)\(|\bin\s+\w+\.message\b")
    for path in _sources():
        assert not pattern.search(path.read_text()), path


def test_an_error_carries_its_code_and_params_and_is_worded_from_them(alpha):
    with schema_context(alpha.tenant.schema_name):
        product_create(data=ProductInput(title="Mug", variants=(VariantInput(sku="M-1", price=1),)))  # type: ignore[arg-type]
        with pytest.raises(CatalogError) as caught:
            product_create(data=ProductInput(title="Other", variants=(VariantInput(sku="M-1", price=1),)))  # type: ignore[arg-type]
    assert caught.value.code is CatalogErrorCode.SKU_TAKEN
    assert caught.value.params == {"sku": "M-1"} and caught.value.field == "sku"
    assert caught.value.message == error_message("duplicate_sku", {"sku": "M-1"})
    with translation.override("de"):
        assert error_message(caught.value.code, caught.value.params) != caught.value.message


def _run(world, data: bytes) -> ImportRun:
    with schema_context(world.tenant.schema_name):
        run = ImportRun(kind=ImportRun.Kind.PRODUCT_CSV)
        run.file.save("codes.csv", ContentFile(data), save=False)
        run.save()
        return product_import_run(run=run)


@pytest.mark.django_db
def test_an_import_run_stores_codes_and_params_never_sentences(alpha):
    # when a file with a bad price is imported
    run = _run(alpha, FILE)
    # then the run and its problem hold codes and the values they are about
    with schema_context(alpha.tenant.schema_name):
        run.refresh_from_db()
        problem = ImportRowError.objects.get(run=run)
    assert (run.failure_code, run.failure_params) == ("import_rows_invalid", {"rows": 1, "total": 2})
    assert (problem.row, problem.column, problem.code, problem.params) == (
        2,
        "price",
        "amount_invalid",
        {"value": "five"},
    )
    # and the sentences exist only when read
    assert run.failure_reason.startswith("1 of 2 rows have problems")
    assert problem.message.startswith("“five” is not an amount")


@pytest.mark.django_db
def test_a_stored_problem_is_shown_in_the_readers_language(alpha):
    run = _run(alpha, FILE)
    with schema_context(alpha.tenant.schema_name):
        problem = ImportRowError.objects.get(run=run)
    with translation.override("de"):
        assert problem.message.startswith("„five“ ist kein Betrag")
        assert run.failure_reason.startswith("1 von 2 Zeilen sind fehlerhaft")
    # and the dashboard, its status poll and its report speak the reader's language too
    staff = make_store_user(alpha, "de-reader@example.com", role="staff")
    client = Client(HTTP_HOST=alpha.host, HTTP_ACCEPT_LANGUAGE="de")
    with schema_context(alpha.tenant.schema_name):
        client.force_login(staff)
    page = client.get(f"/dashboard/catalog/imports/{run.uuid}/").content.decode()
    assert "„five“ ist kein Betrag" in page and "1 von 2 Zeilen sind fehlerhaft" in page
    status = client.get(f"/dashboard/catalog/imports/{run.uuid}/status/").json()
    assert status["failure_reason"].startswith("1 von 2 Zeilen")
    report = client.get(f"/dashboard/catalog/imports/{run.uuid}/report.csv")
    rows = list(csv.reader(io.StringIO(b"".join(report.streaming_content).decode())))  # type: ignore[attr-defined]
    assert rows[1][:2] == ["2", "price"] and rows[1][2].startswith("„five“ ist kein Betrag")
    english = Client(HTTP_HOST=alpha.host, HTTP_ACCEPT_LANGUAGE="en")
    with schema_context(alpha.tenant.schema_name):
        english.force_login(staff)
    assert (
        "“five” is not an amount" in english.get(f"/dashboard/catalog/imports/{run.uuid}/").content.decode()
    )


@pytest.mark.django_db
def test_problems_recorded_before_codes_keep_their_sentence(alpha):
    with schema_context(alpha.tenant.schema_name):
        run = ImportRun.objects.create(
            kind=ImportRun.Kind.PRODUCT_CSV,
            status=ImportRun.Status.FAILED,
            failure_code=CatalogErrorCode.LEGACY_TEXT,
            failure_params={"text": "Old reason."},
        )
        problem = run.row_errors.create(
            row=2, column="sku", code="legacy_text", params={"text": "Old problem."}
        )
    assert (run.failure_reason, problem.message) == ("Old reason.", "Old problem.")
    # a code nobody words any more still says something
    assert "gone_code" in error_message("gone_code", {})


@pytest.mark.django_db
def test_an_interrupted_run_is_failed_with_a_code(alpha):
    from datetime import timedelta

    from django.utils import timezone

    with schema_context(alpha.tenant.schema_name):
        run = ImportRun.objects.create(
            kind=ImportRun.Kind.PRODUCT_CSV,
            status=ImportRun.Status.RUNNING,
            started_at=timezone.now() - timedelta(hours=2),
        )
        assert import_runs_fail_interrupted() == 1
        run.refresh_from_db()
    assert (run.status, run.failure_code, run.failure_params) == ("failed", "import_interrupted", {})


@pytest.mark.django_db
def test_another_store_cannot_see_a_runs_problems(alpha, beta):
    run = _run(alpha, FILE)
    with schema_context(beta.tenant.schema_name):
        assert not ImportRun.objects.filter(uuid=run.uuid).exists()
        assert not ImportRowError.objects.filter(params__value="five").exists()
    staff_b = make_store_user(beta, "b-staff@example.com", role="owner")
    client = Client(HTTP_HOST=beta.host)
    with schema_context(beta.tenant.schema_name):
        client.force_login(staff_b)
    assert client.get(f"/dashboard/catalog/imports/{run.uuid}/report.csv").status_code == 404
