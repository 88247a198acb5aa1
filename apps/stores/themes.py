"""Theme presets: the design tokens of the eleven looks a store starts from (seed 001), the fonts
the project serves for them, and the contrast rules every preset and every merchant override keeps.

A theme is a set of tokens: eleven colours, a heading and a body font, a corner radius, a card
style and a button style. The storefront renders them as CSS custom properties
(`theme_tokens_css`); a store's `StoreTheme` row names a preset and may override single tokens.

Every preset is readable in light and dark alike: `CONTRAST_RULES` lists the pairs of colours
that are drawn on each other (text on the page, text on cards, button text on buttons, links
and notices on the page and on cards) with the WCAG 2.x ratio each needs, and a test holds every
preset to them; `theme_tokens_clean` refuses overrides that would break one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.stores.errors import ThemeError, ThemeErrorCode

COLOR_TOKENS: tuple[str, ...] = (
    "background",  # the page
    "surface",  # cards, header, forms
    "text",
    "muted",  # secondary text
    "primary",  # buttons and links
    "primary_text",  # text on primary buttons
    "secondary",  # soft section backgrounds, secondary buttons
    "accent",  # decoration: stars, badges' edges, focus rings
    "border",
    "success",
    "danger",
)
# The accent token is `--sf-highlight` in CSS: `--sf-accent` is the name the storefront's other
# stylesheets give the colour of buttons and links, which is the primary token.
CSS_NAMES = {"accent": "highlight"}
HEX_COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
RADIUS_MAX = 32


class CardStyle(models.TextChoices):
    FLAT = "flat", gettext_lazy("Flat")
    BORDERED = "bordered", gettext_lazy("Bordered")
    ELEVATED = "elevated", gettext_lazy("Elevated (shadow)")
    GLASS = "glass", gettext_lazy("Frosted glass")


class ButtonStyle(models.TextChoices):
    ROUNDED = "rounded", gettext_lazy("Rounded")
    PILL = "pill", gettext_lazy("Pill")
    SQUARE = "square", gettext_lazy("Square")
    OUTLINE = "outline", gettext_lazy("Outline")


@dataclass(frozen=True)
class FontFamily:
    """A font family served from static/fonts/<key>/ (latin subset, 400 and 700, SIL OFL 1.1)."""

    key: str
    name: str  # the CSS family name
    fallback: str  # generic stack used until the file arrives (font-display: swap)

    def file(self, weight: int) -> str:
        return f"fonts/{self.key}/{self.key}-latin-{weight}-normal.woff2"

    @property
    def stack(self) -> str:
        return f'"{self.name}", {self.fallback}'


FONT_WEIGHTS = (400, 700)
_SANS = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif'
_SERIF = 'Georgia, "Times New Roman", serif'
_MONO = 'ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace'
FONTS: dict[str, FontFamily] = {
    font.key: font
    for font in (
        FontFamily("inter", "Inter", _SANS),
        FontFamily("dm-sans", "DM Sans", _SANS),
        FontFamily("space-grotesk", "Space Grotesk", _SANS),
        FontFamily("nunito", "Nunito", _SANS),
        FontFamily("playfair-display", "Playfair Display", _SERIF),
        FontFamily("lora", "Lora", _SERIF),
        FontFamily("fraunces", "Fraunces", _SERIF),
        FontFamily("jetbrains-mono", "JetBrains Mono", _MONO),
    )
}


@dataclass(frozen=True)
class ThemeTokens:
    colors: Mapping[str, str]
    heading_font: str
    body_font: str
    radius: int  # px
    card_style: str
    button_style: str

    @property
    def scheme(self) -> str:
        """ "dark" or "light", from the page colour: tells the browser how to draw form controls."""
        return "dark" if relative_luminance(self.colors["background"]) < 0.2 else "light"

    @property
    def heading(self) -> FontFamily:
        return FONTS[self.heading_font]

    @property
    def body(self) -> FontFamily:
        return FONTS[self.body_font]

    @property
    def fonts(self) -> list[FontFamily]:
        """The families this theme loads, the body font first (it is the one preloaded)."""
        return [self.body] if self.body_font == self.heading_font else [self.body, self.heading]

    def as_overrides(self) -> dict[str, Any]:
        return {
            **dict(self.colors),
            "heading_font": self.heading_font,
            "body_font": self.body_font,
            "radius": self.radius,
            "card_style": self.card_style,
            "button_style": self.button_style,
        }


@dataclass(frozen=True)
class ThemePreset:
    key: str
    label: str | Promise
    tokens: ThemeTokens = field(repr=False)


def _preset(
    key: str,
    label: str | Promise,
    *,
    fonts: tuple[str, str],
    radius: int,
    card: CardStyle,
    button: ButtonStyle,
    **colors: str,
) -> ThemePreset:
    assert tuple(colors) == COLOR_TOKENS, key
    return ThemePreset(
        key=key,
        label=label,
        tokens=ThemeTokens(
            colors=colors,
            heading_font=fonts[0],
            body_font=fonts[1],
            radius=radius,
            card_style=card,
            button_style=button,
        ),
    )


# fmt: off
PRESETS: dict[str, ThemePreset] = {
    preset.key: preset
    for preset in (
        _preset(
            "frosted", gettext_lazy("Frosted"), fonts=("inter", "inter"), radius=14,
            card=CardStyle.GLASS, button=ButtonStyle.ROUNDED,
            background="#f4f7fb", surface="#ffffff", text="#0f172a", muted="#475569",
            primary="#1d4ed8", primary_text="#ffffff", secondary="#e6ecf7", accent="#6d28d9",
            border="#d5deeb", success="#15803d", danger="#b91c1c",
        ),
        _preset(
            "midnight", gettext_lazy("Midnight"), fonts=("space-grotesk", "inter"), radius=12,
            card=CardStyle.ELEVATED, button=ButtonStyle.ROUNDED,
            background="#0b1020", surface="#141b2d", text="#e6eaf5", muted="#a4adc6",
            primary="#8cb4ff", primary_text="#0b1020", secondary="#1d2640", accent="#f5b942",
            border="#2b3553", success="#4ade80", danger="#f87171",
        ),
        _preset(
            "botanical", gettext_lazy("Botanical"), fonts=("lora", "dm-sans"), radius=8,
            card=CardStyle.BORDERED, button=ButtonStyle.ROUNDED,
            background="#f3f1e9", surface="#fffdf7", text="#1d2b1e", muted="#4b5c49",
            primary="#2f6a3b", primary_text="#ffffff", secondary="#dfe7d4", accent="#a3541a",
            border="#d3cdb9", success="#2f6a3b", danger="#a8322a",
        ),
        _preset(
            "neon", gettext_lazy("Neon"), fonts=("space-grotesk", "dm-sans"), radius=6,
            card=CardStyle.BORDERED, button=ButtonStyle.PILL,
            background="#09090f", surface="#14141d", text="#f4f4ff", muted="#b3b3c9",
            primary="#3dff8f", primary_text="#09090f", secondary="#1f1f2e", accent="#ff3dd6",
            border="#2e2e44", success="#3dff8f", danger="#ff6b81",
        ),
        _preset(
            "luxe", gettext_lazy("Luxe"), fonts=("playfair-display", "lora"), radius=2,
            card=CardStyle.FLAT, button=ButtonStyle.SQUARE,
            background="#120f0b", surface="#1c1813", text="#f4ede1", muted="#bfb39f",
            primary="#d4af64", primary_text="#120f0b", secondary="#2a241b", accent="#e8d5a8",
            border="#3a3226", success="#9ccc8c", danger="#ef8a80",
        ),
        _preset(
            "playful", gettext_lazy("Playful"), fonts=("nunito", "nunito"), radius=22,
            card=CardStyle.ELEVATED, button=ButtonStyle.PILL,
            background="#fff7ee", surface="#ffffff", text="#2a1f3d", muted="#5d5470",
            primary="#c2255c", primary_text="#ffffff", secondary="#ffe1ec", accent="#6741d9",
            border="#f1dccd", success="#237032", danger="#c92a2a",
        ),
        _preset(
            "industrial", gettext_lazy("Industrial"), fonts=("space-grotesk", "inter"), radius=0,
            card=CardStyle.BORDERED, button=ButtonStyle.SQUARE,
            background="#e8e8e4", surface="#f6f6f3", text="#1b1b1b", muted="#4a4a47",
            primary="#b43c0c", primary_text="#ffffff", secondary="#d6d6d0", accent="#1f4e79",
            border="#b9b9b2", success="#2f6b2f", danger="#a61b1b",
        ),
        _preset(
            "coastal", gettext_lazy("Coastal"), fonts=("fraunces", "dm-sans"), radius=12,
            card=CardStyle.ELEVATED, button=ButtonStyle.ROUNDED,
            background="#f1f7fa", surface="#ffffff", text="#0b2a3a", muted="#3e5c6b",
            primary="#0b6482", primary_text="#ffffff", secondary="#d6ecf3", accent="#a24f12",
            border="#cfe1e8", success="#1d7048", danger="#b42318",
        ),
        _preset(
            "monochrome", gettext_lazy("Monochrome"), fonts=("inter", "inter"), radius=0,
            card=CardStyle.FLAT, button=ButtonStyle.OUTLINE,
            background="#ffffff", surface="#f5f5f5", text="#0a0a0a", muted="#525252",
            primary="#111111", primary_text="#ffffff", secondary="#e5e5e5", accent="#3f3f3f",
            border="#d4d4d4", success="#1f6f3a", danger="#b00020",
        ),
        _preset(
            "cyberpunk", gettext_lazy("Cyberpunk"), fonts=("jetbrains-mono", "space-grotesk"), radius=0,
            card=CardStyle.BORDERED, button=ButtonStyle.SQUARE,
            background="#0d0221", surface="#1a0b3b", text="#f1efff", muted="#bcaee8",
            primary="#fcee0a", primary_text="#0d0221", secondary="#2a1060", accent="#00e5ff",
            border="#3f2180", success="#3cf29a", danger="#ff5c7a",
        ),
        _preset(
            "terracotta", gettext_lazy("Terracotta"), fonts=("fraunces", "dm-sans"), radius=10,
            card=CardStyle.BORDERED, button=ButtonStyle.ROUNDED,
            background="#faf2ea", surface="#fffaf4", text="#3a1d12", muted="#6a4636",
            primary="#a8431f", primary_text="#ffffff", secondary="#f1dccb", accent="#3f6b4c",
            border="#e6cfbd", success="#3f6b4c", danger="#a12622",
        ),
    )
}
# fmt: on
DEFAULT_PRESET = "frosted"

# (foreground, background, minimum ratio). 4.5:1 is WCAG AA for normal text; accent is used for
# non-text marks (stars, focus rings), which need 3:1.
CONTRAST_RULES: tuple[tuple[str, str, float], ...] = (
    ("text", "background", 4.5),
    ("text", "surface", 4.5),
    ("text", "secondary", 4.5),
    ("primary_text", "primary", 4.5),
    ("muted", "background", 4.5),
    ("muted", "surface", 4.5),
    ("muted", "secondary", 4.5),
    ("primary", "background", 4.5),
    ("primary", "surface", 4.5),
    ("success", "surface", 4.5),
    ("danger", "surface", 4.5),
    ("accent", "surface", 3.0),
)


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(color: str) -> float:
    """WCAG 2.x relative luminance of a #rrggbb colour."""
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@dataclass(frozen=True)
class ContrastProblem:
    foreground: str
    background: str
    ratio: float
    minimum: float


