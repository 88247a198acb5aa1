"""Gift cards and store credit: issuing, adjusting, granting, and the debits and give-backs an
order makes.

Every change of a balance writes one ledger row holding the balance after it
(`GiftCardTransaction`, `StoreCreditEntry`), in the same transaction. Concurrency:

- a gift card debit is one conditional UPDATE (`balance >= amount`, active, not expired), so
  two orders racing for the last of a balance cannot both take it; other changes lock the
  card's row first;
- store credit has no balance column (the latest entry holds it), so every entry is written
  under the shopper's user row lock, and the database refuses an entry leaving a negative
  balance.

Amounts are rounded to the currency's minor unit; a float, a non-finite or a non-positive
amount (where one is needed) is refused with `BalanceError`.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.checkout.errors import BalanceError, CheckoutErrorCode, RedemptionFailed
from apps.checkout.models import Discount, GiftCard, GiftCardTransaction, StoreCreditEntry
from apps.checkout.selectors.codes import gift_card_code_normalise, store_credit_balance
from apps.core.events import event_emit
from apps.core.money import currency_is_valid, money_display, money_quantize
from apps.stores.selectors import store_settings_get

# What fits the money columns (max_digits=12, decimal_places=3).
AMOUNT_MAX = Decimal("999999999")
GIFT_CARD_CODE_RE = re.compile(r"^[A-Z0-9-]{4,32}$")
# No 0/O, 1/I/L: a code read aloud or copied from paper comes out right.
GIFT_CARD_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
GIFT_CARD_CODE_GROUPS = 4
NOTE_MAX_LENGTH = 255


def _amount(value: object, *, currency: str, field: str = "amount", signed: bool = False) -> Decimal:
    """`value` as an amount of `currency`: positive (or, when `signed`, non-zero) and within the
    columns' range; raises `BalanceError` otherwise."""
    if isinstance(value, float | bool) or not isinstance(value, Decimal | int | str):
        raise BalanceError(_("Enter an amount."), code=CheckoutErrorCode.AMOUNT_INVALID, field=field)
    try:
        amount = money_quantize(Decimal(value), currency)
    except (InvalidOperation, ValueError):
        raise BalanceError(
            _("Enter an amount."), code=CheckoutErrorCode.AMOUNT_INVALID, field=field
        ) from None
    if abs(amount) > AMOUNT_MAX or (amount == 0 if signed else amount <= 0):
        raise BalanceError(
            _("Enter an amount above 0 and at most %(max)s.") % {"max": AMOUNT_MAX}
            if not signed
            else _("Enter an amount other than 0, at most %(max)s either way.") % {"max": AMOUNT_MAX},
            code=CheckoutErrorCode.AMOUNT_INVALID,
            field=field,
            params={"max": str(AMOUNT_MAX)},
        )
    return amount


def _note(value: str) -> str:
    return " ".join(str(value or "").split())[:NOTE_MAX_LENGTH]


def _actor(actor: Any) -> Any:
    return actor if actor is not None and getattr(actor, "pk", None) is not None else None


# ------------------------------------------------------------------------------
# gift cards
# ------------------------------------------------------------------------------
def gift_card_code_generate() -> str:
    """A new random code such as "K7QM-2RXF-9HTB-4WNA" (80 bits of entropy)."""
    groups = (
        "".join(secrets.choice(GIFT_CARD_ALPHABET) for _n in range(4)) for _g in range(GIFT_CARD_CODE_GROUPS)
    )
    return "-".join(groups)


def _gift_card_code(code: str) -> str:
    typed = gift_card_code_normalise(code)
    if not GIFT_CARD_CODE_RE.match(typed):
        raise BalanceError(
            _("A gift card code has 4 to 32 letters, digits and hyphens."),
            code=CheckoutErrorCode.GIFT_CARD_CODE_INVALID,
            field="code",
            params={"code": typed[:32]},
        )
    # Shoppers type discount and gift card codes into the same box: one code, one meaning.
    if Discount.objects.alias(code_lower=Lower("code")).filter(code_lower=typed.lower()).exists():
        raise BalanceError(
            _("%(code)s is already a discount code.") % {"code": typed},
            code=CheckoutErrorCode.GIFT_CARD_CODE_TAKEN,
            field="code",
            params={"code": typed},
        )
    return typed


GIFT_CARD_ISSUED = "gift_card.issued"


