"""What an order uses up: the discounts' uses, the gift cards' balances and the shopper's store
credit, recorded when the order is paid and given back when it is cancelled.

Order placement (apps.orders) calls these inside its own transaction, holding the checkout's
row lock; each is atomic on its own too, so a refusal leaves nothing half-recorded.

- A discount's use is counted with one conditional UPDATE that refuses to pass `usage_limit`
  (and a disabled or expired discount); a once-per-customer discount's second live use by the
  same email is refused by a unique index. Two orders racing for the last use: one wins, the
  other gets `RedemptionFailed` (`code_exhausted`).
- A gift card is debited with a conditional UPDATE (`balance >= amount`); store credit under the
  shopper's row lock (`apps.checkout.services.balances`).
- Locks are taken in a fixed order (discounts by id, gift cards by code, then the shopper), so
  two orders sharing them cannot deadlock.

Recording the same order again changes nothing; reversing is idempotent too and, once done,
final (recording a reversed order again does not count it twice).
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.checkout.errors import CheckoutError, CheckoutErrorCode, RedemptionFailed
from apps.checkout.models import (
    Checkout,
    Discount,
    DiscountRedemption,
    GiftCardTransaction,
    StoreCreditEntry,
)
from apps.checkout.pricing import Totals
from apps.checkout.selectors.codes import customer_key, discount_refusal
from apps.checkout.services.balances import (
    gift_card_debit,
    gift_card_debits_reverse,
    store_credit_debit,
    store_credit_debits_reverse,
)

if TYPE_CHECKING:
    from apps.accounts.models import User

logger = logging.getLogger(__name__)

ORDER_REFERENCE_MAX_LENGTH = 64


def _reference(value: object) -> str:
    reference = str(value or "").strip()
    if not reference or len(reference) > ORDER_REFERENCE_MAX_LENGTH:
        raise CheckoutError(
            _("An order reference is needed."),
            code=CheckoutErrorCode.ORDER_REFERENCE_INVALID,
            params={"reference": reference[:ORDER_REFERENCE_MAX_LENGTH]},
        )
    return reference


def _recorded(reference: str) -> bool:
    return (
        DiscountRedemption.objects.filter(order_reference=reference).exists()
        or GiftCardTransaction.objects.filter(
            kind=GiftCardTransaction.Kind.REDEEMED, reference=reference
        ).exists()
        or StoreCreditEntry.objects.filter(kind=StoreCreditEntry.Kind.REDEEMED, reference=reference).exists()
    )


def _discount_count(*, discount_id: int, code: str) -> None:
    """Count one use of the discount, refusing past its limit, disabled or out of its window."""
    now = timezone.now()
    updated = (
        Discount.objects.filter(pk=discount_id, active=True)
        .filter(Q(starts_at__isnull=True) | Q(starts_at__lte=now))
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .filter(Q(usage_limit__isnull=True) | Q(times_used__lt=F("usage_limit")))
        .update(times_used=F("times_used") + 1, updated_at=now)
    )
    if updated == 1:
        return
    current = Discount.objects.filter(pk=discount_id).first()
    reason = discount_refusal(current, now=now) if current is not None else CheckoutErrorCode.CODE_INVALID
    raise RedemptionFailed(
        _("The discount %(code)s can no longer be used; please review your order.") % {"code": code},
        code=reason or CheckoutErrorCode.CODE_EXHAUSTED,
        params={"discount": discount_id, "code": code},
    )


@transaction.atomic
def checkout_redemptions_record(
    *, checkout: Checkout, totals: Totals, order_reference: str, email: str, user: User | None
) -> None:
    """Record what the order `order_reference` uses, as `totals` (the placed order's totals)
    says: one use of each applied discount, each gift card's amount, the store credit. Raises
    `RedemptionFailed` (nothing recorded) when any no longer holds: a discount used up,
    expired, disabled or already used by this customer; a gift card short of balance, expired
    or disabled; store credit spent meanwhile."""
    reference = _reference(order_reference)
    if _recorded(reference):
        logger.info("redemptions of %s already recorded", reference, extra={"checkout": str(checkout.token)})
        return
    key = customer_key(email)

    applied = sorted(totals.discounts, key=lambda discount: discount.id)
    once = dict(
        Discount.objects.filter(pk__in=[d.id for d in applied]).values_list("pk", "once_per_customer")
    )
    for discount in applied:
        _discount_count(discount_id=discount.id, code=discount.code or discount.name)
        try:
            with transaction.atomic():
                DiscountRedemption.objects.create(
                    discount_id=discount.id,
                    order_reference=reference,
                    email=email,
                    user=user if user is not None and user.pk is not None else None,
                    amount=discount.amount,
                    customer_key=key if once.get(discount.id) else "",
                )
        except IntegrityError:
            raise RedemptionFailed(
                _("You have already used the code %(code)s.") % {"code": discount.code or discount.name},
                code=CheckoutErrorCode.CODE_ONCE_PER_CUSTOMER,
                params={"discount": discount.id, "code": discount.code},
            ) from None

    for code, amount in sorted(totals.gift_cards):
        gift_card_debit(code=code, amount=amount, currency=totals.currency, reference=reference)

    if totals.store_credit_applied > 0:
        if user is None or user.pk is None:
            raise RedemptionFailed(
                _("Sign in to use your store credit."),
                code=CheckoutErrorCode.STORE_CREDIT_ACCOUNT_REQUIRED,
                params={"amount": str(totals.store_credit_applied)},
            )
        store_credit_debit(
            user=user, amount=totals.store_credit_applied, currency=totals.currency, reference=reference
        )


@transaction.atomic
def checkout_redemptions_reverse(*, order_reference: str, most: Decimal | None = None) -> None:
    """Give back everything the order `order_reference` used (its discounts' uses, gift card
    amounts, store credit), the balances in all at most `most` (None: all; gift cards first).
    Running it again, or for an order that used nothing, changes nothing."""
    reference = _reference(order_reference)
    now = timezone.now()
    redemptions = (
        DiscountRedemption.objects.select_for_update()
        .filter(order_reference=reference, reversed_at__isnull=True)
        .order_by("discount_id")
    )
    for redemption in redemptions:
        redemption.reversed_at = now
        redemption.save(update_fields=["reversed_at", "updated_at"])
        Discount.objects.filter(pk=redemption.discount_id, times_used__gt=0).update(
            times_used=F("times_used") - 1, updated_at=now
        )
    given = gift_card_debits_reverse(reference=reference, most=most)
    store_credit_debits_reverse(reference=reference, most=None if most is None else most - given)
