"""Writes of the store's exchange rates: rates entered by hand, the feed settings, and the
refresh from a feed in the European Central Bank's daily format (eurofxref-daily.xml).

Rates only change how prices are *shown* (see `apps.stores.currency`); nothing here touches a
price or an order. A rate is kept against the store's currency at the time it was set
(`ExchangeRate.base_currency`). The feed is fetched through the SSRF guard
(`apps.core.http.safe_get`: the merchant types the address) and parsed with defusedxml, which
refuses DTDs and entities. A refresh that fails for any reason writes no rate: the failure is
kept on the feed row (code and params, for the dashboard) and raised, so the periodic job's
run is recorded as failed (`StoreJobRun`) and retried.
"""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal, InvalidOperation
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from apps.core.http import OutboundHttpError, safe_get, url_check
from apps.core.money import currency_is_valid
from apps.core.tenancy import require_store
from apps.stores.currency import exchange_rates_cache_clear
from apps.stores.errors import ExchangeRateError, ExchangeRateErrorCode
from apps.stores.models import (
    EXCHANGE_RATE_FEED_PK,
    ExchangeRate,
    ExchangeRateFeed,
    ExchangeRateSource,
)
from apps.stores.selectors import store_currency_get

logger = logging.getLogger(__name__)

# The column holds 12 integer and 12 decimal digits.
RATE_DECIMALS = 12
RATE_UNIT = Decimal(1).scaleb(-RATE_DECIMALS)
RATE_MAX = Decimal(10) ** 12
FEED_MAX_BYTES = 1024 * 1024
FEED_TIMEOUT_SECONDS = 15
# The ECB's reference rates are quoted against the euro.
ECB_BASE_CURRENCY = "EUR"
ECB_NAMESPACE = "{http://www.ecb.int/vocabulary/2002-08-01/eurofxref}"


def _error(
    code: ExchangeRateErrorCode, message: str, *, field: str | None = None, **params: Any
) -> ExchangeRateError:
    return ExchangeRateError(message, code=code, field=field, params=params)


def _forget_rates(schema: str) -> None:
    with schema_context(schema):
        exchange_rates_cache_clear()


def _after_write() -> None:
    # Now (later reads in this transaction) and after commit (a reader may have cached the old
    # rates in between); the schema is fixed now, as the commit may happen outside the store.
    schema = require_store()
    exchange_rates_cache_clear()
    transaction.on_commit(lambda: _forget_rates(schema))


def exchange_rate_currency_clean(currency: str) -> str:
    """`currency` upper-cased, or `ExchangeRateError` when it is not a currency in use or is the
    store's own."""
    code = str(currency or "").strip().upper()
    if not currency_is_valid(code):
        raise _error(
            ExchangeRateErrorCode.INVALID_CURRENCY,
            _("“%(value)s” is not an ISO 4217 currency in use (for example USD, GBP or JPY).")
            % {"value": code[:10]},
            field="currency",
            value=code[:10],
        )
    store_currency = store_currency_get()
    if code == store_currency:
        raise _error(
            ExchangeRateErrorCode.STORE_CURRENCY,
            _("%(currency)s is the store's own currency; it needs no rate.") % {"currency": code},
            field="currency",
            currency=code,
        )
    return code


def exchange_rate_value_clean(rate: Decimal | str | int) -> Decimal:
    """`rate` as a positive Decimal with at most 12 decimals, or `ExchangeRateError`."""
    text = str(rate).strip().replace(",", ".") if not isinstance(rate, Decimal) else None
    try:
        value = rate if isinstance(rate, Decimal) else Decimal(text or "")
    except InvalidOperation:
        value = Decimal("NaN")
    if value.is_finite():
        value = value.quantize(RATE_UNIT)
    if not value.is_finite() or value <= 0 or value >= RATE_MAX:
        shown = str(rate)[:30]
        raise _error(
            ExchangeRateErrorCode.INVALID_RATE,
            _("“%(value)s” is not a rate: enter a positive number below 1,000,000,000,000, such as 1.0866.")
            % {"value": shown},
            field="rate",
            value=shown,
        )
    return value


