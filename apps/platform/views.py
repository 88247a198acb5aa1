"""Platform pages: landing, merchant onboarding, the console's store list, provisioning
progress, and the hand-off into a store's dashboard."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core.errors import ApplicationError
from apps.core.permissions import Perm, no_permission_required
from apps.platform.access import merchants_with_permission, store_permission_required
from apps.platform.forms import OnboardingForm, StoreCreateForm
from apps.platform.models import Merchant
from apps.platform.selectors import merchants_for_user, stores_for_user
from apps.platform.services import handoff_issue, merchant_onboard, store_create
from apps.tenants.links import store_base_url
from apps.tenants.models import Tenant
from apps.tenants.services import store_provision_retry


@no_permission_required("the platform's public landing page")
def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "platform/landing.html")


def _apply_error(form: OnboardingForm | StoreCreateForm, error: ApplicationError) -> None:
    field = error.field if error.field in form.fields else None
    if error.field == "name":
        field = "store_name"
    form.add_error(field, error.message)


@login_required
@no_permission_required("lists only the stores of the signed-in user's own merchants")
def console(request: HttpRequest) -> HttpResponse:
    if not merchants_for_user(user=request.user).exists():  # type: ignore[arg-type]
        return redirect("platform:onboarding")
    stores = stores_for_user(user=request.user)  # type: ignore[arg-type]
    page = Paginator(stores, 20).get_page(request.GET.get("page"))
    can_create = bool(merchants_with_permission(request.user, Perm.STORES_MANAGE))
    return render(request, "platform/console.html", {"page": page, "can_create": can_create})


@login_required
@no_permission_required("any signed-in user may found a merchant of their own (they become its owner)")
def onboarding(request: HttpRequest) -> HttpResponse:
    if merchants_for_user(user=request.user).exists():  # type: ignore[arg-type]
        return redirect("platform:store_create")
    form = OnboardingForm(request.POST or None, platform_domain=settings.PLATFORM_DOMAIN)
    if request.method == "POST" and form.is_valid():
        try:
            store = merchant_onboard(
                owner=request.user,  # type: ignore[arg-type]
                company_name=form.cleaned_data["company_name"],
                store_name=form.cleaned_data["store_name"],
                subdomain=form.cleaned_data["subdomain"],
            )
        except ApplicationError as error:
            _apply_error(form, error)
        else:
            return redirect("platform:store_detail", store_uuid=store.uuid)
    return render(request, "platform/onboarding.html", {"form": form})


@login_required
@no_permission_required(
    "checks stores.manage itself: the merchant is chosen in the form, among those where the role has it"
)
def store_new(request: HttpRequest) -> HttpResponse:
    allowed = merchants_with_permission(request.user, Perm.STORES_MANAGE)
    if not allowed:
        if not merchants_for_user(user=request.user).exists():  # type: ignore[arg-type]
            return redirect("platform:onboarding")
        messages.error(request, _("Only owners and admins can open new stores."))
        return redirect("platform:console")
    merchants = Merchant.objects.filter(pk__in=[merchant.pk for merchant in allowed]).order_by("name")
    form = StoreCreateForm(
        request.POST or None, merchants=merchants, platform_domain=settings.PLATFORM_DOMAIN
    )
    if request.method == "POST" and form.is_valid():
        try:
            store = store_create(
                merchant=form.cleaned_data["merchant"],
                name=form.cleaned_data["store_name"],
                subdomain=form.cleaned_data["subdomain"],
                created_by=request.user,  # type: ignore[arg-type]
            )
        except ApplicationError as error:
            _apply_error(form, error)
        else:
            return redirect("platform:store_detail", store_uuid=store.uuid)
    return render(request, "platform/store_new.html", {"form": form})


def _status_payload(store: Tenant) -> dict[str, object]:
    steps = [choice for choice in Tenant.Step if choice != Tenant.Step.QUEUED]
    reached = [step.value for step in Tenant.Step].index(store.provisioning_step)
    return {
        "status": store.status,
        "status_label": store.get_status_display(),
        "step": store.provisioning_step,
        "step_label": store.get_provisioning_step_display(),
        "progress": round(100 * max(reached, 0) / len(steps)),
        "error": store.provisioning_error,
        "done": store.status == Tenant.Status.ACTIVE,
    }


@store_permission_required(Perm.DASHBOARD_VIEW)
def store_detail(request: HttpRequest, store: Tenant) -> HttpResponse:
    context = {"store": store, "state": _status_payload(store), "store_url": store_base_url(store)}
    return render(request, "platform/store_detail.html", context)


@store_permission_required(Perm.DASHBOARD_VIEW)
def store_status(request: HttpRequest, store: Tenant) -> JsonResponse:
    return JsonResponse(_status_payload(store))


@store_permission_required(Perm.STORES_MANAGE)
@require_POST
def store_retry(request: HttpRequest, store: Tenant) -> HttpResponse:
    try:
        store_provision_retry(tenant=store, actor=request.user)  # type: ignore[arg-type]
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("platform:store_detail", store_uuid=store.uuid)


@store_permission_required(Perm.DASHBOARD_VIEW)
@require_POST
def store_open(request: HttpRequest, store: Tenant) -> HttpResponse:
    try:
        value = handoff_issue(user=request.user, tenant=store)  # type: ignore[arg-type]
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("platform:store_detail", store_uuid=store.uuid)
    url = store_base_url(store) + reverse("dashboard:handoff", urlconf="config.urls_tenants")
    return redirect(f"{url}?{urlencode({'token': value})}")
