"""Sourcing errors: one `SourcingErrorCode` per way a supplier, its feed or its API can fail us.

Each exception carries a stable `code` (a member of the enum), the `params` its message is built
from, and optionally the form `field` it concerns. Tasks and import runs store the code and the
params, never the sentence; `sourcing_error_message(code, params)` words them again in the
language of whoever reads them (registered with the catalog's import-run messages in
`SourcingConfig.ready`). Nothing decides anything from a message's text.

The params of each code are the names its message uses, e.g. `feed_too_large`:
`{"count", "max"}`, `api_unreachable`: `{"supplier", "reason"}`. A code raised in several
situations words each from the params it has (`feed_malformed` with `pos`: not UTF-8; with
`column`: a missing CSV column; with `line`: invalid JSON; with `error`: invalid CSV; with none:
a JSON document of the wrong shape). A raise may pass its own `message`; without one it is built
from the code and params. A raise with a message and no params keeps its message as the `text`
param, worded back as is: raise sites that pass their params store no sentence.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.core.errors import ApplicationError

# A translatable template filled with `%` from the params, or a function of the params.
Message = Promise | Callable[[Mapping[str, Any]], str]
# The param holding the sentence of an error raised with a message and no params.
TEXT_PARAM = "text"


class SourcingErrorCode(models.TextChoices):
    SOURCING_ERROR = "sourcing_error", _("Sourcing error")
    SUPPLIER_INVALID = "supplier_invalid", _("Invalid supplier settings")
    SUPPLIER_NOT_FOUND = "supplier_not_found", _("Supplier missing or inactive")
    MANUAL_SUPPLIER = "manual_supplier", _("Manual supplier")
    PRICING_RULE_INVALID = "pricing_rule_invalid", _("Invalid pricing rule")
    UPLOAD_FORMAT = "upload_format", _("Unsupported upload format")
    FEED_INVALID = "feed_invalid", _("Unusable feed rows")
    FEED_EMPTY = "feed_empty", _("Empty feed")
    FEED_TOO_LARGE = "feed_too_large", _("Feed too large")
    FEED_MALFORMED = "feed_malformed", _("Malformed feed")
    FEED_URL_MISSING = "feed_url_missing", _("Feed URL missing")
    FEED_UNREACHABLE = "feed_unreachable", _("Feed unreachable")
    API_NOT_CONFIGURED = "api_not_configured", _("API settings incomplete")
    API_UNREACHABLE = "api_unreachable", _("API unreachable")
    API_BAD_RESPONSE = "api_bad_response", _("Unexpected API response")
    API_ERROR = "api_error", _("API refused the request")
    API_NO_PRODUCTS = "api_no_products", _("API returned no products")
    ORDER_REJECTED = "order_rejected", _("Supplier refused the order")


def _feed_malformed(params: Mapping[str, Any]) -> str:
    if "pos" in params:
        return gettext("The feed is not UTF-8 text (a problem at byte %(pos)d).") % params
    if "column" in params:
        return gettext("The CSV feed has no “%(column)s” column (columns found: %(found)s).") % {
            "column": params["column"],
            "found": params.get("found") or "-",
        }
    if "line" in params:
        return gettext("The feed is not valid JSON: %(error)s (line %(line)d).") % {
            "error": params.get("error", ""),
            "line": params["line"],
        }
    if "error" in params:
        return gettext("The feed is not valid CSV: %(error)s") % params
    return gettext("The JSON feed must be a list of products or an object with a “products” list.")


def _api_bad_response(params: Mapping[str, Any]) -> str:
    values = {"supplier": params.get("supplier") or gettext("The supplier"), **params}
    if "id" in params:
        return (
            gettext(
                "%(supplier)s answered for product %(id)s in an unexpected shape (missing or wrong “%(key)s”)."
            )
            % values
        )
    if "key" in params:
        return gettext("%(supplier)s answered HTTP %(status)d without a “%(key)s”.") % values
    return gettext("%(supplier)s answered HTTP %(status)d with something that is not JSON.") % values


def _api_error(params: Mapping[str, Any]) -> str:
    values = {
        "supplier": params.get("supplier") or gettext("The supplier"),
        "message": "-",
        "code": "-",
        **params,
    }
    if "id" in params:
        return gettext("%(supplier)s could not return product %(id)s: %(message)s (code %(code)s).") % values
    return gettext("%(supplier)s refused the request: %(message)s (code %(code)s, request %(request)s).") % {
        "request": "-",
        **values,
    }


def _feed_invalid(params: Mapping[str, Any]) -> str:
    return gettext("%(count)d problem(s) in the feed.") % {"count": params.get("count", 0)}


class SourcingError(ApplicationError):
    """A supplier, its feed or its API could not give us what we asked for."""

    code: str = SourcingErrorCode.SOURCING_ERROR

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        field: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        code = code if code is not None else self.code
        try:
            code = SourcingErrorCode(code)
        except ValueError:
            # An unlisted code would reach callers that switch on the enum; refuse it loudly.
            raise ValueError(
                f"{code!r} is not a SourcingErrorCode; add it to apps/sourcing/errors.py"
            ) from None
        self.params: dict[str, Any] = dict(params or {})
        if message is not None and not self.params:
            # A raise site that words its own sentence and passes no params keeps the sentence
            # as `text`, so an import run that stores this error still says what went wrong.
            # Tasks leave `text` out of what they return (apps.sourcing.tasks).
            self.params[TEXT_PARAM] = message
        super().__init__(
            message if message is not None else sourcing_error_message(code, self.params),
            code=code,
            field=field,
        )


@dataclass(frozen=True)
class FeedProblem:
    """One problem in one row (CSV line, JSON product index, API product) of a supplier feed."""

    row: int
    column: str
    message: str


class FeedInvalid(SourcingError):
    """The feed could be read, but some of its rows are unusable; `problems` names each one."""

    code = SourcingErrorCode.FEED_INVALID

    def __init__(
        self,
        message: str | None = None,
        *,
        problems: list[FeedProblem],
        code: str | None = None,
        field: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(
            message, code=code, field=field, params={"count": len(problems), **dict(params or {})}
        )
        self.problems = problems


class PricingRuleInvalid(SourcingError):
    code = SourcingErrorCode.PRICING_RULE_INVALID


class SupplierInvalid(SourcingError):
    code = SourcingErrorCode.SUPPLIER_INVALID


C = SourcingErrorCode
MESSAGES: dict[str, Message] = {
    C.SOURCING_ERROR: _("The supplier could not give us what we asked for."),
    C.SUPPLIER_INVALID: _("The supplier's settings are not valid."),
    C.SUPPLIER_NOT_FOUND: _("Supplier %(supplier_id)s no longer exists or is inactive."),
    C.MANUAL_SUPPLIER: _("%(supplier)s is a manual supplier: upload its feed as a file."),
    C.PRICING_RULE_INVALID: _("The pricing rule is not valid."),
    C.UPLOAD_FORMAT: _("Upload the feed as a .csv or .json file, not “%(name)s”."),
    C.FEED_INVALID: _feed_invalid,
    C.FEED_EMPTY: _("The feed lists no products."),
    C.FEED_TOO_LARGE: _("The feed lists %(count)d products; at most %(max)d can be imported at once."),
    C.FEED_MALFORMED: _feed_malformed,
    C.FEED_URL_MISSING: _("The supplier has no feed URL set."),
    C.FEED_UNREACHABLE: _("The feed of %(supplier)s could not be fetched: %(reason)s"),
    C.API_NOT_CONFIGURED: _(
        "The supplier's API settings are incomplete (base URL, app key and app secret are needed)."
    ),
    C.API_UNREACHABLE: _("%(supplier)s could not be reached: %(reason)s"),
    C.API_BAD_RESPONSE: _api_bad_response,
    C.API_ERROR: _api_error,
    C.API_NO_PRODUCTS: _("No product ids are set for %(supplier)s; add the ids or product URLs to import."),
    C.ORDER_REJECTED: _("%(supplier)s refused the order: %(message)s (code %(error_code)s)."),
}
del C


def sourcing_error_message(code: str, params: Mapping[str, Any] | None = None) -> str:
    """The sentence for a sourcing `code` filled with `params`, in the active language."""
    params = dict(params or {})
    if set(params) == {TEXT_PARAM}:
        return str(params[TEXT_PARAM])
    message = MESSAGES.get(str(code))
    if message is None:
        return gettext("Unknown problem (%(code)s).") % {"code": code}
    try:
        return message(params) if callable(message) else str(message) % params
    except (KeyError, TypeError, ValueError):
        # Params that do not fit the wording (an older run, a new raise site): the code's
        # sentence without the details beats an error page.
        return gettext("The supplier could not give us what we asked for (%(code)s).") % {"code": code}


def sourcing_error_wordings() -> dict[str, Callable[[Mapping[str, Any]], str]]:
    """One wording function per code, for registries that show stored codes (import runs)."""
    return {code: partial(sourcing_error_message, code) for code in SourcingErrorCode.values}
