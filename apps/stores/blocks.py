"""The blocks a store's home page is made of: one typed schema per block type (seed 001's
thirteen), each a frozen dataclass whose fields carry their own limits.

Stored form of one block (`StoreTheme.blocks` is a list of these)::

    {"id": "hero", "type": "hero_banner", "data": {"heading": "...", ...}}

`block_parse` turns that into a `ThemeBlock` holding the typed data, or raises `ThemeInvalid`
naming every problem with its path ("blocks[2].data.items[0].quote") and a stable code. The
rules: text has a length limit and is plain (the template escapes it); the one rich field
(`custom_text.html`) is sanitised with `apps.core.html.html_sanitize`; links are http(s),
site-relative ("/...") or an anchor ("#..."), never "javascript:" or protocol-relative; lists
have a size limit; unknown fields and types are refused, so a typo in the theme editor is seen
rather than silently dropped. Blocks that show products or categories store only what to show
(a collection handle, a count): the storefront reads the catalog when it renders them.
"""

from __future__ import annotations

import datetime
import re
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any
from urllib.parse import urlsplit

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.html import html_sanitize
from apps.stores.errors import ThemeError, ThemeErrorCode, ThemeInvalid

MAX_BLOCKS = 40
URL_MAX_LENGTH = 2000
BLOCK_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
# Catalog handles are Django slugs.
HANDLE_RE = re.compile(r"^[-a-zA-Z0-9_]{1,255}$")
VIDEO_EXTENSIONS = (".mp4", ".webm", ".ogv", ".ogg")


def _error(path: str, code: ThemeErrorCode, message: str, **params: Any) -> ThemeError:
    return ThemeError(message, code=code, field=path, params=params)


# ------------------------------------------------------------------------------
# field specs: each cleans one raw JSON value or adds an error
# ------------------------------------------------------------------------------
class Spec(ABC):
    """How one field is checked. `clean` returns the clean value, or appends to `errors` and
    returns the field's default."""

    default: Any = None

    @abstractmethod
    def clean(self, value: Any, path: str, errors: list[ThemeError]) -> Any: ...

    def dump(self, value: Any) -> Any:
        return value


@dataclass(frozen=True)
class Text(Spec):
    max_length: int
    required: bool = False
    multiline: bool = False
    default: str = ""

    def clean(self, value: Any, path: str, errors: list[ThemeError]) -> str:
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors.append(
                _error(path, ThemeErrorCode.NOT_TEXT, _("%(field)s must be text.") % {"field": path})
            )
            return ""
        if self.multiline:
            text = "\n".join(" ".join(line.split()) for line in value.strip().splitlines())
        else:
            text = " ".join(value.split())
        if self.required and not text:
            errors.append(
                _error(path, ThemeErrorCode.REQUIRED, _("%(field)s is required.") % {"field": path})
            )
        elif len(text) > self.max_length:
            errors.append(
                _error(
                    path,
                    ThemeErrorCode.TOO_LONG,
                    _("%(field)s is too long: at most %(limit)d characters.")
                    % {"field": path, "limit": self.max_length},
                    limit=self.max_length,
                )
            )
        return text


@dataclass(frozen=True)
class Html(Spec):
    """Merchant-written rich text: sanitised before the length check and before it is stored."""

    max_length: int
    default: str = ""

    def clean(self, value: Any, path: str, errors: list[ThemeError]) -> str:
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors.append(
                _error(path, ThemeErrorCode.NOT_TEXT, _("%(field)s must be text.") % {"field": path})
            )
            return ""
        clean = html_sanitize(value)
        if len(clean) > self.max_length:
            errors.append(
                _error(
                    path,
                    ThemeErrorCode.TOO_LONG,
                    _("%(field)s is too long: at most %(limit)d characters.")
                    % {"field": path, "limit": self.max_length},
                    limit=self.max_length,
                )
            )
        return clean


def url_is_safe(value: str) -> bool:
    """An absolute http(s) URL with a host, a site-relative path ("/..."), or an anchor ("#...")."""
    if not value or len(value) > URL_MAX_LENGTH or any(ord(c) < 33 or c in "\\<>\"'`" for c in value):
        return False
    if value.startswith("#"):
        return True
    if value.startswith("/"):
        return not value.startswith("//")
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in {"http", "https"} and bool(parts.hostname)