@transaction.atomic
def exchange_rate_set(*, currency: str, rate: Decimal | str | int) -> ExchangeRate:
    """Set (or replace) the rate of `currency` by hand: how many units of it one unit of the
    store's currency buys. A rate set by hand is never overwritten by the feed."""
    require_store()
    code = exchange_rate_currency_clean(currency)
    value = exchange_rate_value_clean(rate)
    row, _created = ExchangeRate.objects.update_or_create(
        currency=code,
        defaults={
            "rate": value,
            "base_currency": store_currency_get(),
            "source": ExchangeRateSource.MANUAL,
            "as_of": timezone.localdate(),
        },
    )
    _after_write()
    return row


@transaction.atomic
def exchange_rate_delete(*, currency: str) -> None:
    """Remove the rate of `currency`; shoppers who chose it see the store's currency again."""
    require_store()
    code = str(currency or "").strip().upper()[:3]
    deleted, _by_model = ExchangeRate.objects.filter(currency=code).delete()
    if not deleted:
        raise _error(
            ExchangeRateErrorCode.NOT_FOUND,
            _("There is no rate for “%(currency)s”.") % {"currency": code},
            currency=code,
        )
    _after_write()


@transaction.atomic
def exchange_rate_feed_update(
    *, enabled: bool, url: str, currencies: list[str] | tuple[str, ...]
) -> ExchangeRateFeed:
    """Save where rates are refreshed from and which currencies to take (empty: all the feed
    lists). The address is checked as far as it can be without the network; every fetch checks
    it again, including what its host resolves to."""
    require_store()
    address = str(url or "").strip()
    if len(address) > 500:
        raise _error(
            ExchangeRateErrorCode.INVALID_URL,
            _("The feed address is too long: at most 500 characters."),
            field="url",
            limit=500,
        )
    try:
        url_check(address)
    except OutboundHttpError as exc:
        raise _error(ExchangeRateErrorCode.INVALID_URL, exc.message, field="url", reason=exc.code) from exc
    codes: list[str] = []
    for currency in currencies:
        code = str(currency).strip().upper()
        if not code:
            continue
        if not currency_is_valid(code):
            raise _error(
                ExchangeRateErrorCode.INVALID_CURRENCY,
                _("“%(value)s” is not an ISO 4217 currency in use (for example USD, GBP or JPY).")
                % {"value": code[:10]},
                field="currencies",
                value=code[:10],
            )
        if code not in codes:
            codes.append(code)
    feed, _created = ExchangeRateFeed.objects.update_or_create(
        pk=EXCHANGE_RATE_FEED_PK, defaults={"enabled": enabled, "url": address, "currencies": sorted(codes)}
    )
    return feed


# ------------------------------------------------------------------------------
# the ECB daily feed
# ------------------------------------------------------------------------------
def _feed_invalid(reason: str, **params: Any) -> ExchangeRateError:
    return _error(
        ExchangeRateErrorCode.FEED_INVALID,
        _("The feed is not in the ECB daily format (%(reason)s).") % {"reason": reason},
        reason=reason,
        **params,
    )


