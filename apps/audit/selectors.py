"""Reads of the store's audit log: the filtered list the dashboard pages and exports."""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass

from django.db.models import QuerySet

from apps.audit.models import AuditEntry
from apps.audit.registry import audited_models

TEXT_FILTER_MAX_LENGTH = 100

# Object types that are not a followed model's: the team, mirrored from the platform.
TEAM_OBJECT_TYPES = {
    "platform.membership": "team member",
    "platform.teaminvitation": "team invitation",
}


@dataclass(frozen=True)
class AuditFilters:
    actor: str = ""
    object_type: str = ""
    action: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    text: str = ""

    @property
    def active(self) -> bool:
        return any((self.actor, self.object_type, self.action, self.date_from, self.date_to, self.text))


def audit_object_types() -> list[tuple[str, str]]:
    """(label, name) of every object type the log may hold, for the type filter."""
    types = [(spec.label, str(spec.model._meta.verbose_name)) for spec in audited_models()]
    types += list(TEAM_OBJECT_TYPES.items())
    return sorted(types, key=lambda pair: pair[1].lower())


def audit_entry_list(*, filters: AuditFilters, zone: zoneinfo.ZoneInfo | None = None) -> QuerySet[AuditEntry]:
    """Newest first. Dates are whole days in `zone` (the store's), both ends included."""
    zone = zone or zoneinfo.ZoneInfo("UTC")
    entries = AuditEntry.objects.order_by("-created_at", "-id")
    if filters.actor:
        entries = entries.filter(actor_label__icontains=filters.actor)
    if filters.object_type:
        entries = entries.filter(object_type=filters.object_type)
    if filters.action:
        entries = entries.filter(action=filters.action)
    if filters.date_from:
        start = datetime.datetime.combine(filters.date_from, datetime.time.min, tzinfo=zone)
        entries = entries.filter(created_at__gte=start)
    if filters.date_to:
        end = datetime.datetime.combine(
            filters.date_to + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
        )
        entries = entries.filter(created_at__lt=end)
    if filters.text:
        entries = entries.filter(object_repr__icontains=filters.text)
    return entries
