"""Customers pages of the dashboard, mounted at /dashboard/customers/.

- The customer list (search by name or email, paginated) and a customer's page (profile, saved
  addresses, order counters): `customers.view`; changing a record's name, phone, note or
  marketing consent on that page: `customers.manage`.
- A customer's store credit (only a customer with an account has any): the balance and the
  latest ledger entries on their page; giving or taking back credit needs `customers.manage`.
- The store's social sign-in settings: which providers' buttons its shoppers see, with the
  client id and secret of each. Owners and admins change them (settings.manage); finance reads
  them (settings.view); staff do not see the page. The stored secret is never sent back to a
  browser: the page says whether one is set, and a field replaces it.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from apps.checkout.errors import CheckoutError
from apps.checkout.selectors import store_credit_balance, store_credit_entries
from apps.checkout.services import store_credit_adjust
from apps.core.money import money_format
from apps.core.page_slots import slots_render
from apps.core.permissions import Perm, permission_required, user_has_permission
from apps.customers import selectors
from apps.customers.dashboard.forms import CustomerForm, SocialAppForm, StoreCreditForm
from apps.customers.errors import CustomerError, CustomerInputInvalid
from apps.customers.models import Customer
from apps.customers.selectors import social_callback_urls, social_provider_states
from apps.customers.services import customer_update, social_app_remove, social_app_save
from apps.orders.selectors import orders_for_customer
from apps.stores.selectors import store_currency_get

CUSTOMER_PAGE_SIZE = 50


@never_cache
@permission_required(Perm.CUSTOMERS_VIEW)
def customer_list(request: HttpRequest) -> HttpResponse:
    query = " ".join(request.GET.get("q", "").split())[: selectors.CUSTOMER_SEARCH_MAX_LENGTH]
    page = Paginator(selectors.customer_list(query=query), CUSTOMER_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"page": page, "query": query, "store_currency": store_currency_get()}
    return render(request, "customers/customer_list.html", context)


@never_cache
@permission_required(Perm.CUSTOMERS_VIEW, write=Perm.CUSTOMERS_MANAGE)
def customer_detail(request: HttpRequest, customer_uuid: uuid.UUID) -> HttpResponse:
    customer = _customer_or_404(customer_uuid)
    initial = {
        "full_name": customer.full_name,
        "phone": customer.phone,
        "note": customer.note,
        "accepts_marketing": customer.accepts_marketing,
    }
    form = CustomerForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method != "POST":
        return _detail_page(request, customer=customer, form=form)
    if form.is_valid():
        try:
            customer_update(customer=customer, actor=request.user, **form.cleaned_data)
        except CustomerInputInvalid as error:
            for problem in error.errors:
                form.add_error(problem.field if problem.field in form.fields else None, problem.message)
        else:
            messages.success(request, _("Customer saved."))
            return redirect("dashboard:customers:customer_detail", customer_uuid=customer.uuid)
    return _detail_page(request, customer=customer, form=form, status=400)


def _detail_page(
    request: HttpRequest,
    *,
    customer: Customer,
    form: CustomerForm,
    credit_form: StoreCreditForm | None = None,
    status: int = 200,
) -> HttpResponse:
    addresses = selectors.customer_addresses(customer=customer)
    for address in addresses:
        address.country_name = selectors.country_name(address.country)  # type: ignore[attr-defined]
    context = {
        "customer": customer,
        "form": form,
        "addresses": addresses,
        "store_currency": store_currency_get(),
        "can_manage": user_has_permission(request.user, Perm.CUSTOMERS_MANAGE),
        # The 10 latest orders (apps/orders/templates/orders/dashboard/_customer_orders.html).
        "customer_orders": orders_for_customer(customer=customer)[:10],
        # Sections other apps add to this page (apps/core/page_slots.py), e.g. privacy's.
        "panels": slots_render("dashboard.customer", request, customer, name="customer"),
        **_store_credit_context(customer=customer, form=credit_form),
    }
    return render(request, "customers/customer_detail.html", context, status=status)


def _customer_or_404(customer_uuid: uuid.UUID) -> Customer:
    customer = selectors.customer_get(customer_uuid=customer_uuid)
    if customer is None:
        raise Http404(_("No such customer."))
    return customer


def _store_credit_context(*, customer: Customer, form: StoreCreditForm | None) -> dict[str, Any]:
    if customer.user is None:
        return {"store_credit": None}
    return {
        "store_credit": store_credit_balance(user=customer.user),
        "store_credit_entries": list(store_credit_entries(user=customer.user)[:10]),
        "store_credit_form": form or StoreCreditForm(),
    }


@never_cache
@permission_required(Perm.CUSTOMERS_MANAGE)
@require_POST
def customer_store_credit(request: HttpRequest, customer_uuid: uuid.UUID) -> HttpResponse:
    """Give or take back store credit; a refused change is shown on the customer's page with
    the form as it was sent, and nothing is written."""
    customer = _customer_or_404(customer_uuid)
    if customer.user is None:
        messages.error(request, _("Store credit needs a customer account; this customer orders as a guest."))
        return redirect("dashboard:customers:customer_detail", customer_uuid=customer.uuid)
    form = StoreCreditForm(request.POST)
    if form.is_valid():
        try:
            entry = store_credit_adjust(
                user=customer.user,
                amount=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except CheckoutError as error:
            form.add_error("amount" if error.field in (None, "amount") else None, error.message)
        else:
            balance = money_format(entry.balance_after, entry.currency, get_language() or "en")
            messages.success(
                request, _("Store credit changed; the balance is now %(balance)s.") % {"balance": balance}
            )
            return redirect("dashboard:customers:customer_detail", customer_uuid=customer.uuid)
    initial = {"full_name": customer.full_name, "phone": customer.phone, "note": customer.note}
    return _detail_page(
        request,
        customer=customer,
        form=CustomerForm(initial={**initial, "accepts_marketing": customer.accepts_marketing}),
        credit_form=form,
        status=400,
    )


@never_cache
@permission_required(Perm.SETTINGS_VIEW, write=Perm.SETTINGS_MANAGE)
def social_signin(request: HttpRequest) -> HttpResponse:
    states = social_provider_states()
    by_id = {state.id: state for state in states}
    posted = request.POST.get("provider", "") if request.method == "POST" else ""
    status = 200
    forms = {}
    for state in states:
        bound = request.POST if posted == state.id and request.POST.get("action") == "save" else None
        forms[state.id] = SocialAppForm(bound, state=state)

    if request.method == "POST":
        action = request.POST.get("action", "")
        if posted not in by_id or action not in ("save", "remove"):
            messages.error(request, _("Choose a provider and what to do with it."))
            status = 400
        elif action == "remove":
            social_app_remove(provider=posted, actor=request.user)
            messages.success(
                request, _("Sign-in with %(provider)s is off.") % {"provider": by_id[posted].label}
            )
            return redirect("dashboard:customers:social_signin")
        else:
            form = forms[posted]
            if form.is_valid():
                try:
                    social_app_save(
                        provider=posted,
                        client_id=form.cleaned_data["client_id"],
                        secret=form.cleaned_data["secret"],
                        actor=request.user,
                    )
                except CustomerInputInvalid as error:
                    for problem in error.errors:
                        form.add_error(
                            problem.field if problem.field in form.fields else None, problem.message
                        )
                except CustomerError as error:
                    form.add_error(None, error.message)
                else:
                    messages.success(
                        request,
                        _("Shoppers can now sign in with %(provider)s.") % {"provider": by_id[posted].label},
                    )
                    return redirect("dashboard:customers:social_signin")
            status = 400

    tenant = request.tenant  # type: ignore[attr-defined]
    providers = [
        {
            "state": state,
            "form": forms[state.id],
            "callback_urls": social_callback_urls(provider=state.id, tenant=tenant),
        }
        for state in states
    ]
    context = {
        "providers": providers,
        "can_manage": user_has_permission(request.user, Perm.SETTINGS_MANAGE),
    }
    return render(request, "customers/social_signin.html", context, status=status)
