"""Imports: the runs and their reports (`catalog.view`), starting a product CSV import
(`catalog.import`). Problems are stored as codes and parameters and worded here, in the
reader's language, on the page, in the status poll and in the CSV report."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from apps.catalog import bulk, selectors
from apps.catalog.dashboard.forms import ProductImportForm
from apps.catalog.dashboard.views.common import csv_cell, csv_stream
from apps.catalog.errors import error_message
from apps.catalog.models import ImportRun
from apps.catalog.services.imports import FINISHED_IMPORTS
from apps.core.errors import ApplicationError
from apps.core.permissions import Perm, permission_required

IMPORTS_PER_PAGE = 25
ROW_ERRORS_PER_PAGE = 50


def _run_or_404(run_uuid: UUID) -> ImportRun:
    return get_object_or_404(ImportRun, uuid=run_uuid)


def _run_state(run: ImportRun) -> dict[str, Any]:
    return {
        "status": run.status,
        "status_label": run.get_status_display(),
        "progress": run.progress,
        "total_rows": run.total_rows,
        "processed_rows": run.processed_rows,
        "created_count": run.created_count,
        "updated_count": run.updated_count,
        "error_count": run.error_count,
        "failure_reason": run.failure_reason,
        "done": run.status in FINISHED_IMPORTS,
    }


@never_cache
@permission_required(Perm.CATALOG_VIEW)
@require_GET
def import_list(request: HttpRequest) -> HttpResponse:
    runs = selectors.import_run_list()
    page = Paginator(runs, IMPORTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "catalog/import_list.html", {"page": page})


@never_cache
@permission_required(Perm.CATALOG_IMPORT)
@require_http_methods(["GET", "POST"])
def import_create(request: HttpRequest) -> HttpResponse:
    form = ProductImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            run = bulk.product_import_start(
                upload=form.cleaned_data["file"],
                policy=form.cleaned_data["policy"],
                actor=request.user,  # type: ignore[arg-type]
            )
        except ApplicationError as error:
            form.add_error(error.field if error.field in form.fields else "file", error.message)
        else:
            return redirect("dashboard:catalog:import_detail", run_uuid=run.uuid)
    return render(request, "catalog/import_form.html", {"form": form, "policies": ImportRun.Policy})


@never_cache
@permission_required(Perm.CATALOG_VIEW)
@require_GET
def import_detail(request: HttpRequest, run_uuid: UUID) -> HttpResponse:
    run = _run_or_404(run_uuid)
    errors = Paginator(run.row_errors.order_by("row", "id"), ROW_ERRORS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request, "catalog/import_detail.html", {"run": run, "state": _run_state(run), "page": errors}
    )


@never_cache
@permission_required(Perm.CATALOG_VIEW)
@require_GET
def import_status(request: HttpRequest, run_uuid: UUID) -> JsonResponse:
    return JsonResponse(_run_state(_run_or_404(run_uuid)))


@never_cache
@permission_required(Perm.CATALOG_VIEW)
@require_GET
def import_report(request: HttpRequest, run_uuid: UUID) -> HttpResponseBase:
    run = _run_or_404(run_uuid)

    def rows() -> Iterator[list[str]]:
        yield [_("row"), _("column"), _("problem")]
        problems = run.row_errors.order_by("row", "id").values_list("row", "column", "code", "params")
        for row, column, code, params in problems.iterator(2000):
            yield [str(row), csv_cell(column), csv_cell(error_message(code, params))]

    return csv_stream(rows(), filename=f"import-{run.uuid}-report.csv")