def contrast_problems(colors: Mapping[str, str]) -> list[ContrastProblem]:
    problems = []
    for foreground, background, minimum in CONTRAST_RULES:
        ratio = contrast_ratio(colors[foreground], colors[background])
        if ratio < minimum:
            problems.append(ContrastProblem(foreground, background, round(ratio, 2), minimum))
    return problems


def preset_get(key: str) -> ThemePreset | None:
    return PRESETS.get(key)


def preset_choices() -> list[tuple[str, str]]:
    return [(preset.key, str(preset.label)) for preset in PRESETS.values()]


TOKEN_KEYS: tuple[str, ...] = (
    *COLOR_TOKENS,
    "heading_font",
    "body_font",
    "radius",
    "card_style",
    "button_style",
)


def theme_tokens_merge(preset: ThemePreset, overrides: Mapping[str, Any]) -> ThemeTokens:
    """The preset's tokens with `overrides` applied; `overrides` must already be clean."""
    base = preset.tokens
    colors = {name: str(overrides.get(name, base.colors[name])).lower() for name in COLOR_TOKENS}
    return replace(
        base,
        colors=colors,
        heading_font=str(overrides.get("heading_font", base.heading_font)),
        body_font=str(overrides.get("body_font", base.body_font)),
        radius=int(overrides.get("radius", base.radius)),
        card_style=str(overrides.get("card_style", base.card_style)),
        button_style=str(overrides.get("button_style", base.button_style)),
    )


