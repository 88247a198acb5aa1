"""What a store keeps, and for how long: the registry of data kinds with a retention period.

An app that keeps data which should not live for ever (abandoned carts, raw analytics, logs)
registers a kind in its `ready()` with a default number of days and a purge function; the store's
retention settings (dashboard, `privacy.manage`) may change the days per kind, and the per-store
retention job calls each purge with the cut-off. A purge runs in the current store's schema,
deletes what is older than `before` and returns how many rows it removed. It lives in core so
that an app announcing its data does not import the app that enforces retention.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.utils.functional import Promise

Purge = Callable[[datetime], int]


@dataclass(frozen=True)
class RetentionKind:
    key: str  # stable, stored in the settings: "abandoned_carts", "analytics_raw", ...
    label: str | Promise
    default_days: int
    purge: Purge
    min_days: int = 1
    max_days: int = 3650
    help_text: str | Promise = ""


_kinds: dict[str, RetentionKind] = {}


def retention_register(kind: RetentionKind) -> None:
    """Idempotent on reload: the last registration of a key wins."""
    if not kind.min_days <= kind.default_days <= kind.max_days:
        raise ValueError(f"{kind.key}: default_days {kind.default_days} is outside its bounds")
    _kinds[kind.key] = kind


def retention_kinds() -> list[RetentionKind]:
    return sorted(_kinds.values(), key=lambda kind: kind.key)


def retention_kind_get(key: str) -> RetentionKind | None:
    return _kinds.get(key)
