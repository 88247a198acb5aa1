"""Postal code formats of the countries most of our stores ship to, checked when a shopper saves
an address. A small table on purpose: a wrong rule refuses a real address, so only formats that
are regular and stable are listed. Every other country accepts any postal code of letters,
digits, spaces and hyphens up to 12 characters, or none (many countries have none).

| country | rule                                           | example    |
|---------|------------------------------------------------|------------|
| AT      | 4 digits, not starting with 0                  | 1010       |
| CH      | 4 digits, not starting with 0                  | 8001       |
| DE      | 5 digits                                       | 10115      |
| ES      | 5 digits, the first two a province 01-52       | 28013      |
| FR      | 5 digits                                       | 75008      |
| GB      | outward code, space, inward code (BS 7666)     | SW1A 1AA   |
| IT      | 5 digits                                       | 00184      |
| NL      | 4 digits (not starting with 0), space, 2 letters | 1012 AB  |
| US      | ZIP: 5 digits, or ZIP+4                        | 94105-1234 |

Input is normalised before the check: upper case, runs of spaces made one, and for GB and NL
the space the format needs is put back when the shopper left it out ("sw1a1aa" -> "SW1A 1AA").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class PostalCodeFormat:
    pattern: re.Pattern[str]
    description: str | Promise  # what to type, for the error message
    example: str
    # Where the space goes, counted from the end, when the shopper typed none (GB, NL).
    space_from_end: int | None = None


def _format(
    regex: str, description: str | Promise, example: str, space_from_end: int | None = None
) -> PostalCodeFormat:
    return PostalCodeFormat(re.compile(rf"^(?:{regex})$"), description, example, space_from_end)


POSTAL_CODE_FORMATS: dict[str, PostalCodeFormat] = {
    "AT": _format(r"[1-9][0-9]{3}", _("4 digits"), "1010"),
    "CH": _format(r"[1-9][0-9]{3}", _("4 digits"), "8001"),
    "DE": _format(r"[0-9]{5}", _("5 digits"), "10115"),
    "ES": _format(
        r"(?:0[1-9]|[1-4][0-9]|5[0-2])[0-9]{3}",
        _("5 digits starting with a province number from 01 to 52"),
        "28013",
    ),
    "FR": _format(r"[0-9]{5}", _("5 digits"), "75008"),
    "GB": _format(
        r"GIR 0AA|[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}",
        _("an outward code, a space and an inward code"),
        "SW1A 1AA",
        space_from_end=3,
    ),
    "IT": _format(r"[0-9]{5}", _("5 digits"), "00184"),
    "NL": _format(
        r"[1-9][0-9]{3} [A-Z]{2}", _("4 digits, a space and 2 letters"), "1012 AB", space_from_end=2
    ),
    "US": _format(r"[0-9]{5}(?:-[0-9]{4})?", _("a ZIP code of 5 digits, or ZIP+4"), "94105-1234"),
}

# Countries not in the table: letters, digits, spaces and hyphens.
GENERIC_POSTAL_CODE = re.compile(r"^[A-Z0-9][A-Z0-9 -]{0,11}$")
GENERIC_POSTAL_CODE_MAX_LENGTH = 12


def postal_code_normalise(value: str, country: str) -> str:
    code = " ".join(value.upper().split())
    rule = POSTAL_CODE_FORMATS.get(country)
    if rule is not None and rule.space_from_end and " " not in code and len(code) > rule.space_from_end:
        code = f"{code[: -rule.space_from_end]} {code[-rule.space_from_end :]}"
    return code


def postal_code_is_valid(code: str, country: str) -> bool:
    """Whether an already normalised `code` fits `country`'s format (or the generic one)."""
    rule = POSTAL_CODE_FORMATS.get(country)
    if rule is not None:
        return bool(rule.pattern.match(code))
    return bool(GENERIC_POSTAL_CODE.match(code))
