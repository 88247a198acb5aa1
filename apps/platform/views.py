"""Platform pages: landing, merchant onboarding, the console's store list, provisioning
progress, and the hand-off into a store's dashboard."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core.errors import ApplicationError
from apps.platform.forms import OnboardingForm, StoreCreateForm
from apps.platform.models import Membership
from apps.platform.selectors import merchants_for_user, store_for_user, stores_for_user
from apps.platform.services import handoff_issue, merchant_onboard
from apps.tenants.links import store_base_url
from apps.tenants.models import Tenant
from apps.tenants.services import store_create, store_provision_retry

STORE_MANAGER_ROLES = [Membership.Role.OWNER, Membership.Role.ADMIN]


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "platform/landing.html")


def _apply_error(form: OnboardingForm | StoreCreateForm, error: ApplicationError) -> None:
    field = error.field if error.field in form.fields else None
    if error.field == "name":
        field = "store_name"
    form.add_error(field, error.message)


@login_required
def console(request: HttpRequest) -> HttpResponse:
    if not merchants_for_user(user=request.user).exists():  # type: ignore[arg-type]
        return redirect("platform:onboarding")
    stores = stores_for_user(user=request.user)  # type: ignore[arg-type]
    page = Paginator(stores, 20).get_page(request.GET.get("page"))
    can_create = merchants_for_user(user=request.user, roles=STORE_MANAGER_ROLES).exists()  # type: ignore[arg-type]
    return render(request, "platform/console.html", {"page": page, "can_create": can_create})


@login_required
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
def store_new(request: HttpRequest) -> HttpResponse:
    merchants = merchants_for_user(user=request.user, roles=STORE_MANAGER_ROLES)  # type: ignore[arg-type]
    if not merchants.exists():
        if not merchants_for_user(user=request.user).exists():  # type: ignore[arg-type]
            return redirect("platform:onboarding")
        messages.error(request, _("Only owners and admins can open new stores."))
        return redirect("platform:console")
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


def _store_or_404(request: HttpRequest, store_uuid: str) -> Tenant:
    store = store_for_user(user=request.user, store_uuid=store_uuid)  # type: ignore[arg-type]
    if store is None:
        raise Http404(_("No such store."))
    return store


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


@login_required
def store_detail(request: HttpRequest, store_uuid: str) -> HttpResponse:
    store = _store_or_404(request, store_uuid)
    context = {"store": store, "state": _status_payload(store), "store_url": store_base_url(store)}
    return render(request, "platform/store_detail.html", context)


@login_required
def store_status(request: HttpRequest, store_uuid: str) -> JsonResponse:
    store = _store_or_404(request, store_uuid)
    return JsonResponse(_status_payload(store))


@login_required
@require_POST
def store_retry(request: HttpRequest, store_uuid: str) -> HttpResponse:
    store = _store_or_404(request, store_uuid)
    try:
        store_provision_retry(tenant=store, actor=request.user)  # type: ignore[arg-type]
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("platform:store_detail", store_uuid=store.uuid)


@login_required
@require_POST
def store_open(request: HttpRequest, store_uuid: str) -> HttpResponse:
    store = _store_or_404(request, store_uuid)
    try:
        value = handoff_issue(user=request.user, tenant=store)  # type: ignore[arg-type]
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("platform:store_detail", store_uuid=store.uuid)
    url = store_base_url(store) + reverse("dashboard:handoff", urlconf="config.urls_tenants")
    return redirect(f"{url}?{urlencode({'token': value})}")
