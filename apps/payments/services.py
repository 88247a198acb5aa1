"""Writes of a store's payment setup and of the dummy gateway's authentication step.

- `payment_settings_update`: the merchant's choices (which gateways, manual instructions).
- `dummy_authenticate`: the dummy authentication page's Approve / Fail, dispatched as a
  `PaymentUpdate` like a webhook would be.

Stripe Connect onboarding and the account status Stripe reports live in `apps.payments.connect`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.events import event_emit
from apps.core.tenancy import require_store
from apps.payments.enums import PaymentStatus
from apps.payments.errors import PaymentNotFound, PaymentSettingsInvalid
from apps.payments.gateways.base import PaymentUpdate
from apps.payments.gateways.dummy import AUTHENTICATION_FAILED_CODE, dummy_error_message
from apps.payments.models import PAYMENT_SETTINGS_PK, DummyPayment, PaymentSettings
from apps.payments.selectors import payment_settings_get
from apps.payments.updates import payment_update_dispatch

SETTINGS_UPDATED = "payments.settings_updated"
INSTRUCTIONS_MAX_LENGTH = 2000


@dataclass(frozen=True)
class PaymentSettingsInput:
    dummy_enabled: bool
    bank_transfer_enabled: bool
    bank_transfer_instructions: str
    cash_on_delivery_enabled: bool
    cash_on_delivery_instructions: str
    stripe_enabled: bool

    @classmethod
    def from_settings(cls, row: PaymentSettings, **changes: Any) -> PaymentSettingsInput:
        values = {name: getattr(row, name) for name in cls.__dataclass_fields__}
        values.update(changes)
        return cls(**values)


INPUT_FIELDS = tuple(PaymentSettingsInput.__dataclass_fields__)


@transaction.atomic
def payment_settings_update(*, data: PaymentSettingsInput, actor: Any | None = None) -> PaymentSettings:
    """Save the merchant's payment choices. Bank transfer needs instructions (the shopper must
    learn where to send the money); instructions are trimmed and bounded. Raises
    `PaymentSettingsInvalid` (with `field`) and saves nothing when a value is refused; emits
    `payments.settings_updated` naming the changed fields."""
    require_store()
    payment_settings_get()  # the row exists from here on
    bank = data.bank_transfer_instructions.strip()
    cash = data.cash_on_delivery_instructions.strip()
    for field, text in (("bank_transfer_instructions", bank), ("cash_on_delivery_instructions", cash)):
        if len(text) > INSTRUCTIONS_MAX_LENGTH:
            raise PaymentSettingsInvalid(
                _("Keep the instructions under %(limit)d characters.") % {"limit": INSTRUCTIONS_MAX_LENGTH},
                field=field,
                params={"limit": INSTRUCTIONS_MAX_LENGTH},
            )
    if data.bank_transfer_enabled and not bank:
        raise PaymentSettingsInvalid(
            _("Enter the bank details shoppers should transfer the money to."),
            field="bank_transfer_instructions",
        )
    row = PaymentSettings.objects.select_for_update().get(pk=PAYMENT_SETTINGS_PK)
    values: dict[str, Any] = {
        "dummy_enabled": bool(data.dummy_enabled),
        "bank_transfer_enabled": bool(data.bank_transfer_enabled),
        "bank_transfer_instructions": bank,
        "cash_on_delivery_enabled": bool(data.cash_on_delivery_enabled),
        "cash_on_delivery_instructions": cash,
        "stripe_enabled": bool(data.stripe_enabled),
    }
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    if not changed:
        return row
    for name in changed:
        setattr(row, name, values[name])
    row.save(update_fields=[*changed, "updated_at"])
    payload: dict[str, Any] = {"changed": changed}
    if actor is not None and getattr(actor, "pk", None) is not None:
        payload["actor_id"] = actor.pk
    event_emit(name=SETTINGS_UPDATED, payload=payload)
    return row


@transaction.atomic
def dummy_authenticate(*, external_id: str, approve: bool) -> DummyPayment:
    """The shopper's answer on the dummy authentication page. A payment waiting for
    authentication becomes SUCCEEDED (approve) or FAILED (with its error code and the words for
    the shopper), and the change is dispatched as a `PaymentUpdate` in this transaction (a handler that raises undoes it). A payment no longer
    waiting is returned unchanged and nothing is dispatched again: a second click, or a replayed
    form, has no effect."""
    require_store()
    payment = DummyPayment.objects.select_for_update().filter(external_id=external_id).first()
    if payment is None:
        raise PaymentNotFound(_("No such payment."), params={"external_id": external_id})
    if payment.status != PaymentStatus.REQUIRES_ACTION:
        return payment
    payment.status = PaymentStatus.SUCCEEDED if approve else PaymentStatus.FAILED
    payment.error_code = "" if approve else AUTHENTICATION_FAILED_CODE
    payment.save(update_fields=["status", "error_code", "updated_at"])
    payment_update_dispatch(
        PaymentUpdate(
            gateway="dummy",
            external_id=payment.external_id,
            status=PaymentStatus(payment.status),
            amount=payment.amount,
            amount_refunded=payment.amount_refunded,
            currency=payment.currency,
            occurred_at=timezone.now(),
            event_id=f"{payment.external_id}:authentication",
            error_code=payment.error_code,
            error_message=dummy_error_message(payment.error_code),
        )
    )
    return payment
