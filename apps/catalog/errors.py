"""Catalog errors: one `CatalogErrorCode` per way a catalog write or a product import can be
refused (Saleor's `ProductErrorCode` style), and the one function that turns a code and its
parameters into a sentence.

A `CatalogError` carries its `code`, the `params` of its message and optionally the form
`field` it concerns. Import runs store the code and the parameters, never the sentence
(`ImportRun.failure_code`/`failure_params`, `ImportRowError.code`/`params`); pages and reports
call `error_message` when they show them, so a stored problem reads in the language of whoever
looks at it. Nothing decides anything from a message's text.

Other apps whose errors end up on an import run (supplier imports) register their messages
with `error_messages_register`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from apps.core.errors import ApplicationError

logger = logging.getLogger(__name__)

# A message is a translatable template filled with `%` from the params, or a function of the
# params for the few whose wording depends on them.
Message = Promise | Callable[[Mapping[str, Any]], str]


class CatalogErrorCode(models.TextChoices):
    # products and variants
    TITLE_REQUIRED = "title_required"
    STATUS_INVALID = "invalid_status"
    CATEGORY_UNKNOWN = "unknown_category"
    HANDLE_TAKEN = "handle_taken"
    HANDLE_UNUSABLE = "handle_unusable"
    HANDLE_TOO_LONG = "handle_too_long"
    VARIANTS_REQUIRED = "no_variants"
    SKU_REQUIRED = "sku_required"
    SKU_TOO_LONG = "sku_too_long"
    SKU_REPEATED = "sku_repeated"
    SKU_TAKEN = "duplicate_sku"
    SKU_OR_HANDLE_TAKEN = "sku_or_handle_taken"
    OPTIONS_REPEATED = "duplicate_options"
    OPTION_NAME_TOO_LONG = "option_name_too_long"
    OPTION_VALUE_TOO_LONG = "option_value_too_long"
    AMOUNT_NEGATIVE = "negative_amount"
    VALUE_NEGATIVE = "value_negative"
    AMOUNT_INVALID = "amount_invalid"
    AMOUNT_TOO_LARGE = "amount_too_large"
    WEIGHT_INVALID = "weight_invalid"
    PRICE_CHANGE_INVALID = "invalid_price_change"
    SYNC_STATUS_INVALID = "invalid_sync_status"
    # images
    IMAGE_TOO_LARGE = "image_too_large"
    IMAGE_SVG = "image_svg"
    IMAGE_TOO_MANY_PIXELS = "image_too_many_pixels"
    IMAGE_INVALID = "image_invalid"
    IMAGE_FORMAT = "image_format"
    ALT_TOO_LONG = "alt_too_long"
    IMAGE_ORDER_INVALID = "invalid_order"
    # categories and collections
    CATEGORY_NAME_REQUIRED = "name_required"
    CATEGORY_CYCLE = "category_cycle"
    CATEGORY_HAS_CHILDREN = "category_has_children"
    CATEGORY_PATH_INVALID = "category_path_invalid"
    CATEGORY_HANDLE_TOO_LONG = "category_handle_too_long"
    CATEGORY_HANDLE_TAKEN = "category_handle_taken"
    COLLECTION_TITLE_REQUIRED = "collection_title_required"
    RULE_INVALID = "invalid_rule"
    RULE_NOT_A_NUMBER = "rule_not_a_number"
    RULES_REQUIRED = "rules_required"
    # starting an import
    IMPORT_POLICY = "import_policy"
    IMPORT_EMPTY = "import_empty"
    IMPORT_TOO_LARGE = "import_too_large"
    IMPORT_NOT_CSV = "import_not_csv"
    # a whole import run
    IMPORT_NO_FILE = "import_no_file"
    IMPORT_FILE_GONE = "import_file_gone"
    IMPORT_CSV_INVALID = "import_csv_invalid"
    IMPORT_COLUMN_REPEATED = "import_column_repeated"
    IMPORT_COLUMNS_MISSING = "import_columns_missing"
    IMPORT_TOO_MANY_ROWS = "import_too_many_rows"
    IMPORT_NO_ROWS = "import_no_rows"
    IMPORT_ROWS_INVALID = "import_rows_invalid"
    IMPORT_NOTHING_VALID = "import_nothing_valid"
    IMPORT_INTERRUPTED = "import_interrupted"
    IMPORT_UNEXPECTED = "import_unexpected"
    IMPORT_UNEXPECTED_NOTHING_SAVED = "import_unexpected_nothing_saved"
    IMPORT_SUPPLIER_GONE = "import_supplier_gone"
    IMPORT_ROWS_REFUSED = "import_rows_refused"
    IMPORT_PRODUCTS_REFUSED = "import_products_refused"
    # one row of an import
    ROW_CELLS_EXTRA = "row_cells_extra"
    ROW_HANDLE_MISSING = "row_handle_missing"
    ROW_SKU_MISSING = "row_sku_missing"
    ROW_PRICE_MISSING = "row_price_missing"
    ROW_OPTIONS_TOO_MANY = "row_options_too_many"
    ROW_SKIPPED = "row_skipped"
    PRODUCT_COLUMN_DIFFERS = "product_column_differs"
    OPTION_NAME_DIFFERS = "option_name_differs"
    OPTION_GAP = "option_gap"
    OPTION_NAME_REPEATED = "option_name_repeated"
    OPTION_VALUE_MISSING = "option_value_missing"
    OPTION_VALUE_UNNAMED = "option_value_unnamed"
    OPTION_VALUES_REPEATED = "option_values_repeated"
    SKU_REPEATED_IN_FILE = "sku_repeated_in_file"
    SKU_OWNED_ELSEWHERE = "sku_owned_elsewhere"
    SKU_MOVED = "sku_moved"
    NEW_PRODUCT_TITLE_REQUIRED = "new_product_title_required"
    COST_CURRENCY_MISMATCH = "cost_currency_mismatch"
    IMAGE_SKIPPED = "image_skipped"
    # rows and runs recorded before problems were stored as codes (their sentence is kept)
    LEGACY_TEXT = "legacy_text"


_AMOUNT_LABELS: dict[str, Promise] = {
    "price": _("Price"),
    "compare_at_price": _("Compare-at price"),
    "cost": _("Cost"),
}
_NOT_CSV_REASONS: dict[str, Promise] = {
    "workbook": _(
        "This is a spreadsheet workbook, not a CSV file. Save it from your spreadsheet as “CSV UTF-8”."
    ),
    "utf16": _("The file is UTF-16 text. Save it from your spreadsheet as “CSV UTF-8”."),
    "binary": _("The file contains binary data; it is not a CSV text file."),
    "encoding": _("The file is not UTF-8 text. Save it from your spreadsheet as “CSV UTF-8”."),
}


def _amount_negative(params: Mapping[str, Any]) -> str:
    label = _AMOUNT_LABELS.get(str(params.get("field")), _("Amount"))
    return gettext("%(label)s of %(sku)s cannot be negative.") % {
        "label": label,
        "sku": params.get("sku", ""),
    }


def _not_csv(params: Mapping[str, Any]) -> str:
    reason = str(params.get("reason", "binary"))
    if reason == "encoding" and params.get("line"):
        return gettext(
            "The file is not UTF-8 text (the first character that is not is on line %(line)d). "
            "Save it from your spreadsheet as “CSV UTF-8”."
        ) % {"line": params["line"]}
    return str(_NOT_CSV_REASONS.get(reason, _NOT_CSV_REASONS["binary"]))


def _columns_missing(params: Mapping[str, Any]) -> str:
    names = [
        gettext("handle or title") if name == "handle" else str(name) for name in params.get("columns", [])
    ]
    columns = ", ".join(names)
    if params.get("separator"):
        return gettext(
            "The header row lacks the required columns %(columns)s. The file seems to be separated "
            "by semicolons or tabs; save it with commas (“CSV UTF-8”)."
        ) % {"columns": columns}
    return gettext("The header row lacks the required columns %(columns)s (found: %(found)s).") % {
        "columns": columns,
        "found": params.get("found") or gettext("nothing"),
    }


def _status_invalid(params: Mapping[str, Any]) -> str:
    from apps.catalog.models import Product

    return gettext("Unknown status “%(status)s”; use %(choices)s.") % {
        "status": params.get("status", ""),
        "choices": ", ".join(Product.Status.values),
    }


def _nested(params: Mapping[str, Any], prefix: str) -> str:
    """The sentence of a problem stored inside another's params (`<prefix>_code`/`_params`)."""
    code = params.get(f"{prefix}_code")
    return error_message(str(code), params.get(f"{prefix}_params") or {}) if code else ""


