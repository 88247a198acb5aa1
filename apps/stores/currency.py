"""Presentment: prices *shown* in another currency from the store's stored exchange rates.

A store sells in one currency (`StoreSettings.currency`) and every order is charged in it. A
shopper may choose to see prices in another currency for which the store keeps a rate
(`ExchangeRate`); those amounts are converted here, rounded to the target currency's own
decimals (JPY none, KWD three) and marked as approximate by the interfaces that show them.

Reads only, from the tenant-aware cache (every key carries the schema): one store's rates or a
shopper's choice never reach another store. A currency without a usable rate falls back to the
store's currency rather than failing: showing the real price is always correct.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache

from apps.core.money import currency_is_valid, currency_unit, money_format, money_quantize
from apps.core.tenancy import require_store
from apps.stores.models import ExchangeRate, ExchangeRateFeed
from apps.stores.selectors import store_currency_get

# Bump the version when the cached shape changes. The store's currency is part of the key:
# rates are kept against the currency they were set for, and a change of store currency
# must not serve the old answer.
EXCHANGE_RATES_CACHE_KEY = "stores:exchange_rates:v1:{base}"
EXCHANGE_RATES_CACHE_SECONDS = 60 * 60


@dataclass(frozen=True)
class Presentment:
    """How prices are shown: in `currency`, at `rate` units of it per unit of `store_currency`."""

    store_currency: str
    currency: str
    rate: Decimal

    @property
    def is_converted(self) -> bool:
        """True when amounts are shown in a currency the shopper is not charged in."""
        return self.currency != self.store_currency

    def convert(self, amount: Decimal | int | str) -> Decimal:
        """`amount` (in the store's currency) in the display currency, rounded half-up to its
        minor units."""
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
        if not self.is_converted:
            return money_quantize(value, self.store_currency)
        return money_quantize(value * self.rate, self.currency)

    def store_bound(self, amount: Decimal, *, upper: bool) -> Decimal:
        """A price bound typed in the display currency (a listing's price filter), in the store's
        currency: every price *shown* at or above it (at or below it, `upper`) passes. A shown
        price is rounded to the display currency's minor units, so the bound is widened by half
        of one (¥5,000 takes in what shows as ¥5,000 from ¥4,999.50 up)."""
        if not self.is_converted:
            return amount
        half = currency_unit(self.currency) / 2
        edge = amount + half if upper else max(amount - half, Decimal(0))
        return edge / self.rate

    def format(self, amount: Decimal | int | str, *, locale: str) -> str:
        """The converted amount as a reader of `locale` writes it ("$10.87", "10,87 $")."""
        return money_format(self.convert(amount), self.currency, locale)


def exchange_rates_get() -> dict[str, Decimal]:
    """Usable rates of this store: currency -> units per unit of the store's currency. Rates set
    against a currency the store no longer sells in are left out."""
    require_store()
    base = store_currency_get()
    key = EXCHANGE_RATES_CACHE_KEY.format(base=base)
    cached = cache.get(key)
    if isinstance(cached, dict):
        return cached
    rates = {
        currency: rate
        for currency, rate in ExchangeRate.objects.filter(base_currency=base)
        .exclude(currency=base)
        .values_list("currency", "rate")
        if currency_is_valid(currency) and rate > 0
    }
    cache.set(key, rates, EXCHANGE_RATES_CACHE_SECONDS)
    return rates


def exchange_rates_cache_clear() -> None:
    """Forget the cached rates of the current store."""
    require_store()
    cache.delete(EXCHANGE_RATES_CACHE_KEY.format(base=store_currency_get()))


def exchange_rate_list() -> list[ExchangeRate]:
    """Every stored rate, usable or not (the dashboard shows stale ones so they can be fixed)."""
    require_store()
    return list(ExchangeRate.objects.order_by("currency"))


def exchange_rate_feed_get() -> ExchangeRateFeed:
    """The store's feed settings (defaults when it has never saved any; nothing is written)."""
    require_store()
    return ExchangeRateFeed.objects.filter(pk=1).first() or ExchangeRateFeed()


def presentment_currencies() -> list[str]:
    """What a shopper may choose: the store's currency first, then every currency with a rate."""
    return [store_currency_get(), *sorted(exchange_rates_get())]


def presentment_get(*, currency: str | None = None) -> Presentment:
    """How to show prices to a shopper who chose `currency` (None: the store's own). A currency
    the store has no usable rate for falls back to the store's currency."""
    store_currency = store_currency_get()
    code = (currency or "").strip().upper()
    if code and code != store_currency:
        rate = exchange_rates_get().get(code)
        if rate is not None:
            return Presentment(store_currency=store_currency, currency=code, rate=rate)
    return Presentment(store_currency=store_currency, currency=store_currency, rate=Decimal(1))
