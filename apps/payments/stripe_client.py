"""The platform's Stripe client and Stripe's way of writing amounts.

`stripe_client()` is a `stripe.StripeClient` built from settings: the platform's secret key and
an API base that tests and local development point at the fake server. Every call on behalf of
a store passes `stripe_account` (direct charges on the store's connected account).

Stripe wants amounts as integers in the currency's minor unit, with its own table of which
currency has how many (https://docs.stripe.com/currencies): zero-decimal currencies (JPY, KRW,
...) are sent as they are, the five three-decimal ones (BHD, JOD, KWD, OMR, TND) times 1000
with a last digit of 0, and everything else times 100 (ISK too, which must then be a multiple of
100: whole krónur). An amount Stripe cannot express is refused before any call, never rounded
silently.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

import stripe
from django.conf import settings
from django.utils.translation import gettext as _

from apps.core.money import money_quantize
from apps.payments.errors import AmountInvalid, ProviderError, StripeNotConfigured

# https://docs.stripe.com/currencies#zero-decimal
STRIPE_ZERO_DECIMAL = frozenset(
    {
        "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA",
        "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF",
    }
)  # fmt: skip
# https://docs.stripe.com/currencies#three-decimal: the least significant digit must be 0.
STRIPE_THREE_DECIMAL = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})
# Two decimals in the API, but only whole units are accepted (amounts divisible by 100).
STRIPE_WHOLE_UNITS_ONLY = frozenset({"ISK"})


def stripe_exponent(currency: str) -> int:
    """How many decimals Stripe's integer amounts of `currency` carry."""
    code = currency.upper()
    if code in STRIPE_ZERO_DECIMAL:
        return 0
    if code in STRIPE_THREE_DECIMAL:
        return 3
    return 2


def stripe_amount(amount: Decimal, currency: str) -> int:
    """`amount` as Stripe's integer (10.00 EUR -> 1000, 500 JPY -> 500, 1.250 KWD -> 1250).
    Raises `AmountInvalid` for an amount that is not positive or that Stripe cannot express."""
    code = currency.upper()
    value = money_quantize(amount, code)
    if value <= 0:
        raise AmountInvalid(_("The amount must be more than zero."), params={"amount": str(amount)})
    scaled = value.scaleb(stripe_exponent(code))
    step = 10 if code in STRIPE_THREE_DECIMAL else 100 if code in STRIPE_WHOLE_UNITS_ONLY else 1
    if scaled != scaled.to_integral_value() or int(scaled) % step:
        raise AmountInvalid(
            _(
                "%(amount)s %(currency)s cannot be charged by card: Stripe takes %(currency)s in steps of %(step)s."
            )
            % {
                "amount": value,
                "currency": code,
                "step": Decimal(step).scaleb(-stripe_exponent(code)),
            },
            params={"amount": str(value), "currency": code},
        )
    return int(scaled)


def stripe_amount_to_decimal(minor: int, currency: str) -> Decimal:
    """Stripe's integer back to a Decimal of the currency's own precision (1000 EUR -> 10.00)."""
    code = currency.upper()
    return money_quantize(Decimal(int(minor)).scaleb(-stripe_exponent(code)), code)


# ------------------------------------------------------------------------------
# The client
# ------------------------------------------------------------------------------
@lru_cache(maxsize=4)
def _client(api_key: str, api_base: str, timeout: int, retries: int) -> stripe.StripeClient:
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": api_base, "connect": api_base, "files": api_base},
        http_client=stripe.RequestsClient(timeout=timeout),
        max_network_retries=retries,
    )


def stripe_client() -> stripe.StripeClient:
    """The platform's client; raises `StripeNotConfigured` without a secret key."""
    if not settings.STRIPE_SECRET_KEY:
        raise StripeNotConfigured(_("Card payments through Stripe are not set up on this platform."))
    return _client(
        settings.STRIPE_SECRET_KEY,
        settings.STRIPE_API_BASE.rstrip("/"),
        int(settings.STRIPE_HTTP_TIMEOUT_SECONDS),
        int(settings.STRIPE_MAX_NETWORK_RETRIES),
    )


def provider_error(error: stripe.StripeError) -> ProviderError:
    """A Stripe error we cannot turn into a payment result, as our error (its type and code kept
    as params for logs and callers; the message for people stays ours)."""
    return ProviderError(
        _("The card payment provider could not complete the request. Please try again."),
        params={
            "provider": "stripe",
            "type": type(error).__name__,
            "code": getattr(error, "code", None) or "",
            "http_status": getattr(error, "http_status", None),
            "request_id": getattr(error, "request_id", None) or "",
        },
    )
