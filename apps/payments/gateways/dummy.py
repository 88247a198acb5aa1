"""The dummy gateway: test cards, no money moves. The local default, so a new store can sell.

| card                  | answer                                                        |
|-----------------------|---------------------------------------------------------------|
| 4242 4242 4242 4242   | SUCCEEDED                                                     |
| 4000 0000 0000 0002   | FAILED, `card_declined`                                       |
| 4000 0025 0000 3155   | REQUIRES_ACTION, `action_url` to the dummy authentication page |
| anything else         | FAILED, `invalid_card` (names the test cards)                 |

Each payment is a `DummyPayment` row, unique on the idempotency key: the same `start` twice
answers from the row (and refuses the key with a different amount, as Stripe does), so retrieve,
refund and the authentication page all see one payment. The authentication page lives on the
store's own domain at `/payments/dummy/authenticate/<external_id>/` (apps.payments.views).
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from urllib.parse import urljoin, urlsplit

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.money import money_quantize
from apps.payments.enums import GatewayCode, GatewayKind, PaymentStatus, RefundStatus
from apps.payments.errors import AmountInvalid, IdempotencyConflict, PaymentNotCancellable, PaymentNotFound
from apps.payments.gateways.base import GatewayResult, PaymentRequest, RefundResult
from apps.payments.models import DummyPayment, DummyRefund

CARD_SUCCEEDS = "4242424242424242"
CARD_DECLINED = "4000000000000002"
CARD_REQUIRES_AUTHENTICATION = "4000002500003155"
TEST_CARDS = (CARD_SUCCEEDS, CARD_DECLINED, CARD_REQUIRES_AUTHENTICATION)

DECLINE_CODE = "card_declined"
INVALID_CARD_CODE = "invalid_card"
AUTHENTICATION_FAILED_CODE = "authentication_failed"

CANCELLABLE = frozenset({PaymentStatus.PENDING, PaymentStatus.REQUIRES_ACTION, PaymentStatus.AUTHORIZED})


def card_number_clean(value: str) -> str:
    return "".join(ch for ch in str(value) if ch.isdigit())


def dummy_error_message(code: str) -> str:
    """What the shopper reads for a dummy failure code (words in the reader's language, built
    from the stored code rather than stored as a sentence)."""
    if code == DECLINE_CODE:
        return _("Your card was declined. Try another card or another payment method.")
    if code == AUTHENTICATION_FAILED_CODE:
        return _("The card could not be authenticated. Try again or use another card.")
    if code == INVALID_CARD_CODE:
        return _(
            "This is a test store: use the test card 4242 4242 4242 4242 (or 4000 0000 0000 0002 "
            "for a decline, 4000 0025 0000 3155 for authentication)."
        )
    return ""


def dummy_authentication_path(external_id: str) -> str:
    return reverse("payments:dummy_authenticate", kwargs={"external_id": external_id})


def _action_url(external_id: str, return_url: str) -> str:
    """The authentication page on the host the shopper came from (the return URL's) when that
    host is one of this store's domains, so the shopper stays on the store's domain; the bare
    path otherwise (it resolves against whatever store page redirects there)."""
    from apps.core.tenancy import require_store
    from apps.tenants.models import Domain

    path = dummy_authentication_path(external_id)
    parts = urlsplit(return_url)
    if (
        parts.scheme in ("http", "https")
        and parts.hostname
        and Domain.objects.filter(tenant__schema_name=require_store(), domain=parts.hostname.lower()).exists()
    ):
        return urljoin(f"{parts.scheme}://{parts.netloc}", path)
    return path


def dummy_result(payment: DummyPayment) -> GatewayResult:
    action_url = ""
    if payment.status == PaymentStatus.REQUIRES_ACTION:
        action_url = _action_url(payment.external_id, payment.return_url)
    return GatewayResult(
        status=PaymentStatus(payment.status),
        external_id=payment.external_id,
        action_url=action_url,
        error_code=payment.error_code,
        error_message=dummy_error_message(payment.error_code),
        fee=None,
        amount=payment.amount,
        amount_refunded=payment.amount_refunded,
        currency=payment.currency,
        raw={"card_last4": payment.card_last4, "reference": payment.reference},
    )


class DummyGateway:
    code = GatewayCode.DUMMY.value
    name = gettext_lazy("Test card (no real payment)")
    kind = GatewayKind.TEST_CARD.value

    def start(self, request: PaymentRequest) -> GatewayResult:
        currency = request.currency.upper()
        amount = money_quantize(request.amount, currency)
        if amount <= 0:
            raise AmountInvalid(_("The amount must be more than zero."), params={"amount": str(amount)})
        existing = DummyPayment.objects.filter(idempotency_key=request.idempotency_key).first()
        if existing is not None:
            return self._replay(existing, request, amount, currency)
        card = card_number_clean(request.data.get("card_number", ""))
        if card == CARD_SUCCEEDS:
            status, error_code = PaymentStatus.SUCCEEDED, ""
        elif card == CARD_REQUIRES_AUTHENTICATION:
            status, error_code = PaymentStatus.REQUIRES_ACTION, ""
        elif card == CARD_DECLINED:
            status, error_code = PaymentStatus.FAILED, DECLINE_CODE
        else:
            status, error_code = PaymentStatus.FAILED, INVALID_CARD_CODE
        try:
            with transaction.atomic():
                payment = DummyPayment.objects.create(
                    external_id=f"dummy_{uuid.uuid4().hex}",
                    idempotency_key=request.idempotency_key,
                    reference=request.reference[:255],
                    amount=amount,
                    currency=currency,
                    status=status,
                    card_last4=card[-4:],
                    email=request.email,
                    description=request.description[:255],
                    error_code=error_code,
                    return_url=request.return_url[:2000],
                )
        except IntegrityError:
            # The same key at the same moment: the other attempt's payment is the answer.
            existing = DummyPayment.objects.get(idempotency_key=request.idempotency_key)
            return self._replay(existing, request, amount, currency)
        return dummy_result(payment)

    def _replay(
        self, payment: DummyPayment, request: PaymentRequest, amount: Decimal, currency: str
    ) -> GatewayResult:
        if (payment.amount, payment.currency, payment.reference) != (
            amount,
            currency,
            request.reference[:255],
        ):
            raise IdempotencyConflict(
                _("This payment key was already used for a different payment."),
                params={"idempotency_key": request.idempotency_key},
            )
        return dummy_result(payment)

    def _payment(self, external_id: str) -> DummyPayment:
        payment = DummyPayment.objects.filter(external_id=external_id).first()
        if payment is None:
            raise PaymentNotFound(_("No such payment."), params={"external_id": external_id})
        return payment

    def retrieve(self, *, external_id: str) -> GatewayResult:
        return dummy_result(self._payment(external_id))

    def refund(
        self, *, external_id: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> RefundResult:
        with transaction.atomic():
            payment = DummyPayment.objects.select_for_update().filter(external_id=external_id).first()
            if payment is None:
                raise PaymentNotFound(_("No such payment."), params={"external_id": external_id})
            done = DummyRefund.objects.filter(idempotency_key=idempotency_key).first()
            if done is not None:
                if done.payment_id != payment.pk or done.amount != money_quantize(amount, payment.currency):
                    raise IdempotencyConflict(
                        _("This refund key was already used for a different refund."),
                        params={"idempotency_key": idempotency_key},
                    )
                return RefundResult(
                    status=done.status, external_id=done.external_id, error_code=done.error_code
                )
            value = money_quantize(amount, payment.currency)
            if value <= 0:
                raise AmountInvalid(_("The amount must be more than zero."), params={"amount": str(amount)})
            error_code = ""
            if currency.upper() != payment.currency:
                error_code = "currency_mismatch"
            elif payment.status not in (PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED):
                error_code = "charge_not_refundable"
            elif value > payment.amount - payment.amount_refunded:
                error_code = "amount_too_large"
            refund = DummyRefund.objects.create(
                payment=payment,
                external_id=f"dummy_re_{uuid.uuid4().hex}",
                idempotency_key=idempotency_key,
                amount=value,
                status=RefundStatus.FAILED if error_code else RefundStatus.SUCCEEDED,
                error_code=error_code,
            )
            if not error_code:
                payment.amount_refunded += value
                payment.status = (
                    PaymentStatus.REFUNDED
                    if payment.amount_refunded >= payment.amount
                    else PaymentStatus.PARTIALLY_REFUNDED
                )
                payment.save(update_fields=["amount_refunded", "status", "updated_at"])
        return RefundResult(
            status=refund.status,
            external_id=refund.external_id,
            error_code=error_code,
            error_message=_refund_error_message(error_code),
        )

    def cancel(self, *, external_id: str) -> GatewayResult:
        with transaction.atomic():
            payment = DummyPayment.objects.select_for_update().filter(external_id=external_id).first()
            if payment is None:
                raise PaymentNotFound(_("No such payment."), params={"external_id": external_id})
            if payment.status == PaymentStatus.CANCELLED:
                return dummy_result(payment)
            if payment.status not in CANCELLABLE:
                raise PaymentNotCancellable(
                    _("This payment can no longer be cancelled."),
                    params={"external_id": external_id, "status": payment.status},
                )
            payment.status = PaymentStatus.CANCELLED
            payment.save(update_fields=["status", "updated_at"])
        return dummy_result(payment)


def _refund_error_message(code: str) -> str:
    if code == "amount_too_large":
        return _("The refund is larger than what is left to refund.")
    if code == "charge_not_refundable":
        return _("Only a paid payment can be refunded.")
    if code == "currency_mismatch":
        return _("The refund's currency differs from the payment's.")
    return ""
