"""Discounts: the list (filtered by status, searched by code) and a discount with its
redemptions (`orders.view`); creating, editing, deactivating and deleting (`discounts.manage`).
Dates are typed and shown in the store's time zone."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from apps.catalog.models import Product
from apps.checkout import admin_selectors as selectors
from apps.checkout.admin_services import (
    CheckoutSetupError,
    discount_deactivate,
    discount_delete,
    discount_save,
)
from apps.checkout.dashboard.forms import DiscountFilterForm, DiscountForm
from apps.checkout.dashboard.views.common import PAGE_SIZE, or_404, render_confirm, show_error, store_timezone
from apps.checkout.models import Discount
from apps.core.permissions import Perm, permission_required
from apps.stores.selectors import store_currency_get

LIST_URL = "dashboard:checkout:discount_list"
# Products offered as checkboxes on the discount form; a store with more finds the rest by search.
PRODUCT_CANDIDATES = 200


def _discount_or_404(discount_id: int) -> Discount:
    return or_404(selectors.discount_get(discount_id=discount_id), _("No such discount."))  # type: ignore[no-any-return]


@never_cache
@permission_required(Perm.ORDERS_VIEW)
@require_GET
def discount_list(request: HttpRequest) -> HttpResponse:
    filters = DiscountFilterForm(request.GET or None)
    filters.is_valid()
    query = (filters.cleaned_data.get("q") or "") if filters.is_bound else ""
    status = (filters.cleaned_data.get("status") or "") if filters.is_bound else ""
    discounts = selectors.discount_list(status=status, query=query)
    page = Paginator(discounts, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "filters": filters, "filtered": bool(query or status)}
    with store_timezone() as zone_name:
        context["timezone_name"] = zone_name
        return render(request, "checkout/dashboard/discount_list.html", context)


@never_cache
@permission_required(Perm.ORDERS_VIEW)
@require_GET
def discount_detail(request: HttpRequest, discount_id: int) -> HttpResponse:
    discount = _discount_or_404(discount_id)
    redemptions = selectors.discount_redemptions(discount=discount)
    page = Paginator(redemptions, PAGE_SIZE).get_page(request.GET.get("page"))
    with store_timezone() as zone_name:
        context = {"discount": discount, "page": page, "timezone_name": zone_name}
        return render(request, "checkout/dashboard/discount_detail.html", context)


def _discount_form_page(request: HttpRequest, discount: Discount) -> HttpResponse:
    with store_timezone() as zone_name:
        collections = list(selectors.collection_choices().values_list("pk", "title"))
        initial = DiscountForm.initial_from(discount, currency=store_currency_get()) if discount.pk else None
        form = DiscountForm(request.POST or None, initial=initial, collections=collections)
        if request.method == "POST" and form.is_valid():
            creating = discount.pk is None
            try:
                discount_save(discount=discount, data=form.to_input())
            except CheckoutSetupError as error:
                show_error(form, error)
            else:
                text = _("Discount “%(name)s” created.") if creating else _("Discount “%(name)s” saved.")
                messages.success(request, text % {"name": discount.name})
                return redirect("dashboard:checkout:discount_detail", discount_id=discount.pk)
        chosen_ids = _chosen_product_ids(request, form)
        search = (request.GET.get("q") or "").strip()[:100]
        candidates = selectors.product_choices().exclude(pk__in=chosen_ids)
        if search:
            candidates = candidates.filter(
                Q(title__icontains=search) | Q(variants__sku__icontains=search)
            ).distinct()
        context = {
            "form": form,
            "discount": discount,
            "timezone_name": zone_name,
            "chosen_products": list(Product.objects.filter(pk__in=chosen_ids).order_by("title", "id")),
            "candidates": list(candidates[:PRODUCT_CANDIDATES]),
            "candidate_limit": PRODUCT_CANDIDATES,
            "search": search,
        }
        return render(request, "checkout/dashboard/discount_form.html", context)


def _chosen_product_ids(request: HttpRequest, form: DiscountForm) -> list[int]:
    """The products ticked on the form: what was posted, else the discount's own."""
    if request.method == "POST":
        ids = []
        for value in request.POST.getlist("products"):
            if value.isdigit():
                ids.append(int(value))
        return ids
    return list(form.initial.get("products") or [])


@never_cache
@permission_required(Perm.DISCOUNTS_MANAGE)
@require_http_methods(["GET", "POST"])
def discount_create(request: HttpRequest) -> HttpResponse:
    return _discount_form_page(request, Discount())


@never_cache
@permission_required(Perm.DISCOUNTS_MANAGE)
@require_http_methods(["GET", "POST"])
def discount_edit(request: HttpRequest, discount_id: int) -> HttpResponse:
    return _discount_form_page(request, _discount_or_404(discount_id))


@never_cache
@permission_required(Perm.DISCOUNTS_MANAGE)
@require_http_methods(["GET", "POST"])
def discount_deactivate_view(request: HttpRequest, discount_id: int) -> HttpResponse:
    discount = _discount_or_404(discount_id)
    detail_url = reverse("dashboard:checkout:discount_detail", kwargs={"discount_id": discount.pk})
    if request.method == "POST":
        discount_deactivate(discount=discount)
        messages.success(request, _("Discount “%(name)s” deactivated.") % {"name": discount.name})
        return redirect(detail_url)
    return render_confirm(
        request,
        heading=_("Deactivate discount “%(name)s”?") % {"name": discount.name},
        consequences=[
            _("Shoppers can no longer use it, including those who already entered it in a checkout."),
            _("Its history stays. You can turn it back on by editing it."),
        ],
        cancel_url=detail_url,
        confirm_label=_("Deactivate"),
        undoable=True,
    )


@never_cache
@permission_required(Perm.DISCOUNTS_MANAGE)
@require_http_methods(["GET", "POST"])
def discount_delete_view(request: HttpRequest, discount_id: int) -> HttpResponse:
    discount = _discount_or_404(discount_id)
    detail_url = reverse("dashboard:checkout:discount_detail", kwargs={"discount_id": discount.pk})
    error = None
    if request.method == "POST":
        try:
            discount_delete(discount=discount)
        except CheckoutSetupError as refused:
            error = refused.message
        else:
            messages.success(request, _("Discount “%(name)s” deleted.") % {"name": discount.name})
            return redirect(LIST_URL)
    return render_confirm(
        request,
        heading=_("Delete discount “%(name)s”?") % {"name": discount.name},
        consequences=[
            _("Shoppers can no longer use it, including those who already entered it in a checkout.")
        ],
        cancel_url=detail_url,
        confirm_label=_("Delete discount"),
        error=error,
    )
