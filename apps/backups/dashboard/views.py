"""The "Download my store" page (owner only, `store.export`), mounted at /dashboard/store-export/.

The page lists the store's exports with their state and, while one is being made, reloads itself
every few seconds; its button queues a new archive (a worker makes it). A ready archive is
downloaded through `private_file_response` (streamed from the private filesystem storage, or a
pre-signed S3 URL that expires within a minute) until its `expires_at`; each download is recorded
(`downloaded_at`, followed by the audit log with who and from where). Every lookup is by the
export's UUID *and* the current store, so another store's export is a 404 whatever its UUID.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from apps.backups.errors import BackupError
from apps.backups.models import StoreExport
from apps.backups.services import store_export_downloaded, store_export_request
from apps.core.files import private_file_response
from apps.core.permissions import Perm, permission_required

POLL_SECONDS = 3
RECENT = 10


@never_cache
@permission_required(Perm.STORE_EXPORT)
def export(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant  # type: ignore[attr-defined]
    if request.method == "POST":
        try:
            store_export_request(tenant=tenant, user=request.user)
        except BackupError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("Your store's archive is being made; this page shows when it is ready.")
            )
        return redirect("dashboard:backups:export")
    exports = list(StoreExport.objects.filter(tenant=tenant).order_by("-created_at", "-id")[:RECENT])
    busy = any(e.status in (StoreExport.Status.QUEUED, StoreExport.Status.RUNNING) for e in exports)
    return render(
        request,
        "backups/dashboard/export.html",
        {
            "exports": exports,
            "busy": busy,
            "poll_seconds": POLL_SECONDS if busy else 0,
            "now": timezone.now(),
            "download_hours": settings.STORE_EXPORT_DOWNLOAD_HOURS,
        },
    )


@never_cache
@permission_required(Perm.STORE_EXPORT)
def download(request: HttpRequest, export_uuid: uuid.UUID) -> HttpResponseBase:
    tenant = request.tenant  # type: ignore[attr-defined]
    found = (
        StoreExport.objects.select_related("tenant")
        .filter(uuid=export_uuid, tenant=tenant, status=StoreExport.Status.READY)
        .first()
    )
    if found is None or not found.file_name or (found.expires_at and found.expires_at <= timezone.now()):
        raise Http404(_("This archive is not available (any more): make a new one."))
    response = private_file_response(
        request,
        name=found.file_name,
        filename=f"{tenant.slug}-{found.created_at:%Y%m%d-%H%M}.tar.gz",
        permission=Perm.STORE_EXPORT,
    )
    if response.status_code in (200, 302):
        store_export_downloaded(export=found)
    return response
