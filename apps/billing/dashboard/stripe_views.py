"""Console pages: subscribe through Stripe Checkout, return from it, open the Customer Portal,
list invoices. Each declares its permission through `merchant_permission_required`."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.billing.limits import merchant_plan_for
from apps.billing.models import Plan
from apps.billing.subscriptions import (
    SubscriptionError,
    checkout_session_create,
    merchant_invoices,
    portal_session_create,
)
from apps.core.permissions import Perm
from apps.platform.access import MerchantAccess, merchant_permission_required


def _url(name: str, access: MerchantAccess) -> str:
    # Built from PLATFORM_URL, never from the Host header: Stripe sends the merchant back here.
    return settings.PLATFORM_URL + reverse(
        f"billing_console:{name}", kwargs={"merchant_uuid": access.merchant.uuid}
    )


def _back(access: MerchantAccess) -> HttpResponseRedirect:
    return HttpResponseRedirect(
        reverse("billing_console:invoices", kwargs={"merchant_uuid": access.merchant.uuid})
    )


@require_POST
@merchant_permission_required(Perm.BILLING_MANAGE)
def subscribe(request: HttpRequest, access: MerchantAccess, plan_code: str) -> HttpResponse:
    plan = get_object_or_404(Plan, code=plan_code, active=True)
    attempt = str(request.POST.get("attempt") or uuid.uuid4().hex)[:64]
    try:
        url = checkout_session_create(
            merchant=access.merchant,
            plan=plan,
            email=getattr(request.user, "email", ""),
            success_url=_url("checkout_success", access) + "?session_id={CHECKOUT_SESSION_ID}",
            cancel_url=_url("checkout_cancelled", access),
            attempt=attempt,
        )
    except SubscriptionError as error:
        messages.error(request, error.message)
        return _back(access)
    return HttpResponseRedirect(url)


@merchant_permission_required(Perm.BILLING_VIEW)
def checkout_success(request: HttpRequest, access: MerchantAccess) -> HttpResponse:
    # The subscription is applied when its webhook arrives, not from this redirect.
    context = {
        "access": access,
        "merchant": access.merchant,
        "merchant_plan": merchant_plan_for(merchant=access.merchant),
    }
    return render(request, "billing/stripe_checkout_success.html", context)


@merchant_permission_required(Perm.BILLING_VIEW)
def checkout_cancelled(request: HttpRequest, access: MerchantAccess) -> HttpResponse:
    return render(
        request, "billing/stripe_checkout_cancelled.html", {"access": access, "merchant": access.merchant}
    )


@require_POST
@merchant_permission_required(Perm.BILLING_MANAGE)
def portal(request: HttpRequest, access: MerchantAccess) -> HttpResponse:
    try:
        url = portal_session_create(merchant=access.merchant, return_url=_url("invoices", access))
    except SubscriptionError as error:
        messages.error(request, error.message)
        return _back(access)
    return HttpResponseRedirect(url)


@merchant_permission_required(Perm.BILLING_VIEW)
def invoices(request: HttpRequest, access: MerchantAccess) -> HttpResponse:
    error = ""
    try:
        rows = merchant_invoices(merchant=access.merchant)
    except SubscriptionError as failure:
        rows, error = [], failure.message
    context = {
        "access": access,
        "merchant": access.merchant,
        "merchant_plan": merchant_plan_for(merchant=access.merchant),
        "invoices": rows,
        "error": error,
        "plans": Plan.objects.filter(active=True, is_public=True).exclude(stripe_price_id=""),
        "attempt": uuid.uuid4().hex,
    }
    return render(request, "billing/stripe_invoices.html", context)
