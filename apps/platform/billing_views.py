"""The console's "Plan and usage" page: the merchant's plan, its limits and how much of each is
used (apps.billing.limits). Subscribing and the Stripe Customer Portal link in from here."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.billing.limits import merchant_plan_for, usage
from apps.billing.selectors import plans_offered
from apps.core.permissions import Perm, no_permission_required
from apps.platform.access import MerchantAccess, merchant_permission_required
from apps.platform.selectors import merchants_for_user


@never_cache
@login_required
@no_permission_required("lists only the signed-in user's own merchants and sends them on to one")
def billing_index(request: HttpRequest) -> HttpResponse:
    merchants = list(merchants_for_user(user=request.user))  # type: ignore[arg-type]
    if not merchants:
        return redirect("platform:onboarding")
    if len(merchants) == 1:
        return redirect("platform:billing", merchant_uuid=merchants[0].uuid)
    return render(request, "platform/billing_choose.html", {"merchants": merchants})


@never_cache
@merchant_permission_required(Perm.BILLING_VIEW)
@require_GET
def billing(request: HttpRequest, access: MerchantAccess) -> HttpResponse:
    merchant_plan = merchant_plan_for(merchant=access.merchant)
    context = {
        "access": access,
        "billing_perms": access.perm_names,
        "merchant": access.merchant,
        "merchant_plan": merchant_plan,
        "plan": merchant_plan.plan,
        "usage_rows": usage(merchant=access.merchant),
        "plans": plans_offered(),
    }
    return render(request, "platform/billing.html", context)
