"""Reads of the store's theme: the published look and home page, as shoppers see it.

`store_theme_get` answers for the schema the connection is on, from the tenant-aware cache
(every key carries the schema, see `django_tenants.cache.make_key`; `theme_cache_key` names it),
and creates the row on the first read with the default home page (hero, featured products,
categories, trust badges, newsletter) written in the store's default language. It never fails
on bad stored data: an unknown preset falls back to the default one, a refused token override
is left out, and a block whose data breaks its schema is skipped; each is logged with the code
of the problem, so a broken write straight to the table costs a block, never the page.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from apps.core.tenancy import require_store
from apps.stores.blocks import BLOCK_TYPES, ThemeBlock, blocks_parse
from apps.stores.blocks.schemas import translatable_fields
from apps.stores.errors import ThemeError, ThemeErrorCode
from apps.stores.models import STORE_THEME_PK, StoreTheme
from apps.stores.selectors import store_settings_get
from apps.stores.themes import (
    DEFAULT_PRESET,
    PRESETS,
    ThemeTokens,
    theme_preset_clean,
    theme_tokens_clean,
    theme_tokens_merge,
)

logger = logging.getLogger(__name__)

# Bump the version when ResolvedTheme, ThemeTokens or a block schema changes shape, so pickles
# of the old shape are not read.
STORE_THEME_CACHE_KEY = "stores:theme:v1"
STORE_THEME_CACHE_SECONDS = 60 * 60


@dataclass(frozen=True)
class ResolvedTheme:
    """A theme ready to render: the preset's tokens with the overrides applied, and the blocks
    that passed their schema, in page order."""

    preset: str
    tokens: ThemeTokens
    blocks: tuple[ThemeBlock, ...]
    overrides: dict[str, Any]
    skipped_blocks: int = 0
    published_at: datetime.datetime | None = None


def theme_cache_key() -> str:
    """The key the current store's theme is cached under (the cache adds the schema)."""
    return STORE_THEME_CACHE_KEY


def fallback_theme() -> ResolvedTheme:
    """The default preset without blocks: what an error page shows when no theme can be read."""
    preset = PRESETS[DEFAULT_PRESET]
    return ResolvedTheme(preset=preset.key, tokens=preset.tokens, blocks=(), overrides={})


def _default_home_texts(store_name: str) -> list[dict[str, Any]]:
    """The default home page's blocks with their words in the active language."""
    return [
        {
            "id": "hero",
            "type": "hero_banner",
            "data": {
                "heading": store_name[:120],
                "subheading": _("Discover our latest products, picked with care."),
                "button_label": _("Shop now"),
                "button_url": "#block-featured",
                "align": "center",
            },
        },
        {
            "id": "featured",
            "type": "featured_products",
            "data": {"heading": _("New arrivals"), "collection": "", "limit": 8},
        },
        {
            "id": "categories",
            "type": "categories_grid",
            "data": {"heading": _("Shop by category"), "limit": 8},
        },
        {
            "id": "trust",
            "type": "trust_badges",
            "data": {
                "heading": "",
                "items": [
                    {
                        "icon": "secure",
                        "title": _("Secure checkout"),
                        "text": _("Your payment details are encrypted."),
                    },
                    {
                        "icon": "returns",
                        "title": _("Easy returns"),
                        "text": _("Changed your mind? See our refund policy."),
                    },
                    {
                        "icon": "support",
                        "title": _("Here to help"),
                        "text": _("Questions about an order? Get in touch."),
                    },
                ],
            },
        },
        {
            "id": "newsletter",
            "type": "newsletter",
            "data": {
                "heading": _("Stay in the loop"),
                "text": _("Be the first to hear about new products and offers."),
                "button_label": _("Subscribe"),
            },
        },
    ]


def default_home_blocks(*, store_name: str, language: str) -> list[dict[str, Any]]:
    """The home page a new store starts with: its words in the store's default language, and
    in each other language of the platform as the blocks' translations (shown once the store
    enables that language), so a German shopper of a new English store reads German."""
    with translation.override(language):
        blocks = _default_home_texts(store_name)
    others: dict[str, list[dict[str, Any]]] = {}
    for code, _name in settings.LANGUAGES:
        if code != language:
            with translation.override(code):
                others[code] = _default_home_texts(store_name)
    for position, block in enumerate(blocks):
        kind = BLOCK_TYPES[block["type"]]
        translatable = translatable_fields(kind.schema)
        translations = {}
        for code, texts in others.items():
            values = {
                name: texts[position]["data"][name]
                for name in translatable
                if name in block["data"] and texts[position]["data"][name] != block["data"][name]
            }
            if values:
                translations[code] = values
        if translations:
            block["translations"] = translations
    return blocks