@dataclass(frozen=True)
class Url(Spec):
    required: bool = False
    extensions: tuple[str, ...] = ()
    default: str = ""

    def clean(self, value: Any, path: str, errors: list[ThemeError]) -> str:
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors.append(
                _error(path, ThemeErrorCode.NOT_TEXT, _("%(field)s must be text.") % {"field": path})
            )
            return ""
        url = value.strip()
        if not url:
            if self.required:
                errors.append(
                    _error(path, ThemeErrorCode.REQUIRED, _("%(field)s is required.") % {"field": path})
                )
            return ""
        if not url_is_safe(url):
            errors.append(
                _error(
                    path,
                    ThemeErrorCode.INVALID_URL,
                    _("%(field)s must be an http(s) address, a path starting with “/” or an anchor “#…”.")
                    % {"field": path},
                )
            )
            return ""
        if self.extensions and not urlsplit(url).path.lower().endswith(self.extensions):
            errors.append(
                _error(
                    path,
                    ThemeErrorCode.INVALID_URL,
                    _("%(field)s must point at a file ending in %(extensions)s (no embedded players).")
                    % {"field": path, "extensions": ", ".join(self.extensions)},
                    extensions=list(self.extensions),
                )
            )
            return ""
        return url


@dataclass(frozen=True)
class Integer(Spec):
    minimum: int
    maximum: int
    default: int = 0

    def clean(self, value: Any, path: str, errors: list[ThemeError]) -> int:
        if value is None:
            return self.default
        # JSON booleans are ints to Python: refuse them rather than read true as 1.
        if isinstance(value, bool) or not isinstance(value, int):
            errors.append(
                _error(
                    path,
                    ThemeErrorCode.NOT_A_NUMBER,
                    _("%(field)s must be a whole number.") % {"field": path},
                )
            )
            return self.default
        if not self.minimum <= value <= self.maximum:
            errors.append(
                _error(
                    path,
                    ThemeErrorCode.OUT_OF_RANGE,
                    _("%(field)s must be between %(minimum)d and %(maximum)d.")
                    % {"field": path, "minimum": self.minimum, "maximum": self.maximum},
                    minimum=self.minimum,
                    maximum=self.maximum,
                )
            )
            return self.default
        return value


@dataclass(frozen=True)
class Choice(Spec):
    choices: tuple[str, ...]
    default: str = ""

    def clean(self, value: Any, path: str, errors: list[ThemeError]) -> str:
        if value is None or value == "":
            return self.default
        if value not in self.choices:
            errors.append(
                _error(
                    path,
                    ThemeErrorCode.INVALID_CHOICE,
                    _("%(field)s must be one of %(choices)s.")
                    % {"field": path, "choices": ", ".join(self.choices)},
                    choices=list(self.choices),
                )
            )
            return self.default
        return str(value)


@dataclass(frozen=True)
class Boolean(Spec):
    default: bool = False

    def clean(self, value: Any, path: str, errors: list[ThemeError]) -> bool:
        if value is None:
            return self.default
        if not isinstance(value, bool):
            errors.append(
                _error(
                    path,
                    ThemeErrorCode.NOT_A_BOOLEAN,
                    _("%(field)s must be true or false.") % {"field": path},
                )
            )
            return self.default
        return value


@dataclass(frozen=True)
class DateTime(Spec):
    """An ISO 8601 moment with its UTC offset ("2026-12-24T18:00:00+01:00"), kept in UTC."""

    required: bool = True

    def clean(self, value: Any, path: str, errors: list[ThemeError]) -> datetime.datetime | None:
        moment = None
        if isinstance(value, str) and value.strip():
            try:
                moment = datetime.datetime.fromisoformat(value.strip())
            except ValueError:
                moment = None
        elif value in (None, "") and not self.required:
            return None
        if moment is None or moment.tzinfo is None:
            errors.append(
                _error(
                    path,
                    ThemeErrorCode.INVALID_DATETIME,
                    _(
                        "%(field)s must be a date and time with its UTC offset, e.g. 2026-12-24T18:00:00+01:00."
                    )
                    % {"field": path},
                )
            )
            return None
        return moment.astimezone(datetime.UTC)

    def dump(self, value: Any) -> Any:
        return value.isoformat() if isinstance(value, datetime.datetime) else value


@dataclass(frozen=True)
class Handle(Spec):
    """A catalog handle (collection); blank means "no collection"."""

    default: str = ""

    def clean(self, value: Any, path: str, errors: list[ThemeError]) -> str:
        if value in (None, ""):
            return ""
        if not isinstance(value, str) or not HANDLE_RE.match(value.strip()):
            errors.append(
                _error(
                    path,
                    ThemeErrorCode.INVALID_HANDLE,
                    _("%(field)s must be a collection handle (letters, digits, “-” and “_”).")
                    % {"field": path},
                )
            )
            return ""
        return value.strip()