def theme_tokens_css(tokens: ThemeTokens) -> str:
    """The `:root` custom properties of `tokens`. Every value was checked against a strict form
    (hex colours, known fonts and styles, a bounded integer), so nothing here can end the rule."""
    colors = tokens.colors
    lines = [f"--sf-{CSS_NAMES.get(name, name.replace('_', '-'))}:{colors[name]};" for name in COLOR_TOKENS]
    # The names the storefront's other stylesheets use for buttons and links (the primary pair),
    # the page colour and warnings.
    lines += [
        f"--sf-accent:{colors['primary']};",
        f"--sf-on-accent:{colors['primary_text']};",
        f"--sf-bg:{colors['background']};",
        f"--sf-fg:{colors['text']};",
        f"--sf-warning:{colors['accent']};",
    ]
    lines += [
        f"--sf-font-heading:{tokens.heading.stack};",
        f"--sf-font-body:{tokens.body.stack};",
        f"--sf-radius:{tokens.radius}px;",
        f"color-scheme:{tokens.scheme};",
    ]
    return ":root{" + "".join(lines) + "}"


def _token_error(path: str, code: ThemeErrorCode, message: str, **params: Any) -> ThemeError:
    return ThemeError(message, code=code, field=path, params=params)


def theme_preset_clean(key: Any) -> tuple[ThemePreset | None, list[ThemeError]]:
    preset = PRESETS.get(key) if isinstance(key, str) else None
    if preset is None:
        return None, [
            _token_error(
                "preset",
                ThemeErrorCode.UNKNOWN_PRESET,
                _("“%(value)s” is not a theme preset; pick one of %(choices)s.")
                % {"value": str(key)[:40], "choices": ", ".join(PRESETS)},
                value=str(key)[:40],
            )
        ]
    return preset, []