def _load_or_create(schema: str) -> StoreTheme:
    found = StoreTheme.objects.filter(pk=STORE_THEME_PK).first()
    if found is not None:
        return found
    if schema == settings.TENANT_BASE_SCHEMA:
        # New stores are cloned from this schema with its rows: a theme made here would give
        # every new store the template's home page.
        raise ThemeError(_("The template schema has no theme."), code=ThemeErrorCode.TEMPLATE_SCHEMA)
    store = store_settings_get()
    blocks = default_home_blocks(store_name=store.name, language=store.default_language)
    try:
        with transaction.atomic():
            return StoreTheme.objects.create(
                pk=STORE_THEME_PK, preset=DEFAULT_PRESET, tokens={}, blocks=blocks
            )
    except IntegrityError:
        # Another request created the row first (the primary key is pinned); read theirs.
        return StoreTheme.objects.get(pk=STORE_THEME_PK)


def _log_problem(schema: str, error: ThemeError) -> None:
    # The log line carries the schema already (apps.core.logging); it is named again in the
    # message so the warning reads on its own in test output and plain-text logs.
    logger.warning(
        "theme of %s: skipped %s (%s)",
        schema,
        error.field,
        error.code,
        extra={"theme_field": error.field, "theme_code": str(error.code)},
    )


def theme_resolve(
    *, preset: Any, tokens: Any, blocks: Any, schema: str, published_at: datetime.datetime | None = None
) -> ResolvedTheme:
    """Stored theme data made safe to render: whatever breaks a rule is left out and logged."""
    chosen, problems = theme_preset_clean(preset)
    for problem in problems:
        _log_problem(schema, problem)
    chosen = chosen or PRESETS[DEFAULT_PRESET]
    overrides, problems = theme_tokens_clean(chosen, tokens)
    if problems:
        # Overrides are checked together (contrast), so one bad token drops them all.
        for problem in problems:
            _log_problem(schema, problem)
        overrides = {}
    parsed, problems = blocks_parse(blocks)
    for problem in problems:
        _log_problem(schema, problem)
    skipped = (len(blocks) if isinstance(blocks, list) else 0) - len(parsed)
    return ResolvedTheme(
        preset=chosen.key,
        tokens=theme_tokens_merge(chosen, overrides),
        blocks=tuple(parsed),
        overrides=overrides,
        skipped_blocks=max(skipped, 0),
        published_at=published_at,
    )


def store_theme_get() -> ResolvedTheme:
    """This store's published theme, created with the default home page on the first read.
    Raises `apps.core.tenancy.NotInStoreError` on the public schema."""
    schema = require_store()
    cached = cache.get(STORE_THEME_CACHE_KEY)
    if isinstance(cached, ResolvedTheme):
        return cached
    row = _load_or_create(schema)
    resolved = theme_resolve(
        preset=row.preset, tokens=row.tokens, blocks=row.blocks, schema=schema, published_at=row.published_at
    )
    cache.set(STORE_THEME_CACHE_KEY, resolved, STORE_THEME_CACHE_SECONDS)
    return resolved


def store_theme_draft_get() -> ResolvedTheme:
    """The theme editor's working copy: the unpublished draft, or the published theme when
    there is none. Never cached (only the editor reads it)."""
    schema = require_store()
    row = _load_or_create(schema)
    draft = row.draft if isinstance(row.draft, dict) else None
    if draft is None:
        return theme_resolve(preset=row.preset, tokens=row.tokens, blocks=row.blocks, schema=schema)
    return theme_resolve(
        preset=draft.get("preset"), tokens=draft.get("tokens"), blocks=draft.get("blocks"), schema=schema
    )


@dataclass(frozen=True)
class ThemeEditorState:
    """What the theme editor works on: the working copy (the draft, or the published theme
    when there is none) and whether a draft exists."""

    working: ResolvedTheme
    has_draft: bool
    published_at: datetime.datetime | None
    saved_at: datetime.datetime | None  # the row's last write (draft saved or published)


def store_theme_editor_get() -> ThemeEditorState:
    """The editor's working copy with its state, from one read of the row. Never cached."""
    schema = require_store()
    row = _load_or_create(schema)
    draft = row.draft if isinstance(row.draft, dict) else None
    source: dict[str, Any] = draft or {"preset": row.preset, "tokens": row.tokens, "blocks": row.blocks}
    working = theme_resolve(
        preset=source.get("preset"),
        tokens=source.get("tokens"),
        blocks=source.get("blocks"),
        schema=schema,
        published_at=row.published_at,
    )
    return ThemeEditorState(
        working=working, has_draft=draft is not None, published_at=row.published_at, saved_at=row.updated_at
    )


def store_theme_cache_clear() -> None:
    """Forget the cached theme of the current store (the next read goes to the database)."""
    require_store()
    cache.delete(STORE_THEME_CACHE_KEY)
