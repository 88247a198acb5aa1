"""Writes of the store's theme: one service that checks a whole theme (preset, token overrides,
every block against its schema), saves it as the published theme or as the editor's draft,
clears the cached copy and announces `store.theme_published`.

Every rule is checked before anything is written and all problems are reported together
(`ThemeInvalid.errors`, each with a stable code and the path of the value it refuses), so an
editor can show each next to its field, and nothing is saved while any remains.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.core.events import event_emit
from apps.core.tenancy import require_store
from apps.stores.blocks import ThemeBlock, blocks_parse
from apps.stores.errors import ThemeError, ThemeInvalid
from apps.stores.models import STORE_THEME_PK, StoreTheme
from apps.stores.theme_selectors import STORE_THEME_CACHE_KEY, store_theme_get
from apps.stores.themes import theme_preset_clean, theme_tokens_clean

THEME_PUBLISHED = "store.theme_published"


@dataclass(frozen=True)
class StoreThemeInput:
    """A whole theme as the editor submits it: JSON-shaped values, checked by the service."""

    preset: str
    tokens: Mapping[str, Any] = field(default_factory=dict)
    blocks: Sequence[Any] = ()


@dataclass(frozen=True)
class CleanTheme:
    preset: str
    tokens: dict[str, Any]
    blocks: list[ThemeBlock]

    def blocks_json(self) -> list[dict[str, Any]]:
        return [block.to_json() for block in self.blocks]


def store_theme_clean(data: StoreThemeInput) -> tuple[CleanTheme, list[ThemeError]]:
    """`data` normalised (token overrides equal to the preset dropped, block ids filled in,
    rich text sanitised) and every rule it breaks."""
    preset, errors = theme_preset_clean(data.preset)
    tokens: dict[str, Any] = {}
    if preset is not None:
        tokens, token_errors = theme_tokens_clean(preset, data.tokens)
        errors += token_errors
    blocks, block_errors = blocks_parse(
        list(data.blocks) if isinstance(data.blocks, Sequence) else data.blocks
    )
    errors += block_errors
    return CleanTheme(preset=preset.key if preset else "", tokens=tokens, blocks=blocks), errors


def _cache_forget(schema: str) -> None:
    # The commit can happen after the caller left this store's context (an outer transaction),
    # so the schema is fixed now, as `event_emit` does.
    with schema_context(schema):
        cache.delete(STORE_THEME_CACHE_KEY)


@transaction.atomic
def store_theme_save(*, data: StoreThemeInput, publish: bool = True, actor: Any | None = None) -> StoreTheme:
    """Save this store's theme from `data`: published at once (`publish`), or kept as the
    editor's draft while shoppers keep seeing the published theme. Raises `ThemeInvalid` with
    every problem, saving nothing, when any part is refused."""
    schema = require_store()
    store_theme_get()  # the row exists from here on
    clean, errors = store_theme_clean(data)
    if errors:
        raise ThemeInvalid(errors)
    row = StoreTheme.objects.select_for_update().get(pk=STORE_THEME_PK)
    if not publish:
        row.draft = {"preset": clean.preset, "tokens": clean.tokens, "blocks": clean.blocks_json()}
        row.save(update_fields=["draft", "updated_at"])
        return row
    row.preset = clean.preset
    row.tokens = clean.tokens
    row.blocks = clean.blocks_json()
    row.draft = None
    row.published_at = timezone.now()
    row.save(update_fields=["preset", "tokens", "blocks", "draft", "published_at", "updated_at"])
    # Forget the cached copy now (later reads in this transaction see the new row) and again
    # after commit, in case a concurrent reader cached the old row in between.
    cache.delete(STORE_THEME_CACHE_KEY)
    transaction.on_commit(lambda: _cache_forget(schema))
    payload: dict[str, Any] = {"preset": row.preset, "blocks": [block["type"] for block in row.blocks]}
    if actor is not None and getattr(actor, "pk", None) is not None:
        payload["actor_id"] = actor.pk
    event_emit(name=THEME_PUBLISHED, payload=payload)
    return row


@transaction.atomic
def store_theme_draft_discard() -> StoreTheme:
    """Forget the editor's unpublished draft: the editor starts again from the published theme.
    Shoppers saw only the published theme all along, so no cache is touched."""
    require_store()
    store_theme_get()  # the row exists from here on
    row = StoreTheme.objects.select_for_update().get(pk=STORE_THEME_PK)
    if row.draft is not None:
        row.draft = None
        row.save(update_fields=["draft", "updated_at"])
    return row
