"""API key pages of the dashboard: the list, a new key (its secret shown once, on the page right
after creating it, then never again), and revoking a key after a confirmation.

Reading the list needs `api_keys.view` (owner, admin, finance); creating and revoking need
`api_keys.manage` (owner, admin). A member can only grant the scopes their role holds. Keys are
looked up by UUID in the current store's schema, so another store's keys are simply not found.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from apps.api.dashboard.forms import ApiKeyCreateForm
from apps.api.errors import ApiKeyError
from apps.api.keys import api_key_create, api_key_revoke
from apps.api.models import ApiKey
from apps.api.scopes import RESOURCES
from apps.api.selectors import api_key_get, api_key_list
from apps.core.permissions import Perm, permission_required, user_has_permission, user_permissions

# The new key's plaintext waits here between the POST that made it and the page that shows it,
# and is removed by that page: it is shown once and then exists nowhere on our side.
CREATED_SESSION_KEY = "api_key_created"


def _key_or_404(key_uuid: uuid.UUID) -> ApiKey:
    key = api_key_get(key_uuid=key_uuid)
    if key is None:
        raise Http404(_("No such API key."))
    return key


def key_status(key: ApiKey) -> str:
    if key.is_revoked:
        return "revoked"
    return "expired" if key.is_expired() else "active"


def _scope_labels(key: ApiKey) -> list[dict[str, Any]]:
    """The key's scopes, one per resource, in the order of the resources table."""
    held = set(key.scopes)
    rows = []
    for name, resource in RESOURCES.items():
        level = "write" if f"{name}:write" in held else "read" if f"{name}:read" in held else ""
        if level:
            rows.append({"scope": f"{name}:{level}", "label": resource.label, "level": level})
    return rows


@never_cache
@permission_required(Perm.API_KEYS_VIEW)
@require_GET
def key_list_view(request: HttpRequest) -> HttpResponse:
    keys = [{"key": key, "status": key_status(key), "scopes": _scope_labels(key)} for key in api_key_list()]
    return render(
        request,
        "api/dashboard/key_list.html",
        {"keys": keys, "can_manage": user_has_permission(request.user, Perm.API_KEYS_MANAGE)},
    )


@never_cache
@permission_required(Perm.API_KEYS_MANAGE)
@require_http_methods(["GET", "POST"])
def key_create_view(request: HttpRequest) -> HttpResponse:
    form = ApiKeyCreateForm(
        request.POST if request.method == "POST" else None, permissions=user_permissions(request.user)
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                created = api_key_create(
                    name=form.cleaned_data["name"],
                    scopes=form.scopes(),
                    created_by=request.user,
                    expires_at=form.expires_at(),
                )
            except ApiKeyError as error:
                form.add_service_error(error)
            else:
                request.session[CREATED_SESSION_KEY] = {
                    "key": str(created.key.uuid),
                    "plaintext": created.plaintext,
                }
                return redirect("dashboard:api_keys:key_created", api_key_uuid=created.key.uuid)
    return render(request, "api/dashboard/key_form.html", {"form": form}, status=status)


@never_cache
@permission_required(Perm.API_KEYS_MANAGE)
@require_GET
def key_created_view(request: HttpRequest, api_key_uuid: uuid.UUID) -> HttpResponse:
    """The new key's secret, once: the session entry is removed as it is read, so a reload or a
    second visit finds nothing to show and says so."""
    key = _key_or_404(api_key_uuid)
    kept: Any = request.session.pop(CREATED_SESSION_KEY, None)
    plaintext = ""
    if isinstance(kept, dict) and kept.get("key") == str(key.uuid):
        plaintext = str(kept.get("plaintext") or "")
    response = render(
        request,
        "api/dashboard/key_created.html",
        {"key": key, "plaintext": plaintext, "scopes": _scope_labels(key), "status": key_status(key)},
    )
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@permission_required(Perm.API_KEYS_MANAGE)
@require_http_methods(["GET", "POST"])
def key_revoke_view(request: HttpRequest, api_key_uuid: uuid.UUID) -> HttpResponse:
    key = _key_or_404(api_key_uuid)
    if request.method == "POST":
        if key.is_revoked:
            messages.info(request, _("The key %(name)s was already revoked.") % {"name": key.name})
        else:
            api_key_revoke(key=key, revoked_by=request.user)
            messages.success(
                request,
                _("The key %(name)s is revoked: requests made with it are refused from now on.")
                % {"name": key.name},
            )
        return redirect("dashboard:api_keys:key_list")
    return render(request, "api/dashboard/key_revoke.html", {"key": key, "status": key_status(key)})
