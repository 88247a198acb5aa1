"""Field specs of the home-page block schemas: each checks one raw JSON value and keeps its limits
(text length, safe URLs, sanitised HTML, item counts). See the package docstring."""

from __future__ import annotations

import datetime
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from apps.core.html import html_sanitize
from apps.stores.errors import ThemeError, ThemeErrorCode

MAX_BLOCKS = 40
URL_MAX_LENGTH = 2000
BLOCK_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
# Catalog handles are Django slugs.
HANDLE_RE = re.compile(r"^[-a-zA-Z0-9_]{1,255}$")
VIDEO_EXTENSIONS = (".mp4", ".webm", ".ogv", ".ogg")


def spec_error(path: str, code: ThemeErrorCode, message: str, **params: Any) -> ThemeError:
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
                spec_error(path, ThemeErrorCode.NOT_TEXT, _("%(field)s must be text.") % {"field": path})
            )
            return ""
        if self.multiline:
            text = "\n".join(" ".join(line.split()) for line in value.strip().splitlines())
        else:
            text = " ".join(value.split())
        if self.required and not text:
            errors.append(
                spec_error(path, ThemeErrorCode.REQUIRED, _("%(field)s is required.") % {"field": path})
            )
        elif len(text) > self.max_length:
            errors.append(
                spec_error(
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
                spec_error(path, ThemeErrorCode.NOT_TEXT, _("%(field)s must be text.") % {"field": path})
            )
            return ""
        clean = html_sanitize(value)
        if len(clean) > self.max_length:
            errors.append(
                spec_error(
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
    # A picture's address: the editors offer an upload (the theme editor) or the store's image
    # library (a landing page in /cms/) beside it.
    picture: bool = False

    def clean(self, value: Any, path: str, errors: list[ThemeError]) -> str:
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors.append(
                spec_error(path, ThemeErrorCode.NOT_TEXT, _("%(field)s must be text.") % {"field": path})
            )
            return ""
        url = value.strip()
        if not url:
            if self.required:
                errors.append(
                    spec_error(path, ThemeErrorCode.REQUIRED, _("%(field)s is required.") % {"field": path})
                )
            return ""
        if self.picture and (not url_is_safe(url) or url.startswith("#")):
            # A picture is a file somewhere: an anchor on the page is no picture.
            errors.append(
                spec_error(
                    path,
                    ThemeErrorCode.INVALID_URL,
                    _("%(field)s must be an http(s) address or a path starting with “/”.") % {"field": path},
                    picture=True,
                )
            )
            return ""
        if not url_is_safe(url):
            errors.append(
                spec_error(
                    path,
                    ThemeErrorCode.INVALID_URL,
                    _("%(field)s must be an http(s) address, a path starting with “/” or an anchor “#…”.")
                    % {"field": path},
                )
            )
            return ""
        if self.extensions and not urlsplit(url).path.lower().endswith(self.extensions):
            errors.append(
                spec_error(
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
                spec_error(
                    path,
                    ThemeErrorCode.NOT_A_NUMBER,
                    _("%(field)s must be a whole number.") % {"field": path},
                )
            )
            return self.default
        if not self.minimum <= value <= self.maximum:
            errors.append(
                spec_error(
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
                spec_error(
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
                spec_error(
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
                spec_error(
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
                spec_error(
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
                spec_error(path, ThemeErrorCode.NOT_A_LIST, _("%(field)s must be a list.") % {"field": path})
            )
            return ()
        if len(value) > self.max_items:
            errors.append(
                spec_error(
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
                spec_error(
                    path,
                    ThemeErrorCode.TOO_FEW_ITEMS,
                    _("%(field)s needs at least %(limit)d entries.")
                    % {"field": path, "limit": self.min_items},
                    limit=self.min_items,
                )
            )
            return ()
        return tuple(
            record_clean(self.item, raw, f"{path}[{index}]", errors) for index, raw in enumerate(value)
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
# records: a block's data, or one item of a list field
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class BlockData:
    """A record checked field by field: every field of a subclass is declared with `spec(...)`."""

    def to_data(self) -> dict[str, Any]:
        return {f.name: f.metadata["spec"].dump(getattr(self, f.name)) for f in fields(self)}


def record_clean[T: BlockData](cls: type[T], raw: Any, path: str, errors: list[ThemeError]) -> T:
    if not isinstance(raw, Mapping):
        errors.append(
            spec_error(
                path, ThemeErrorCode.NOT_AN_OBJECT, _("%(field)s must be an object.") % {"field": path}
            )
        )
        raw = {}
    names = [f.name for f in fields(cls)]
    for unknown in sorted(set(raw) - set(names), key=str)[:5]:
        errors.append(
            spec_error(
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
