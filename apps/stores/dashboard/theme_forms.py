"""Forms of the theme editor: the preset, the tokens, and one block's settings generated from its
schema (`apps.stores.blocks`). The forms are lenient on purpose: every rule lives in the theme
services, and a refused value comes back as a `ThemeError` whose path (`tokens.primary`,
`block.data.items[1].quote`) names the field its message is shown next to (`theme_error_place`).
"""

from __future__ import annotations

import datetime
import re
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import fields
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.stores.blocks import (
    FIELD_HELP,
    BlockData,
    BlockType,
    Boolean,
    Choice,
    DateTime,
    Handle,
    Html,
    Integer,
    Items,
    Spec,
    Text,
    Url,
    choice_label,
    field_label,
    theme_error_text,
)
from apps.stores.errors import ThemeError
from apps.stores.themes import (
    COLOR_TOKENS,
    CSS_NAMES,
    FONTS,
    HEX_COLOR_RE,
    PRESETS,
    RADIUS_MAX,
    ButtonStyle,
    CardStyle,
    ThemeTokens,
)

_ITEM_PATH = re.compile(r"^(?P<name>\w+)\[(?P<index>\d+)\]\.(?P<sub>\w+)$")


def theme_error_place(form: forms.Form, error: ThemeError, *, prefix: str) -> None:
    """Show `error` next to its field of `form` (the part of its path after `prefix`), or at
    the top of the form when no field matches."""
    path = error.field or ""
    name = path[len(prefix) :] if path.startswith(prefix) else ""
    if isinstance(form, BlockSettingsForm) and path.startswith("block.translations."):
        language, _dot, setting = path[len("block.translations.") :].partition(".")
        name = form.translation_field_name(language, setting)
    item = _ITEM_PATH.match(name)
    if item is not None and isinstance(form, BlockSettingsForm):
        name = form.error_item_field(item["name"], int(item["index"]), item["sub"])
    if name in form.fields and not form.fields[name].disabled:
        form.add_error(name, theme_error_text(error))
    elif name in getattr(form, "item_lists", {}):
        form.add_error(None, f"{form.item_lists[name]['label']}: {theme_error_text(error)}")  # type: ignore[attr-defined]
    else:
        form.add_error(None, error.message)