@transaction.atomic
def gift_card_issue(
    *,
    amount: Decimal,
    code: str = "",
    currency: str = "",
    expires_at: datetime | None = None,
    issued_to_email: str = "",
    note: str = "",
    actor: Any | None = None,
) -> GiftCard:
    """Issue a gift card worth `amount` (in the store's currency unless `currency` is given),
    with `code` or a new random one, and write its `issued` ledger row. Raises `BalanceError`
    for a bad amount, code, email or expiry, or a code in use."""
    currency = currency or store_settings_get().currency
    if not currency_is_valid(currency):
        raise BalanceError(
            _("%(currency)s is not a currency.") % {"currency": str(currency)[:3]},
            code=CheckoutErrorCode.AMOUNT_INVALID,
            field="currency",
        )
    value = _amount(amount, currency=currency)
    email = str(issued_to_email or "").strip().lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise BalanceError(
                _("Enter a valid email address."),
                code=CheckoutErrorCode.EMAIL_INVALID,
                field="issued_to_email",
            ) from None
    if expires_at is not None and expires_at <= timezone.now():
        raise BalanceError(
            _("The expiry date must be in the future."),
            code=CheckoutErrorCode.GIFT_CARD_EXPIRED,
            field="expires_at",
        )
    chosen = _gift_card_code(code) if code else ""
    for _attempt in range(5):
        try:
            with transaction.atomic():
                card = GiftCard.objects.create(
                    code=chosen or gift_card_code_generate(),
                    initial_balance=value,
                    loaded_total=value,
                    balance=value,
                    currency=currency,
                    expires_at=expires_at,
                    issued_to_email=email,
                    note=str(note or "").strip(),
                    created_by=_actor(actor),
                )
        except IntegrityError:
            if chosen:
                raise BalanceError(
                    _("The gift card code %(code)s is already in use.") % {"code": chosen},
                    code=CheckoutErrorCode.GIFT_CARD_CODE_TAKEN,
                    field="code",
                    params={"code": chosen},
                ) from None
            continue  # a generated code collided (1 in 2^80): draw another
        GiftCardTransaction.objects.create(
            gift_card=card,
            kind=GiftCardTransaction.Kind.ISSUED,
            amount=value,
            balance_after=value,
            note=_note(note),
            actor=_actor(actor),
        )
        if email:
            # apps.notifications emails the code to the recipient; the event carries the card's
            # id, never its code (events also go out through webhooks).
            event_emit(
                name=GIFT_CARD_ISSUED,
                payload={
                    "gift_card_id": card.pk,
                    "email": email,
                    "amount": str(value),
                    "currency": currency,
                    "expires_at": expires_at.isoformat() if expires_at else "",
                },
            )
        return card
    raise RuntimeError("could not draw an unused gift card code")


@transaction.atomic
def gift_card_adjust(
    *, gift_card: GiftCard, amount: Decimal, note: str = "", actor: Any | None = None
) -> GiftCard:
    """Add `amount` to the card's balance (a top-up, which also raises what it can hold) or take
    it off (negative); refuses to go below 0. Writes an `adjusted` ledger row."""
    card = GiftCard.objects.select_for_update().get(pk=gift_card.pk)
    delta = _amount(amount, currency=card.currency, signed=True)
    balance = card.balance + delta
    if balance < 0:
        raise BalanceError(
            _("The gift card holds %(balance)s; it cannot go below 0.")
            % {"balance": money_display(card.balance, card.currency)},
            code=CheckoutErrorCode.AMOUNT_INVALID,
            field="amount",
            params={"balance": str(card.balance)},
        )
    if balance > AMOUNT_MAX or (delta > 0 and card.loaded_total + delta > AMOUNT_MAX):
        raise BalanceError(
            _("The gift card holds %(balance)s; it can hold at most %(max)s in all.")
            % {"balance": money_display(card.balance, card.currency), "max": AMOUNT_MAX},
            code=CheckoutErrorCode.AMOUNT_INVALID,
            field="amount",
            params={"balance": str(card.balance), "max": str(AMOUNT_MAX)},
        )
    card.balance = balance
    if delta > 0:
        card.loaded_total += delta
    card.save(update_fields=["balance", "loaded_total", "updated_at"])
    GiftCardTransaction.objects.create(
        gift_card=card,
        kind=GiftCardTransaction.Kind.ADJUSTED,
        amount=delta,
        balance_after=balance,
        note=_note(note),
        actor=_actor(actor),
    )
    gift_card.balance, gift_card.loaded_total, gift_card.updated_at = (
        card.balance,
        card.loaded_total,
        card.updated_at,
    )
    return card


