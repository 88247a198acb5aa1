"""Helpers shared by the catalog's dashboard views: safe redirects, lookups that 404 outside
the current store, CSV streaming and the delete-confirmation page."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from apps.catalog import selectors
from apps.catalog.models import Product, ProductImage
from apps.core.permissions import FORBIDDEN_TEMPLATE, Perm, user_has_permission

PRODUCTS_PER_PAGE = 50


def safe_next(request: HttpRequest, value: str | None, default: str) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return default


def url_or_none(name: str) -> str | None:
    # Pages of other apps may not exist yet; a missing one must not break this page.
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def forbidden(request: HttpRequest, permission: Perm) -> HttpResponse | None:
    """The 403 page when the user lacks `permission` (for checks a decorator cannot make, such
    as a bulk action's), else None."""
    if user_has_permission(request.user, permission):
        return None
    return render(request, FORBIDDEN_TEMPLATE, {"permission": permission}, status=403)


def product_id_or_404(product_uuid: UUID) -> int:
    product_id = Product.objects.filter(uuid=product_uuid).values_list("pk", flat=True).first()
    if product_id is None:
        raise Http404(_("No such product."))
    return product_id


def product_detail_or_404(product_uuid: UUID) -> Product:
    product = selectors.product_detail(product_id=product_id_or_404(product_uuid))
    if product is None:
        raise Http404(_("No such product."))
    return product


class _Echo:
    """A file-like object whose write() hands the line back, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def csv_stream(rows: Iterable[Iterable[Any]], *, filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def csv_cell(value: Any) -> str:
    # A cell starting with = + - @ would run as a formula when the report is opened in a spreadsheet.
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def render_confirm(
    request: HttpRequest,
    *,
    heading: str,
    consequences: list[str],
    cancel_url: str,
    confirm_label: str,
    error: str | None = None,
    image: ProductImage | None = None,
) -> HttpResponse:
    context = {
        "heading": heading,
        "consequences": consequences,
        "cancel_url": cancel_url,
        "confirm_label": confirm_label,
        "error": error,
        "image": image,
    }
    return render(request, "catalog/confirm_delete.html", context)
