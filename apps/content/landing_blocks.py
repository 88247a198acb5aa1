"""A landing page's body in Wagtail's editor: a StreamField whose block types are made from the
storefront's home-page block schemas (`apps.stores.blocks`), setting by setting, so a campaign
page is edited with forms (labels, choices, lists of entries, a rich text editor) instead of
raw JSON, is held to the same rules as the theme editor's blocks, and renders with the home
page's templates.

Each block type is a `SchemaBlock` (a StructBlock): Wagtail checks what its fields can (required,
lengths, number ranges), then `clean` runs the schema itself and shows each refusal next to its
setting (an entry's setting inside its list entry). `stream_blocks` turns a page's body back
into the stored block form the storefront renders (`{"id", "type", "data"}`); a page's other
languages are Wagtail translations of the page, so a block carries no `translations`.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.list_block import ListBlockValidationError
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.images.blocks import ImageChooserBlock
from wagtail.rich_text import RichText, expand_db_html

from apps.content.blocks import RICH_TEXT_FEATURES
from apps.core.tenancy import current_schema
from apps.stores.blocks import (
    BLOCK_TYPES,
    FIELD_HELP,
    URL_MAX_LENGTH,
    BlockData,
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
from apps.stores.blocks.specs import record_clean
from apps.stores.errors import ThemeError

# The size a block's picture is served at: wide enough for a full-width banner on a large
# screen, never enlarged, in WebP.
BANNER_RENDITION = "max-2400x2400|format-webp"

ICONS = {
    "hero_banner": "image",
    "featured_products": "tag",
    "categories_grid": "folder-open-inverse",
    "product_carousel": "tag",
    "testimonials": "openquote",
    "countdown_timer": "time",
    "video_banner": "media",
    "trust_badges": "success",
    "reviews": "pick",
    "newsletter": "mail",
    "custom_text": "doc-full",
    "image_banner": "image",
    "spacer": "arrows-up-down",
}


def collection_choices() -> list[tuple[str, str]]:
    """The store's collections as (handle, title), for the collection settings. Nothing in the
    platform's schema, which has no catalog (a landing page exists only in a store's)."""
    if current_schema() in (settings.PUBLIC_SCHEMA_NAME, ""):
        return []
    from apps.catalog.selectors import collection_choices as choices

    return choices()


# ------------------------------------------------------------------------------
# Wagtail blocks from the schemas
# ------------------------------------------------------------------------------
def _child_block(name: str, rule: Spec) -> blocks.Block:
    """The Wagtail block of one setting. Its own checks are the obvious ones; the schema's run
    in `SchemaBlock.clean`."""
    label, help_text = field_label(name), FIELD_HELP.get(name)
    if isinstance(rule, Text):
        text_block = blocks.TextBlock if rule.multiline or rule.max_length >= 300 else blocks.CharBlock
        return text_block(
            label=label, help_text=help_text, required=rule.required, max_length=rule.max_length
        )
    if isinstance(rule, Html):
        return blocks.RichTextBlock(
            label=label, required=False, features=RICH_TEXT_FEATURES, max_length=rule.max_length
        )
    if isinstance(rule, Url):
        return blocks.CharBlock(
            label=label,
            help_text=help_text
            or _("An address starting with https://, a path starting with “/” or an anchor “#…”."),
            # a picture may come from the library instead: the schema says when one is missing
            required=rule.required and not rule.picture,
            max_length=URL_MAX_LENGTH,
        )
    if isinstance(rule, Integer):
        return blocks.IntegerBlock(
            label=label, required=False, default=rule.default, min_value=rule.minimum, max_value=rule.maximum
        )
    if isinstance(rule, Choice):
        return blocks.ChoiceBlock(
            label=label,
            choices=[(value, choice_label(value)) for value in rule.choices],
            default=rule.default,
            required=False,
        )
    if isinstance(rule, Boolean):
        return blocks.BooleanBlock(label=label, required=False, default=rule.default)
    if isinstance(rule, DateTime):
        return blocks.DateTimeBlock(label=label, required=rule.required)
    if isinstance(rule, Handle):
        return blocks.ChoiceBlock(
            label=_("Collection"),
            help_text=_("Empty: the newest products."),
            choices=collection_choices,
            required=False,
        )
    if isinstance(rule, Items):
        item = blocks.StructBlock(
            [(f.name, _child_block(f.name, f.metadata["spec"])) for f in fields(rule.item)]
        )
        return blocks.ListBlock(item, label=label, min_num=rule.min_items or None, max_num=rule.max_items)
    raise TypeError(f"no Wagtail block for {type(rule).__name__}")


class SchemaBlock(blocks.StructBlock):
    """One block type of the storefront's home page. `schema` is set on the made subclass."""

    schema: type[BlockData]

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        errors: list[ThemeError] = []
        record_clean(self.schema, struct_data(self.schema, value), "data", errors)
        if errors:
            raise _validation_error(errors)
        return value


def _schema_block(key: str) -> SchemaBlock:
    kind = BLOCK_TYPES[key]
    made = type(
        f"{kind.schema.__name__}Block",
        (SchemaBlock,),
        {"__module__": __name__, "schema": kind.schema},
    )
    children = []
    for f in fields(kind.schema):
        rule = f.metadata["spec"]
        children.append((f.name, _child_block(f.name, rule)))
        if isinstance(rule, Url) and rule.picture:
            children.append(
                (
                    chosen_name(f.name),
                    ImageChooserBlock(required=False, label=_("…or choose a picture from the library")),
                )
            )
    return made(children, label=kind.label, icon=ICONS.get(key, "placeholder"))  # type: ignore[no-any-return]