def gift_card_debit(*, code: str, amount: Decimal, currency: str, reference: str) -> GiftCardTransaction:
    """Take `amount` off the card `code` for the order `reference`: one conditional UPDATE that
    only succeeds while the card is active, unexpired, in `currency` and holds at least
    `amount`. Raises `RedemptionFailed` (naming why) otherwise. Call inside a transaction."""
    now = timezone.now()
    updated = (
        GiftCard.objects.filter(code=code, active=True, currency=currency, balance__gte=amount)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .update(balance=F("balance") - amount, updated_at=now)
    )
    if updated != 1:
        card = GiftCard.objects.filter(code=code).first()
        reason = CheckoutErrorCode.GIFT_CARD_INSUFFICIENT
        if card is None:
            reason = CheckoutErrorCode.CODE_INVALID
        elif not card.active:
            reason = CheckoutErrorCode.GIFT_CARD_DISABLED
        elif card.expires_at is not None and card.expires_at <= now:
            reason = CheckoutErrorCode.GIFT_CARD_EXPIRED
        raise RedemptionFailed(
            _("The gift card %(code)s cannot pay %(amount)s any more; check its balance and try again.")
            % {"code": code, "amount": amount},
            code=reason,
            params={"code": code, "amount": str(amount)},
        )
    # The UPDATE holds the row lock until the transaction ends: this reads our own change.
    card = GiftCard.objects.only("pk", "balance").get(code=code)
    return GiftCardTransaction.objects.create(
        gift_card=card,
        kind=GiftCardTransaction.Kind.REDEEMED,
        amount=-amount,
        balance_after=card.balance,
        reference=reference,
    )


def _given_back(card: GiftCard, reference: str, kinds: list[str]) -> Decimal:
    total = GiftCardTransaction.objects.filter(gift_card=card, reference=reference, kind__in=kinds).aggregate(
        total=Sum("amount")
    )["total"]
    return total or Decimal(0)


def gift_card_debits_reverse(*, reference: str, most: Decimal | None = None) -> Decimal:
    """Give back every gift card debit of the order `reference` not given back yet, each less
    what refunds already put back on that card, in all at most `most` (None: all of them);
    returns the amount given back. Locks each card's row. Call inside a transaction."""
    debits = list(
        GiftCardTransaction.objects.filter(
            kind=GiftCardTransaction.Kind.REDEEMED, reference=reference
        ).order_by("gift_card_id")
    )
    given = Decimal(0)
    for debit in debits:
        card = GiftCard.objects.select_for_update().get(pk=debit.gift_card_id)
        if GiftCardTransaction.objects.filter(
            gift_card=card, kind=GiftCardTransaction.Kind.REVERSED, reference=reference
        ).exists():
            continue  # a concurrent reversal of the same order got here first
        amount = -debit.amount - _given_back(card, reference, [GiftCardTransaction.Kind.REFUNDED])
        if most is not None:
            amount = min(amount, most - given)
        if amount <= 0:
            continue
        card.balance += amount
        card.save(update_fields=["balance", "updated_at"])
        GiftCardTransaction.objects.create(
            gift_card=card,
            kind=GiftCardTransaction.Kind.REVERSED,
            amount=amount,
            balance_after=card.balance,
            reference=reference,
        )
        given += amount
    return given


def gift_card_refund(
    *, reference: str, amount: Decimal, note: str = "", actor: Any | None = None
) -> list[GiftCardTransaction]:
    """Put `amount` back onto the gift cards that paid for the order `reference`, in the order
    they were used, each up to what it paid less what it got back already (and what it can
    hold); one `refunded` ledger row per card. Raises `BalanceError` when the cards cannot take
    it all (the caller's transaction then writes nothing). Locks each card's row. Call inside a
    transaction."""
    K = GiftCardTransaction.Kind
    left = amount
    written: list[GiftCardTransaction] = []
    for debit in GiftCardTransaction.objects.filter(kind=K.REDEEMED, reference=reference).order_by("id"):
        if left <= 0:
            break
        card = GiftCard.objects.select_for_update().get(pk=debit.gift_card_id)
        room = min(
            -debit.amount - _given_back(card, reference, [K.REVERSED, K.REFUNDED]),
            card.loaded_total - card.balance,
        )
        put = min(room, left)
        if put <= 0:
            continue
        card.balance += put
        card.save(update_fields=["balance", "updated_at"])
        written.append(
            GiftCardTransaction.objects.create(
                gift_card=card,
                kind=K.REFUNDED,
                amount=put,
                balance_after=card.balance,
                reference=reference,
                note=_note(note),
                actor=_actor(actor),
            )
        )
        left -= put
    if left > 0:
        most = amount - left
        raise BalanceError(
            _("The gift cards this order used can take back at most %(most)s.")
            % {"most": money_display(most, store_settings_get().currency)},
            code=CheckoutErrorCode.AMOUNT_INVALID,
            field="amount",
            params={"most": str(most)},
        )
    return written