def _rows_refused(params: Mapping[str, Any]) -> str:
    count = int(params.get("count", 0))
    text = ngettext(
        "%(count)d row cannot be imported, so nothing was imported.",
        "%(count)d rows cannot be imported, so nothing was imported.",
        count,
    ) % {"count": count}
    return _with_first(text, params)


def _with_first(text: str, params: Mapping[str, Any]) -> str:
    """`text` and the first problem, if the error names one (outside an f-string, where
    makemessages finds the sentence)."""
    first = _nested(params, "first")
    if not first:
        return text
    return text + " " + gettext("The first: %(problem)s") % {"problem": first}


def _products_refused(params: Mapping[str, Any]) -> str:
    count = int(params.get("count", 0))
    text = ngettext(
        "%(count)d product could not be saved, so nothing was imported.",
        "%(count)d products could not be saved, so nothing was imported.",
        count,
    ) % {"count": count}
    return _with_first(text, params)


def _image_skipped(params: Mapping[str, Any]) -> str:
    return gettext("Image %(url)s skipped: %(reason)s") % {
        "url": params.get("url", ""),
        "reason": _nested(params, "reason"),
    }


def _legacy(params: Mapping[str, Any]) -> str:
    return str(params.get("text", ""))


C = CatalogErrorCode
MESSAGES: dict[str, Message] = {
    C.TITLE_REQUIRED: _("A product needs a title."),
    C.STATUS_INVALID: _status_invalid,
    C.CATEGORY_UNKNOWN: _("That category does not exist."),
    C.HANDLE_TAKEN: _("The handle “%(handle)s” is taken."),
    C.HANDLE_UNUSABLE: _("“%(value)s” has no letters or digits to make a handle from."),
    C.HANDLE_TOO_LONG: _("The handle is longer than %(max)d characters."),
    C.VARIANTS_REQUIRED: _("A product needs at least one variant."),
    C.SKU_REQUIRED: _("Every variant needs a SKU."),
    C.SKU_TOO_LONG: _("The SKU is longer than %(max)d characters."),
    C.SKU_REPEATED: _("SKU %(sku)s is used twice in this product."),
    C.SKU_TAKEN: _("SKU %(sku)s is already used by another product."),
    C.SKU_OR_HANDLE_TAKEN: _("A SKU or handle of this product is already in use."),
    C.OPTIONS_REPEATED: _("Two variants have the same option values."),
    C.OPTION_NAME_TOO_LONG: _("An option name is longer than %(max)d characters."),
    C.OPTION_VALUE_TOO_LONG: _("An option value is longer than %(max)d characters."),
    C.AMOUNT_NEGATIVE: _amount_negative,
    C.VALUE_NEGATIVE: _("“%(value)s” is negative; amounts cannot be negative."),
    C.AMOUNT_INVALID: _(
        "“%(value)s” is not an amount; write it like 12.50, without currency sign or thousands separator."
    ),
    C.AMOUNT_TOO_LARGE: _("“%(value)s” is too large."),
    C.WEIGHT_INVALID: _("“%(value)s” is not a whole number of grams."),
    C.PRICE_CHANGE_INVALID: _("A price change must leave prices above zero."),
    C.SYNC_STATUS_INVALID: _("Unknown sync status “%(status)s”."),
    C.IMAGE_TOO_LARGE: _("The image is %(size)d MB; the limit is %(limit)d MB."),
    C.IMAGE_SVG: _("SVG and other markup files are not accepted as product images."),
    C.IMAGE_TOO_MANY_PIXELS: _("The image has too many pixels."),
    C.IMAGE_INVALID: _("The file is not an image we can read (JPEG, PNG, WebP or GIF)."),
    C.IMAGE_FORMAT: _("%(format)s images are not accepted; use JPEG, PNG, WebP or GIF."),
    C.ALT_TOO_LONG: _("The alt text can have at most 255 characters."),
    C.IMAGE_ORDER_INVALID: _("The new order must list every image of the product once."),
    C.CATEGORY_NAME_REQUIRED: _("A category needs a name."),
    C.CATEGORY_CYCLE: _("A category cannot be moved under itself."),
    C.CATEGORY_HAS_CHILDREN: _("Move or delete the subcategories first."),
    C.CATEGORY_PATH_INVALID: _(
        "“%(value)s” is not a category path; write category handles separated by “/”, like clothing/shirts."
    ),
    C.CATEGORY_HANDLE_TOO_LONG: _("A category handle is longer than %(max)d characters."),
    C.CATEGORY_HANDLE_TAKEN: _(
        "The category handle “%(slug)s” already belongs to “%(path)s”; a category handle can be used "
        "only once in a store."
    ),
    C.COLLECTION_TITLE_REQUIRED: _("A collection needs a title."),
    C.RULE_INVALID: _("Condition %(n)d is incomplete or unknown."),
    C.RULE_NOT_A_NUMBER: _("Condition %(n)d needs a number."),
    C.RULES_REQUIRED: _("A rule-based collection needs at least one condition."),
    C.IMPORT_POLICY: _("Unknown import policy “%(policy)s”."),
    C.IMPORT_EMPTY: _("The file is empty."),
    C.IMPORT_TOO_LARGE: _("The file is %(size).1f MB; the limit is %(limit)d MB."),
    C.IMPORT_NOT_CSV: _not_csv,
    C.IMPORT_NO_FILE: _("The run has no file."),
    C.IMPORT_FILE_GONE: _("The uploaded file is no longer there; upload it again."),
    C.IMPORT_CSV_INVALID: _("The file is not valid CSV at row %(row)d: %(error)s."),
    C.IMPORT_COLUMN_REPEATED: _("The column “%(column)s” appears twice in the header row."),
    C.IMPORT_COLUMNS_MISSING: _columns_missing,
    C.IMPORT_TOO_MANY_ROWS: _("The file has more than %(limit)d rows; split it into smaller files."),
    C.IMPORT_NO_ROWS: _("The file has a header row but no product rows."),
    C.IMPORT_ROWS_INVALID: _(
        "%(rows)d of %(total)d rows have problems, so nothing was imported. Fix them and import "
        "the file again, or choose to import only the valid products."
    ),
    C.IMPORT_NOTHING_VALID: _("No product could be imported: every product has a row with a problem."),
    C.IMPORT_INTERRUPTED: _("The import was interrupted. Importing the file again updates what was saved."),
    C.IMPORT_UNEXPECTED_NOTHING_SAVED: _(
        "The import stopped on an unexpected error (%(error)s); nothing was imported."
    ),
    C.IMPORT_SUPPLIER_GONE: _("The supplier of this import was deleted."),
    C.IMPORT_ROWS_REFUSED: _rows_refused,
    C.IMPORT_PRODUCTS_REFUSED: _products_refused,
    C.IMPORT_UNEXPECTED: _(
        "The import stopped on an unexpected error (%(error)s) after %(done)d of %(total)d rows; "
        "the products before that point were saved. Importing the file again updates them."
    ),
    C.ROW_CELLS_EXTRA: _(
        "This row has %(cells)d cells but the header has %(columns)d; a value containing a comma must "
        "be in double quotes."
    ),
    C.ROW_HANDLE_MISSING: _("The row has neither a handle nor a title."),
    C.ROW_SKU_MISSING: _("The SKU is missing; every row is a variant and needs its own SKU."),
    C.ROW_PRICE_MISSING: _("The price is missing."),
    C.ROW_OPTIONS_TOO_MANY: _("A product can have at most %(max)d options (option1 to option%(max)d)."),
    C.ROW_SKIPPED: _("Not imported: row %(rows)s of the same product (%(handle)s) has a problem."),
    C.PRODUCT_COLUMN_DIFFERS: _(
        "“%(value)s” differs from “%(first)s” on row %(row)d of the same product (%(handle)s); product "
        "columns must agree or be left empty."
    ),
    C.OPTION_NAME_DIFFERS: _(
        "Option “%(value)s” differs from “%(first)s” on row %(row)d of the same product (%(handle)s)."
    ),
    C.OPTION_GAP: _("option%(gap)d is empty but option%(used)d is used; fill the options in order."),
    C.OPTION_NAME_REPEATED: _("The product has two options named “%(name)s”."),
    C.OPTION_VALUE_MISSING: _("The value for option “%(name)s” is missing."),
    C.OPTION_VALUE_UNNAMED: _(
        "“%(value)s” has no option name; fill option%(slot)d_name on the product's first row."
    ),
    C.OPTION_VALUES_REPEATED: _(
        "The same option values as row %(row)d of this product (%(handle)s); every variant needs its "
        "own combination of option values."
    ),
    C.SKU_REPEATED_IN_FILE: _("SKU “%(sku)s” is on more than one row of the file: rows %(rows)s."),
    C.SKU_OWNED_ELSEWHERE: _(
        "SKU “%(sku)s” is already used by another product: “%(title)s” (handle %(handle)s)."
    ),
    C.SKU_MOVED: _("SKU %(sku)s moved to another product during the import."),
    C.NEW_PRODUCT_TITLE_REQUIRED: _("A new product needs a title."),
    C.COST_CURRENCY_MISMATCH: _("%(sku)s costs are in %(currency)s; this store sells in %(store)s."),
    C.IMAGE_SKIPPED: _image_skipped,
    C.LEGACY_TEXT: _legacy,
}
del C

