"""Catalog pages of the dashboard (staff only): products with their variant matrix, images and
stock, bulk edits, categories, collections, CSV import and export.

Views parse forms, call one service or selector, and show a service's refusal (`CatalogError`)
as a form error next to what caused it. Everything is read from and written to the current
store's schema, so another store's product, image, category, collection or import is a 404.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.catalog import selectors, services
from apps.catalog.errors import CatalogError
from apps.catalog.forms import (
    MAX_RULES,
    RULE_FIELD_CHOICES,
    RULE_OP_CHOICES,
    BulkAction,
    CategoryForm,
    CollectionForm,
    ImageAltForm,
    ImageMoveForm,
    ImageUploadForm,
    ProductBulkForm,
    ProductEditor,
    ProductFilterForm,
    ProductImportForm,
    UUIDListField,
    rule_formset,
    rules_from,
)
from apps.catalog.models import Category, Collection, ImportRun, Product, ProductImage
from apps.catalog.selectors import ProductFilters, option_facet_key
from apps.core.errors import ApplicationError
from apps.dashboard.navigation import nav_items
from apps.dashboard.views import staff_required

PRODUCTS_PER_PAGE = 50
CATEGORIES_PER_PAGE = 100
COLLECTIONS_PER_PAGE = 50
COLLECTION_CANDIDATES = 100
IMPORTS_PER_PAGE = 25
ROW_ERRORS_PER_PAGE = 50
FINISHED_IMPORTS = (ImportRun.Status.SUCCEEDED, ImportRun.Status.PARTIAL, ImportRun.Status.FAILED)


def _context(**extra: Any) -> dict[str, Any]:
    return {"nav": nav_items(), **extra}


def _safe_next(request: HttpRequest, value: str | None, default: str) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return default


def _url_or_none(name: str) -> str | None:
    # Pages of other apps may not exist yet; a missing one must not break this page.
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def _product_id_or_404(product_uuid: UUID) -> int:
    product_id = Product.objects.filter(uuid=product_uuid).values_list("pk", flat=True).first()
    if product_id is None:
        raise Http404(_("No such product."))
    return product_id


def _product_detail_or_404(product_uuid: UUID) -> Product:
    product = selectors.product_detail(product_id=_product_id_or_404(product_uuid))
    if product is None:
        raise Http404(_("No such product."))
    return product


class _Echo:
    """A file-like object whose write() hands the line back, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def _csv_stream(rows: Iterable[Iterable[Any]], *, filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _csv_cell(value: Any) -> str:
    # A cell starting with = + - @ would run as a formula when the report is opened in a spreadsheet.
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# ------------------------------------------------------------------------------
# product list, bulk actions, export
# ------------------------------------------------------------------------------
@never_cache
@staff_required
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
    context = _context(
        form=form,
        page=page,
        facets=facets,
        filters=filters,
        selected_options={option_facet_key(name, value) for name, value in filters.options},
        filtered=filters != ProductFilters(),
        filter_query=query.urlencode(),
        bulk_form=ProductBulkForm(initial={"next": request.get_full_path()}),
    )
    return render(request, "catalog/product_list.html", context)


def _bulk_preview(form: ProductBulkForm, products: list[Product]) -> list[dict[str, Any]]:
    """Each product with what it is now and what it will be, for the confirmation page."""
    action = form.cleaned_data["action"]
    rows = []
    for product in products:
        before, after = "", ""
        if action == BulkAction.STATUS:
            before = product.get_status_display()
            after = str(Product.Status(form.cleaned_data["status"]).label)
        elif action in (BulkAction.ADD_TAGS, BulkAction.REMOVE_TAGS):
            add = form.tag_list if action == BulkAction.ADD_TAGS else []
            remove = form.tag_list if action == BulkAction.REMOVE_TAGS else []
            before = ", ".join(product.tags) or "—"
            after = ", ".join(services.tags_changed(product.tags, add=add, remove=remove)) or "—"
        elif action == BulkAction.PRICE:
            percent = form.cleaned_data["percent"]
            low, high = getattr(product, "price_min", None), getattr(product, "price_max", None)
            before = _price_span(low, high)
            after = _price_span(
                None if low is None else services.price_changed(low, percent=percent),
                None if high is None else services.price_changed(high, percent=percent),
            )
        rows.append({"product": product, "before": before, "after": after})
    return rows


def _price_span(low: Decimal | None, high: Decimal | None) -> str:
    if low is None:
        return "—"
    return f"{low}" if low == high or high is None else f"{low} – {high}"


@never_cache
@staff_required
@require_POST
def product_bulk(request: HttpRequest) -> HttpResponse:
    """Step 1 (from the list): show what will change. Step 2 (`confirm`): apply it."""
    form = ProductBulkForm(request.POST)
    back = _safe_next(request, request.POST.get("next"), reverse("dashboard:catalog:product_list"))
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(back)
    products = list(selectors.product_list().filter(uuid__in=form.cleaned_data["products"]))
    if not products:
        messages.error(request, _("None of the selected products exist any more."))
        return redirect(back)
    action = form.cleaned_data["action"]
    if request.POST.get("confirm") == "1":
        ids = [product.pk for product in products]
        try:
            if action == BulkAction.DELETE:
                count = services.products_bulk_delete(product_ids=ids, actor=request.user)  # type: ignore[arg-type]
            else:
                count = services.products_bulk_update(
                    product_ids=ids,
                    status=form.cleaned_data["status"] if action == BulkAction.STATUS else None,
                    add_tags=form.tag_list if action == BulkAction.ADD_TAGS else (),
                    remove_tags=form.tag_list if action == BulkAction.REMOVE_TAGS else (),
                    price_percent=form.cleaned_data["percent"] if action == BulkAction.PRICE else None,
                    actor=request.user,  # type: ignore[arg-type]
                )
        except CatalogError as error:
            form.add_error(None, error.message)
        else:
            if action == BulkAction.DELETE:
                text = ngettext("%(count)d product deleted.", "%(count)d products deleted.", count)
            else:
                text = ngettext("%(count)d product updated.", "%(count)d products updated.", count)
            messages.success(request, text % {"count": count})
            return redirect(back)
    context = _context(
        form=form,
        action=action,
        action_label=BulkAction(action).label,
        rows=_bulk_preview(form, products),
        back=back,
        is_delete=action == BulkAction.DELETE,
    )
    return render(request, "catalog/product_bulk_confirm.html", context)


@never_cache
@staff_required
@require_GET
def product_export(request: HttpRequest) -> HttpResponse:
    from apps.catalog import bulk

    form = ProductFilterForm(request.GET or None, categories=selectors.category_tree())
    rows = bulk.products_export_csv_rows(filters=form.filters())
    # staff_required is typed for HttpResponse; a streaming response is what this view returns.
    return _csv_stream(rows, filename=f"products-{timezone.localdate():%Y-%m-%d}.csv")  # type: ignore[return-value]


# ------------------------------------------------------------------------------
# product editor
# ------------------------------------------------------------------------------
def _editor_from_post(request: HttpRequest, categories: list[Category]) -> ProductEditor:
    editor = ProductEditor(request.POST, categories=categories)
    if "_matrix" in request.POST:
        rows = editor.matrix()
        if rows is not None:
            return ProductEditor(request.POST, categories=categories, variant_rows=rows)
    return editor


@never_cache
@staff_required
@require_http_methods(["GET", "POST"])
def product_create(request: HttpRequest) -> HttpResponse:
    categories = selectors.category_tree()
    if request.method == "POST":
        editor = _editor_from_post(request, categories)
        if editor.is_bound and "_matrix" not in request.POST and editor.is_valid():
            try:
                product = services.product_create(data=editor.product_input(), actor=request.user)  # type: ignore[arg-type]
            except CatalogError as error:
                editor.apply_error(error)
            else:
                messages.success(request, _("Product “%(title)s” created.") % {"title": product.title})
                return redirect("dashboard:catalog:product_edit", product_uuid=product.uuid)
    else:
        editor = ProductEditor(categories=categories)
    return render(request, "catalog/product_form.html", _context(editor=editor, product=None))


def _render_product_edit(
    request: HttpRequest,
    product: Product,
    *,
    editor: ProductEditor | None = None,
    image_form: ImageUploadForm | None = None,
    categories: list[Category] | None = None,
) -> HttpResponse:
    categories = categories if categories is not None else selectors.category_tree()
    variants = list(product.variants.all())
    context = _context(
        product=product,
        editor=editor or ProductEditor(product=product, categories=categories),
        image_form=image_form or ImageUploadForm(),
        images=list(product.images.all()),
        variants=variants,
        has_stock=any(variant.stock_levels.all() for variant in variants),
        inventory_url=_url_or_none("dashboard:inventory:location_list"),
    )
    return render(request, "catalog/product_form.html", context)


@never_cache
@staff_required
@require_http_methods(["GET", "POST"])
def product_edit(request: HttpRequest, product_uuid: UUID) -> HttpResponse:
    product = _product_detail_or_404(product_uuid)
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
    return _render_product_edit(request, product, editor=editor, categories=categories)


@never_cache
@staff_required
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
    consequences = [
        ngettext(
            "Its %(count)d variant and their stock records are deleted.",
            "Its %(count)d variants and their stock records are deleted.",
            product.variant_count,  # type: ignore[attr-defined]
        )
        % {"count": product.variant_count},  # type: ignore[attr-defined]
        _("Its images are deleted."),
        _("It disappears from every collection."),
    ]
    return _render_confirm(
        request,
        heading=_("Delete product “%(title)s”?") % {"title": product.title},
        consequences=consequences,
        cancel_url=reverse("dashboard:catalog:product_edit", kwargs={"product_uuid": product.uuid}),
        confirm_label=_("Delete product"),
        error=error,
    )


def _render_confirm(
    request: HttpRequest,
    *,
    heading: str,
    consequences: list[str],
    cancel_url: str,
    confirm_label: str,
    error: str | None = None,
    image: ProductImage | None = None,
) -> HttpResponse:
    context = _context(
        heading=heading,
        consequences=consequences,
        cancel_url=cancel_url,
        confirm_label=confirm_label,
        error=error,
        image=image,
    )
    return render(request, "catalog/confirm_delete.html", context)


# ------------------------------------------------------------------------------
# product images
# ------------------------------------------------------------------------------
def _image_or_404(product_uuid: UUID, image_id: int) -> ProductImage:
    return get_object_or_404(
        ProductImage.objects.select_related("product"), pk=image_id, product__uuid=product_uuid
    )


def _images_anchor(product: Product) -> str:
    return reverse("dashboard:catalog:product_edit", kwargs={"product_uuid": product.uuid}) + "#images"


@never_cache
@staff_required
@require_POST
def product_image_add(request: HttpRequest, product_uuid: UUID) -> HttpResponse:
    product = get_object_or_404(Product, uuid=product_uuid)
    form = ImageUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.product_image_add(
                product=product, upload=form.cleaned_data["image"], alt=form.cleaned_data["alt"]
            )
        except CatalogError as error:
            form.add_error("image" if error.field in (None, "image") else None, error.message)
        else:
            messages.success(request, _("Image added."))
            return HttpResponseRedirect(_images_anchor(product))
    return _render_product_edit(request, _product_detail_or_404(product_uuid), image_form=form)


@never_cache
@staff_required
@require_POST
def product_image_alt(request: HttpRequest, product_uuid: UUID, image_id: int) -> HttpResponse:
    image = _image_or_404(product_uuid, image_id)
    form = ImageAltForm(request.POST)
    if form.is_valid():
        services.product_image_alt_set(image=image, alt=form.cleaned_data["alt"])
        messages.success(request, _("Alt text saved."))
    else:
        messages.error(request, _("The alt text can have at most 255 characters."))
    return HttpResponseRedirect(_images_anchor(image.product))


@never_cache
@staff_required
@require_POST
def product_image_move(request: HttpRequest, product_uuid: UUID, image_id: int) -> HttpResponse:
    image = _image_or_404(product_uuid, image_id)
    form = ImageMoveForm(request.POST)
    if form.is_valid():
        order = list(image.product.images.order_by("position", "id").values_list("pk", flat=True))
        index = order.index(image.pk)
        target = index - 1 if form.cleaned_data["direction"] == "up" else index + 1
        if 0 <= target < len(order):
            order[index], order[target] = order[target], order[index]
            try:
                services.product_images_reorder(product=image.product, image_ids=order)
            except CatalogError as error:
                messages.error(request, error.message)
    return HttpResponseRedirect(_images_anchor(image.product))


@never_cache
@staff_required
@require_http_methods(["GET", "POST"])
def product_image_delete(request: HttpRequest, product_uuid: UUID, image_id: int) -> HttpResponse:
    image = _image_or_404(product_uuid, image_id)
    error = None
    if request.method == "POST":
        try:
            services.product_image_delete(image=image)
        except ApplicationError as exc:
            error = exc.message
        else:
            messages.success(request, _("Image deleted."))
            return HttpResponseRedirect(_images_anchor(image.product))
    return _render_confirm(
        request,
        heading=_("Delete this image of “%(title)s”?") % {"title": image.product.title},
        consequences=[_("The image file is removed from the store.")],
        cancel_url=_images_anchor(image.product),
        confirm_label=_("Delete image"),
        error=error,
        image=image,
    )


# ------------------------------------------------------------------------------
# categories
# ------------------------------------------------------------------------------
@never_cache
@staff_required
@require_GET
def category_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.category_tree(), CATEGORIES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "catalog/category_list.html", _context(page=page))


