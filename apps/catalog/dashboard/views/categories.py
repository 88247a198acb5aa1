"""Categories: the tree (`catalog.view`), create and edit (`catalog.edit`), delete
(`catalog.delete`)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from apps.catalog import selectors, services
from apps.catalog.dashboard.forms import CategoryForm
from apps.catalog.dashboard.views.common import render_confirm
from apps.catalog.errors import CatalogError
from apps.catalog.models import Category
from apps.core.errors import ApplicationError
from apps.core.permissions import Perm, permission_required

CATEGORIES_PER_PAGE = 100


@never_cache
@permission_required(Perm.CATALOG_VIEW)
@require_GET
def category_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.category_tree(), CATEGORIES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "catalog/category_list.html", {"page": page})


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
    return render(request, "catalog/category_form.html", {"form": form, "category": category})


@never_cache
@permission_required(Perm.CATALOG_EDIT)
@require_http_methods(["GET", "POST"])
def category_create(request: HttpRequest) -> HttpResponse:
    return _category_form_page(request, Category())


@never_cache
@permission_required(Perm.CATALOG_EDIT)
@require_http_methods(["GET", "POST"])
def category_edit(request: HttpRequest, category_id: int) -> HttpResponse:
    return _category_form_page(request, get_object_or_404(Category, pk=category_id))


@never_cache
@permission_required(Perm.CATALOG_DELETE)
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
    return render_confirm(
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
