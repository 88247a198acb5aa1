"""The reviews pages of the dashboard: the list (filters, pagination, bulk publish or hide), a
review's page (publish, hide, reply, delete) and the review settings.

Reading needs `catalog.view`; every moderation action needs `reviews.moderate`; the settings
need `settings.manage`. Hiding and deleting ask first on a page that says what will happen.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.core.permissions import Perm, permission_required, user_has_permission
from apps.reviews.dashboard.forms import BulkAction, ReplyForm, ReviewFilterForm, ReviewSettingsForm
from apps.reviews.errors import ReviewError
from apps.reviews.models import Review, ReviewStatus
from apps.reviews.selectors import (
    DASHBOARD_PAGE_SIZE,
    review_get,
    review_list,
    review_settings_get,
    review_status_counts,
)
from apps.reviews.services import (
    review_delete,
    review_reply_set,
    review_settings_update,
    review_status_set,
    reviews_status_set,
)

LIST = "dashboard:reviews:review_list"


def _review_or_404(review_uuid: uuid.UUID) -> Review:
    review = review_get(review_uuid=review_uuid)
    if review is None:
        raise Http404(_("No such review."))
    return review


def _detail_url(review: Review) -> str:
    return reverse("dashboard:reviews:review_detail", kwargs={"review_uuid": review.uuid})


def _back(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _status_tabs() -> list[dict[str, Any]]:
    counts = review_status_counts()
    return [
        {"value": value, "label": label, "count": counts.get(value, 0)}
        for value, label in ReviewStatus.choices
    ]


@never_cache
@permission_required(Perm.CATALOG_VIEW)
@require_GET
def review_list_view(request: HttpRequest) -> HttpResponse:
    form = ReviewFilterForm(request.GET or None)
    if form.is_bound:
        form.is_valid()
    filters = form.to_filters()
    page = Paginator(review_list(filters=filters), DASHBOARD_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "filters": filters,
        "filtered": filters.active,
        "page": page,
        "reviews": list(page.object_list),
        "status_tabs": _status_tabs(),
        "can_moderate": user_has_permission(request.user, Perm.REVIEWS_MODERATE),
    }
    return render(request, "reviews/dashboard/review_list.html", context)


@never_cache
@permission_required(Perm.CATALOG_VIEW, write=Perm.REVIEWS_MODERATE)
@require_POST
def review_bulk(request: HttpRequest) -> HttpResponse:
    """Publish at once; hide after a confirmation page listing the reviews (`confirm=1`)."""
    back = _back(request, reverse(LIST))
    form = BulkAction(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(back)
    uuids = []
    for value in form.cleaned_data["reviews"]:
        try:
            uuids.append(uuid.UUID(value))
        except ValueError:
            continue
    reviews = list(Review.objects.select_related("product").filter(uuid__in=uuids).order_by("-created_at"))
    if not reviews:
        messages.error(request, _("None of the selected reviews exist any more."))
        return redirect(back)
    action = form.cleaned_data["action"]
    if action == BulkAction.HIDE and request.POST.get("confirm") != "1":
        return render(
            request, "reviews/dashboard/review_bulk_confirm.html", {"reviews": reviews, "back": back}
        )
    status = ReviewStatus.PUBLISHED if action == BulkAction.PUBLISH else ReviewStatus.HIDDEN
    count = reviews_status_set(review_ids=[r.pk for r in reviews], status=status, actor=request.user)  # type: ignore[arg-type]
    if status == ReviewStatus.PUBLISHED:
        text = ngettext("%(count)d review published.", "%(count)d reviews published.", count)
    else:
        text = ngettext("%(count)d review hidden.", "%(count)d reviews hidden.", count)
    messages.success(request, text % {"count": count})
    return redirect(back)


@never_cache
@permission_required(Perm.CATALOG_VIEW, write=Perm.REVIEWS_MODERATE)
@require_http_methods(["GET", "POST"])
def review_detail(request: HttpRequest, review_uuid: uuid.UUID) -> HttpResponse:
    """The review with its photos and order; a POST saves the store's reply."""
    review = _review_or_404(review_uuid)
    form = ReplyForm(request.POST or None, initial={"reply": review.reply})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                review_reply_set(review=review, text=form.cleaned_data["reply"], actor=request.user)  # type: ignore[arg-type]
            except ReviewError as error:
                form.add_error("reply", error.message)
            else:
                messages.success(
                    request,
                    _("The reply was saved.")
                    if form.cleaned_data["reply"].strip()
                    else _("The reply was removed."),
                )
                return redirect(_detail_url(review))
    context: dict[str, Any] = {"review": review, "form": form, "Status": ReviewStatus}
    return render(request, "reviews/dashboard/review_detail.html", context, status=status)


@never_cache
@permission_required(Perm.REVIEWS_MODERATE)
@require_POST
def review_publish(request: HttpRequest, review_uuid: uuid.UUID) -> HttpResponse:
    review = _review_or_404(review_uuid)
    review_status_set(review=review, status=ReviewStatus.PUBLISHED, actor=request.user)  # type: ignore[arg-type]
    messages.success(request, _("The review is published."))
    return redirect(_back(request, _detail_url(review)))


@never_cache
@permission_required(Perm.REVIEWS_MODERATE)
@require_http_methods(["GET", "POST"])
def review_hide(request: HttpRequest, review_uuid: uuid.UUID) -> HttpResponse:
    """GET: what hiding does; POST: hide it."""
    review = _review_or_404(review_uuid)
    if request.method == "POST":
        review_status_set(review=review, status=ReviewStatus.HIDDEN, actor=request.user)  # type: ignore[arg-type]
        messages.success(request, _("The review is hidden."))
        return redirect(_detail_url(review))
    return render(request, "reviews/dashboard/review_confirm.html", {"review": review, "action": "hide"})


@never_cache
@permission_required(Perm.REVIEWS_MODERATE)
@require_http_methods(["GET", "POST"])
def review_delete_view(request: HttpRequest, review_uuid: uuid.UUID) -> HttpResponse:
    """GET: what deleting does; POST: delete it with its photos."""
    review = _review_or_404(review_uuid)
    if request.method == "POST":
        review_delete(review=review, actor=request.user)  # type: ignore[arg-type]
        messages.success(request, _("The review was deleted."))
        return redirect(LIST)
    return render(request, "reviews/dashboard/review_confirm.html", {"review": review, "action": "delete"})


@never_cache
@permission_required(Perm.SETTINGS_MANAGE)
@require_http_methods(["GET", "POST"])
def review_settings_view(request: HttpRequest) -> HttpResponse:
    current = review_settings_get()
    form = ReviewSettingsForm(request.POST or None, instance=current)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                review_settings_update(
                    auto_publish=form.cleaned_data["auto_publish"],
                    request_delay_days=form.cleaned_data["request_delay_days"],
                    allow_photos=form.cleaned_data["allow_photos"],
                    actor=request.user,  # type: ignore[arg-type]
                )
            except ReviewError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("The review settings were saved."))
                return redirect("dashboard:reviews:review_settings")
    return render(request, "reviews/dashboard/review_settings.html", {"form": form}, status=status)
