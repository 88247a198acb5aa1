"""Reads of the store's audit log: the filtered list the dashboard pages and exports, and what a
change is called on the page (the field's own translated name, the related row it points to)."""

from __future__ import annotations

import datetime
import functools
import zoneinfo
from dataclasses import dataclass

from django.apps import apps as django_apps
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import QuerySet
from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_lazy

from apps.audit.models import AuditEntry
from apps.audit.registry import audited_models

TEXT_FILTER_MAX_LENGTH = 100

# Object types that are not a followed model's: the team, mirrored from the platform.
TEAM_OBJECT_TYPES = {
    "platform.membership": gettext_lazy("team member"),
    "platform.teaminvitation": gettext_lazy("team invitation"),
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
    types += [(label, str(name)) for label, name in TEAM_OBJECT_TYPES.items()]
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


def _field(object_type: str, name: str) -> models.Field | None:  # type: ignore[type-arg]
    try:
        field = django_apps.get_model(object_type)._meta.get_field(name)
    except (LookupError, ValueError, FieldDoesNotExist):
        return None  # a model or field gone since the entry was written
    return field if isinstance(field, models.Field) else None


def audit_field_label(object_type: str, name: str) -> str:
    """A changed field as the page names it: the model field's translated verbose name, else
    the stored name made readable (a field removed since)."""
    field = _field(object_type, name)
    if field is not None and field.verbose_name:
        # A declared name is translated already; one Django made is looked up (apps.audit.labels).
        return capfirst(gettext(str(field.verbose_name)))
    return capfirst(name.replace("_", " "))


@functools.cache
def _store_types() -> frozenset[str]:
    # The registry is filled once, when the app is ready.
    return frozenset(spec.label for spec in audited_models() if spec.store_schema is None)


def audit_related_field(object_type: str, name: str) -> type[models.Model] | None:
    """The model a changed field points to (a foreign key of a store model), else None. Rows
    of the public schema (domains, the team) are left alone: their keys are not this schema's."""
    if object_type not in _store_types():
        return None
    field = _field(object_type, name)
    if field is None or (not field.many_to_one and not field.one_to_one):
        return None
    related = field.related_model
    return related if isinstance(related, type) and issubclass(related, models.Model) else None


def audit_related_names(
    wanted: dict[type[models.Model], set[str]],
) -> dict[tuple[type[models.Model], str], str]:
    """What each (model, primary key) names now, one query per model: the rows a page of
    changes points to (with the rows their `__str__` reads, a model's `str_select_related`).
    A row deleted since is missing from the answer."""
    found: dict[tuple[type[models.Model], str], str] = {}
    for model, keys in wanted.items():
        try:
            related = getattr(model, "str_select_related", ())
            rows = list(model._default_manager.filter(pk__in=sorted(keys)).select_related(*related))
        except (ValueError, ValidationError):
            continue  # a stored value that is no key of that model
        for row in rows:
            found[(model, str(row.pk))] = str(row)
    return found