# ------------------------------------------------------------------------------
# store credit
# ------------------------------------------------------------------------------
def _user_lock(user: User) -> None:
    User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).first()


def _store_credit_post(
    *,
    user: User,
    kind: str,
    amount: Decimal,
    currency: str,
    reason: str = "",
    reference: str = "",
    actor: Any = None,
) -> StoreCreditEntry:
    """One entry of `amount` (signed) under the shopper's row lock; refuses a negative balance.
    Call inside a transaction."""
    _user_lock(user)
    balance = store_credit_balance(user=user) + amount
    if balance < 0:
        raise BalanceError(
            _("Not enough store credit: %(balance)s left.")
            % {"balance": money_display(balance - amount, currency)},
            code=CheckoutErrorCode.STORE_CREDIT_INSUFFICIENT,
            field="amount",
            params={"balance": str(balance - amount)},
        )
    return StoreCreditEntry.objects.create(
        user=user,
        kind=kind,
        amount=amount,
        balance_after=balance,
        currency=currency,
        reason=_note(reason),
        reference=reference,
        actor=_actor(actor),
    )


@transaction.atomic
def store_credit_grant(
    *, user: User, amount: Decimal, reason: str, actor: Any | None = None
) -> StoreCreditEntry:
    """Give the shopper `amount` of store credit (in the store's currency)."""
    currency = store_settings_get().currency
    value = _amount(amount, currency=currency)
    return _store_credit_post(
        user=user,
        kind=StoreCreditEntry.Kind.GRANTED,
        amount=value,
        currency=currency,
        reason=reason,
        actor=actor,
    )


@transaction.atomic
def store_credit_adjust(
    *, user: User, amount: Decimal, reason: str, actor: Any | None = None
) -> StoreCreditEntry:
    """Change the shopper's store credit by `amount` (either sign); never below 0."""
    currency = store_settings_get().currency
    value = _amount(amount, currency=currency, signed=True)
    return _store_credit_post(
        user=user,
        kind=StoreCreditEntry.Kind.ADJUSTED,
        amount=value,
        currency=currency,
        reason=reason,
        actor=actor,
    )


def store_credit_debit(*, user: User, amount: Decimal, currency: str, reference: str) -> StoreCreditEntry:
    """Spend `amount` of the shopper's credit on the order `reference`; raises
    `RedemptionFailed` when they no longer have it. Call inside a transaction."""
    try:
        with transaction.atomic():
            return _store_credit_post(
                user=user,
                kind=StoreCreditEntry.Kind.REDEEMED,
                amount=-amount,
                currency=currency,
                reference=reference,
            )
    except BalanceError as error:
        raise RedemptionFailed(
            _("Your store credit no longer covers %(amount)s; please review your order.")
            % {"amount": amount},
            code=CheckoutErrorCode.STORE_CREDIT_INSUFFICIENT,
            params={"amount": str(amount), **error.params},
        ) from None


def store_credit_debits_reverse(*, reference: str, most: Decimal | None = None) -> Decimal:
    """Give back the store credit spent on the order `reference`, once, in all at most `most`
    (None: all of it); returns the amount given back. Call inside a transaction."""
    debits = list(
        StoreCreditEntry.objects.filter(kind=StoreCreditEntry.Kind.REDEEMED, reference=reference)
        .select_related("user")
        .order_by("user_id")
    )
    given = Decimal(0)
    for debit in debits:
        _user_lock(debit.user)
        if StoreCreditEntry.objects.filter(
            user_id=debit.user_id, kind=StoreCreditEntry.Kind.REVERSED, reference=reference
        ).exists():
            continue
        amount = -debit.amount if most is None else min(-debit.amount, most - given)
        if amount <= 0:
            continue
        _store_credit_post(
            user=debit.user,
            kind=StoreCreditEntry.Kind.REVERSED,
            amount=amount,
            currency=debit.currency,
            reference=reference,
        )
        given += amount
    return given
