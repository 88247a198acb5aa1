"""Block schemas: a good and a bad example of each of the thirteen types, and the shared rules."""

from __future__ import annotations

import datetime

import pytest

from apps.stores import blocks  # its Testimonials, imported by name, would be collected as a test class
from apps.stores.blocks import (
    BLOCK_TYPES,
    MAX_BLOCKS,
    CountdownTimer,
    CustomText,
    HeroBanner,
    block_parse,
    blocks_parse,
    url_is_safe,
)
from apps.stores.errors import ThemeErrorCode, ThemeInvalid

GOOD = {
    "hero_banner": {
        "heading": "Summer sale",
        "subheading": "Up to 30% off",
        "button_label": "Shop",
        "button_url": "/collections/summer/",
        "image_url": "https://cdn.example.com/hero.jpg",
        "image_alt": "A beach",
        "align": "left",
    },
    "featured_products": {"heading": "Featured", "collection": "summer-2026", "limit": 4},
    "categories_grid": {"heading": "Categories", "limit": 6},
    "product_carousel": {"heading": "Bestsellers", "collection": "best_sellers", "limit": 10},
    "testimonials": {
        "heading": "Kind words",
        "items": [{"quote": "Lovely!", "author": "Ana", "role": "Customer"}],
    },
    "countdown_timer": {
        "heading": "Ends soon",
        "ends_at": "2030-12-24T18:00:00+01:00",
        "text": "Hurry",
        "button_label": "Go",
        "button_url": "#block-featured",
    },
    "video_banner": {
        "video_url": "/media/store/intro.mp4",
        "poster_url": "https://cdn.example.com/poster.jpg",
        "heading": "Our story",
        "autoplay": True,
    },
    "trust_badges": {"items": [{"icon": "shipping", "title": "Fast shipping", "text": "2-4 days"}]},
    "reviews": {
        "heading": "Reviews",
        "items": [{"author": "Bo", "rating": 4, "text": "Good", "product": "Mug"}],
    },
    "newsletter": {"heading": "Join us", "text": "Monthly news", "button_label": "Sign up"},
    "custom_text": {"heading": "About", "html": "<p>We <strong>love</strong> mugs.</p>", "align": "center"},
    "image_banner": {
        "image_url": "/static/banner.jpg",
        "alt": "Mugs",
        "link_url": "https://shop.example.com/",
        "height": "large",
    },
    "spacer": {"size": "small"},
}

BAD = {
    "hero_banner": ({"heading": ""}, ThemeErrorCode.REQUIRED),
    "featured_products": ({"collection": "summer sale!"}, ThemeErrorCode.INVALID_HANDLE),
    "categories_grid": ({"limit": 500}, ThemeErrorCode.OUT_OF_RANGE),
    "product_carousel": ({"limit": "ten"}, ThemeErrorCode.NOT_A_NUMBER),
    "testimonials": ({"items": [{"quote": "x" * 501, "author": "Ana"}]}, ThemeErrorCode.TOO_LONG),
    "countdown_timer": ({"heading": "Ends", "ends_at": "2030-12-24 18:00"}, ThemeErrorCode.INVALID_DATETIME),
    "video_banner": (
        {"video_url": "https://www.youtube.com/watch?v=abc", "poster_url": "/p.jpg"},
        ThemeErrorCode.INVALID_URL,
    ),
    "trust_badges": ({"items": [{"icon": "rocket", "title": "Fast"}]}, ThemeErrorCode.INVALID_CHOICE),
    "reviews": ({"items": [{"author": "Bo", "rating": 6, "text": "Good"}]}, ThemeErrorCode.OUT_OF_RANGE),
    "newsletter": ({"heading": "Join", "button_label": ["Sign up"]}, ThemeErrorCode.NOT_TEXT),
    "custom_text": ({"html": "<p>" + "a" * 20_001 + "</p>"}, ThemeErrorCode.TOO_LONG),
    "image_banner": ({"image_url": "javascript:alert(1)"}, ThemeErrorCode.INVALID_URL),
    "spacer": ({"size": "huge"}, ThemeErrorCode.INVALID_CHOICE),
}


def test_the_thirteen_block_types_of_the_seed_each_have_a_schema():
    assert set(BLOCK_TYPES) == set(GOOD) == set(BAD)
    assert len(BLOCK_TYPES) == 13


@pytest.mark.parametrize("kind", sorted(GOOD))
def test_a_good_block_parses_and_round_trips(kind):
    block = block_parse({"id": "b1", "type": kind, "data": GOOD[kind]})
    assert block.type == kind and block.id == "b1"
    again = block_parse(block.to_json())
    assert again == block


