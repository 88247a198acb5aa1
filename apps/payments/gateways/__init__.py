"""The gateway interface (Contract 3 of issue 8). Import the public names from here."""

from apps.payments.enums import GatewayCode, GatewayKind, PaymentStatus, RefundStatus
from apps.payments.gateways.base import (
    Gateway,
    GatewayChoice,
    GatewayResult,
    PaymentRequest,
    PaymentUpdate,
    RefundResult,
    gateway_codes,
    gateway_get,
    gateway_register,
    gateways_available,
)
from apps.payments.gateways.manual import MANUAL_GATEWAY_CODES, gateway_is_manual

__all__ = [
    "MANUAL_GATEWAY_CODES",
    "Gateway",
    "GatewayChoice",
    "GatewayCode",
    "GatewayKind",
    "GatewayResult",
    "PaymentRequest",
    "PaymentStatus",
    "PaymentUpdate",
    "RefundResult",
    "RefundStatus",
    "gateway_codes",
    "gateway_get",
    "gateway_is_manual",
    "gateway_register",
    "gateways_available",
]


def register_builtin_gateways() -> None:
    """Register dummy, Stripe, bank transfer and cash on delivery (called from AppConfig.ready)."""
    from apps.payments.gateways.dummy import DummyGateway
    from apps.payments.gateways.stripe import StripeGateway, stripe_ready
    from apps.payments.selectors import dummy_gateway_allowed

    gateway_register(
        GatewayCode.STRIPE.value,
        lambda row: StripeGateway(account_id=row.stripe_account_id),
        enabled=lambda row: row.stripe_enabled,
        ready=stripe_ready,
    )
    gateway_register(
        GatewayCode.DUMMY.value,
        lambda row: DummyGateway(),
        enabled=lambda row: row.dummy_enabled and dummy_gateway_allowed(),
    )
    _register_manual(GatewayCode.BANK_TRANSFER.value, "bank_transfer_enabled")
    _register_manual(GatewayCode.CASH_ON_DELIVERY.value, "cash_on_delivery_enabled")


def _register_manual(code: str, flag: str) -> None:
    from apps.payments.gateways.manual import ManualGateway, manual_instructions
    from apps.payments.models import PaymentSettings

    def build(row: PaymentSettings) -> Gateway:
        return ManualGateway(code=code, instructions=manual_instructions(code, row))

    def enabled(row: PaymentSettings) -> bool:
        return bool(getattr(row, flag))

    def instructions(row: PaymentSettings) -> str:
        return manual_instructions(code, row)

    gateway_register(code, build, enabled=enabled, instructions=instructions)
