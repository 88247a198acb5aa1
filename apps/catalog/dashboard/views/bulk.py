"""Bulk actions on ticked products: a preview of what changes, then the change.

Both steps are POSTs. Every action changes products, so a POST needs at least `catalog.edit`
(declared on the view); what else it needs depends on the action, so the view checks it too:
deleting needs `catalog.delete`. A role without it gets the 403 page and nothing changes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from apps.catalog import selectors, services
from apps.catalog.dashboard.forms import BulkAction, ProductBulkForm, bulk_action_permission
from apps.catalog.dashboard.views.common import forbidden, safe_next
from apps.catalog.errors import CatalogError
from apps.catalog.models import Product
from apps.core.permissions import Perm, permission_required
from apps.core.templatetags.money import money
from apps.stores.selectors import store_currency_get


def _price_span(low: Decimal | None, high: Decimal | None, currency: str) -> str:
    if low is None:
        return "—"
    if low == high or high is None:
        return money(low, currency)
    return f"{money(low, currency)} – {money(high, currency)}"


def _bulk_preview(form: ProductBulkForm, products: list[Product]) -> list[dict[str, Any]]:
    """Each product with what it is now and what it will be, for the confirmation page."""
    action = form.cleaned_data["action"]
    currency = store_currency_get()
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
            before = _price_span(low, high, currency)
            after = _price_span(
                None if low is None else services.price_changed(low, percent=percent, currency=currency),
                None if high is None else services.price_changed(high, percent=percent, currency=currency),
                currency,
            )
        rows.append({"product": product, "before": before, "after": after})
    return rows


@never_cache
@permission_required(Perm.CATALOG_VIEW, write=Perm.CATALOG_EDIT)
@require_POST
def product_bulk(request: HttpRequest) -> HttpResponse:
    """Step 1 (from the list): show what will change. Step 2 (`confirm`): apply it."""
    action = request.POST.get("action", "")
    refused = forbidden(request, bulk_action_permission(action))
    if refused is not None:
        return refused
    form = ProductBulkForm(request.POST)
    back = safe_next(request, request.POST.get("next"), reverse("dashboard:catalog:product_list"))
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(back)
    products = list(selectors.product_list().filter(uuid__in=form.cleaned_data["products"]))
    if not products:
        messages.error(request, _("None of the selected products exist any more."))
        return redirect(back)
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
    context = {
        "form": form,
        "action": action,
        "action_label": BulkAction(action).label,
        "rows": _bulk_preview(form, products),
        "back": back,
        "is_delete": action == BulkAction.DELETE,
    }
    return render(request, "catalog/product_bulk_confirm.html", context)
