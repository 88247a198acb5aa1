"""Console pages of a merchant's billing account: the billing address and VAT number on its
invoices, switching plan (refused below current usage), and metered usage with order overage
per store. Each view declares its permission with `merchant_permission_required`."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from apps.billing.billing_details import (
    BillingDetailsError,
    billing_details_get,
    billing_details_save,
    country_choices,
)
from apps.billing.dashboard.forms import BillingDetailsForm
from apps.billing.limits import Limit, merchant_plan_for
from apps.billing.metering import merchant_metering, period_start
from apps.billing.models import Plan
from apps.billing.order_metering import merchant_order_overage
from apps.billing.plan_change import PlanChangeError, merchant_plan_change
from apps.billing.subscriptions import SubscriptionError
from apps.core.permissions import Perm
from apps.platform.access import MerchantAccess, merchant_permission_required


def _billing_page(access: MerchantAccess) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("platform:billing", kwargs={"merchant_uuid": access.merchant.uuid}))


@never_cache
@merchant_permission_required(Perm.BILLING_VIEW, write=Perm.BILLING_MANAGE)
def billing_details(request: HttpRequest, access: MerchantAccess) -> HttpResponse:
    details = billing_details_get(merchant=access.merchant)
    if request.method == "POST":
        form = BillingDetailsForm(request.POST)
        if form.is_valid():
            try:
                billing_details_save(
                    merchant=access.merchant, email=getattr(request.user, "email", ""), **form.cleaned_data
                )
            except BillingDetailsError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            except SubscriptionError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Billing details saved; your next invoices show them."))
                return HttpResponseRedirect(
                    reverse("billing_console:details", kwargs={"merchant_uuid": access.merchant.uuid})
                )
    else:
        initial = {}
        if details is not None:
            initial = {
                name: getattr(details, name)
                for name in ("country", "line1", "line2", "postal_code", "city", "tax_id")
            }
        form = BillingDetailsForm(initial=initial)
    countries = dict(country_choices(get_language() or "en"))
    context = {
        "access": access,
        "merchant": access.merchant,
        "form": form,
        "details": details,
        "country": countries.get(details.country, details.country) if details is not None else "",
    }
    return render(request, "billing/billing_details.html", context, status=400 if form.errors else 200)


@require_POST
@merchant_permission_required(Perm.BILLING_MANAGE)
def plan_change(request: HttpRequest, access: MerchantAccess, plan_code: str) -> HttpResponse:
    plan = get_object_or_404(Plan, code=plan_code, active=True)
    attempt = str(request.POST.get("attempt") or uuid.uuid4().hex)[:64]
    try:
        merchant_plan_change(merchant=access.merchant, plan=plan, actor=request.user, attempt=attempt)  # type: ignore[arg-type]
    except (PlanChangeError, SubscriptionError) as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("You are now on the %(plan)s plan.") % {"plan": plan.name})
    return _billing_page(access)


@never_cache
@merchant_permission_required(Perm.BILLING_VIEW)
def metering(request: HttpRequest, access: MerchantAccess) -> HttpResponse:
    merchant_plan = merchant_plan_for(merchant=access.merchant)
    context = {
        "access": access,
        "merchant": access.merchant,
        "orders_per_day": merchant_plan.limit_value(Limit.ORDERS_PER_DAY),
        "meters": merchant_metering(merchant=access.merchant),
        "order_rows": merchant_order_overage(merchant=access.merchant),
        "period_start": period_start(),
    }
    return render(request, "billing/metering.html", context)