class LandingBlock(blocks.StreamBlock):
    """The thirteen home-page block types, in the order the theme editor offers them."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__([(key, _schema_block(key)) for key in BLOCK_TYPES], **kwargs)


# ------------------------------------------------------------------------------
# refusals next to their settings
# ------------------------------------------------------------------------------
def _validation_error(errors: list[ThemeError]) -> StructBlockValidationError:
    """The schema's refusals (paths "data.heading", "data.items", "data.items[1].quote") as
    Wagtail shows them: next to the setting, or the entry's setting inside its list."""
    by_field: dict[str, list[ThemeError]] = {}
    for error in errors:
        path = (error.field or "").removeprefix("data.")
        name = path.split("[", 1)[0].split(".", 1)[0]
        by_field.setdefault(name, []).append(error)
    block_errors: dict[str, ValidationError] = {}
    non_block: list[ValidationError] = []
    for name, found in by_field.items():
        if not name:
            non_block.extend(ValidationError(error.message) for error in found)
            continue
        entries: dict[int, dict[str, ValidationError]] = {}
        own: list[ValidationError] = []
        for error in found:
            rest = (error.field or "").removeprefix(f"data.{name}")
            if rest.startswith("[") and "]." in rest:
                index, _dot, sub = rest[1:].partition("].")
                entries.setdefault(int(index), {})[sub] = ValidationError(theme_error_text(error))
            else:
                own.append(ValidationError(theme_error_text(error)))
        if entries:
            block_errors[name] = ListBlockValidationError(
                block_errors={index: StructBlockValidationError(subs) for index, subs in entries.items()},
                non_block_errors=own,
            )
        else:
            block_errors[name] = own[0] if len(own) == 1 else ValidationError(own)
    return StructBlockValidationError(block_errors=block_errors, non_block_errors=non_block)


# ------------------------------------------------------------------------------
# the stored form the storefront renders
# ------------------------------------------------------------------------------
def chosen_name(name: str) -> str:
    """The library picture chooser beside the picture address setting `name`."""
    return f"{name}_chosen"


def struct_data(schema: type[BlockData], value: Any) -> dict[str, Any]:
    """A block's value from the editor as the schema's raw data (what `record_clean` checks). A
    picture chosen from the library stands for its address, as its banner-sized rendition."""
    data = {}
    for f in fields(schema):
        rule = f.metadata["spec"]
        chosen = value.get(chosen_name(f.name)) if isinstance(rule, Url) and rule.picture else None
        if chosen is not None:
            data[f.name] = chosen.get_rendition(BANNER_RENDITION).url
        else:
            data[f.name] = _setting_data(rule, value.get(f.name))
    return data


def _setting_data(rule: Spec, value: Any) -> Any:
    if isinstance(rule, Items):
        return [struct_data(rule.item, entry) for entry in value or ()]
    if isinstance(rule, Html):
        # Wagtail's stored rich text names pages and documents by id; the page gets their URLs.
        return expand_db_html(value.source) if isinstance(value, RichText) else value or ""
    if isinstance(rule, DateTime):
        return value.isoformat() if value is not None else None
    if isinstance(rule, Integer):
        return value if value is not None else rule.default
    if isinstance(rule, Boolean):
        return bool(value)
    return value or ""


def stream_blocks(body: Any) -> list[dict[str, Any]]:
    """A landing page's body as the storefront's stored blocks (`apps.stores.blocks`), in
    order, each under its stream id (Wagtail's UUIDs are valid block ids)."""
    stored = []
    for child in body:
        block = child.block
        if not isinstance(block, SchemaBlock):
            continue
        stored.append(
            {"id": child.id, "type": child.block_type, "data": struct_data(block.schema, child.value)}
        )
    return stored


def blocks_stream(stored: list[Any]) -> list[dict[str, Any]]:
    """The reverse of `stream_blocks` on raw JSON: stored blocks (`{"id", "type", "data"}`) as
    a StreamField's raw data, for a page written from code or migrated from the JSON field.
    A block of an unknown type is left out; values are kept as they are for the schema to judge
    when the page renders."""
    raw = []
    for block in stored:
        if not isinstance(block, dict) or block.get("type") not in BLOCK_TYPES:
            continue
        kind = BLOCK_TYPES[block["type"]]
        data = block.get("data")
        if not isinstance(data, dict):
            data = {}
        value = {f.name: _setting_raw(f.metadata["spec"], data.get(f.name)) for f in fields(kind.schema)}
        for f in fields(kind.schema):
            if isinstance(f.metadata["spec"], Url) and f.metadata["spec"].picture:
                value[chosen_name(f.name)] = None  # an address, not a library picture
        entry: dict[str, Any] = {"type": kind.key, "value": value}
        if isinstance(block.get("id"), str) and block["id"]:
            entry["id"] = block["id"]
        raw.append(entry)
    return raw


def _setting_raw(rule: Spec, value: Any) -> Any:
    if isinstance(rule, Items):
        # Wagtail reads a list of plain values as a ListBlock's (it gives the entries ids).
        entries = value if isinstance(value, list) else []
        return [
            {
                f.name: _setting_raw(
                    f.metadata["spec"], entry.get(f.name) if isinstance(entry, dict) else None
                )
                for f in fields(rule.item)
            }
            for entry in entries
        ]
    if value is None:
        return None if isinstance(rule, DateTime) else rule.default
    return value