def _category_form_page(request: HttpRequest, category: Category) -> HttpResponse:
    categories = selectors.category_tree()
    initial = {"name": category.name, "parent": category.parent_id, "description": category.description}
    form = CategoryForm(request.POST or None, initial=initial, categories=categories)
    if request.method == "POST" and form.is_valid():
        by_id = {c.pk: c for c in categories}
        parent_id = form.cleaned_data["parent"]
        creating = category.pk is None
        try:
            services.category_save(
                category=category,
                name=form.cleaned_data["name"],
                parent=by_id.get(parent_id) if parent_id is not None else None,
                description=form.cleaned_data["description"],
            )
        except CatalogError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            text = _("Category “%(name)s” created.") if creating else _("Category “%(name)s” saved.")
            messages.success(request, text % {"name": category.name})
            return redirect("dashboard:catalog:category_list")
    return render(request, "catalog/category_form.html", _context(form=form, category=category))


@never_cache
@staff_required
@require_http_methods(["GET", "POST"])
def category_create(request: HttpRequest) -> HttpResponse:
    return _category_form_page(request, Category())


@never_cache
@staff_required
@require_http_methods(["GET", "POST"])
def category_edit(request: HttpRequest, category_id: int) -> HttpResponse:
    return _category_form_page(request, get_object_or_404(Category, pk=category_id))