@dataclass(frozen=True)
class Items(Spec):
    """A list of nested records, each checked by `item`'s own schema."""

    item: type[BlockData]
    max_items: int
    min_items: int = 0

    @property
    def default(self) -> tuple[Any, ...]:  # type: ignore[override]
        return ()

    def clean(self, value: Any, path: str, errors: list[ThemeError]) -> tuple[Any, ...]:
        if value is None:
            value = []
        if not isinstance(value, list):
            errors.append(
                _error(path, ThemeErrorCode.NOT_A_LIST, _("%(field)s must be a list.") % {"field": path})
            )
            return ()
        if len(value) > self.max_items:
            errors.append(
                _error(
                    path,
                    ThemeErrorCode.TOO_MANY_ITEMS,
                    _("%(field)s has %(count)d entries: at most %(limit)d.")
                    % {"field": path, "count": len(value), "limit": self.max_items},
                    count=len(value),
                    limit=self.max_items,
                )
            )
            return ()
        if len(value) < self.min_items:
            errors.append(
                _error(
                    path,
                    ThemeErrorCode.TOO_FEW_ITEMS,
                    _("%(field)s needs at least %(limit)d entries.")
                    % {"field": path, "limit": self.min_items},
                    limit=self.min_items,
                )
            )
            return ()
        return tuple(
            _record_clean(self.item, raw, f"{path}[{index}]", errors) for index, raw in enumerate(value)
        )

    def dump(self, value: Any) -> Any:
        return [item.to_data() for item in value]


def spec(rule: Spec) -> Any:
    """A dataclass field checked by `rule` (its default is the rule's default)."""
    default = rule.default
    if isinstance(default, tuple | list | dict):
        return field(default_factory=lambda: type(default)(), metadata={"spec": rule})
    return field(default=default, metadata={"spec": rule})


# ------------------------------------------------------------------------------
# records and blocks
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class BlockData:
    """A record checked field by field: every field of a subclass is declared with `spec(...)`."""

    def to_data(self) -> dict[str, Any]:
        return {f.name: f.metadata["spec"].dump(getattr(self, f.name)) for f in fields(self)}


def _record_clean[T: BlockData](cls: type[T], raw: Any, path: str, errors: list[ThemeError]) -> T:
    if not isinstance(raw, Mapping):
        errors.append(
            _error(path, ThemeErrorCode.NOT_AN_OBJECT, _("%(field)s must be an object.") % {"field": path})
        )
        raw = {}
    names = [f.name for f in fields(cls)]
    for unknown in sorted(set(raw) - set(names), key=str)[:5]:
        errors.append(
            _error(
                f"{path}.{unknown}",
                ThemeErrorCode.UNKNOWN_FIELD,
                _("%(field)s is not a setting of this block.") % {"field": f"{path}.{unknown}"},
            )
        )
    values = {}
    for f in fields(cls):
        rule: Spec = f.metadata["spec"]
        values[f.name] = rule.clean(raw.get(f.name), f"{path}.{f.name}", errors)
    return cls(**values)


ALIGN = ("left", "center")
SIZES = ("small", "medium", "large")


@dataclass(frozen=True)
class HeroBanner(BlockData):
    heading: str = spec(Text(120, required=True))
    subheading: str = spec(Text(300))
    button_label: str = spec(Text(40))
    button_url: str = spec(Url())
    image_url: str = spec(Url())
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
    poster_url: str = spec(Url(required=True))
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
    image_url: str = spec(Url(required=True))
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


@dataclass(frozen=True)
class ThemeBlock:
    id: str
    type: str
    data: BlockData

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "data": self.data.to_data()}

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
            [_error(path, ThemeErrorCode.NOT_AN_OBJECT, _("%(field)s must be an object.") % {"field": path})]
        )
    for unknown in sorted(set(raw) - {"id", "type", "data"}, key=str)[:5]:
        errors.append(
            _error(
                f"{path}.{unknown}",
                ThemeErrorCode.UNKNOWN_FIELD,
                _("%(field)s is not part of a block (id, type, data).") % {"field": f"{path}.{unknown}"},
            )
        )
    raw_type = raw.get("type")
    kind = BLOCK_TYPES.get(raw_type) if isinstance(raw_type, str) else None
    if kind is None:
        errors.append(
            _error(
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
            _error(
                f"{path}.id",
                ThemeErrorCode.INVALID_BLOCK_ID,
                _("%(field)s must be 1 to 40 lower-case letters, digits or “-”.") % {"field": f"{path}.id"},
            )
        )
        block_id = ""
    data = _record_clean(kind.schema, raw.get("data", {}), f"{path}.data", errors)
    if errors:
        raise ThemeInvalid(errors)
    return ThemeBlock(id=block_id, type=kind.key, data=data)


def blocks_parse(raw: Any, *, path: str = "blocks") -> tuple[list[ThemeBlock], list[ThemeError]]:
    """Every block of a page: the good ones, and the problems of the others."""
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        return [], [_error(path, ThemeErrorCode.NOT_A_LIST, _("%(field)s must be a list.") % {"field": path})]
    if len(raw) > MAX_BLOCKS:
        return [], [
            _error(
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
                _error(
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
