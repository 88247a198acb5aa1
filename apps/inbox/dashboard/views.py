"""The notification centre of the dashboard: the bell in the header (a page slot), the list of
notifications, opening one (read, then off to its page), "mark all read" and the unread count
the bell polls.

Every team member has a notification centre (`dashboard.view`); what it holds depends on their
role: a notification is listed only to those whose role may open the page it links to.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from apps.core.permissions import Perm, permission_required, user_has_permission
from apps.inbox.messages import notification_target, notification_text
from apps.inbox.selectors import (
    UNREAD_COUNT_CAP,
    notification_feed,
    notification_get,
    notification_unread_count,
)
from apps.inbox.services import notification_mark_read, notifications_mark_all_read

NOTIFICATIONS_PER_PAGE = 25
_UNREAD_MEMO = "_inbox_unread_count"


def _unread(request: HttpRequest) -> int:
    """The reader's unread count, asked once per request (the bell and the page both show it)."""
    count = getattr(request, _UNREAD_MEMO, None)
    if count is None:
        count = notification_unread_count(user=request.user)  # type: ignore[arg-type]
        setattr(request, _UNREAD_MEMO, count)
    return count


def _unread_label(count: int) -> str:
    return f"{UNREAD_COUNT_CAP}+" if count > UNREAD_COUNT_CAP else str(count)


def bell_context(request: HttpRequest, obj: Any) -> dict[str, Any] | None:
    """The bell of the dashboard header: one query, the capped unread count."""
    if not user_has_permission(request.user, Perm.DASHBOARD_VIEW):
        return None
    count = _unread(request)
    return {
        "inbox_unread": count,
        "inbox_unread_label": _unread_label(count),
        "inbox_url": reverse("dashboard:inbox:list"),
        "inbox_count_url": reverse("dashboard:inbox:unread_count"),
    }


@never_cache
@permission_required(Perm.DASHBOARD_VIEW)
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(notification_feed(user=request.user), NOTIFICATIONS_PER_PAGE).get_page(  # type: ignore[arg-type]
        request.GET.get("page")
    )
    rows = [
        {
            "notification": notification,
            "text": notification_text(notification),
            "has_target": bool(notification.link_name),
        }
        for notification in page
    ]
    unread = _unread(request)
    return render(
        request,
        "inbox/dashboard/notification_list.html",
        {"page": page, "rows": rows, "unread": unread, "unread_label": _unread_label(unread)},
    )


@never_cache
@permission_required(Perm.DASHBOARD_VIEW)
@require_GET
def notification_open(request: HttpRequest) -> HttpResponse:
    """Opening a notification reads it and goes to its page (back to the list when it has none
    any more). The id is in the query string: `?id=<notification id>`."""
    raw = request.GET.get("id", "")
    notification = notification_get(user=request.user, notification_id=int(raw)) if raw.isdigit() else None  # type: ignore[arg-type]
    if notification is None:
        raise Http404(_("No such notification."))
    notification_mark_read(notification=notification, user=request.user)  # type: ignore[arg-type]
    return redirect(notification_target(notification) or reverse("dashboard:inbox:list"))


@never_cache
@permission_required(Perm.DASHBOARD_VIEW)
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    notifications_mark_all_read(user=request.user)  # type: ignore[arg-type]
    return redirect("dashboard:inbox:list")


@never_cache
@permission_required(Perm.DASHBOARD_VIEW)
@require_GET
def unread_count(request: HttpRequest) -> JsonResponse:
    """What the bell polls every minute: the unread count and its label ("99+")."""
    count = _unread(request)
    return JsonResponse({"unread": count, "label": _unread_label(count)})
