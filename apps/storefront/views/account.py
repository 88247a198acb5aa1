"""The shopper's account on a store: profile, saved addresses, wishlist, and the latest orders
(the order history itself is in `account_orders`).

Every page belongs to the signed-in shopper: visitors are sent to sign in, and the store's staff
(whose accounts are for the dashboard) get a note with a link to it instead. An id that is not
one of the shopper's own (another shopper's, another store's, made up) answers 404, the same
as an id that never existed.

The wishlist's add and remove are plain form POSTs that redirect back (no JavaScript needed);
static/js/storefront-account.js sends the same forms with `fetch` and `X-Requested-With:
XMLHttpRequest` and gets the button's HTML back, with the count in `X-Wishlist-Count`.
A product page shows the button with `{% include "storefront/account/wishlist_button.html" %}`
(`product` and `in_wishlist` from `apps.customers.selectors.wishlist_product_ids`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from apps.accounts.models import User
from apps.catalog.models import Product
from apps.core.permissions import no_permission_required
from apps.customers import selectors, services
from apps.customers.errors import AddressNotFound, CustomerError, CustomerInputInvalid
from apps.orders.selectors import orders_for_customer
from apps.storefront.views.account_forms import AddressForm, ProfileForm
from apps.stores.selectors import store_settings_get

WHY = "a shopper's own account: only the signed-in shopper's rows are read or changed"
FRAGMENT_HEADER = "X-Requested-With"
COUNT_HEADER = "X-Wishlist-Count"
RECENT_ORDERS = 3

View = Callable[..., HttpResponse]


def _wants_fragment(request: HttpRequest) -> bool:
    return request.headers.get(FRAGMENT_HEADER) == "XMLHttpRequest" or bool(getattr(request, "htmx", False))


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next", "") or request.GET.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def shopper_required(view: View) -> View:
    """Signed-in shoppers only: a visitor goes to sign-in (back to `next` or this page after),
    a staff account gets the note that its place is the dashboard (403)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            if _wants_fragment(request):
                response = HttpResponse(status=401)
                response["X-Login-URL"] = reverse("account_login")
                return response
            back = _safe_next(request) if request.method == "POST" else request.get_full_path()
            return redirect_to_login(back or reverse("storefront:account"))
        if user.is_staff:
            return render(request, "storefront/account/staff_note.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped


def _shopper(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _render(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    context.setdefault("account_section", template.rsplit("/", 1)[-1].removesuffix(".html"))
    return render(request, f"storefront/account/{template}", context, status=status)


def _put_errors(form: Any, error: CustomerInputInvalid) -> None:
    for problem in error.errors:
        form.add_error(problem.field if problem.field in form.fields else None, problem.message)


# ------------------------------------------------------------------------------
# Overview and profile
# ------------------------------------------------------------------------------
@no_permission_required(WHY)
@never_cache
@shopper_required
def account(request: HttpRequest) -> HttpResponse:
    user = _shopper(request)
    form = ProfileForm(request.POST or None, initial={"full_name": user.full_name})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.customer_profile_update(user=user, full_name=form.cleaned_data["full_name"])
            except CustomerInputInvalid as error:
                _put_errors(form, error)
            else:
                messages.success(request, _("Your name was saved."))
                return redirect("storefront:account")
        status = 400
    default_address = selectors.address_default(user=user)
    if default_address is not None:
        default_address.country_name = selectors.country_name(default_address.country)  # type: ignore[attr-defined]
    context = {
        "form": form,
        "default_address": default_address,
        "wishlist_count": selectors.wishlist_count(user=user),
        "recent_orders": list(orders_for_customer(user=user)[:RECENT_ORDERS]),
        "has_usable_password": user.has_usable_password(),
        "social_signin": selectors.social_connections_apply(user=user, request=request),
    }
    return _render(request, "overview.html", context, status=status)


# ------------------------------------------------------------------------------
# Addresses
# ------------------------------------------------------------------------------
@no_permission_required(WHY)
@never_cache
@shopper_required
def addresses(request: HttpRequest) -> HttpResponse:
    rows = list(selectors.address_list(user=_shopper(request)))
    for row in rows:
        row.country_name = selectors.country_name(row.country)  # type: ignore[attr-defined]
    return _render(
        request, "addresses.html", {"addresses": rows, "address_max": services.ADDRESS_MAX_PER_CUSTOMER}
    )


def _address_form_page(
    request: HttpRequest, form: AddressForm, *, address: Any = None, status: int = 200
) -> HttpResponse:
    return _render(request, "address_form.html", {"form": form, "address": address}, status=status)


@no_permission_required(WHY)
@never_cache
@shopper_required
def address_add(request: HttpRequest) -> HttpResponse:
    user = _shopper(request)
    form = AddressForm(request.POST or None, default_country=store_settings_get().country)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.address_create(user=user, data=form.to_input())
            except CustomerInputInvalid as error:
                _put_errors(form, error)
            except CustomerError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("The address was saved."))
                return redirect("storefront:addresses")
        return _address_form_page(request, form, status=400)
    return _address_form_page(request, form)


@no_permission_required(WHY)
@never_cache
@shopper_required
def address_edit(request: HttpRequest, address_uuid: str) -> HttpResponse:
    user = _shopper(request)
    address = selectors.address_get(user=user, address_uuid=address_uuid)
    if address is None:
        raise Http404(_("This address does not exist."))
    form = AddressForm.for_address(address, request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.address_update(user=user, address_uuid=address.uuid, data=form.to_input())
            except CustomerInputInvalid as error:
                _put_errors(form, error)
            except AddressNotFound:
                raise Http404(_("This address does not exist.")) from None
            else:
                messages.success(request, _("The address was saved."))
                return redirect("storefront:addresses")
        return _address_form_page(request, form, address=address, status=400)
    return _address_form_page(request, form, address=address)


@no_permission_required(WHY)
@never_cache
@shopper_required
def address_delete(request: HttpRequest, address_uuid: str) -> HttpResponse:
    """GET asks for confirmation; POST deletes."""
    user = _shopper(request)
    address = selectors.address_get(user=user, address_uuid=address_uuid)
    if address is None:
        raise Http404(_("This address does not exist."))
    if request.method == "POST":
        try:
            services.address_delete(user=user, address_uuid=address.uuid)
        except AddressNotFound:
            raise Http404(_("This address does not exist.")) from None
        messages.success(request, _("The address was deleted."))
        return redirect("storefront:addresses")
    address.country_name = selectors.country_name(address.country)  # type: ignore[attr-defined]
    return _render(request, "address_delete.html", {"address": address})


@no_permission_required(WHY)
@require_POST
@shopper_required
def address_default(request: HttpRequest, address_uuid: str) -> HttpResponse:
    try:
        services.address_set_default(user=_shopper(request), address_uuid=address_uuid)
    except AddressNotFound:
        raise Http404(_("This address does not exist.")) from None
    messages.success(request, _("Your default address was changed."))
    return redirect("storefront:addresses")


# ------------------------------------------------------------------------------
# Wishlist
# ------------------------------------------------------------------------------
@no_permission_required(WHY)
@never_cache
@shopper_required
def wishlist(request: HttpRequest) -> HttpResponse:
    items = list(selectors.wishlist_list(user=_shopper(request)))
    return _render(request, "wishlist.html", {"items": items, "wishlist_max": services.WISHLIST_MAX_ITEMS})


def _wishlist_answer(
    request: HttpRequest, *, product_uuid: str, in_wishlist: bool, error: str = "", status: int = 200
) -> HttpResponse:
    user = _shopper(request)
    if _wants_fragment(request):
        product = (
            Product.objects.filter(uuid=product_uuid).only("uuid", "title").first() if not error else None
        )
        context = {
            "product": product,
            "product_uuid": product_uuid,
            "in_wishlist": in_wishlist,
            "wishlist_error": error,
            "next": _safe_next(request),
        }
        response = render(request, "storefront/account/wishlist_button.html", context, status=status)
        response[COUNT_HEADER] = str(selectors.wishlist_count(user=user))
        patch_vary_headers(response, [FRAGMENT_HEADER, "HX-Request"])
        return response
    if error:
        messages.error(request, error)
    target = _safe_next(request) or reverse("storefront:wishlist")
    return HttpResponseRedirect(target)


def _wishlist_change(
    request: HttpRequest, *, change: Callable[..., object], in_wishlist: bool, done: str
) -> HttpResponse:
    """Add or remove the POSTed product; a refusal answers 422 with its message, as a fragment
    for fetch() and as a flash message for a plain form."""
    product_uuid = request.POST.get("product", "")
    try:
        change(user=_shopper(request), product_uuid=product_uuid)
    except CustomerError as error:
        return _wishlist_answer(
            request, product_uuid=product_uuid, in_wishlist=False, error=error.message, status=422
        )
    if not _wants_fragment(request):
        messages.success(request, done)
    return _wishlist_answer(request, product_uuid=product_uuid, in_wishlist=in_wishlist)


@no_permission_required(WHY)
@require_POST
@shopper_required
def wishlist_add(request: HttpRequest) -> HttpResponse:
    return _wishlist_change(
        request, change=services.wishlist_add, in_wishlist=True, done=_("Saved to your wishlist.")
    )


@no_permission_required(WHY)
@require_POST
@shopper_required
def wishlist_remove(request: HttpRequest) -> HttpResponse:
    return _wishlist_change(
        request, change=services.wishlist_remove, in_wishlist=False, done=_("Removed from your wishlist.")
    )