def ecb_rates_parse(content: bytes) -> tuple[datetime.date | None, dict[str, Decimal]]:
    """The date and the rates (currency -> units per euro) of an eurofxref-daily.xml document.

    defusedxml refuses DTDs, entity declarations and external references outright: the feed
    never has any, and each is a way to blow up memory or read local files."""
    try:
        root = fromstring(content, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise _feed_invalid(
            "not well-formed XML" if isinstance(exc, ParseError) else "DTD or entities"
        ) from exc
    day: datetime.date | None = None
    rates: dict[str, Decimal] = {}
    for cube in root.iter(f"{ECB_NAMESPACE}Cube"):
        when = cube.get("time")
        if when is not None:
            try:
                day = datetime.date.fromisoformat(when.strip())
            except ValueError as exc:
                raise _feed_invalid("bad date", value=when[:20]) from exc
        code, rate = cube.get("currency"), cube.get("rate")
        if code is None or rate is None:
            continue
        code = code.strip().upper()
        try:
            value = Decimal(rate.strip())
        except InvalidOperation as exc:
            raise _feed_invalid("bad rate", currency=code[:10], value=rate[:30]) from exc
        if not value.is_finite() or value <= 0:
            raise _feed_invalid("bad rate", currency=code[:10], value=rate[:30])
        if currency_is_valid(code):
            rates[code] = value
    if not rates:
        raise _feed_invalid("no rates")
    return day, rates


def _rates_against(base: str, per_euro: dict[str, Decimal]) -> dict[str, Decimal]:
    """Cross rates: units of each currency per unit of `base`, from rates per euro."""
    quotes = {**per_euro, ECB_BASE_CURRENCY: Decimal(1)}
    if base not in quotes:
        raise _error(
            ExchangeRateErrorCode.FEED_LACKS_STORE_CURRENCY,
            _("The feed has no rate for the store's currency (%(currency)s).") % {"currency": base},
            currency=base,
        )
    base_quote = quotes[base]
    return {
        code: (quote / base_quote).quantize(RATE_UNIT)
        for code, quote in quotes.items()
        if code != base and RATE_UNIT <= (quote / base_quote) < RATE_MAX
    }


def _fetch(url: str) -> bytes:
    try:
        response = safe_get(
            url,
            headers={"Accept": "application/xml, text/xml"},
            timeout=FEED_TIMEOUT_SECONDS,
            max_bytes=FEED_MAX_BYTES,
        )
        response.raise_for_status()
    except OutboundHttpError as exc:
        raise _error(
            ExchangeRateErrorCode.FEED_UNREACHABLE,
            _("The feed could not be fetched: %(reason)s") % {"reason": exc.message},
            reason=exc.code,
        ) from exc
    return response.content


def _feed_failed(error: ExchangeRateError) -> None:
    ExchangeRateFeed.objects.filter(pk=EXCHANGE_RATE_FEED_PK).update(
        last_attempt_at=timezone.now(),
        last_error_code=str(error.code),
        last_error_params={key: value for key, value in error.params.items() if isinstance(value, str | int)},
    )


def exchange_rates_refresh() -> dict[str, Any]:
    """Fetch the store's feed and replace the rates it provides (rates set by hand are kept).
    Returns a summary; raises `ExchangeRateError` when the feed cannot be used, after noting
    the failure on the feed row, and then no rate has changed."""
    require_store()
    feed = ExchangeRateFeed.objects.filter(pk=EXCHANGE_RATE_FEED_PK).first() or ExchangeRateFeed()
    try:
        day, per_euro = ecb_rates_parse(_fetch(feed.url))
        rates = _rates_against(store_currency_get(), per_euro)
        return _rates_store(feed=feed, day=day, rates=rates)
    except ExchangeRateError as error:
        logger.warning("exchange-rate feed %s failed: %s", feed.url, error.code)
        _feed_failed(error)  # no row (a feed never saved): nothing to note it on
        raise


@transaction.atomic
def _rates_store(
    *, feed: ExchangeRateFeed, day: datetime.date | None, rates: dict[str, Decimal]
) -> dict[str, Any]:
    base = store_currency_get()
    wanted = set(feed.currencies) if feed.currencies else set(rates)
    manual = set(
        ExchangeRate.objects.filter(source=ExchangeRateSource.MANUAL).values_list("currency", flat=True)
    )
    updated: list[str] = []
    for code in sorted((wanted & set(rates)) - manual):
        ExchangeRate.objects.update_or_create(
            currency=code,
            defaults={
                "rate": rates[code],
                "base_currency": base,
                "source": ExchangeRateSource.FEED,
                "as_of": day,
            },
        )
        updated.append(code)
    removed = 0
    if feed.currencies:
        # The merchant narrowed the list: the feed's rates for the others go.
        removed, _by_model = (
            ExchangeRate.objects.filter(source=ExchangeRateSource.FEED).exclude(currency__in=wanted).delete()
        )
    now = timezone.now()
    ExchangeRateFeed.objects.filter(pk=EXCHANGE_RATE_FEED_PK).update(
        last_attempt_at=now, last_success_at=now, last_error_code="", last_error_params={}
    )
    _after_write()
    return {
        "updated": updated,
        "removed": removed,
        "kept_manual": sorted(wanted & manual),
        "missing": sorted(wanted - set(rates) - {base}),
        "as_of": day.isoformat() if day else None,
    }


def exchange_rates_refresh_if_enabled() -> dict[str, Any]:
    """The periodic job: refresh the stores that turned automatic refresh on."""
    require_store()
    if not ExchangeRateFeed.objects.filter(pk=EXCHANGE_RATE_FEED_PK, enabled=True).exists():
        return {"skipped": "disabled"}
    return exchange_rates_refresh()
