"""Card payments through Stripe Connect: PaymentIntents created on the store's connected account
(direct charges, `Stripe-Account` header) with the platform's application fee.

`start` creates the PaymentIntent and answers REQUIRES_ACTION with its `client_secret`: the
checkout page mounts Stripe's Payment Element with it and Stripe.js confirms the payment in the
browser, then returns the shopper to `return_url`. What happened is learnt from `retrieve` (on
return) and from the Connect webhooks (apps.payments.platform), normalised by the helpers at
the end of this module.

Every mutating call carries an idempotency key: the caller's for `start` and `refund`, one
derived from the intent for `cancel`. Amounts go out in Stripe's minor units
(apps.payments.stripe_client.stripe_amount: zero-decimal currencies as they are).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_DOWN, Decimal
from typing import Any, cast

import stripe
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.tenancy import require_store
from apps.payments.enums import GatewayCode, GatewayKind, PaymentStatus, RefundStatus
from apps.payments.errors import (
    AmountInvalid,
    GatewayUnavailable,
    IdempotencyConflict,
    PaymentNotCancellable,
    PaymentNotFound,
)
from apps.payments.gateways.base import GatewayResult, PaymentRequest, RefundResult
from apps.payments.models import PaymentSettings
from apps.payments.stripe_client import (
    STRIPE_THREE_DECIMAL,
    STRIPE_WHOLE_UNITS_ONLY,
    provider_error,
    stripe_amount,
    stripe_amount_to_decimal,
    stripe_client,
)

AMOUNT_ERROR_CODES = frozenset({"amount_too_small", "amount_too_large", "invalid_charge_amount"})


def stripe_ready(row: PaymentSettings) -> bool:
    """Can this store take card payments now: platform keys set, an account that Stripe lets
    charge."""
    return bool(settings.STRIPE_SECRET_KEY and row.stripe_account_id and row.stripe_charges_enabled)


def application_fee_percent() -> Decimal:
    return Decimal(str(settings.PAYMENTS_STRIPE_APPLICATION_FEE_PERCENT))


def application_fee_minor(amount_minor: int, currency: str) -> int:
    """The platform's fee in Stripe's minor units, rounded down to a step Stripe accepts (the
    merchant never pays more than the percentage)."""
    code = currency.upper()
    step = 10 if code in STRIPE_THREE_DECIMAL else 100 if code in STRIPE_WHOLE_UNITS_ONLY else 1
    raw = (Decimal(amount_minor) * application_fee_percent() / 100 / step).to_integral_value(
        rounding=ROUND_DOWN
    )
    return max(int(raw) * step, 0)


def _idempotent(error: stripe.IdempotencyError, key: str) -> IdempotencyConflict:
    return IdempotencyConflict(
        _("This payment key was already used for a different payment."),
        params={"idempotency_key": key, "provider_message": str(error.user_message or "")},
    )


class StripeGateway:
    code = GatewayCode.STRIPE.value
    name = gettext_lazy("Card")
    kind = GatewayKind.PAYMENT_ELEMENT.value

    def __init__(self, *, account_id: str) -> None:
        self.account_id = account_id

    def _options(self, idempotency_key: str | None = None) -> Any:
        if not self.account_id:
            raise GatewayUnavailable(_("This store has not connected a Stripe account yet."))
        options: dict[str, Any] = {"stripe_account": self.account_id}
        if idempotency_key is not None:
            options["idempotency_key"] = idempotency_key
        return options

    def start(self, request: PaymentRequest) -> GatewayResult:
        client = stripe_client()
        currency = request.currency.upper()
        amount_minor = stripe_amount(request.amount, currency)
        params: dict[str, Any] = {
            "amount": amount_minor,
            "currency": currency.lower(),
            "automatic_payment_methods": {"enabled": True},
            "application_fee_amount": application_fee_minor(amount_minor, currency),
            "metadata": {"reference": request.reference, "store_schema": require_store()},
        }
        if request.description:
            params["description"] = request.description[:1000]
        if request.email:
            params["receipt_email"] = request.email
        options = self._options(request.idempotency_key)
        try:
            intent = client.v1.payment_intents.create(params=cast(Any, params), options=options)
        except stripe.IdempotencyError as error:
            raise _idempotent(error, request.idempotency_key) from error
        except stripe.InvalidRequestError as error:
            if error.code in AMOUNT_ERROR_CODES:
                raise AmountInvalid(
                    _("This amount cannot be paid by card."),
                    params={"amount": str(request.amount), "currency": currency, "code": error.code},
                ) from error
            raise provider_error(error) from error
        except stripe.StripeError as error:
            raise provider_error(error) from error
        return intent_result(intent.to_dict())

    def retrieve(self, *, external_id: str) -> GatewayResult:
        client = stripe_client()
        try:
            intent = client.v1.payment_intents.retrieve(
                external_id, params={"expand": ["latest_charge"]}, options=self._options()
            )
        except stripe.InvalidRequestError as error:
            if error.http_status == 404:
                raise PaymentNotFound(_("No such payment."), params={"external_id": external_id}) from error
            raise provider_error(error) from error
        except stripe.StripeError as error:
            raise provider_error(error) from error
        return intent_result(intent.to_dict())

    def refund(
        self, *, external_id: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> RefundResult:
        client = stripe_client()
        params: dict[str, Any] = {
            "payment_intent": external_id,
            "amount": stripe_amount(amount, currency),
            "metadata": {"store_schema": require_store()},
        }
        try:
            refund = client.v1.refunds.create(
                params=cast(Any, params), options=self._options(idempotency_key)
            )
        except stripe.IdempotencyError as error:
            raise _idempotent(error, idempotency_key) from error
        except stripe.InvalidRequestError as error:
            # Refused (already refunded, more than is left, a disputed charge): a result, not a crash.
            return RefundResult(
                status=RefundStatus.FAILED,
                external_id="",
                error_code=error.code or "refund_refused",
                error_message=_("The payment provider refused the refund."),
            )
        except stripe.StripeError as error:
            raise provider_error(error) from error
        data = refund.to_dict()
        return RefundResult(
            status=refund_status(str(data.get("status") or "")),
            external_id=str(data["id"]),
            error_code=str(data.get("failure_reason") or ""),
        )

    def cancel(self, *, external_id: str) -> GatewayResult:
        client = stripe_client()
        try:
            intent = client.v1.payment_intents.cancel(
                external_id, options=self._options(f"cancel-{external_id}")
            )
        except stripe.InvalidRequestError as error:
            if error.http_status == 404:
                raise PaymentNotFound(_("No such payment."), params={"external_id": external_id}) from error
            raise PaymentNotCancellable(
                _("This payment can no longer be cancelled."),
                params={"external_id": external_id, "code": error.code or ""},
            ) from error
        except stripe.StripeError as error:
            raise provider_error(error) from error
        return intent_result(intent.to_dict())


# ------------------------------------------------------------------------------
# Stripe objects -> our vocabulary (also used by the Connect webhook handlers)
# ------------------------------------------------------------------------------
_INTENT_STATUS = {
    "requires_payment_method": PaymentStatus.REQUIRES_ACTION,
    "requires_confirmation": PaymentStatus.REQUIRES_ACTION,
    "requires_action": PaymentStatus.REQUIRES_ACTION,
    "processing": PaymentStatus.PROCESSING,
    "requires_capture": PaymentStatus.AUTHORIZED,
    "succeeded": PaymentStatus.SUCCEEDED,
    "canceled": PaymentStatus.CANCELLED,
}


def intent_status(intent: Mapping[str, Any]) -> PaymentStatus:
    """A PaymentIntent's status in ours. `requires_payment_method` after a failed attempt (it
    carries `last_payment_error`) is FAILED: the shopper must start again with another card.
    A succeeded intent whose expanded charge was refunded is (PARTIALLY_)REFUNDED."""
    raw = str(intent.get("status") or "")
    if raw == "requires_payment_method" and intent.get("last_payment_error"):
        return PaymentStatus.FAILED
    status = _INTENT_STATUS.get(raw, PaymentStatus.PENDING)
    charge = intent.get("latest_charge")
    if status == PaymentStatus.SUCCEEDED and isinstance(charge, Mapping):
        return charge_status(charge)
    return status


def charge_status(charge: Mapping[str, Any]) -> PaymentStatus:
    refunded = int(charge.get("amount_refunded") or 0)
    if refunded <= 0:
        return PaymentStatus.SUCCEEDED
    if refunded >= int(charge.get("amount") or 0):
        return PaymentStatus.REFUNDED
    return PaymentStatus.PARTIALLY_REFUNDED


def refund_status(raw: str) -> str:
    if raw == "succeeded":
        return RefundStatus.SUCCEEDED
    if raw in ("pending", "requires_action"):
        return RefundStatus.PENDING
    return RefundStatus.FAILED


def stripe_error_message(error: Mapping[str, Any] | None) -> tuple[str, str]:
    """(code, message for the shopper) of a PaymentIntent's `last_payment_error`, in our words."""
    if not error:
        return "", ""
    code = str(error.get("decline_code") or error.get("code") or "payment_failed")
    if code in ("authentication_required", "payment_intent_authentication_failure"):
        return code, _("The card could not be authenticated. Try again or use another card.")
    if code in ("expired_card",):
        return code, _("Your card has expired. Try another card.")
    if code in ("incorrect_cvc", "invalid_cvc"):
        return code, _("The card's security code is wrong.")
    if error.get("type") == "card_error":
        return code, _("Your card was declined. Try another card or another payment method.")
    return code, _("The payment did not go through. Try again or use another payment method.")


def intent_result(intent: Mapping[str, Any]) -> GatewayResult:
    currency = str(intent.get("currency") or "").upper()
    status = intent_status(intent)
    error_code, error_message = (
        stripe_error_message(intent.get("last_payment_error")) if status == PaymentStatus.FAILED else ("", "")
    )
    fee_minor = intent.get("application_fee_amount")
    charge = intent.get("latest_charge")
    refunded_minor = int(charge.get("amount_refunded") or 0) if isinstance(charge, Mapping) else 0
    return GatewayResult(
        status=status,
        external_id=str(intent["id"]),
        client_secret=str(intent.get("client_secret") or "")
        if status == PaymentStatus.REQUIRES_ACTION
        else "",
        error_code=error_code,
        error_message=error_message,
        fee=stripe_amount_to_decimal(int(fee_minor), currency)
        if fee_minor is not None and currency
        else None,
        amount=stripe_amount_to_decimal(int(intent.get("amount") or 0), currency) if currency else None,
        amount_refunded=stripe_amount_to_decimal(refunded_minor, currency) if currency else None,
        currency=currency,
        raw=dict(intent),
    )
