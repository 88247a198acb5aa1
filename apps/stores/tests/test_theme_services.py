"""The store's theme: created on first read, saved whole or not at all, cached per store."""

from __future__ import annotations

import logging

import pytest
from django.core.cache import cache
from django.utils import translation
from django_tenants.utils import schema_context, tenant_context

from apps.core.models import EventRecord
from apps.core.tenancy import NotInStoreError
from apps.stores.blocks import HeroBanner, Newsletter
from apps.stores.errors import ThemeErrorCode, ThemeInvalid
from apps.stores.models import STORE_THEME_PK, StoreTheme
from apps.stores.selectors import store_settings_get
from apps.stores.services import StoreSettingsInput, store_settings_update
from apps.stores.theme_selectors import (
    STORE_THEME_CACHE_KEY,
    store_theme_draft_get,
    store_theme_get,
    theme_cache_key,
)
from apps.stores.theme_services import THEME_PUBLISHED, StoreThemeInput, store_theme_save


def _theme(preset="neon", tokens=None, blocks=None):
    return StoreThemeInput(
        preset=preset,
        tokens=tokens or {},
        blocks=blocks if blocks is not None else [{"id": "s", "type": "spacer", "data": {"size": "large"}}],
    )


def test_a_new_store_gets_the_default_home_page_on_first_read(in_alpha):
    StoreTheme.objects.all().delete()
    cache.clear()
    theme = store_theme_get()
    assert theme.preset == "frosted"
    assert [block.type for block in theme.blocks] == [
        "hero_banner",
        "featured_products",
        "categories_grid",
        "trust_badges",
        "newsletter",
    ]
    hero = theme.blocks[0].data
    assert isinstance(hero, HeroBanner) and hero.heading == store_settings_get().name
    assert StoreTheme.objects.filter(pk=STORE_THEME_PK).count() == 1


def test_the_default_home_page_is_written_in_the_store_default_language(in_alpha):
    StoreTheme.objects.all().delete()
    data = StoreSettingsInput.from_settings(store_settings_get(), default_language="de")
    store_settings_update(data=data)
    cache.clear()
    with translation.override("en"):
        theme = store_theme_get()
    newsletter = next(block for block in theme.blocks if block.type == "newsletter")
    with translation.override("de"):
        expected = translation.gettext("Stay in the loop")
    assert isinstance(newsletter.data, Newsletter) and newsletter.data.heading == expected


def test_the_theme_is_never_read_on_the_public_schema(db):
    with pytest.raises(NotInStoreError):
        store_theme_get()


def test_the_template_schema_gets_no_theme_row(db, settings):
    with schema_context(settings.TENANT_BASE_SCHEMA):
        StoreTheme.objects.all().delete()
        with pytest.raises(Exception) as caught:
            store_theme_get()
        assert getattr(caught.value, "code", None) == ThemeErrorCode.TEMPLATE_SCHEMA
        assert not StoreTheme.objects.exists()


def test_saving_publishes_clears_the_cache_and_announces(in_alpha, django_capture_on_commit_callbacks):
    store_theme_get()  # cached now
    with django_capture_on_commit_callbacks(execute=True):
        store_theme_save(data=_theme(tokens={"radius": 3}))
    theme = store_theme_get()
    assert theme.preset == "neon"
    assert theme.tokens.radius == 3
    assert [block.type for block in theme.blocks] == ["spacer"]
    row = StoreTheme.objects.get()
    assert row.published_at is not None and row.draft is None
    event = EventRecord.objects.filter(name=THEME_PUBLISHED).latest("created_at")
    assert event.payload == {"preset": "neon", "blocks": ["spacer"]}


def test_a_draft_is_kept_apart_from_what_shoppers_see(in_alpha):
    published = store_theme_get()
    store_theme_save(data=_theme(preset="luxe"), publish=False)
    assert store_theme_get().preset == published.preset
    assert store_theme_draft_get().preset == "luxe"
    assert (StoreTheme.objects.get().draft or {})["preset"] == "luxe"


def test_a_theme_with_any_problem_saves_nothing_and_names_every_problem(in_alpha):
    store_theme_get()
    before = StoreTheme.objects.values("preset", "tokens", "blocks").get()
    with pytest.raises(ThemeInvalid) as caught:
        store_theme_save(
            data=StoreThemeInput(
                preset="frosted",
                tokens={"primary": "#ffff00"},
                blocks=[{"type": "hero_banner", "data": {"heading": ""}}, {"type": "unknown"}],
            )
        )
    assert {(error.field, error.code) for error in caught.value.errors} == {
        ("tokens.primary", ThemeErrorCode.LOW_CONTRAST),
        ("blocks[0].data.heading", ThemeErrorCode.REQUIRED),
        ("blocks[1].type", ThemeErrorCode.UNKNOWN_BLOCK_TYPE),
    }
    assert StoreTheme.objects.values("preset", "tokens", "blocks").get() == before


def test_an_unknown_preset_is_refused(in_alpha):
    with pytest.raises(ThemeInvalid) as caught:
        store_theme_save(data=_theme(preset="vaporwave"))
    assert caught.value.errors[0].code == ThemeErrorCode.UNKNOWN_PRESET


def test_bad_data_written_straight_to_the_row_is_skipped_and_logged(in_alpha, caplog):
    store_theme_get()
    StoreTheme.objects.update(
        preset="no-such-preset",
        tokens={"primary": "url(javascript:alert(1))"},
        blocks=[
            {"id": "ok", "type": "spacer", "data": {}},
            {"id": "bad", "type": "hero_banner", "data": {"heading": 42}},
            {"id": "gone", "type": "marquee", "data": {}},
            "junk",
        ],
    )
    cache.clear()
    with caplog.at_level(logging.WARNING, logger="apps.stores.theme_selectors"):
        theme = store_theme_get()
    assert theme.preset == "frosted"
    assert theme.overrides == {}
    assert [block.id for block in theme.blocks] == ["ok"]
    assert theme.skipped_blocks == 3
    logged = " ".join(record.getMessage() for record in caplog.records)
    for fragment in ("preset", "tokens.primary", "blocks[1].data.heading", "blocks[2].type", "blocks[3]"):
        assert fragment in logged


def test_a_row_whose_blocks_are_not_a_list_still_reads(in_alpha):
    store_theme_get()
    StoreTheme.objects.update(blocks={"hero": "oops"})
    cache.clear()
    assert store_theme_get().blocks == ()


def test_one_store_theme_never_reaches_another(alpha, beta):
    with tenant_context(beta.tenant):
        beta_before = store_theme_get()
    with tenant_context(alpha.tenant):
        store_theme_save(data=_theme(preset="cyberpunk"))
        assert store_theme_get().preset == "cyberpunk"
        alpha_key = cache.make_key(theme_cache_key())
    with tenant_context(beta.tenant):
        assert store_theme_get().preset == beta_before.preset != "cyberpunk"
        assert StoreTheme.objects.get().preset != "cyberpunk"
        beta_key = cache.make_key(theme_cache_key())
    # the cache keys carry each store's schema
    assert alpha_key != beta_key
    assert alpha.tenant.schema_name in alpha_key and beta.tenant.schema_name in beta_key
    assert theme_cache_key() == STORE_THEME_CACHE_KEY
