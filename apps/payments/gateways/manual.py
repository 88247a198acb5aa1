"""Manual payments: bank transfer and cash on delivery. Nothing is charged here; `start` answers
PENDING with the store's instructions, and the payment stays pending until staff mark the order
paid. Refunds are made outside the shop (a bank transfer back, cash), so `refund` records
nothing and answers "succeeded" for the amount staff say they returned.

The external id is derived from the idempotency key, so a repeated start is the same payment.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.money import money_quantize
from apps.payments.enums import GatewayCode, GatewayKind, PaymentStatus, RefundStatus
from apps.payments.errors import AmountInvalid
from apps.payments.gateways.base import GatewayResult, PaymentRequest, RefundResult
from apps.payments.models import PaymentSettings

MANUAL_GATEWAY_CODES = frozenset({GatewayCode.BANK_TRANSFER.value, GatewayCode.CASH_ON_DELIVERY.value})


def gateway_is_manual(code: str) -> bool:
    """Is `code` paid outside the shop (staff mark such orders paid by hand)?"""
    return code in MANUAL_GATEWAY_CODES


def manual_instructions(code: str, settings: PaymentSettings) -> str:
    if code == GatewayCode.BANK_TRANSFER:
        return settings.bank_transfer_instructions
    if code == GatewayCode.CASH_ON_DELIVERY:
        return settings.cash_on_delivery_instructions or _("Pay in cash when your order is delivered.")
    return ""


def _external_id(code: str, key: str) -> str:
    return f"{code}_{hashlib.sha256(key.encode()).hexdigest()[:32]}"


class ManualGateway:
    kind = GatewayKind.OFFLINE.value

    def __init__(self, *, code: str, instructions: str) -> None:
        if not gateway_is_manual(code):
            raise ValueError(f"{code!r} is not a manual gateway")
        self.code = code
        self.instructions = instructions

    @property
    def name(self) -> str | Promise:
        if self.code == GatewayCode.BANK_TRANSFER:
            return gettext_lazy("Bank transfer")
        return gettext_lazy("Cash on delivery")

    def start(self, request: PaymentRequest) -> GatewayResult:
        amount = money_quantize(request.amount, request.currency.upper())
        if amount <= 0:
            raise AmountInvalid(_("The amount must be more than zero."), params={"amount": str(amount)})
        return GatewayResult(
            status=PaymentStatus.PENDING,
            external_id=_external_id(self.code, request.idempotency_key),
            amount=amount,
            currency=request.currency.upper(),
            instructions=self.instructions,
        )

    def retrieve(self, *, external_id: str) -> GatewayResult:
        # The shop knows nothing the order does not: the payment is pending until marked paid.
        return GatewayResult(
            status=PaymentStatus.PENDING, external_id=external_id, instructions=self.instructions
        )

    def refund(
        self, *, external_id: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> RefundResult:
        return RefundResult(
            status=RefundStatus.SUCCEEDED, external_id=_external_id("refund", idempotency_key)
        )

    def cancel(self, *, external_id: str) -> GatewayResult:
        return GatewayResult(status=PaymentStatus.CANCELLED, external_id=external_id)