@pytest.mark.parametrize("kind", sorted(BAD))
def test_a_bad_block_is_refused_with_a_code_and_the_path_of_the_value(kind):
    data, code = BAD[kind]
    with pytest.raises(ThemeInvalid) as caught:
        block_parse({"id": "b1", "type": kind, "data": data}, path="blocks[3]")
    errors = caught.value.errors
    assert code in [error.code for error in errors]
    assert all((error.field or "").startswith("blocks[3].data.") for error in errors)


def test_unknown_types_fields_and_shapes_are_refused():
    with pytest.raises(ThemeInvalid) as caught:
        block_parse({"type": "carousel3d", "data": {}})
    assert caught.value.errors[0].code == ThemeErrorCode.UNKNOWN_BLOCK_TYPE
    with pytest.raises(ThemeInvalid) as caught:
        block_parse({"type": "spacer", "data": {"size": "small", "colour": "red"}})
    assert caught.value.errors[0].code == ThemeErrorCode.UNKNOWN_FIELD
    assert caught.value.errors[0].field == "block.data.colour"
    with pytest.raises(ThemeInvalid) as caught:
        block_parse(["spacer"])
    assert caught.value.errors[0].code == ThemeErrorCode.NOT_AN_OBJECT
    with pytest.raises(ThemeInvalid) as caught:
        block_parse({"type": "spacer", "id": "Not An Id!"})
    assert caught.value.errors[0].code == ThemeErrorCode.INVALID_BLOCK_ID


def test_every_problem_of_a_block_is_reported_at_once():
    with pytest.raises(ThemeInvalid) as caught:
        block_parse({"type": "hero_banner", "data": {"heading": "", "button_url": "ftp://x", "align": "up"}})
    assert {error.code for error in caught.value.errors} == {
        ThemeErrorCode.REQUIRED,
        ThemeErrorCode.INVALID_URL,
        ThemeErrorCode.INVALID_CHOICE,
    }


def test_a_block_without_id_gets_one():
    block = block_parse({"type": "spacer", "data": {}})
    assert len(block.id) == 8


def test_text_is_trimmed_and_kept_as_plain_text():
    block = block_parse({"type": "hero_banner", "data": {"heading": "  <b>Big</b>   sale  "}})
    # Kept as typed: the template escapes it, so markup shows as text and never runs.
    assert isinstance(block.data, HeroBanner)
    assert block.data.heading == "<b>Big</b> sale"


def test_custom_text_html_is_sanitised():
    block = block_parse(
        {
            "type": "custom_text",
            "data": {
                "html": '<p onclick="steal()">Hi<script>alert(1)</script><a href="javascript:x()">x</a></p>'
            },
        }
    )
    assert isinstance(block.data, CustomText)
    html = block.data.html
    assert "<script" not in html and "onclick" not in html and "javascript:" not in html
    assert html.startswith("<p>Hi")


def test_countdown_end_is_kept_in_utc():
    block = block_parse(
        {"type": "countdown_timer", "data": {"heading": "Soon", "ends_at": "2030-01-01T01:00:00+01:00"}}
    )
    assert isinstance(block.data, CountdownTimer)
    assert block.data.ends_at == datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)
    assert block.to_json()["data"]["ends_at"] == "2030-01-01T00:00:00+00:00"


@pytest.mark.parametrize(
    "url",
    ["https://example.com/a", "http://example.com", "/collections/x/", "#block-news", "/a?b=c#d"],
)
def test_safe_urls(url):
    assert url_is_safe(url)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "//evil.example.com/",
        "/\\evil.example.com",
        "vbscript:x",
        "https://",
        "https://exa mple.com",
        'https://example.com/"onmouseover="x',
        "mailto:a@b.c",
        "ftp://example.com/file",
        "https://example.com/" + "a" * 2000,
    ],
)
def test_unsafe_urls(url):
    assert not url_is_safe(url)


def test_list_limits_are_enforced():
    many = [{"quote": "q", "author": "a"}] * 13
    with pytest.raises(ThemeInvalid) as caught:
        block_parse({"type": "testimonials", "data": {"items": many}})
    assert caught.value.errors[0].code == ThemeErrorCode.TOO_MANY_ITEMS
    with pytest.raises(ThemeInvalid) as caught:
        block_parse({"type": "testimonials", "data": {"items": []}})
    assert caught.value.errors[0].code == ThemeErrorCode.TOO_FEW_ITEMS


def test_a_page_keeps_its_good_blocks_and_names_the_bad_ones():
    blocks, errors = blocks_parse(
        [
            {"id": "a", "type": "spacer", "data": {}},
            {"id": "b", "type": "spacer", "data": {"size": "enormous"}},
            {"id": "a", "type": "spacer", "data": {}},
            "not a block",
        ]
    )
    assert [block.id for block in blocks] == ["a"]
    assert [(error.field, error.code) for error in errors] == [
        ("blocks[1].data.size", ThemeErrorCode.INVALID_CHOICE),
        ("blocks[2].id", ThemeErrorCode.DUPLICATE_BLOCK_ID),
        ("blocks[3]", ThemeErrorCode.NOT_AN_OBJECT),
    ]


