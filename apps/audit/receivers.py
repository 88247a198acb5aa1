"""What the audit log needs to know about a few models it follows (see `AuditConfig.ready`)."""

from __future__ import annotations

from typing import Any

from django.db import models

from apps.audit.services import team_entry_mirror

BY_HAND_STOCK_KINDS = frozenset({"adjusted", "received", "imported"})


def stock_movement_by_hand(movement: models.Model) -> bool:
    return getattr(movement, "kind", "") in BY_HAND_STOCK_KINDS


def stock_movement_describe(movement: Any) -> str:
    # No query for the variant: the row's own figures say what happened.
    return f"{movement.get_kind_display()} {movement.on_hand_delta:+d} (stock #{movement.stock_id})"


def order_describe(order: Any) -> str:
    return f"#{order.number}"


def store_export_describe(export: Any) -> str:
    return f"Store archive {str(export.uuid)[:8]}"


def team_audit_entry_saved(sender: type[models.Model], instance: Any, created: bool, **kwargs: Any) -> None:
    if created and not kwargs.get("raw", False):
        team_entry_mirror(entry=instance)