@never_cache
@staff_required
@require_http_methods(["GET", "POST"])
def category_delete(request: HttpRequest, category_id: int) -> HttpResponse:
    category = get_object_or_404(
        Category.objects.annotate(product_count=Count("products", distinct=True)), pk=category_id
    )
    error = None
    if request.method == "POST":
        try:
            services.category_delete(category=category)
        except ApplicationError as exc:
            error = exc.message
        else:
            messages.success(request, _("Category “%(name)s” deleted.") % {"name": category.name})
            return redirect("dashboard:catalog:category_list")
    count = category.product_count  # type: ignore[attr-defined]
    return _render_confirm(
        request,
        heading=_("Delete category “%(name)s”?") % {"name": category.name},
        consequences=[
            ngettext(
                "%(count)d product keeps existing without a category.",
                "%(count)d products keep existing without a category.",
                count,
            )
            % {"count": count}
        ],
        cancel_url=reverse("dashboard:catalog:category_list"),
        confirm_label=_("Delete category"),
        error=error,
    )


# ------------------------------------------------------------------------------
# collections
# ------------------------------------------------------------------------------
@never_cache
@staff_required
@require_GET
def collection_list(request: HttpRequest) -> HttpResponse:
    collections = Collection.objects.annotate(product_count=Count("products", distinct=True)).order_by(
        "title", "id"
    )
    page = Paginator(collections, COLLECTIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "catalog/collection_list.html", _context(page=page))


