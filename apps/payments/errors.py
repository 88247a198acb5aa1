"""Payment errors: one `PaymentErrorCode` per way a payment operation can be refused.

A declined card is not an error: the gateway answers with a `GatewayResult` whose status is
FAILED and whose `error_code` names the decline. These errors are for what cannot be attempted
at all (an unknown or disabled gateway, Stripe not set up, an amount Stripe cannot express) and
for a provider that failed to answer.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.errors import ApplicationError


class PaymentErrorCode(models.TextChoices):
    PAYMENT_ERROR = "payment_error", _("Payment error")
    GATEWAY_UNKNOWN = "gateway_unknown", _("Unknown payment method")
    GATEWAY_DISABLED = "gateway_disabled", _("Payment method not enabled")
    GATEWAY_UNAVAILABLE = "gateway_unavailable", _("Payment method not ready")
    STRIPE_NOT_CONFIGURED = "stripe_not_configured", _("Stripe is not configured on this platform")
    PROVIDER_ERROR = "provider_error", _("The payment provider could not be reached")
    AMOUNT_INVALID = "amount_invalid", _("Amount cannot be charged")
    IDEMPOTENCY_CONFLICT = "idempotency_conflict", _("Same request key, different request")
    PAYMENT_NOT_FOUND = "payment_not_found", _("No such payment")
    PAYMENT_NOT_CANCELLABLE = "payment_not_cancellable", _("Payment can no longer be cancelled")
    SETTINGS_INVALID = "settings_invalid", _("Invalid payment settings")
    TEMPLATE_SCHEMA = "template_schema", _("The template schema has no payment settings")
    ACCOUNT_ROUTE_CONFLICT = "account_route_conflict", _("Stripe account belongs to another store")


class PaymentError(ApplicationError):
    code: str = PaymentErrorCode.PAYMENT_ERROR
    codes = PaymentErrorCode


class GatewayUnknown(PaymentError):
    code = PaymentErrorCode.GATEWAY_UNKNOWN


class GatewayDisabled(PaymentError):
    code = PaymentErrorCode.GATEWAY_DISABLED


class GatewayUnavailable(PaymentError):
    """Enabled, but not able to take a payment yet (Stripe onboarding unfinished)."""

    code = PaymentErrorCode.GATEWAY_UNAVAILABLE


class StripeNotConfigured(PaymentError):
    code = PaymentErrorCode.STRIPE_NOT_CONFIGURED


class ProviderError(PaymentError):
    """The provider answered with an error we cannot turn into a result, or not at all.
    `params` carry the provider's own error type and code."""

    code = PaymentErrorCode.PROVIDER_ERROR


class AmountInvalid(PaymentError):
    code = PaymentErrorCode.AMOUNT_INVALID


class IdempotencyConflict(PaymentError):
    code = PaymentErrorCode.IDEMPOTENCY_CONFLICT


class PaymentNotFound(PaymentError):
    code = PaymentErrorCode.PAYMENT_NOT_FOUND


class PaymentNotCancellable(PaymentError):
    code = PaymentErrorCode.PAYMENT_NOT_CANCELLABLE


class PaymentSettingsInvalid(PaymentError):
    code = PaymentErrorCode.SETTINGS_INVALID


class AccountRouteConflict(PaymentError):
    """A Stripe account id already routed to another store (never expected: ids are unique)."""

    code = PaymentErrorCode.ACCOUNT_ROUTE_CONFLICT