# ------------------------------------------------------------------------------
# preset and tokens
# ------------------------------------------------------------------------------
class PresetForm(forms.Form):
    preset = forms.ChoiceField(
        label=gettext_lazy("Preset"),
        choices=(),
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": gettext_lazy("“%(value)s” is not one of the eleven presets.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["preset"].choices = [(preset.key, str(preset.label)) for preset in PRESETS.values()]  # type: ignore[attr-defined]


class ColorWidget(forms.MultiWidget):
    """A colour as text (#rrggbb) beside the browser's colour picker. Without script the two are
    not kept in step, so the value submitted is the one the merchant changed: the text when it
    differs from the colour shown, else the picker's (`shown` carries the colour shown)."""

    template_name = "stores/dashboard/theme_color_widget.html"

    def __init__(self, css_vars: str = "") -> None:
        widgets: dict[str, forms.Widget | type[forms.Widget]] = {
            "": forms.TextInput(
                attrs={
                    "size": 8,
                    "maxlength": 7,
                    "spellcheck": "false",
                    "autocomplete": "off",
                    "class": "color-text",
                }
            ),
            "picker": forms.TextInput(
                attrs={"type": "color", "class": "color-picker", "data-css-vars": css_vars}
            ),
            "shown": forms.HiddenInput(),
        }
        super().__init__(widgets)

    def decompress(self, value: Any) -> list[Any]:
        text = str(value or "")
        return [text, text if HEX_COLOR_RE.match(text) else "#000000", text]

    def value_from_datadict(self, data: Any, files: Any, name: str) -> str:  # type: ignore[override]
        text, picker, shown = (
            str(part or "").strip() for part in super().value_from_datadict(data, files, name)
        )
        if text != shown or not picker:
            return text
        return picker if picker != shown else text

    def get_context(self, name: str, value: Any, attrs: Any) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        subwidgets = context["widget"]["subwidgets"]
        # The picker is labelled by the token's label too (the text input carries the id).
        subwidgets[1]["attrs"]["aria-label"] = _("%(token)s: colour picker") % {
            "token": self.attrs.get("data-label", name)
        }
        return context


def _css_vars(token: str) -> str:
    """The CSS custom properties `apps.stores.themes.theme_tokens_css` writes for `token`, for the
    editor's script to restyle the preview while the merchant picks."""
    names = [f"--sf-{CSS_NAMES.get(token, token.replace('_', '-'))}"]
    aliases = {
        "primary": "--sf-accent",
        "primary_text": "--sf-on-accent",
        "background": "--sf-bg",
        "text": "--sf-fg",
        "accent": "--sf-warning",
    }
    if token in aliases:
        names.append(aliases[token])
    return " ".join(names)


COLOR_LABELS: dict[str, Any] = {
    "background": gettext_lazy("Page background"),
    "surface": gettext_lazy("Cards, header and forms"),
    "text": gettext_lazy("Text"),
    "muted": gettext_lazy("Secondary text"),
    "primary": gettext_lazy("Buttons and links"),
    "primary_text": gettext_lazy("Text on buttons"),
    "secondary": gettext_lazy("Soft sections and secondary buttons"),
    "accent": gettext_lazy("Accent (stars, badges, focus ring)"),
    "border": gettext_lazy("Borders"),
    "success": gettext_lazy("Success"),
    "danger": gettext_lazy("Errors and warnings"),
}


class TokensForm(forms.Form):
    """The eleven colours, the font pair, the corner radius, the card and the button style."""

    heading_font = forms.ChoiceField(label=gettext_lazy("Heading font"), choices=())
    body_font = forms.ChoiceField(label=gettext_lazy("Body font"), choices=())
    radius = forms.IntegerField(
        label=gettext_lazy("Corner radius (px)"),
        min_value=0,
        max_value=RADIUS_MAX,
        widget=forms.NumberInput(attrs={"data-css-vars": "--sf-radius", "data-unit": "px"}),
    )
    card_style = forms.ChoiceField(label=gettext_lazy("Cards"), choices=CardStyle.choices)
    button_style = forms.ChoiceField(label=gettext_lazy("Buttons"), choices=ButtonStyle.choices)

    def __init__(self, *args: Any, tokens: ThemeTokens, read_only: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("initial", tokens.as_overrides())
        super().__init__(*args, **kwargs)
        font_choices = [(font.key, font.name) for font in FONTS.values()]
        colors = {}
        for token in COLOR_TOKENS:
            widget = ColorWidget(css_vars=_css_vars(token))
            widget.attrs["data-label"] = str(COLOR_LABELS[token])
            colors[token] = forms.CharField(label=COLOR_LABELS[token], required=True, widget=widget)
        self.fields = {**colors, **self.fields}
        unknown_font = gettext_lazy("“%(value)s” is not one of the fonts the store serves.")
        for name in ("heading_font", "body_font"):
            field = self.fields[name]
            field.choices = font_choices  # type: ignore[attr-defined]
            field.error_messages["invalid_choice"] = unknown_font
        for field in self.fields.values():
            field.disabled = read_only

    @property
    def color_fields(self) -> list[forms.BoundField]:
        return [self[token] for token in COLOR_TOKENS]

    @property
    def other_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("heading_font", "body_font", "radius", "card_style", "button_style")]

    def to_tokens(self) -> dict[str, Any]:
        """The submitted tokens (the service drops those equal to the preset's)."""
        return {name: self.cleaned_data[name] for name in self.fields}


# ------------------------------------------------------------------------------
# one block's settings, generated from its schema
# ------------------------------------------------------------------------------
IMAGE_ACCEPT = "image/jpeg,image/png,image/webp,image/gif"
EXTRA_ITEM_ROWS = 1  # empty rows offered under a list's entries (one more after each save)
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def _form_field(name: str, rule: Spec) -> forms.Field:
    """A lenient form field for one spec: the schema's own check runs in the service."""
    label, help_text = field_label(name), FIELD_HELP.get(name, "")
    if isinstance(rule, Text):
        widget: forms.Widget = (
            forms.Textarea(attrs={"rows": 3})
            if rule.multiline or rule.max_length >= 300
            else forms.TextInput()
        )
        widget.attrs["maxlength"] = str(rule.max_length)
        return forms.CharField(label=label, help_text=help_text, required=False, strip=False, widget=widget)
    if isinstance(rule, Html):
        return forms.CharField(
            label=label, help_text=help_text, required=False, widget=forms.Textarea(attrs={"rows": 6})
        )
    if isinstance(rule, Url):
        return forms.CharField(
            label=label,
            help_text=help_text,
            required=False,
            widget=forms.TextInput(attrs={"inputmode": "url", "spellcheck": "false"}),
        )
    if isinstance(rule, Integer):
        return forms.IntegerField(
            label=label,
            help_text=help_text,
            required=False,
            min_value=None,
            max_value=None,
            widget=forms.NumberInput(attrs={"min": rule.minimum, "max": rule.maximum}),
        )
    if isinstance(rule, Choice):
        return forms.CharField(
            label=label,
            required=False,
            widget=forms.Select(choices=[(value, choice_label(value)) for value in rule.choices]),
        )
    if isinstance(rule, Boolean):
        return forms.BooleanField(label=label, help_text=help_text, required=False)
    if isinstance(rule, DateTime):
        return forms.CharField(
            label=label,
            help_text=help_text,
            required=False,
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        )
    if isinstance(rule, Handle):
        return forms.CharField(label=label, help_text=help_text, required=False)
    raise TypeError(f"no form field for {type(rule).__name__}")


def _initial(rule: Spec, value: Any, store_timezone: zoneinfo.ZoneInfo) -> Any:
    if isinstance(rule, DateTime):
        return (
            value.astimezone(store_timezone).strftime(DATETIME_LOCAL)
            if isinstance(value, datetime.datetime)
            else ""
        )
    return value


def _datetime_input(value: str, store_timezone: zoneinfo.ZoneInfo) -> str:
    """A datetime-local value ("2026-12-24T18:00") read in the store's time zone, written with its
    offset as the schema wants; anything else is passed on for the schema to refuse."""
    value = value.strip()
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=store_timezone)
    return moment.isoformat()


