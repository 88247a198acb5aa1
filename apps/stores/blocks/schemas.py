"""The thirteen block types as frozen dataclasses, and parsing a stored block list into them.
See the package docstring for the stored form and the rules."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.stores.blocks.specs import (
    BLOCK_ID_RE,
    MAX_BLOCKS,
    VIDEO_EXTENSIONS,
    BlockData,
    Boolean,
    Choice,
    DateTime,
    Handle,
    Html,
    Integer,
    Items,
    Text,
    Url,
    record_clean,
    spec,
    spec_error,
)
from apps.stores.errors import ThemeError, ThemeErrorCode, ThemeInvalid

# ------------------------------------------------------------------------------
# the block types
# ------------------------------------------------------------------------------
ALIGN = ("left", "center")
SIZES = ("small", "medium", "large")


@dataclass(frozen=True)
class HeroBanner(BlockData):
    heading: str = spec(Text(120, required=True))
    subheading: str = spec(Text(300))
    button_label: str = spec(Text(40))
    button_url: str = spec(Url())
    image_url: str = spec(Url(picture=True))
    image_alt: str = spec(Text(200))
    align: str = spec(Choice(ALIGN, default="center"))


@dataclass(frozen=True)
class FeaturedProducts(BlockData):
    """Products of a collection, or the newest active products when no collection is named."""

    heading: str = spec(Text(120))
    collection: str = spec(Handle())
    limit: int = spec(Integer(1, 24, default=8))


@dataclass(frozen=True)
class CategoriesGrid(BlockData):
    """The top-level categories."""

    heading: str = spec(Text(120))
    limit: int = spec(Integer(1, 24, default=8))


@dataclass(frozen=True)
class ProductCarousel(BlockData):
    heading: str = spec(Text(120))
    collection: str = spec(Handle())
    limit: int = spec(Integer(2, 24, default=12))


@dataclass(frozen=True)
class Testimonial(BlockData):
    quote: str = spec(Text(500, required=True, multiline=True))
    author: str = spec(Text(80, required=True))
    role: str = spec(Text(80))


@dataclass(frozen=True)
class Testimonials(BlockData):
    heading: str = spec(Text(120))
    items: tuple[Testimonial, ...] = spec(Items(Testimonial, max_items=12, min_items=1))


@dataclass(frozen=True)
class CountdownTimer(BlockData):
    """Counts down to `ends_at`; without script the end date is shown, and once it has passed
    the `ended_text`."""

    heading: str = spec(Text(120, required=True))
    ends_at: datetime.datetime | None = spec(DateTime())  # noqa: RUF009 - spec() is a dataclasses.field
    text: str = spec(Text(300))
    ended_text: str = spec(Text(200))
    button_label: str = spec(Text(40))
    button_url: str = spec(Url())


@dataclass(frozen=True)
class VideoBanner(BlockData):
    """A self-hosted video file (no third-party players), shown with its poster until played."""

    video_url: str = spec(Url(required=True, extensions=VIDEO_EXTENSIONS))
    poster_url: str = spec(Url(required=True, picture=True))
    heading: str = spec(Text(120))
    caption: str = spec(Text(300))
    autoplay: bool = spec(Boolean())


TRUST_ICONS = ("shipping", "returns", "secure", "support", "quality", "eco")


@dataclass(frozen=True)
class TrustBadge(BlockData):
    icon: str = spec(Choice(TRUST_ICONS, default="quality"))
    title: str = spec(Text(60, required=True))
    text: str = spec(Text(160))


@dataclass(frozen=True)
class TrustBadges(BlockData):
    heading: str = spec(Text(120))
    items: tuple[TrustBadge, ...] = spec(Items(TrustBadge, max_items=6, min_items=1))


@dataclass(frozen=True)
class ReviewQuote(BlockData):
    author: str = spec(Text(80, required=True))
    rating: int = spec(Integer(1, 5, default=5))
    text: str = spec(Text(500, required=True, multiline=True))
    product: str = spec(Text(120))


@dataclass(frozen=True)
class Reviews(BlockData):
    """Reviews the merchant picked to show, with a star rating each."""

    heading: str = spec(Text(120))
    items: tuple[ReviewQuote, ...] = spec(Items(ReviewQuote, max_items=12, min_items=1))


@dataclass(frozen=True)
class Newsletter(BlockData):
    heading: str = spec(Text(120, required=True))
    text: str = spec(Text(300))
    button_label: str = spec(Text(40))


@dataclass(frozen=True)
class CustomText(BlockData):
    heading: str = spec(Text(120))
    html: str = spec(Html(20_000))
    align: str = spec(Choice(ALIGN, default="left"))


@dataclass(frozen=True)
class ImageBanner(BlockData):
    image_url: str = spec(Url(required=True, picture=True))
    alt: str = spec(Text(200))
    heading: str = spec(Text(120))
    text: str = spec(Text(300))
    link_url: str = spec(Url())
    height: str = spec(Choice(SIZES, default="medium"))


@dataclass(frozen=True)
class Spacer(BlockData):
    size: str = spec(Choice(SIZES, default="medium"))


@dataclass(frozen=True)
class BlockType:
    key: str
    label: str | Promise
    schema: type[BlockData]


BLOCK_TYPES: dict[str, BlockType] = {
    kind.key: kind
    for kind in (
        BlockType("hero_banner", gettext_lazy("Hero banner"), HeroBanner),
        BlockType("featured_products", gettext_lazy("Featured products"), FeaturedProducts),
        BlockType("categories_grid", gettext_lazy("Categories grid"), CategoriesGrid),
        BlockType("product_carousel", gettext_lazy("Product carousel"), ProductCarousel),
        BlockType("testimonials", gettext_lazy("Testimonials"), Testimonials),
        BlockType("countdown_timer", gettext_lazy("Countdown timer"), CountdownTimer),
        BlockType("video_banner", gettext_lazy("Video banner"), VideoBanner),
        BlockType("trust_badges", gettext_lazy("Trust badges"), TrustBadges),
        BlockType("reviews", gettext_lazy("Reviews"), Reviews),
        BlockType("newsletter", gettext_lazy("Newsletter sign-up"), Newsletter),
        BlockType("custom_text", gettext_lazy("Custom text"), CustomText),
        BlockType("image_banner", gettext_lazy("Image banner"), ImageBanner),
        BlockType("spacer", gettext_lazy("Spacer"), Spacer),
    )
}


# What a translation may change: words a shopper reads. Links, handles, numbers, choices and
# dates stay the block's own in every language.
TRANSLATABLE_SPECS = (Text, Html, Items)


def translatable_fields(schema: type[BlockData]) -> list[str]:
    return [f.name for f in fields(schema) if isinstance(f.metadata["spec"], TRANSLATABLE_SPECS)]


@dataclass(frozen=True)
class ThemeBlock:
    """A checked block. `data` is the text in the store's default language; `translations`
    maps a language code to the text settings that read differently in it (any subset of
    `translatable_fields`), already checked by the same rules as `data`."""

    id: str
    type: str
    data: BlockData
    translations: Mapping[str, Mapping[str, Any]] = field(default_factory=dict, hash=False)

    def to_json(self) -> dict[str, Any]:
        stored: dict[str, Any] = {"id": self.id, "type": self.type, "data": self.data.to_data()}
        if self.translations:
            specs = {f.name: f.metadata["spec"] for f in fields(self.data)}
            stored["translations"] = {
                language: {name: specs[name].dump(value) for name, value in values.items()}
                for language, values in sorted(self.translations.items())
            }
        return stored

    def data_for(self, language: str | None) -> BlockData:
        """The block as a shopper reading `language` sees it: its translated text where there
        is one (a regional code such as "de-at" falls back to "de"), the default elsewhere."""
        if not self.translations or not language:
            return self.data
        values = self.translations.get(language) or self.translations.get(language.split("-")[0])
        return replace(self.data, **values) if values else self.data

    @property
    def template(self) -> str:
        return f"storefront/home/{self.type}.html"


def block_id_new() -> str:
    return uuid.uuid4().hex[:8]


def block_parse(raw: Any, *, path: str = "block", id_factory: Callable[[], str] = block_id_new) -> ThemeBlock:
    """One stored or submitted block, checked; raises `ThemeInvalid` with every problem."""
    errors: list[ThemeError] = []
    if not isinstance(raw, Mapping):
        raise ThemeInvalid(
            [
                spec_error(
                    path, ThemeErrorCode.NOT_AN_OBJECT, _("%(field)s must be an object.") % {"field": path}
                )
            ]
        )
    for unknown in sorted(set(raw) - {"id", "type", "data", "translations"}, key=str)[:5]:
        errors.append(
            spec_error(
                f"{path}.{unknown}",
                ThemeErrorCode.UNKNOWN_FIELD,
                _("%(field)s is not part of a block (id, type, data, translations).")
                % {"field": f"{path}.{unknown}"},
            )
        )
    raw_type = raw.get("type")
    kind = BLOCK_TYPES.get(raw_type) if isinstance(raw_type, str) else None
    if kind is None:
        errors.append(
            spec_error(
                f"{path}.type",
                ThemeErrorCode.UNKNOWN_BLOCK_TYPE,
                _("%(field)s must be one of %(choices)s.")
                % {"field": f"{path}.type", "choices": ", ".join(BLOCK_TYPES)},
                value=str(raw.get("type"))[:40],
            )
        )
        raise ThemeInvalid(errors)
    block_id = raw.get("id") or id_factory()
    if not isinstance(block_id, str) or not BLOCK_ID_RE.match(block_id):
        errors.append(
            spec_error(
                f"{path}.id",
                ThemeErrorCode.INVALID_BLOCK_ID,
                _("%(field)s must be 1 to 40 lower-case letters, digits or “-”.") % {"field": f"{path}.id"},
            )
        )
        block_id = ""
    data = record_clean(kind.schema, raw.get("data", {}), f"{path}.data", errors)
    translations = _translations_clean(
        kind.schema, raw.get("translations", {}), f"{path}.translations", errors
    )
    if errors:
        raise ThemeInvalid(errors)
    return ThemeBlock(id=block_id, type=kind.key, data=data, translations=translations)


def _translations_clean(
    schema: type[BlockData], raw: Any, path: str, errors: list[ThemeError]
) -> dict[str, dict[str, Any]]:
    """`{"de": {"heading": "..."}, ...}`: languages the platform speaks, text settings only,
    each value checked by its setting's own rule. An empty translation is dropped."""
    if raw is None or raw == {}:
        return {}
    if not isinstance(raw, Mapping):
        errors.append(
            spec_error(
                path, ThemeErrorCode.NOT_AN_OBJECT, _("%(field)s must be an object.") % {"field": path}
            )
        )
        return {}
    languages = [code for code, _name in settings.LANGUAGES]
    specs = {f.name: f.metadata["spec"] for f in fields(schema)}
    translatable = set(translatable_fields(schema))
    cleaned: dict[str, dict[str, Any]] = {}
    for language, values in sorted(raw.items(), key=lambda item: str(item[0])):
        where = f"{path}.{language}"
        if language not in languages:
            errors.append(
                spec_error(
                    where,
                    ThemeErrorCode.UNKNOWN_LANGUAGE,
                    _("%(field)s: the language must be one of %(choices)s.")
                    % {"field": where, "choices": ", ".join(languages)},
                    value=str(language)[:10],
                )
            )
            continue
        if not isinstance(values, Mapping):
            errors.append(
                spec_error(
                    where, ThemeErrorCode.NOT_AN_OBJECT, _("%(field)s must be an object.") % {"field": where}
                )
            )
            continue
        own: dict[str, Any] = {}
        for name, value in values.items():
            if name not in translatable:
                code = ThemeErrorCode.NOT_TRANSLATABLE if name in specs else ThemeErrorCode.UNKNOWN_FIELD
                errors.append(
                    spec_error(
                        f"{where}.{name}",
                        code,
                        _("%(field)s cannot be translated; only the text settings of a block can.")
                        % {"field": f"{where}.{name}"},
                    )
                )
                continue
            own[name] = specs[name].clean(value, f"{where}.{name}", errors)
        if own:
            cleaned[language] = own
    return cleaned


