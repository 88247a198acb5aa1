"""The product list, the CSV export, and the product editor (create, edit, delete).

Lists and the product page need `catalog.view` (the page is read-only without `catalog.edit`),
saving needs `catalog.edit`, deleting `catalog.delete`, exporting `catalog.export`."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from apps.billing.limits import PlanLimitReached
from apps.catalog import bulk, selectors, services
from apps.catalog.dashboard.forms import (
    ImageUploadForm,
    ProductBulkForm,
    ProductEditor,
    ProductFilterForm,
    bulk_actions_allowed,
)
from apps.catalog.dashboard.views.common import (
    PRODUCTS_PER_PAGE,
    csv_stream,
    product_detail_or_404,
    render_confirm,
    url_or_none,
)
from apps.catalog.errors import CatalogError
from apps.catalog.models import Category, Product
from apps.catalog.selectors import ProductFilters, option_facet_key
from apps.core.errors import ApplicationError
from apps.core.permissions import Perm, permission_required, user_permissions


@never_cache
@permission_required(Perm.CATALOG_VIEW)
@require_GET
def product_list(request: HttpRequest) -> HttpResponse:
    categories = selectors.category_tree()
    form = ProductFilterForm(request.GET or None, categories=categories)
    filters = form.filters()
    page = Paginator(selectors.product_list(filters=filters), PRODUCTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    facets = selectors.product_facets(filters=filters)
    query = request.GET.copy()
    query.pop("page", None)
    actions = bulk_actions_allowed(user_permissions(request.user))
    bulk_form = (
        ProductBulkForm(initial={"next": request.get_full_path()}, actions=actions) if actions else None
    )
    context = {
        "form": form,
        "page": page,
        "facets": facets,
        "filters": filters,
        "selected_options": {option_facet_key(name, value) for name, value in filters.options},
        "filtered": filters != ProductFilters(),
        "filter_query": query.urlencode(),
        "bulk_form": bulk_form,
    }
    return render(request, "catalog/product_list.html", context)


@never_cache
@permission_required(Perm.CATALOG_EXPORT)
@require_GET
def product_export(request: HttpRequest) -> HttpResponseBase:
    form = ProductFilterForm(request.GET or None, categories=selectors.category_tree())
    rows = bulk.products_export_csv_rows(filters=form.filters())
    return csv_stream(rows, filename=f"products-{timezone.localdate():%Y-%m-%d}.csv")


def _editor_from_post(request: HttpRequest, categories: list[Category]) -> ProductEditor:
    editor = ProductEditor(request.POST, categories=categories)
    if "_matrix" in request.POST:
        rows = editor.matrix()
        if rows is not None:
            return ProductEditor(request.POST, categories=categories, variant_rows=rows)
    return editor


@never_cache
@permission_required(Perm.CATALOG_EDIT)
@require_http_methods(["GET", "POST"])
def product_create(request: HttpRequest) -> HttpResponse:
    categories = selectors.category_tree()
    if request.method == "POST":
        editor = _editor_from_post(request, categories)
        if editor.is_bound and "_matrix" not in request.POST and editor.is_valid():
            try:
                product = services.product_create(data=editor.product_input(), actor=request.user)  # type: ignore[arg-type]
            except (CatalogError, PlanLimitReached) as error:
                editor.apply_error(error)
            else:
                messages.success(request, _("Product “%(title)s” created.") % {"title": product.title})
                return redirect("dashboard:catalog:product_edit", product_uuid=product.uuid)
    else:
        editor = ProductEditor(categories=categories)
    return render(request, "catalog/product_form.html", {"editor": editor, "product": None})


def render_product_edit(
    request: HttpRequest,
    product: Product,
    *,
    editor: ProductEditor | None = None,
    image_form: ImageUploadForm | None = None,
    categories: list[Category] | None = None,
) -> HttpResponse:
    categories = categories if categories is not None else selectors.category_tree()
    variants = list(product.variants.all())
    context = {
        "product": product,
        "editor": editor or ProductEditor(product=product, categories=categories),
        "image_form": image_form or ImageUploadForm(),
        "images": list(product.images.all()),
        "variants": variants,
        "has_stock": any(variant.stock_levels.all() for variant in variants),
        "inventory_url": url_or_none("dashboard:inventory:location_list"),
    }
    return render(request, "catalog/product_form.html", context)


@never_cache
@permission_required(Perm.CATALOG_VIEW, write=Perm.CATALOG_EDIT)
@require_http_methods(["GET", "POST"])
def product_edit(request: HttpRequest, product_uuid: UUID) -> HttpResponse:
    product = product_detail_or_404(product_uuid)
    categories = selectors.category_tree()
    editor = None
    if request.method == "POST":
        editor = _editor_from_post(request, categories)
        if editor.is_bound and "_matrix" not in request.POST and editor.is_valid():
            try:
                services.product_update(product=product, data=editor.product_input(), actor=request.user)  # type: ignore[arg-type]
            except CatalogError as error:
                editor.apply_error(error)
            else:
                messages.success(request, _("Product saved."))
                return redirect("dashboard:catalog:product_edit", product_uuid=product.uuid)
    return render_product_edit(request, product, editor=editor, categories=categories)


@never_cache
@permission_required(Perm.CATALOG_DELETE)
@require_http_methods(["GET", "POST"])
def product_delete(request: HttpRequest, product_uuid: UUID) -> HttpResponse:
    product = get_object_or_404(Product.objects.annotate(variant_count=Count("variants")), uuid=product_uuid)
    error = None
    if request.method == "POST":
        try:
            services.product_delete(product=product, actor=request.user)  # type: ignore[arg-type]
        except ApplicationError as exc:
            error = exc.message
        else:
            messages.success(request, _("Product “%(title)s” deleted.") % {"title": product.title})
            return redirect("dashboard:catalog:product_list")
    count = product.variant_count  # type: ignore[attr-defined]
    consequences = [
        ngettext(
            "Its %(count)d variant and their stock records are deleted.",
            "Its %(count)d variants and their stock records are deleted.",
            count,
        )
        % {"count": count},
        _("Its images are deleted."),
        _("It disappears from every collection."),
    ]
    return render_confirm(
        request,
        heading=_("Delete product “%(title)s”?") % {"title": product.title},
        consequences=consequences,
        cancel_url=reverse("dashboard:catalog:product_edit", kwargs={"product_uuid": product.uuid}),
        confirm_label=_("Delete product"),
        error=error,
    )
