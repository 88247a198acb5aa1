"""Collections: list and detail (`catalog.view`), create and edit (`catalog.edit`), delete
(`catalog.delete`)."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from apps.catalog import selectors, services
from apps.catalog.dashboard.forms import (
    MAX_RULES,
    RULE_FIELD_CHOICES,
    RULE_OP_CHOICES,
    CollectionForm,
    UUIDListField,
    rule_formset,
    rules_from,
)
from apps.catalog.dashboard.views.common import PRODUCTS_PER_PAGE, render_confirm
from apps.catalog.errors import CatalogError
from apps.catalog.models import Collection, Product
from apps.catalog.selectors import ProductFilters
from apps.core.permissions import Perm, permission_required

COLLECTIONS_PER_PAGE = 50
COLLECTION_CANDIDATES = 100


@never_cache
@permission_required(Perm.CATALOG_VIEW)
@require_GET
def collection_list(request: HttpRequest) -> HttpResponse:
    collections = Collection.objects.annotate(product_count=Count("products", distinct=True)).order_by(
        "title", "id"
    )
    page = Paginator(collections, COLLECTIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "catalog/collection_list.html", {"page": page})


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
    context = {
        "form": form,
        "rules": rules,
        "max_rules": MAX_RULES,
        "collection": collection,
        "chosen_products": chosen_products,
        "candidates": candidates,
        "search": search,
    }
    return render(request, "catalog/collection_form.html", context)


@never_cache
@permission_required(Perm.CATALOG_EDIT)
@require_http_methods(["GET", "POST"])
def collection_create(request: HttpRequest) -> HttpResponse:
    return _collection_form_page(request, Collection())


@never_cache
@permission_required(Perm.CATALOG_EDIT)
@require_http_methods(["GET", "POST"])
def collection_edit(request: HttpRequest, collection_id: int) -> HttpResponse:
    return _collection_form_page(request, get_object_or_404(Collection, pk=collection_id))


@never_cache
@permission_required(Perm.CATALOG_VIEW)
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
    return render(
        request, "catalog/collection_detail.html", {"collection": collection, "page": page, "rules": rules}
    )


@never_cache
@permission_required(Perm.CATALOG_DELETE)
@require_http_methods(["GET", "POST"])
def collection_delete(request: HttpRequest, collection_id: int) -> HttpResponse:
    collection = get_object_or_404(Collection, pk=collection_id)
    if request.method == "POST":
        services.collection_delete(collection=collection)
        messages.success(request, _("Collection “%(title)s” deleted.") % {"title": collection.title})
        return redirect("dashboard:catalog:collection_list")
    return render_confirm(
        request,
        heading=_("Delete collection “%(title)s”?") % {"title": collection.title},
        consequences=[_("The products in it are not deleted.")],
        cancel_url=reverse("dashboard:catalog:collection_detail", kwargs={"collection_id": collection.pk}),
        confirm_label=_("Delete collection"),
    )