def blocks_parse(raw: Any, *, path: str = "blocks") -> tuple[list[ThemeBlock], list[ThemeError]]:
    """Every block of a page: the good ones, and the problems of the others."""
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        return [], [
            spec_error(path, ThemeErrorCode.NOT_A_LIST, _("%(field)s must be a list.") % {"field": path})
        ]
    if len(raw) > MAX_BLOCKS:
        return [], [
            spec_error(
                path,
                ThemeErrorCode.TOO_MANY_BLOCKS,
                _("A page holds at most %(limit)d blocks; this one has %(count)d.")
                % {"limit": MAX_BLOCKS, "count": len(raw)},
                limit=MAX_BLOCKS,
                count=len(raw),
            )
        ]
    blocks: list[ThemeBlock] = []
    errors: list[ThemeError] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        try:
            block = block_parse(item, path=f"{path}[{index}]")
        except ThemeInvalid as invalid:
            errors.extend(invalid.errors)
            continue
        if block.id in seen:
            errors.append(
                spec_error(
                    f"{path}[{index}].id",
                    ThemeErrorCode.DUPLICATE_BLOCK_ID,
                    _("Two blocks have the id “%(id)s”; each needs its own.") % {"id": block.id},
                    id=block.id,
                )
            )
            continue
        seen.add(block.id)
        blocks.append(block)
    return blocks, errors