def theme_tokens_clean(preset: ThemePreset, overrides: Any) -> tuple[dict[str, Any], list[ThemeError]]:
    """`overrides` checked one by one (known token, strict form) and then together: the merged
    colours must keep every `CONTRAST_RULES` ratio. Returns the clean overrides (only those
    that differ from the preset) and every problem."""
    if overrides in (None, ""):
        overrides = {}
    if not isinstance(overrides, Mapping):
        return {}, [
            _token_error("tokens", ThemeErrorCode.NOT_AN_OBJECT, _("The theme's tokens must be an object."))
        ]
    errors: list[ThemeError] = []
    clean: dict[str, Any] = {}
    for name, value in overrides.items():
        path = f"tokens.{name}"
        if name not in TOKEN_KEYS:
            errors.append(
                _token_error(
                    path,
                    ThemeErrorCode.UNKNOWN_TOKEN,
                    _("“%(value)s” is not a theme token.") % {"value": str(name)[:40]},
                    value=str(name)[:40],
                )
            )
        elif name in COLOR_TOKENS:
            if not isinstance(value, str) or not HEX_COLOR_RE.match(value):
                errors.append(
                    _token_error(
                        path,
                        ThemeErrorCode.INVALID_COLOR,
                        _("%(token)s must be a colour written #rrggbb.") % {"token": name},
                        value=str(value)[:20],
                    )
                )
            else:
                clean[name] = value.lower()
        elif name in ("heading_font", "body_font"):
            if value not in FONTS:
                errors.append(
                    _token_error(
                        path,
                        ThemeErrorCode.UNKNOWN_FONT,
                        _("%(token)s must be one of the served fonts: %(choices)s.")
                        % {"token": name, "choices": ", ".join(FONTS)},
                        value=str(value)[:40],
                    )
                )
            else:
                clean[name] = value
        elif name == "radius":
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= RADIUS_MAX:
                errors.append(
                    _token_error(
                        path,
                        ThemeErrorCode.OUT_OF_RANGE,
                        _("The corner radius must be a whole number from 0 to %(maximum)d.")
                        % {"maximum": RADIUS_MAX},
                        maximum=RADIUS_MAX,
                    )
                )
            else:
                clean[name] = value
        else:
            choices = CardStyle.values if name == "card_style" else ButtonStyle.values
            if value not in choices:
                errors.append(
                    _token_error(
                        path,
                        ThemeErrorCode.INVALID_CHOICE,
                        _("%(token)s must be one of %(choices)s.")
                        % {"token": name, "choices": ", ".join(choices)},
                        choices=list(choices),
                    )
                )
            else:
                clean[name] = value
    if not errors:
        merged = theme_tokens_merge(preset, clean)
        for problem in contrast_problems(merged.colors):
            # Named after the colour the merchant changed, so the editor marks that field.
            changed = (
                problem.background
                if problem.background in clean and problem.foreground not in clean
                else problem.foreground
            )
            errors.append(
                _token_error(
                    f"tokens.{changed}",
                    ThemeErrorCode.LOW_CONTRAST,
                    _(
                        "%(foreground)s on %(background)s has a contrast of %(ratio).2f:1; "
                        "at least %(minimum).1f:1 is needed to stay readable."
                    )
                    % {
                        "foreground": problem.foreground,
                        "background": problem.background,
                        "ratio": problem.ratio,
                        "minimum": problem.minimum,
                    },
                    foreground=problem.foreground,
                    background=problem.background,
                    ratio=problem.ratio,
                    minimum=problem.minimum,
                )
            )
    defaults = preset.tokens.as_overrides()
    return {name: value for name, value in clean.items() if defaults.get(name) != value}, errors