_registered: dict[str, Message] = {}


def error_messages_register(messages: Mapping[str, Message]) -> None:
    """Let another app's codes that end up on import runs (a supplier import's) be shown."""
    _registered.update({str(code): message for code, message in messages.items()})


def error_message_known(code: str) -> bool:
    return str(code) in MESSAGES or str(code) in _registered


def error_message(code: str, params: Mapping[str, Any] | None = None) -> str:
    """The sentence for `code` filled with `params`, in the active language."""
    params = dict(params or {})
    message = MESSAGES.get(str(code)) or _registered.get(str(code))
    if message is None:
        # A code nobody registers (an app removed it): say so rather than show nothing.
        text = params.get("text")
        return str(text) if text else gettext("Unknown problem (%(code)s).") % {"code": code}
    if callable(message):
        return message(params)
    try:
        return str(message) % params
    except (KeyError, TypeError, ValueError):
        logger.warning("message of %s does not fit its params %r", code, sorted(params))
        return str(message)


class CatalogError(ApplicationError):
    """A catalog rule refused a write: `code` says which, `params` what it was about."""

    def __init__(
        self,
        code: CatalogErrorCode,
        params: Mapping[str, Any] | None = None,
        *,
        field: str | None = None,
    ) -> None:
        code = CatalogErrorCode(code)
        self.params: dict[str, Any] = dict(params or {})
        super().__init__(error_message(code, self.params), code=code, field=field)