def test_a_page_has_a_block_limit():
    _blocks, errors = blocks_parse([{"type": "spacer"}] * (MAX_BLOCKS + 1))
    assert errors[0].code == ThemeErrorCode.TOO_MANY_BLOCKS
    _blocks, errors = blocks_parse({"type": "spacer"})
    assert errors[0].code == ThemeErrorCode.NOT_A_LIST


# ------------------------------------------------------------------------------
# text per language
# ------------------------------------------------------------------------------
def _hero(translations):
    return {"id": "hero", "type": "hero_banner", "data": GOOD["hero_banner"], "translations": translations}


def test_a_block_keeps_its_text_per_language_and_round_trips():
    block = block_parse(
        _hero({"de": {"heading": "Sommerschlussverkauf", "image_alt": "Ein Strand"}, "es": {}}),
    )
    # the empty translation is dropped; the stored form keeps the rest
    assert block.to_json()["translations"] == {
        "de": {"heading": "Sommerschlussverkauf", "image_alt": "Ein Strand"}
    }
    assert block_parse(block.to_json()) == block

    german, regional = block.data_for("de"), block.data_for("de-at")
    assert isinstance(german, HeroBanner) and isinstance(regional, HeroBanner)
    assert german.heading == "Sommerschlussverkauf" and german.image_alt == "Ein Strand"
    assert (
        german.subheading == "Up to 30% off" and german.button_url == "/collections/summer/"
    )  # untranslated
    assert regional.heading == "Sommerschlussverkauf"  # a regional code falls back
    assert block.data_for("es") == block.data_for("en") == block.data_for(None) == block.data


def test_a_list_of_items_is_translated_as_a_whole():
    raw = {
        "id": "words",
        "type": "testimonials",
        "data": GOOD["testimonials"],
        "translations": {"es": {"items": [{"quote": "¡Precioso!", "author": "Ana", "role": "Clienta"}]}},
    }
    spanish = block_parse(raw).data_for("es")
    assert isinstance(spanish, blocks.Testimonials)
    assert spanish.items[0].quote == "¡Precioso!"
    assert spanish.heading == "Kind words"


@pytest.mark.parametrize(
    ("translations", "path", "code"),
    [
        ({"fr": {"heading": "Soldes"}}, "block.translations.fr", ThemeErrorCode.UNKNOWN_LANGUAGE),
        (
            {"de": {"button_url": "/de/sale/"}},
            "block.translations.de.button_url",
            ThemeErrorCode.NOT_TRANSLATABLE,
        ),
        ({"de": {"align": "left"}}, "block.translations.de.align", ThemeErrorCode.NOT_TRANSLATABLE),
        ({"de": {"colour": "red"}}, "block.translations.de.colour", ThemeErrorCode.UNKNOWN_FIELD),
        ({"de": {"heading": ""}}, "block.translations.de.heading", ThemeErrorCode.REQUIRED),
        ({"de": {"heading": "x" * 121}}, "block.translations.de.heading", ThemeErrorCode.TOO_LONG),
        ({"de": "Sommer"}, "block.translations.de", ThemeErrorCode.NOT_AN_OBJECT),
        (["de"], "block.translations", ThemeErrorCode.NOT_AN_OBJECT),
    ],
)
def test_a_bad_translation_is_refused_with_its_path(translations, path, code):
    with pytest.raises(ThemeInvalid) as refused:
        block_parse(_hero(translations))
    assert (path, code) in [(error.field, error.code) for error in refused.value.errors]


def test_translated_rich_text_is_sanitised_like_the_default():
    raw = {
        "id": "about",
        "type": "custom_text",
        "data": GOOD["custom_text"],
        "translations": {"de": {"html": '<p onclick="steal()">Über uns<script>alert(1)</script></p>'}},
    }
    german = block_parse(raw).data_for("de")
    assert isinstance(german, CustomText)
    html = german.html
    assert "Über uns" in html and "onclick" not in html and "<script" not in html


def test_a_picture_address_is_a_file_never_an_anchor():
    with pytest.raises(ThemeInvalid) as caught:
        block_parse({"id": "b1", "type": "image_banner", "data": {"image_url": "#top"}}, path="block")
    [error] = caught.value.errors
    assert (error.field, error.code, error.params) == (
        "block.data.image_url",
        ThemeErrorCode.INVALID_URL,
        {"picture": True},
    )
    assert "anchor" not in error.message
    # a link may still be an anchor
    block = block_parse(
        {"id": "b1", "type": "hero_banner", "data": {"heading": "Hi", "button_url": "#block-featured"}}
    )
    assert block.data.button_url == "#block-featured"  # type: ignore[attr-defined]
