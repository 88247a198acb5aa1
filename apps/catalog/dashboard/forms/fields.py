"""Form fields and parsing helpers shared by the catalog's dashboard forms."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django import forms

from apps.catalog.models import Category
from apps.catalog.selectors import option_facet_parse


def comma_split(value: str) -> list[str]:
    """'a, b,,a ' -> ['a', 'b']: trimmed, without blanks or repeats, in the order typed."""
    seen: dict[str, None] = {}
    for part in (value or "").split(","):
        part = " ".join(part.split())
        if part:
            seen.setdefault(part, None)
    return list(seen)


def category_choices(categories: Iterable[Category], *, empty_label: str) -> list[tuple[str, str]]:
    """The category tree as select options, indented by depth."""
    choices = [("", empty_label)]
    for category in categories:
        choices.append((str(category.pk), "— " * category.depth + category.name))
    return choices


class OptionListField(forms.Field):
    """Option facets from repeated parameters (`?option=Size:M&option=Colour:Red`)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[tuple[str, str]]:
        values = value if isinstance(value, list | tuple) else [value] if value else []
        parsed = [option_facet_parse(str(v)) for v in values]
        return list(dict.fromkeys(p for p in parsed if p is not None))[:20]


class UUIDListField(forms.Field):
    """Product UUIDs from repeated parameters (the ticked rows of a list)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[str]:
        values = value if isinstance(value, list | tuple) else [value] if value else []
        cleaned: list[str] = []
        for item in values:
            try:
                cleaned.append(str(uuid.UUID(str(item))))
            except ValueError:
                continue
        return list(dict.fromkeys(cleaned))


class CategoryTreeField(forms.TypedChoiceField):
    def __init__(self, *, categories: Iterable[Category], empty_label: str, **kwargs: Any) -> None:
        super().__init__(
            choices=category_choices(categories, empty_label=empty_label),
            coerce=int,
            empty_value=None,
            required=False,
            **kwargs,
        )