def _collection_form_page(request: HttpRequest, collection: Collection) -> HttpResponse:
    initial = {
        "title": collection.title,
        "description": collection.description,
        "kind": collection.kind,
        "match": collection.match,
    }
    form = CollectionForm(request.POST or None, initial=initial)
    rules = rule_formset(request.POST or None, rules=collection.rules)
    if request.method == "POST":
        chosen = UUIDListField(required=False).clean(request.POST.getlist("products"))
    elif collection.pk is not None:
        manual = collection.kind == Collection.Kind.MANUAL
        members = selectors.collection_products(collection=collection) if manual else Product.objects.none()
        chosen = [str(value) for value in members.values_list("uuid", flat=True)]
    else:
        chosen = []
    if request.method == "POST" and form.is_valid() and rules.is_valid():
        known = dict(Product.objects.filter(uuid__in=chosen).values_list("uuid", "pk"))
        product_ids = [known[UUID(value)] for value in chosen if UUID(value) in known]
        creating = collection.pk is None
        try:
            services.collection_save(
                collection=collection,
                title=form.cleaned_data["title"],
                kind=form.cleaned_data["kind"],
                description=form.cleaned_data["description"],
                match=form.cleaned_data["match"],
                rules=rules_from(rules),
                product_ids=product_ids,
            )
        except CatalogError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            text = _("Collection “%(title)s” created.") if creating else _("Collection “%(title)s” saved.")
            messages.success(request, text % {"title": collection.title})
            return redirect("dashboard:catalog:collection_detail", collection_id=collection.pk)
    search = (request.GET.get("q") or "").strip()[:200]
    candidates = list(
        selectors.product_list(filters=ProductFilters(query=search)).exclude(uuid__in=chosen)[
            :COLLECTION_CANDIDATES
        ]
    )
    chosen_products = sorted(Product.objects.filter(uuid__in=chosen), key=lambda p: chosen.index(str(p.uuid)))
    context = _context(
        form=form,
        rules=rules,
        max_rules=MAX_RULES,
        collection=collection,
        chosen_products=chosen_products,
        candidates=candidates,
        search=search,
    )
    return render(request, "catalog/collection_form.html", context)


