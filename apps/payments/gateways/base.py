"""The one gateway interface every payment method implements, and the registry that finds a
store's gateways.

A gateway takes a `PaymentRequest` and answers with a `GatewayResult` (it never raises for a
decline: a declined card is a FAILED result with an `error_code`). It raises `PaymentError`
only when it cannot try at all (not configured, an amount it cannot express) or when the
provider failed to answer. Every mutating call carries the caller's idempotency key, so the
same request sent twice charges once.

Gateways are registered by code in `PaymentsConfig.ready()`; `gateway_get` builds one for the
current store and refuses a code the store (or the platform) has not enabled.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

from django.utils.functional import Promise
from django.utils.translation import gettext as _

from apps.payments.enums import GatewayKind, PaymentStatus, RefundStatus
from apps.payments.errors import GatewayDisabled, GatewayUnavailable, GatewayUnknown
from apps.payments.models import PaymentSettings


@dataclass(frozen=True)
class PaymentRequest:
    """One attempt to take `amount` (in `currency`, already rounded to its minor unit).

    `reference` names what is paid (an order's uuid), `idempotency_key` makes a repeated
    attempt the same attempt, `return_url` is where the shopper comes back after an
    authentication step, `data` carries what the checkout collected for this gateway (the dummy
    gateway's `card_number`)."""

    reference: str
    amount: Decimal
    currency: str
    email: str
    description: str
    idempotency_key: str
    return_url: str
    data: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class GatewayResult:
    """Where a payment stands after a call. REQUIRES_ACTION comes with what the shopper must do:
    `action_url` (go there) or `client_secret` (Stripe's Payment Element completes it).
    `error_code`/`error_message` explain a FAILED payment; `fee` is the platform's fee, if any."""

    status: PaymentStatus
    external_id: str
    client_secret: str = ""
    action_url: str = ""
    error_code: str = ""
    error_message: str = ""
    fee: Decimal | None = None
    amount: Decimal | None = None
    amount_refunded: Decimal | None = None
    currency: str = ""
    instructions: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RefundResult:
    status: str  # a RefundStatus value: "succeeded" | "pending" | "failed"
    external_id: str
    error_message: str = ""
    error_code: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status == RefundStatus.SUCCEEDED


@dataclass(frozen=True)
class GatewayChoice:
    """One way a shopper of this store can pay, as the checkout page lists it."""

    code: str
    name: str
    kind: str  # a GatewayKind value
    instructions: str = ""

    @property
    def is_manual(self) -> bool:
        return self.kind == GatewayKind.OFFLINE


@dataclass(frozen=True)
class PaymentUpdate:
    """A change of a payment learnt after the call that started it (a webhook, the dummy
    authentication page, a Stripe return). `occurred_at` is when the change happened at the
    provider, so a consumer can ignore an older update that arrives after a newer one;
    `event_id` is the provider's id of the change (for de-duplication and the timeline).
    `error_code`/`error_message` explain a FAILED (or CANCELLED) payment as `GatewayResult`'s
    do: the gateway's code and the words for the shopper ("" when there are none)."""

    gateway: str
    external_id: str
    status: PaymentStatus
    amount: Decimal | None
    amount_refunded: Decimal | None
    currency: str
    occurred_at: datetime
    event_id: str
    error_code: str = ""
    error_message: str = ""


@runtime_checkable
class Gateway(Protocol):
    @property
    def code(self) -> str: ...

    @property
    def name(self) -> str | Promise:  # shown to shoppers, translated
        ...

    @property
    def kind(self) -> str:  # a GatewayKind value
        ...

    def start(self, request: PaymentRequest) -> GatewayResult: ...

    def retrieve(self, *, external_id: str) -> GatewayResult: ...

    def refund(
        self, *, external_id: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> RefundResult: ...

    def cancel(self, *, external_id: str) -> GatewayResult: ...


# ------------------------------------------------------------------------------
# Registry
# ------------------------------------------------------------------------------
GatewayFactory = Callable[[PaymentSettings], Gateway]
SettingsTest = Callable[[PaymentSettings], bool]


def _always(_settings: PaymentSettings) -> bool:
    return True


def _no_instructions(_settings: PaymentSettings) -> str:
    return ""


@dataclass(frozen=True)
class _Registered:
    factory: GatewayFactory
    # Has the store (and the platform) switched this gateway on?
    enabled: SettingsTest
    # Can it take a payment now (Stripe: onboarding complete)? An enabled, unready one is refused.
    ready: SettingsTest = _always
    # The store's words for shoppers (bank details, what the courier takes), if any.
    instructions: Callable[[PaymentSettings], str] = _no_instructions


_gateways: dict[str, _Registered] = {}


def gateway_register(
    code: str,
    factory: GatewayFactory,
    *,
    enabled: SettingsTest,
    ready: SettingsTest = _always,
    instructions: Callable[[PaymentSettings], str] = _no_instructions,
) -> None:
    """Make `code` a gateway: `factory` builds it from the store's `PaymentSettings`; `enabled`,
    `ready` and `instructions` read the same settings. Registering a code again replaces it."""
    _gateways[code] = _Registered(factory=factory, enabled=enabled, ready=ready, instructions=instructions)


def gateway_codes() -> list[str]:
    return list(_gateways)


def gateway_get(code: str, *, enabled_only: bool = True) -> Gateway:
    """The gateway `code` for the current store.

    Raises `GatewayUnknown` for a code nobody registered and, when `enabled_only` (the default,
    for taking a new payment), `GatewayDisabled` for one this store or the platform switched off
    and `GatewayUnavailable` for one not ready yet. Pass `enabled_only=False` to retrieve, refund
    or cancel a payment taken earlier through a gateway that has since been switched off."""
    from apps.payments.selectors import payment_settings_get

    registered = _gateways.get(code)
    if registered is None:
        raise GatewayUnknown(_("Unknown payment method."), params={"gateway": code})
    settings = payment_settings_get()
    if enabled_only:
        if not registered.enabled(settings):
            raise GatewayDisabled(
                _("This payment method is not available in this store."), params={"gateway": code}
            )
        if not registered.ready(settings):
            raise GatewayUnavailable(
                _("This payment method is not ready to take payments yet."), params={"gateway": code}
            )
    return registered.factory(settings)


def gateways_available() -> list[GatewayChoice]:
    """What this store's shoppers can pick (enabled and ready), in registration order; one read
    of the store's payment settings."""
    from apps.payments.selectors import payment_settings_get

    settings = payment_settings_get()
    choices = []
    for code, registered in _gateways.items():
        if not (registered.enabled(settings) and registered.ready(settings)):
            continue
        gateway = registered.factory(settings)
        choices.append(
            GatewayChoice(
                code=code,
                name=str(gateway.name),
                kind=str(gateway.kind),
                instructions=registered.instructions(settings),
            )
        )
    return choices
