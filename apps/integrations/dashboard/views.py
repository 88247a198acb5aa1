"""Webhook pages: the endpoints (add, change, delete, switch off and on), each endpoint's
signing secret (masked, revealed on demand, rotated after a confirmation), and the delivery log
(filter by status and event, one delivery with its attempts, resend).

Reading needs `webhooks.view` (owner, admin, finance); changing anything, and seeing a secret,
needs `webhooks.manage` (owner, admin). Endpoints and deliveries are looked up by UUID in the
current store's schema only, so another store's ids are simply not found.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.core.permissions import Perm, permission_required, user_has_permission
from apps.integrations.dashboard.forms import DeliveryFilterForm, EndpointForm
from apps.integrations.enums import WEBHOOK_EVENT_TYPES, DeliveryStatus
from apps.integrations.errors import IntegrationError
from apps.integrations.models import WebhookDelivery, WebhookEndpoint
from apps.integrations.selectors import (
    DeliveryFilters,
    delivery_event_types,
    delivery_get,
    delivery_page,
    endpoint_current_secret,
    endpoint_get,
    endpoint_list,
    endpoint_previous_secrets,
)
from apps.integrations.services import (
    SECRET_ROTATION_GRACE,
    delivery_resend,
    endpoint_create,
    endpoint_delete,
    endpoint_disable,
    endpoint_enable,
    endpoint_update,
    secret_rotate,
)
from apps.integrations.signing import secret_mask

RECENT_DELIVERIES = 10


def _endpoint_or_404(endpoint_uuid: uuid.UUID) -> WebhookEndpoint:
    endpoint = endpoint_get(endpoint_uuid=endpoint_uuid)
    if endpoint is None:
        raise Http404(_("No such webhook endpoint."))
    return endpoint


def _delivery_or_404(delivery_uuid: uuid.UUID) -> WebhookDelivery:
    delivery = delivery_get(delivery_uuid=delivery_uuid)
    if delivery is None:
        raise Http404(_("No such delivery."))
    return delivery


def _detail_url(endpoint: WebhookEndpoint) -> str:
    return reverse("dashboard:integrations:endpoint_detail", kwargs={"endpoint_uuid": endpoint.uuid})


def _show(form: EndpointForm, error: IntegrationError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


# ------------------------------------------------------------------------------
# endpoints
# ------------------------------------------------------------------------------
@never_cache
@permission_required(Perm.WEBHOOKS_VIEW)
@require_GET
def endpoint_list_view(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "integrations/dashboard/endpoint_list.html",
        {
            "endpoints": endpoint_list(),
            "can_manage": user_has_permission(request.user, Perm.WEBHOOKS_MANAGE),
            "labels": dict(WEBHOOK_EVENT_TYPES),
        },
    )


@never_cache
@permission_required(Perm.WEBHOOKS_MANAGE)
@require_http_methods(["GET", "POST"])
def endpoint_create_view(request: HttpRequest) -> HttpResponse:
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = endpoint_create(
                url=form.cleaned_data["url"],
                description=form.cleaned_data["description"],
                event_types=form.cleaned_data["event_types"],
            )
        except IntegrationError as error:
            _show(form, error)
        else:
            messages.success(
                request, _("Endpoint added. Copy its signing secret to verify the messages you receive.")
            )
            return redirect(_detail_url(endpoint))
    return render(request, "integrations/dashboard/endpoint_form.html", {"form": form, "endpoint": None})


@never_cache
@permission_required(Perm.WEBHOOKS_MANAGE)
@require_http_methods(["GET", "POST"])
def endpoint_edit_view(request: HttpRequest, endpoint_uuid: uuid.UUID) -> HttpResponse:
    endpoint = _endpoint_or_404(endpoint_uuid)
    form = EndpointForm.for_endpoint(endpoint, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint_update(
                endpoint=endpoint,
                url=form.cleaned_data["url"],
                description=form.cleaned_data["description"],
                event_types=form.cleaned_data["event_types"],
            )
        except IntegrationError as error:
            _show(form, error)
        else:
            messages.success(request, _("Endpoint saved."))
            return redirect(_detail_url(endpoint))
    return render(request, "integrations/dashboard/endpoint_form.html", {"form": form, "endpoint": endpoint})


@never_cache
@permission_required(Perm.WEBHOOKS_VIEW)
@require_GET
def endpoint_detail_view(request: HttpRequest, endpoint_uuid: uuid.UUID) -> HttpResponse:
    endpoint = _endpoint_or_404(endpoint_uuid)
    can_manage = user_has_permission(request.user, Perm.WEBHOOKS_MANAGE)
    current = endpoint_current_secret(endpoint=endpoint)
    previous = endpoint_previous_secrets(endpoint=endpoint)
    page = delivery_page(filters=DeliveryFilters(endpoint=endpoint), per_page=RECENT_DELIVERIES)
    labels = dict(WEBHOOK_EVENT_TYPES)
    return render(
        request,
        "integrations/dashboard/endpoint_detail.html",
        {
            "endpoint": endpoint,
            "event_labels": [(name, labels.get(name, name)) for name in endpoint.event_types],
            "can_manage": can_manage,
            "masked_secret": secret_mask(current.secret) if current else "",
            # The secret itself reaches the page only for those who may manage the endpoint.
            "secret": current.secret if current and can_manage else "",
            "previous_secrets": [
                {"masked": secret_mask(s.secret), "expires_at": s.expires_at} for s in previous
            ],
            "deliveries": list(page.object_list),
            "more_deliveries": page.paginator.count > RECENT_DELIVERIES,
        },
    )


@never_cache
@permission_required(Perm.WEBHOOKS_MANAGE)
@require_http_methods(["GET", "POST"])
def endpoint_delete_view(request: HttpRequest, endpoint_uuid: uuid.UUID) -> HttpResponse:
    endpoint = _endpoint_or_404(endpoint_uuid)
    if request.method == "POST":
        endpoint_delete(endpoint=endpoint)
        messages.success(request, _("Endpoint deleted."))
        return redirect("dashboard:integrations:endpoint_list")
    return render(
        request,
        "integrations/dashboard/confirm.html",
        {
            "heading": _("Delete the endpoint %(url)s?") % {"url": endpoint.url},
            "consequences": [
                _("No more events are sent to it, including deliveries still waiting for a retry."),
                _("Its signing secrets and its delivery log are deleted."),
            ],
            "undoable": False,
            "confirm_label": _("Delete endpoint"),
            "cancel_url": _detail_url(endpoint),
        },
    )


@never_cache
@permission_required(Perm.WEBHOOKS_MANAGE)
@require_http_methods(["GET", "POST"])
def secret_rotate_view(request: HttpRequest, endpoint_uuid: uuid.UUID) -> HttpResponse:
    endpoint = _endpoint_or_404(endpoint_uuid)
    hours = int(SECRET_ROTATION_GRACE.total_seconds() // 3600)
    if request.method == "POST":
        secret_rotate(endpoint=endpoint)
        messages.success(
            request,
            _("New signing secret created. The previous one stays valid for %(hours)d hours.")
            % {"hours": hours},
        )
        return redirect(_detail_url(endpoint))
    return render(
        request,
        "integrations/dashboard/confirm.html",
        {
            "heading": _("Rotate the signing secret of %(url)s?") % {"url": endpoint.url},
            "consequences": [
                _("A new secret signs every message from now on."),
                _(
                    "For %(hours)d hours messages carry a signature with the previous secret too, so your receiver keeps verifying them while you switch it to the new secret."
                )
                % {"hours": hours},
                _("After that, only the new secret works."),
            ],
            "undoable": True,
            "confirm_label": _("Rotate secret"),
            "cancel_url": _detail_url(endpoint),
        },
    )


@never_cache
@permission_required(Perm.WEBHOOKS_MANAGE)
@require_POST
def endpoint_enable_view(request: HttpRequest, endpoint_uuid: uuid.UUID) -> HttpResponse:
    endpoint = _endpoint_or_404(endpoint_uuid)
    endpoint_enable(endpoint=endpoint)
    messages.success(request, _("Endpoint enabled: new events are sent to it again."))
    return redirect(_detail_url(endpoint))


@never_cache
@permission_required(Perm.WEBHOOKS_MANAGE)
@require_POST
def endpoint_disable_view(request: HttpRequest, endpoint_uuid: uuid.UUID) -> HttpResponse:
    endpoint = _endpoint_or_404(endpoint_uuid)
    endpoint_disable(endpoint=endpoint)
    messages.success(request, _("Endpoint disabled: no events are sent to it until you enable it."))
    return redirect(_detail_url(endpoint))


# ------------------------------------------------------------------------------
# deliveries
# ------------------------------------------------------------------------------
@never_cache
@permission_required(Perm.WEBHOOKS_VIEW)
@require_GET
def delivery_list_view(request: HttpRequest) -> HttpResponse:
    form = DeliveryFilterForm(request.GET or None, event_types=delivery_event_types())
    chosen = form.cleaned()
    endpoint = endpoint_get(endpoint_uuid=chosen["endpoint"]) if chosen.get("endpoint") else None
    filters = DeliveryFilters(
        status=chosen.get("status", ""), event_type=chosen.get("event", ""), endpoint=endpoint
    )
    page = delivery_page(filters=filters, page=request.GET.get("page"))
    return render(
        request,
        "integrations/dashboard/delivery_list.html",
        {
            "form": form,
            "filtered": bool(filters) or (bool(request.GET) and not form.is_valid()),
            "endpoint": endpoint,
            "page": page,
            "deliveries": list(page.object_list),
        },
    )


@never_cache
@permission_required(Perm.WEBHOOKS_VIEW)
@require_GET
def delivery_detail_view(request: HttpRequest, delivery_uuid: uuid.UUID) -> HttpResponse:
    delivery = _delivery_or_404(delivery_uuid)
    return render(
        request,
        "integrations/dashboard/delivery_detail.html",
        {
            "delivery": delivery,
            "attempts": list(delivery.attempt_log.all()),
            "can_resend": user_has_permission(request.user, Perm.WEBHOOKS_MANAGE)
            and delivery.endpoint.is_active,
            "scheduled": delivery.status in (DeliveryStatus.PENDING, DeliveryStatus.RETRYING),
        },
    )


@never_cache
@permission_required(Perm.WEBHOOKS_MANAGE)
@require_POST
def delivery_resend_view(request: HttpRequest, delivery_uuid: uuid.UUID) -> HttpResponse:
    delivery = _delivery_or_404(delivery_uuid)
    try:
        delivery_resend(delivery=delivery)
    except IntegrationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The delivery is being sent again, with the same message id."))
    return redirect("dashboard:integrations:delivery_detail", delivery_uuid=delivery.uuid)
