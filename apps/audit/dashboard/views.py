"""The audit log in the dashboard, mounted at /dashboard/audit/: who changed what, when and from
where, filtered and paginated (audit.view: owners and admins); the same list as CSV needs
exports.download as well."""

from __future__ import annotations

import csv
import json
import zoneinfo
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.audit.dashboard.forms import AuditFilterForm
from apps.audit.models import AuditEntry
from apps.audit.recorder import REDACTED
from apps.audit.selectors import (
    AuditFilters,
    audit_entry_list,
    audit_field_label,
    audit_object_types,
    audit_related_field,
    audit_related_names,
)
from apps.core.permissions import FORBIDDEN_TEMPLATE, Perm, permission_required, user_has_permission
from apps.stores.selectors import store_settings_get

ENTRIES_PER_PAGE = 50
EXPORT_CHUNK = 2000


@dataclass(frozen=True)
class Change:
    field: str
    old: Any
    new: Any
    redacted: bool


@dataclass(frozen=True)
class EntryRow:
    entry: AuditEntry
    type_name: str
    changes: list[Change]


def _zone() -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(store_settings_get().timezone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _pairs(entry: AuditEntry) -> Iterator[tuple[str, Any, Any]]:
    changes = entry.changes if isinstance(entry.changes, dict) else {}
    for name, pair in changes.items():
        old, new = pair if isinstance(pair, list) and len(pair) == 2 else (None, pair)
        yield name, old, new


def _changes_of(entries: list[AuditEntry]) -> list[list[Change]]:
    """Each entry's changes as the page shows them: fields by their translated names, and a key
    to another row by what that row is called now ("owner@example.com", not "1"; "#1" for a row
    deleted since). One query per related model for the whole page."""
    wanted: dict[type[Model], set[str]] = {}
    for entry in entries:
        for name, old, new in _pairs(entry):
            related = audit_related_field(entry.object_type, name)
            if related is not None:
                keys = {str(value) for value in (old, new) if value not in (None, "", REDACTED)}
                wanted.setdefault(related, set()).update(keys)
    names = audit_related_names(wanted) if wanted else {}

    def shown(related: type[Model] | None, value: Any) -> str:
        if related is None or value in (None, "", REDACTED):
            return _shown(value)
        return names.get((related, str(value))) or f"#{value}"

    rows = []
    for entry in entries:
        changes = []
        for name, old, new in _pairs(entry):
            related = audit_related_field(entry.object_type, name)
            changes.append(
                Change(
                    field=audit_field_label(entry.object_type, name),
                    old=shown(related, old),
                    new=shown(related, new),
                    redacted=REDACTED in (old, new),
                )
            )
        rows.append(changes)
    return rows


def _form_and_filters(request: HttpRequest) -> tuple[AuditFilterForm, AuditFilters | None]:
    form = AuditFilterForm(request.GET or None)
    if not form.is_bound:
        return form, AuditFilters()
    if not form.is_valid():
        return form, None
    return form, form.to_filters()


@never_cache
@permission_required(Perm.AUDIT_VIEW)
@require_GET
def entry_list(request: HttpRequest) -> HttpResponse:
    form, filters = _form_and_filters(request)
    if filters is None:
        context = {"form": form, "filtered": True, "rows": [], "page": None, "invalid": True}
        return render(request, "audit/entry_list.html", context, status=400)
    zone = _zone()
    page = Paginator(audit_entry_list(filters=filters, zone=zone), ENTRIES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    names = dict(audit_object_types())
    entries = list(page.object_list)
    rows = [
        EntryRow(entry=entry, type_name=names.get(entry.object_type, entry.object_type), changes=changes)
        for entry, changes in zip(entries, _changes_of(entries), strict=True)
    ]
    context = {
        "form": form,
        "filtered": filters.active,
        "rows": rows,
        "page": page,
        "zone": zone,
        "can_export": user_has_permission(request.user, Perm.EXPORTS_DOWNLOAD),
    }
    with timezone.override(zone):
        return render(request, "audit/entry_list.html", context)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value: Any) -> str:
    # A cell starting with = + - @ would run as a formula when the file is opened in a spreadsheet.
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _export_rows(entries: Iterable[AuditEntry], zone: zoneinfo.ZoneInfo) -> Iterator[list[str]]:
    yield [
        "when",
        "by",
        "actor_kind",
        "ip_address",
        "user_agent",
        "action",
        "object_type",
        "object_id",
        "object",
        "changes",
    ]
    for entry in entries:
        yield [
            _cell(value)
            for value in (
                entry.created_at.astimezone(zone).isoformat(),
                entry.actor_label,
                entry.actor_kind,
                entry.ip_address or "",
                entry.user_agent,
                entry.action,
                entry.object_type,
                entry.object_id,
                entry.object_repr,
                json.dumps(entry.changes, ensure_ascii=False, sort_keys=True),
            )
        ]


@never_cache
@permission_required(Perm.AUDIT_VIEW)
@require_GET
def entry_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    if not user_has_permission(request.user, Perm.EXPORTS_DOWNLOAD):
        return render(request, FORBIDDEN_TEMPLATE, {"permission": Perm.EXPORTS_DOWNLOAD}, status=403)
    form, filters = _form_and_filters(request)
    if filters is None:
        context = {"form": form, "filtered": True, "rows": [], "page": None, "invalid": True}
        return render(request, "audit/entry_list.html", context, status=400)
    zone = _zone()
    entries = audit_entry_list(filters=filters, zone=zone).iterator(chunk_size=EXPORT_CHUNK)
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in _export_rows(entries, zone)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
    response["Cache-Control"] = "no-store"
    return response
