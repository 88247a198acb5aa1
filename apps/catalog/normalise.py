"""One normalisation of product fields for every way a product is written.

The dashboard editor and supplier imports reach it through the product services
(`product_create`/`product_update`), the CSV importer cell by cell while it checks a file.
Each function takes what a person or a feed typed (text, or an already parsed number), returns
the value in the form it is stored and compared in, and raises `CatalogError` with a code and
parameters when the value cannot be used, so the same input gives the same product, or the same
refusal, whichever way it came in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.text import slugify

from apps.catalog.errors import CatalogError, CatalogErrorCode
from apps.catalog.models import Product
from apps.core.html import html_sanitize
from apps.core.money import money_quantize

# The models' max_length. Keys (handles, SKUs, option names and values) that are too long are
# refused, since cutting them could merge two; free text is cut.
TITLE_MAX = 255
HANDLE_MAX = 255
SKU_MAX = 100
TAG_MAX = 60
VENDOR_MAX = 120
PRODUCT_TYPE_MAX = 120
SEO_TITLE_MAX = 70
SEO_DESCRIPTION_MAX = 320
BARCODE_MAX = 64
OPTION_NAME_MAX = 60
OPTION_VALUE_MAX = 100
CATEGORY_SLUG_MAX = 140

# Amounts are stored with 3 decimal places, the most any currency has (KWD, BHD, ...), and rounded
# to the store currency's own minor units (apps.core.money) when the currency is known.
MONEY_PLACES = Decimal("0.001")
MONEY_LIMIT = Decimal("1000000000")  # max_digits=12 with 3 decimal places
INTEGER_LIMIT = 2_147_483_647
_AMOUNT_RE = re.compile(r"^(\d+(\.\d*)?|\.\d+)$")
# "12,50" and "12,5" have a decimal comma; "1,250" could be a thousands separator and is refused.
_DECIMAL_COMMA_RE = re.compile(r"^-?\d+,\d{1,2}$")


def text_line(value: object, *, limit: int) -> str:
    """One line of text: surrounding and repeated whitespace (tabs, newlines) become one space."""
    return " ".join(str(value or "").split())[:limit]


def text_block(value: object, *, limit: int) -> str:
    """Text that may span lines (an SEO description): only the surrounding whitespace goes."""
    return str(value or "").strip()[:limit]


def title_clean(value: object) -> str:
    title = text_line(value, limit=TITLE_MAX)
    if not title:
        raise CatalogError(CatalogErrorCode.TITLE_REQUIRED, field="title")
    return title


def handle_clean(value: object) -> str:
    """A product handle from what was typed as a handle (or, lacking one, the title)."""
    raw = str(value or "").strip()
    handle = slugify(raw)
    if not handle:
        raise CatalogError(CatalogErrorCode.HANDLE_UNUSABLE, {"value": raw[:60]}, field="handle")
    if len(handle) > HANDLE_MAX:
        raise CatalogError(CatalogErrorCode.HANDLE_TOO_LONG, {"max": HANDLE_MAX}, field="handle")
    return handle


def status_clean(value: object) -> str:
    status = str(value or "").strip().lower()
    if status not in Product.Status.values:
        raise CatalogError(CatalogErrorCode.STATUS_INVALID, {"status": str(value)[:40]}, field="status")
    return status


def tags_clean(tags: str | Iterable[str]) -> list[str]:
    """Tags from a comma-separated text or a list: one line each, cut to 60 characters, without
    blanks or repeats, in the order given."""
    parts = tags.split(",") if isinstance(tags, str) else tags
    seen: dict[str, None] = {}
    for tag in parts:
        cleaned = text_line(tag, limit=TAG_MAX)
        if cleaned:
            seen.setdefault(cleaned, None)
    return list(seen)


def description_clean(value: object) -> str:
    """Merchant or supplier HTML with anything active removed."""
    return html_sanitize(str(value or ""))


def sku_clean(value: object) -> str:
    sku = str(value or "").strip()
    if not sku:
        raise CatalogError(CatalogErrorCode.SKU_REQUIRED, field="sku")
    if len(sku) > SKU_MAX:
        raise CatalogError(CatalogErrorCode.SKU_TOO_LONG, {"max": SKU_MAX}, field="sku")
    return sku


def barcode_clean(value: object) -> str:
    return str(value or "").strip()[:BARCODE_MAX]


def money_parse(value: str | Decimal | int | float | None, *, currency: str | None = None) -> Decimal:
    """An amount of money: a Decimal or int as it is, a text like "12.50" (spaces ignored, no
    currency sign) or "12,50" (a decimal comma with one or two decimals). A float is read through
    its shortest text, never its binary value. Rounded (half up) to `currency`'s minor units
    (JPY 0, EUR 2, KWD 3), or to 3 places when the currency is not known (a supplier's cost)."""
    if isinstance(value, bool) or value is None:
        raise CatalogError(CatalogErrorCode.AMOUNT_INVALID, {"value": str(value)})
    if isinstance(value, Decimal | int):
        amount = Decimal(value)
        shown = str(value)[:40]
        if not amount.is_finite():
            raise CatalogError(CatalogErrorCode.AMOUNT_INVALID, {"value": shown})
    else:
        shown = str(value).strip()[:40]
        text = str(value).replace(" ", "").replace("\u00a0", "")
        if _DECIMAL_COMMA_RE.match(text):
            text = text.replace(",", ".")
        negative = text.startswith("-")
        if not _AMOUNT_RE.match(text[1:] if negative else text):
            raise CatalogError(CatalogErrorCode.AMOUNT_INVALID, {"value": shown})
        if negative:
            raise CatalogError(CatalogErrorCode.VALUE_NEGATIVE, {"value": shown})
        try:
            amount = Decimal(text)
        except InvalidOperation as exc:  # the pattern admits only digits and one point
            raise CatalogError(CatalogErrorCode.AMOUNT_INVALID, {"value": shown}) from exc
    if amount < 0:
        raise CatalogError(CatalogErrorCode.VALUE_NEGATIVE, {"value": shown})
    amount = money_quantize(amount, currency) if currency else amount.quantize(MONEY_PLACES, ROUND_HALF_UP)
    if amount >= MONEY_LIMIT:
        raise CatalogError(CatalogErrorCode.AMOUNT_TOO_LARGE, {"value": shown})
    return amount


def money_parse_optional(value: str | Decimal | int | None, *, currency: str | None = None) -> Decimal | None:
    """`money_parse`, with nothing (None or an empty text) meaning no amount."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return money_parse(value, currency=currency)


def weight_parse(value: str | int | None) -> int | None:
    """Grams as a whole number; nothing means unknown."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit() or int(text) > INTEGER_LIMIT:
        raise CatalogError(CatalogErrorCode.WEIGHT_INVALID, {"value": text[:40]}, field="weight_grams")
    return int(text)


def option_name_clean(value: object) -> str:
    name = text_line(value, limit=10 * OPTION_NAME_MAX)
    if len(name) > OPTION_NAME_MAX:
        raise CatalogError(CatalogErrorCode.OPTION_NAME_TOO_LONG, {"max": OPTION_NAME_MAX})
    return name


def option_value_clean(value: object) -> str:
    text = text_line(value, limit=10 * OPTION_VALUE_MAX)
    if len(text) > OPTION_VALUE_MAX:
        raise CatalogError(CatalogErrorCode.OPTION_VALUE_TOO_LONG, {"max": OPTION_VALUE_MAX})
    return text


def category_path_parse(value: str) -> tuple[str, list[str]]:
    """ "Clothing / T-Shirts" -> ("clothing/t-shirts", ["Clothing", "T-Shirts"]): the path of
    category handles, and the names as typed for categories that must be created."""
    names = [part.strip() for part in value.strip().strip("/").split("/")]
    slugs = [slugify(name) for name in names]
    if not all(slugs):
        raise CatalogError(CatalogErrorCode.CATEGORY_PATH_INVALID, {"value": value[:100]})
    if any(len(slug) > CATEGORY_SLUG_MAX for slug in slugs):
        raise CatalogError(CatalogErrorCode.CATEGORY_HANDLE_TOO_LONG, {"max": CATEGORY_SLUG_MAX})
    return "/".join(slugs), names
