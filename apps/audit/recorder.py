"""The signal receivers that turn saves and deletes of audited models into audit entries.

pre_save reads the row as it is in the database (one query, only for an update of an audited
model when something will be recorded), post_save compares it with what was written and
records the fields that changed, post_delete records the removal. Queryset `update()` and
`bulk_create()` send no signals: services that change audited rows that way are not followed.
"""

from __future__ import annotations

import datetime
import decimal
import json
import uuid
from typing import Any

from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save
from django_tenants.utils import get_public_schema_name, schema_context

from apps.audit.context import SYSTEM, AuditActor, audit_actor
from apps.audit.models import AuditEntry
from apps.audit.registry import AuditedModel, audited_model, is_secret
from apps.core.tenancy import current_schema

TEXT_MAX_LENGTH = 200
JSON_MAX_LENGTH = 500
REDACTED = "[redacted]"
_OLD_ROW = "_audit_old_row"


def connect(model: type[models.Model]) -> None:
    uid = model._meta.label_lower
    pre_save.connect(_pre_save, sender=model, dispatch_uid=f"audit-pre-save-{uid}")
    post_save.connect(_post_save, sender=model, dispatch_uid=f"audit-post-save-{uid}")
    post_delete.connect(_post_delete, sender=model, dispatch_uid=f"audit-post-delete-{uid}")


def _actor_for(spec: AuditedModel, action: str) -> AuditActor | None:
    """Who to name for `action`, or None when it is not recorded."""
    actor = audit_actor()
    if actor is not None:
        return actor
    return SYSTEM if action in spec.system_actions else None


def _target_schema(spec: AuditedModel, instance: models.Model) -> str | None:
    """The store schema the entry goes to; None when there is none (the platform's own rows,
    a store still being provisioned, a store-schema model saved on public)."""
    if spec.store_schema is not None:
        return spec.store_schema(instance)
    schema = current_schema()
    return None if schema == get_public_schema_name() else schema


def _pre_save(sender: type[models.Model], instance: models.Model, raw: bool = False, **kwargs: Any) -> None:
    spec = audited_model(sender)
    if spec is None or raw or instance._state.adding or instance.pk is None:
        return
    if _actor_for(spec, AuditEntry.Action.UPDATED) is None:
        return
    fields = spec.diffed
    update_fields = kwargs.get("update_fields")
    if update_fields is not None:
        fields = tuple(f for f in fields if f.name in update_fields or f.attname in update_fields)
    if not fields:
        return
    old = (
        sender._base_manager.using(kwargs.get("using") or instance._state.db)
        .filter(pk=instance.pk)
        .values(*[f.attname for f in fields])
        .first()
    )
    instance.__dict__[_OLD_ROW] = (fields, old)


def _post_save(
    sender: type[models.Model], instance: models.Model, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    spec = audited_model(sender)
    if spec is None or raw:
        return
    if created:
        if not spec.on_create or (spec.create_when is not None and not spec.create_when(instance)):
            return
        actor = _actor_for(spec, AuditEntry.Action.CREATED)
        if actor is None:
            return
        changes = {
            f.name: [None, _snapshot(spec, f.name, f.value_from_object(instance))]
            for f in spec.diffed
            if f.value_from_object(instance) not in (None, "", [], {})
        }
        _write(spec, instance, actor=actor, action=AuditEntry.Action.CREATED, changes=changes)
        return
    stashed = instance.__dict__.pop(_OLD_ROW, None)
    if stashed is None:
        return
    fields, old = stashed
    if old is None:
        return
    changes = {}
    for f in fields:
        before, after = old[f.attname], f.value_from_object(instance)
        if _comparable(before) != _comparable(after):
            changes[f.name] = [_snapshot(spec, f.name, before), _snapshot(spec, f.name, after)]
    if not changes:
        return
    actor = _actor_for(spec, AuditEntry.Action.UPDATED)
    if actor is not None:
        _write(spec, instance, actor=actor, action=AuditEntry.Action.UPDATED, changes=changes)


def _post_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    spec = audited_model(sender)
    if spec is None or not spec.on_delete:
        return
    actor = _actor_for(spec, AuditEntry.Action.DELETED)
    if actor is not None:
        _write(spec, instance, actor=actor, action=AuditEntry.Action.DELETED, changes={})


def _write(
    spec: AuditedModel, instance: models.Model, *, actor: AuditActor, action: str, changes: dict[str, Any]
) -> None:
    schema = _target_schema(spec, instance)
    if schema is None:
        return
    entry = AuditEntry(
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_label=actor.label,
        ip_address=actor.ip_address,
        user_agent=actor.user_agent,
        action=action,
        object_type=spec.label,
        object_id=str(instance.pk)[:64],
        object_repr=_truncate(spec.describe(instance), TEXT_MAX_LENGTH),
        changes=changes,
    )
    if schema == current_schema():
        entry.save()
        return
    with schema_context(schema):
        entry.save()


def _comparable(value: Any) -> Any:
    # The row read back holds a file's name where the instance holds a FieldFile.
    if hasattr(value, "name") and hasattr(value, "storage"):
        return value.name or ""
    return value


def _snapshot(spec: AuditedModel, name: str, value: Any) -> Any:
    """A JSON-safe, bounded copy of one value; a secret's value is never kept."""
    if is_secret(spec, name):
        return REDACTED if value not in (None, "") else None
    return _json_safe(value)


def _json_safe(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return _truncate(value, TEXT_MAX_LENGTH)
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if hasattr(value, "name") and hasattr(value, "storage"):  # a FieldFile
        return value.name or None
    try:
        text = json.dumps(value, default=str, sort_keys=True)
    except (TypeError, ValueError):
        return _truncate(str(value), TEXT_MAX_LENGTH)
    if len(text) > JSON_MAX_LENGTH:
        return _truncate(text, JSON_MAX_LENGTH)
    return json.loads(text)


def _truncate(text: str, limit: int) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
