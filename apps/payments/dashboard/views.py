"""Payment setup in the store dashboard, mounted at /dashboard/payments/: which payment methods
shoppers see, the manual methods' instructions, and Stripe Connect onboarding. Reading needs
`payments.view` (finance sees it read-only); every change and every Stripe call needs
`payments.manage`. Views validate, call one service, and redirect."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from apps.core.errors import ApplicationError
from apps.core.permissions import Perm, permission_required, user_has_permission
from apps.payments.connect import stripe_account_refresh, stripe_connect_start
from apps.payments.dashboard.forms import PaymentSettingsForm
from apps.payments.enums import StripeOnboardingStatus
from apps.payments.errors import PaymentSettingsInvalid
from apps.payments.gateways import gateways_available
from apps.payments.selectors import dummy_gateway_allowed, payment_settings_get, stripe_configured
from apps.payments.services import payment_settings_update

SETUP = "dashboard:payments:setup"


@never_cache
@permission_required(Perm.PAYMENTS_VIEW, write=Perm.PAYMENTS_MANAGE)
def payment_setup(request: HttpRequest) -> HttpResponse:
    current = payment_settings_get()
    can_manage = user_has_permission(request.user, Perm.PAYMENTS_MANAGE)
    form = PaymentSettingsForm(
        request.POST or None, current=current, read_only=not can_manage, dummy_allowed=dummy_gateway_allowed()
    )
    if request.method == "POST" and form.is_valid():
        try:
            payment_settings_update(data=form.to_input(), actor=request.user)
        except PaymentSettingsInvalid as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("The payment settings were saved."))
            return redirect(SETUP)
    context = {
        "form": form,
        "row": current,
        "can_manage": can_manage,
        "stripe_configured": stripe_configured(),
        "dummy_allowed": dummy_gateway_allowed(),
        "available": gateways_available(),
        "Onboarding": StripeOnboardingStatus,
    }
    return render(request, "payments/dashboard/setup.html", context)


def _onboarding_redirect(request: HttpRequest) -> HttpResponse:
    try:
        url = stripe_connect_start(
            refresh_url=request.build_absolute_uri(reverse("dashboard:payments:stripe_refresh")),
            return_url=request.build_absolute_uri(reverse("dashboard:payments:stripe_return")),
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect(SETUP)
    return redirect(url)


@never_cache
@permission_required(Perm.PAYMENTS_MANAGE)
@require_POST
def stripe_connect(request: HttpRequest) -> HttpResponse:
    """ "Connect with Stripe": create (or reuse) the store's account, then off to Stripe."""
    return _onboarding_redirect(request)


@never_cache
@permission_required(Perm.PAYMENTS_MANAGE)
def stripe_refresh(request: HttpRequest) -> HttpResponse:
    """Stripe sends the merchant here when an onboarding link expired: make a new one."""
    return _onboarding_redirect(request)


@never_cache
@permission_required(Perm.PAYMENTS_MANAGE)
def stripe_return(request: HttpRequest) -> HttpResponse:
    """Stripe sends the merchant here after onboarding (and the page's "Refresh status" posts
    here): read the account's state from Stripe, then show the setup page."""
    try:
        row = stripe_account_refresh()
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect(SETUP)
    if row.stripe_onboarding_status == StripeOnboardingStatus.COMPLETE:
        messages.success(request, _("Your Stripe account is ready to take card payments."))
    else:
        messages.info(request, _("Stripe still needs some details before your store can take card payments."))
    return redirect(SETUP)
