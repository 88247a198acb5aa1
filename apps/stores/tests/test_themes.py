"""Theme presets and token overrides: every preset readable, every override checked."""

from __future__ import annotations

import pytest

from apps.stores.errors import ThemeErrorCode
from apps.stores.themes import (
    COLOR_TOKENS,
    CONTRAST_RULES,
    DEFAULT_PRESET,
    FONTS,
    PRESETS,
    contrast_ratio,
    theme_preset_clean,
    theme_tokens_clean,
    theme_tokens_css,
    theme_tokens_merge,
)

SEED_PRESETS = [
    "frosted",
    "midnight",
    "botanical",
    "neon",
    "luxe",
    "playful",
    "industrial",
    "coastal",
    "monochrome",
    "cyberpunk",
    "terracotta",
]


def test_the_eleven_presets_of_the_seed_exist_with_frosted_as_default():
    assert list(PRESETS) == SEED_PRESETS
    assert DEFAULT_PRESET == "frosted"


def test_contrast_ratio_matches_the_wcag_reference_values():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    # WebAIM's checker: #767676 on white is the lightest grey that passes AA (4.54:1).
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert contrast_ratio("#777777", "#ffffff") < 4.5


@pytest.mark.parametrize("key", SEED_PRESETS)
@pytest.mark.parametrize(
    ("foreground", "background"),
    [("text", "background"), ("text", "surface"), ("primary_text", "primary")],
)
def test_every_preset_keeps_text_readable_at_4_5_to_1(key, foreground, background):
    colors = PRESETS[key].tokens.colors
    ratio = contrast_ratio(colors[foreground], colors[background])
    assert ratio >= 4.5, f"{key}: {foreground} on {background} is {ratio:.2f}:1"


@pytest.mark.parametrize("key", SEED_PRESETS)
def test_every_preset_keeps_every_contrast_rule(key):
    colors = PRESETS[key].tokens.colors
    for foreground, background, minimum in CONTRAST_RULES:
        ratio = contrast_ratio(colors[foreground], colors[background])
        assert ratio >= minimum, f"{key}: {foreground} on {background} is {ratio:.2f}:1 < {minimum}"


@pytest.mark.parametrize("key", SEED_PRESETS)
def test_every_preset_has_eleven_colours_and_served_fonts(key):
    tokens = PRESETS[key].tokens
    assert tuple(tokens.colors) == COLOR_TOKENS and len(COLOR_TOKENS) == 11
    assert tokens.heading_font in FONTS and tokens.body_font in FONTS
    assert tokens.scheme in {"light", "dark"}


def test_dark_presets_say_so_to_the_browser():
    assert PRESETS["midnight"].tokens.scheme == "dark"
    assert PRESETS["cyberpunk"].tokens.scheme == "dark"
    assert PRESETS["frosted"].tokens.scheme == "light"


def test_every_font_file_a_preset_names_is_in_the_project_with_its_licence(settings):
    root = settings.BASE_DIR / "static"
    used = {
        font for preset in PRESETS.values() for font in (preset.tokens.heading_font, preset.tokens.body_font)
    }
    assert used == set(FONTS)  # no family is shipped for nothing
    for key in used:
        font = FONTS[key]
        for weight in (400, 700):
            data = (root / font.file(weight)).read_bytes()
            assert data[:4] == b"wOF2", font.file(weight)
        assert "SIL Open Font License" in (root / "fonts" / key / "LICENSE").read_text()


def test_a_good_override_is_kept_and_an_override_equal_to_the_preset_is_dropped():
    preset = PRESETS["frosted"]
    clean, errors = theme_tokens_clean(
        preset, {"primary": "#0B5CAD", "radius": 4, "background": "#f4f7fb", "heading_font": "lora"}
    )
    assert errors == []
    assert clean == {"primary": "#0b5cad", "radius": 4, "heading_font": "lora"}
    merged = theme_tokens_merge(preset, clean)
    assert merged.colors["primary"] == "#0b5cad" and merged.radius == 4 and merged.heading.name == "Lora"


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"primary": "red"}, ThemeErrorCode.INVALID_COLOR),
        ({"primary": "#12345"}, ThemeErrorCode.INVALID_COLOR),
        ({"primary": "#123456;}body{display:none"}, ThemeErrorCode.INVALID_COLOR),
        ({"text": 12}, ThemeErrorCode.INVALID_COLOR),
        ({"shadow": "#000000"}, ThemeErrorCode.UNKNOWN_TOKEN),
        ({"body_font": "Comic Sans"}, ThemeErrorCode.UNKNOWN_FONT),
        ({"radius": 99}, ThemeErrorCode.OUT_OF_RANGE),
        ({"radius": "8px"}, ThemeErrorCode.OUT_OF_RANGE),
        ({"radius": True}, ThemeErrorCode.OUT_OF_RANGE),
        ({"card_style": "wobbly"}, ThemeErrorCode.INVALID_CHOICE),
        ({"button_style": "3d"}, ThemeErrorCode.INVALID_CHOICE),
        # light grey text on the light page: unreadable
        ({"text": "#cccccc"}, ThemeErrorCode.LOW_CONTRAST),
        # white button text on a yellow button
        ({"primary": "#ffe066"}, ThemeErrorCode.LOW_CONTRAST),
        (["primary"], ThemeErrorCode.NOT_AN_OBJECT),
    ],
)
def test_bad_overrides_are_refused_with_a_code(overrides, code):
    _clean, errors = theme_tokens_clean(PRESETS["frosted"], overrides)
    assert code in [error.code for error in errors]


def test_a_low_contrast_error_names_both_colours_and_the_ratio():
    _clean, errors = theme_tokens_clean(PRESETS["frosted"], {"text": "#cccccc"})
    error = next(error for error in errors if error.code == ThemeErrorCode.LOW_CONTRAST)
    assert error.field == "tokens.text"
    assert error.params["background"] in {"background", "surface", "secondary"}
    assert error.params["ratio"] < 4.5


def test_an_unknown_preset_is_refused():
    preset, errors = theme_preset_clean("vaporwave")
    assert preset is None
    assert [error.code for error in errors] == [ThemeErrorCode.UNKNOWN_PRESET]


def test_tokens_render_as_css_custom_properties():
    css = theme_tokens_css(PRESETS["midnight"].tokens)
    assert css.startswith(":root{") and css.endswith("}")
    assert "--sf-background:#0b1020;" in css
    assert "--sf-primary-text:#0b1020;" in css
    assert "--sf-highlight:#f5b942;" in css  # the accent token
    assert '--sf-font-heading:"Space Grotesk"' in css
    assert "--sf-radius:12px;" in css
    assert "color-scheme:dark;" in css
    # what the other storefront stylesheets use for buttons: the primary pair
    assert "--sf-accent:#8cb4ff;" in css and "--sf-on-accent:#0b1020;" in css