class BlockSettingsForm(forms.Form):
    """The settings of one block type, one field per schema field; a list field (testimonials,
    badges, reviews) is a row of fields per entry (`items-0-quote`), with a remove box on each
    and EXTRA_ITEM_ROWS empty rows to add one.

    The store's other languages get a field for each plain or rich text setting
    (`tr-de-heading`), stored as the block's `translations`; left empty, shoppers reading that
    language see the default text. Translations of a list's entries are kept as they are (the
    form does not edit them)."""

    def __init__(
        self,
        data: Any = None,
        files: Any = None,
        *,
        kind: BlockType,
        block_data: BlockData | None,
        store_timezone: str,
        translations: Mapping[str, Mapping[str, Any]] | None = None,
        languages: Sequence[tuple[str, str]] = (),
        read_only: bool = False,
    ) -> None:
        super().__init__(data, files)
        self.kind = kind
        self.tz = _zone(store_timezone)
        self.item_lists: dict[str, dict[str, Any]] = {}
        self.stored_translations = {lang: dict(values) for lang, values in (translations or {}).items()}
        self.languages: list[dict[str, Any]] = []
        initial: dict[str, Any] = {}
        for f in fields(kind.schema):
            rule: Spec = f.metadata["spec"]
            value = getattr(block_data, f.name) if block_data is not None else rule.default
            if isinstance(rule, Items):
                self._add_items(f.name, rule, value or (), data)
                continue
            self.fields[f.name] = _form_field(f.name, rule)
            initial[f.name] = _initial(rule, value, self.tz)
            if isinstance(rule, Url) and rule.picture:  # an upload beside a picture's address
                self.fields[self.upload_field_name(f.name)] = forms.FileField(
                    label=_("…or upload a picture"),
                    help_text=_(
                        "JPEG, PNG, WebP or GIF. It goes into the store's image library and replaces the address above."
                    ),
                    required=False,
                    widget=forms.ClearableFileInput(attrs={"accept": IMAGE_ACCEPT}),
                )
        for code, name in languages:
            names = []
            for f in fields(kind.schema):
                if isinstance(f.metadata["spec"], Text | Html):
                    field_name = self.translation_field_name(code, f.name)
                    self.fields[field_name] = _form_field(f.name, f.metadata["spec"])
                    self.fields[field_name].help_text = ""
                    initial[field_name] = self.stored_translations.get(code, {}).get(f.name, "")
                    names.append(field_name)
            if names:
                self.languages.append({"code": code, "name": name, "fields": names})
        self.initial = {**initial, **self.initial}
        for field in self.fields.values():
            field.disabled = read_only

    @staticmethod
    def translation_field_name(language: str, name: str) -> str:
        return f"tr-{language}-{name}"

    @staticmethod
    def upload_field_name(name: str) -> str:
        return f"{name}-upload"

    def uploads(self) -> dict[str, Any]:
        """The pictures chosen for image settings, by setting (after `is_valid`)."""
        return {
            f.name: upload
            for f in fields(self.kind.schema)
            if (upload := self.cleaned_data.get(self.upload_field_name(f.name))) is not None
        }

    @property
    def translation_groups(self) -> list[dict[str, Any]]:
        return [
            {"code": entry["code"], "name": entry["name"], "fields": [self[name] for name in entry["fields"]]}
            for entry in self.languages
        ]

    def to_translations(self) -> dict[str, dict[str, Any]]:
        """The block's `translations`: what was typed per language, with the stored
        translations of the settings this form does not show (list entries) kept."""
        out: dict[str, dict[str, Any]] = {}
        shown = {entry["code"]: entry["fields"] for entry in self.languages}
        for code, values in self.stored_translations.items():
            kept = {
                name: value
                for name, value in values.items()
                if self.translation_field_name(code, name) not in self.fields
            }
            if kept:
                out[code] = kept
        for code, names in shown.items():
            for field_name in names:
                value = (self.cleaned_data.get(field_name) or "").strip()
                if value:
                    out.setdefault(code, {})[field_name.split("-", 2)[2]] = value
        return out

    def _add_items(self, name: str, rule: Items, existing: tuple[BlockData, ...], data: Any) -> None:
        submitted = _submitted_rows(data, name) if data is not None else 0
        # As many rows as the page that was submitted had; else the entries and room for more.
        rows = min(rule.max_items, submitted or max(len(existing) + EXTRA_ITEM_ROWS, rule.min_items))
        row_fields: list[list[str]] = []
        for index in range(rows):
            names = []
            for f in fields(rule.item):
                sub_rule: Spec = f.metadata["spec"]
                field_name = self.item_field_name(name, index, f.name)
                self.fields[field_name] = _form_field(f.name, sub_rule)
                if index < len(existing):
                    self.initial[field_name] = _initial(sub_rule, getattr(existing[index], f.name), self.tz)
                names.append(field_name)
            remove = f"{name}-{index}-remove"
            self.fields[remove] = forms.BooleanField(label=_("Remove this entry"), required=False)
            row_fields.append(names)
        self.fields[f"{name}-rows"] = forms.IntegerField(
            widget=forms.HiddenInput, required=False, initial=rows
        )
        self.item_lists[name] = {"label": field_label(name), "rule": rule, "rows": row_fields, "kept": []}

    @staticmethod
    def item_field_name(name: str, index: int, sub: str) -> str:
        """The form field of entry `index`'s `sub` as submitted; the service numbers only the
        entries kept, so its index is mapped back through `kept` once `to_data` ran."""
        return f"{name}-{index}-{sub}"

    def error_item_field(self, name: str, index: int, sub: str) -> str:
        kept = self.item_lists.get(name, {}).get("kept", [])
        row = kept[index] if index < len(kept) else index
        return self.item_field_name(name, row, sub)

    @property
    def groups(self) -> list[dict[str, Any]]:
        """The fields in schema order, each list field as a group of rows, for the template."""
        out: list[dict[str, Any]] = []
        for f in fields(self.kind.schema):
            if f.name in self.item_lists:
                entry = self.item_lists[f.name]
                rows = [
                    {
                        "number": index + 1,
                        "fields": [self[name] for name in names],
                        "remove": self[f"{f.name}-{index}-remove"],
                    }
                    for index, names in enumerate(entry["rows"])
                ]
                out.append({"label": entry["label"], "rows": rows, "hidden": self[f"{f.name}-rows"]})
            else:
                out.append({"field": self[f.name]})
                if self.upload_field_name(f.name) in self.fields:
                    out.append({"field": self[self.upload_field_name(f.name)]})
        return out

    def to_data(self) -> dict[str, Any]:
        """The block's data in its stored JSON shape, for the schema to check."""
        data: dict[str, Any] = {}
        for f in fields(self.kind.schema):
            rule: Spec = f.metadata["spec"]
            if isinstance(rule, Items):
                data[f.name] = self._items_data(f.name, rule)
            else:
                data[f.name] = self._value(rule, self.cleaned_data.get(f.name))
        return data

    def _items_data(self, name: str, rule: Items) -> list[dict[str, Any]]:
        entries, kept = [], []
        for index, names in enumerate(self.item_lists[name]["rows"]):
            if self.cleaned_data.get(f"{name}-{index}-remove"):
                continue
            entry = {}
            for f, field_name in zip(fields(rule.item), names, strict=True):
                entry[f.name] = self._value(f.metadata["spec"], self.cleaned_data.get(field_name))
            if not any(
                value not in ("", None) for key, value in entry.items() if not _has_default(rule.item, key)
            ):
                continue  # an empty row (a choice or a number keeps its default)
            entries.append(entry)
            kept.append(index)
        self.item_lists[name]["kept"] = kept
        return entries

    def _value(self, rule: Spec, value: Any) -> Any:
        if isinstance(rule, DateTime):
            return _datetime_input(value or "", self.tz) if value else ""
        if isinstance(rule, Integer | Boolean):
            return value
        if isinstance(rule, Choice):
            return value or ""
        return "" if value is None else value


def _has_default(schema: type[BlockData], name: str) -> bool:
    """A field whose empty value still means something (a choice, a number): ignored when
    deciding whether an entry row was left empty."""
    rule = next(f.metadata["spec"] for f in fields(schema) if f.name == name)
    return isinstance(rule, Choice | Integer | Boolean)


def _submitted_rows(data: Any, name: str) -> int:
    try:
        return max(0, min(int(data.get(f"{name}-rows") or 0), 100))
    except (TypeError, ValueError):
        return 0


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")