@never_cache
@staff_required
@require_http_methods(["GET", "POST"])
def collection_create(request: HttpRequest) -> HttpResponse:
    return _collection_form_page(request, Collection())


@never_cache
@staff_required
@require_http_methods(["GET", "POST"])
def collection_edit(request: HttpRequest, collection_id: int) -> HttpResponse:
    return _collection_form_page(request, get_object_or_404(Collection, pk=collection_id))


@never_cache
@staff_required
@require_GET
def collection_detail(request: HttpRequest, collection_id: int) -> HttpResponse:
    collection = get_object_or_404(Collection, pk=collection_id)
    products = selectors.collection_products(collection=collection)
    page = Paginator(products, PRODUCTS_PER_PAGE).get_page(request.GET.get("page"))
    fields, ops = dict(RULE_FIELD_CHOICES), dict(RULE_OP_CHOICES)
    rules = [
        {
            "field": fields.get(rule["field"], rule["field"]),
            "op": ops.get(rule["op"], rule["op"]),
            "value": rule["value"],
        }
        for rule in collection.rules
    ]
    context = _context(collection=collection, page=page, rules=rules)
    return render(request, "catalog/collection_detail.html", context)


@never_cache
@staff_required
@require_http_methods(["GET", "POST"])
def collection_delete(request: HttpRequest, collection_id: int) -> HttpResponse:
    collection = get_object_or_404(Collection, pk=collection_id)
    if request.method == "POST":
        services.collection_delete(collection=collection)
        messages.success(request, _("Collection “%(title)s” deleted.") % {"title": collection.title})
        return redirect("dashboard:catalog:collection_list")
    return _render_confirm(
        request,
        heading=_("Delete collection “%(title)s”?") % {"title": collection.title},
        consequences=[_("The products in it are not deleted.")],
        cancel_url=reverse("dashboard:catalog:collection_detail", kwargs={"collection_id": collection.pk}),
        confirm_label=_("Delete collection"),
    )


# ------------------------------------------------------------------------------
# imports
# ------------------------------------------------------------------------------
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
@staff_required
@require_GET
def import_list(request: HttpRequest) -> HttpResponse:
    runs = selectors.import_run_list()
    page = Paginator(runs, IMPORTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "catalog/import_list.html", _context(page=page))


@never_cache
@staff_required
@require_http_methods(["GET", "POST"])
def import_create(request: HttpRequest) -> HttpResponse:
    form = ProductImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        from apps.catalog import bulk

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
    context = _context(form=form, policies=ImportRun.Policy)
    return render(request, "catalog/import_form.html", context)


@never_cache
@staff_required
@require_GET
def import_detail(request: HttpRequest, run_uuid: UUID) -> HttpResponse:
    run = _run_or_404(run_uuid)
    errors = Paginator(run.row_errors.order_by("row", "id"), ROW_ERRORS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = _context(run=run, state=_run_state(run), page=errors)
    return render(request, "catalog/import_detail.html", context)


@never_cache
@staff_required
@require_GET
def import_status(request: HttpRequest, run_uuid: UUID) -> JsonResponse:
    return JsonResponse(_run_state(_run_or_404(run_uuid)))


@never_cache
@staff_required
@require_GET
def import_report(request: HttpRequest, run_uuid: UUID) -> HttpResponse:
    run = _run_or_404(run_uuid)

    def rows() -> Iterator[list[str]]:
        yield [_("row"), _("column"), _("problem")]
        for row, column, message in (
            run.row_errors.order_by("row", "id").values_list("row", "column", "message").iterator(2000)
        ):
            yield [str(row), _csv_cell(column), _csv_cell(message)]

    return _csv_stream(rows(), filename=f"import-{run.uuid}-report.csv")  # type: ignore[return-value]
