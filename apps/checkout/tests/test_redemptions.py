"""What a placed order uses up, recorded and given back: discount uses, gift card amounts,
store credit; and the gift card and store credit services with their ledgers."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.checkout.errors import BalanceError, CheckoutErrorCode, RedemptionFailed
from apps.checkout.models import (
    Checkout,
    Discount,
    DiscountRedemption,
    GiftCard,
    GiftCardTransaction,
    StoreCreditEntry,
)
from apps.checkout.selectors import checkout_totals, store_credit_balance
from apps.checkout.services import (
    checkout_code_apply,
    checkout_redemptions_record,
    checkout_redemptions_reverse,
    checkout_store_credit_set,
    gift_card_adjust,
    gift_card_code_generate,
    gift_card_issue,
    store_credit_adjust,
    store_credit_grant,
)
from apps.checkout.tests.factories import checkout_make, discount_make, gift_card_make
from tests.fixtures import StoreWorld

pytestmark = pytest.mark.django_db

D = Decimal


def _shopper(email: str = "buyer@example.com") -> User:
    return User.objects.create_user(email, "a-long-password-1")


def _ready(
    *, price: str = "40.00", card_amount: str = "15.00", credit: str = "10.00", **discount: Any
) -> tuple[User, Checkout, Discount, GiftCard]:
    """A signed-in shopper's checkout with a discount code, a gift card and store credit."""
    shopper = _shopper()
    checkout = checkout_make(price=price, user=shopper, email=shopper.email)
    code = discount_make(code="SAVE5", kind="fixed", value="5", **discount)
    card = gift_card_make(amount=card_amount)
    store_credit_grant(user=shopper, amount=D(credit), reason="apology")
    checkout_code_apply(checkout=checkout, code="SAVE5")
    checkout_code_apply(checkout=checkout, code=card.code)
    checkout_store_credit_set(checkout=checkout, use=True)
    return shopper, checkout, code, card


# ------------------------------------------------------------------------------
# record and reverse
# ------------------------------------------------------------------------------
def test_record_uses_everything_once_and_reverse_gives_it_back(in_alpha: StoreWorld) -> None:
    shopper, checkout, discount, card = _ready()
    totals = checkout_totals(checkout=checkout)
    assert (totals.total, totals.gift_card_total, totals.store_credit_applied) == (
        D("35.00"),
        D("15.00"),
        D("10.00"),
    )

    checkout_redemptions_record(
        checkout=checkout, totals=totals, order_reference="order-a", email=shopper.email, user=shopper
    )
    discount.refresh_from_db()
    card.refresh_from_db()
    assert discount.times_used == 1
    redemption = DiscountRedemption.objects.get(discount=discount)
    assert (redemption.order_reference, redemption.amount, redemption.user_id) == (
        "order-a",
        D("5.00"),
        shopper.pk,
    )
    assert card.balance == D("0.00")
    debit = card.transactions.get(kind=GiftCardTransaction.Kind.REDEEMED)
    assert (debit.amount, debit.balance_after, debit.reference) == (D("-15.00"), D("0.00"), "order-a")
    assert store_credit_balance(user=shopper) == D("0.00")

    # recording the same order again changes nothing
    checkout_redemptions_record(
        checkout=checkout, totals=totals, order_reference="order-a", email=shopper.email, user=shopper
    )
    assert Discount.objects.get(pk=discount.pk).times_used == 1

    # reversing gives everything back, once
    checkout_redemptions_reverse(order_reference="order-a")
    checkout_redemptions_reverse(order_reference="order-a")
    discount.refresh_from_db()
    card.refresh_from_db()
    assert discount.times_used == 0
    assert DiscountRedemption.objects.get(pk=redemption.pk).reversed_at is not None
    assert card.balance == D("15.00")
    assert card.transactions.filter(kind=GiftCardTransaction.Kind.REVERSED).count() == 1
    assert store_credit_balance(user=shopper) == D("10.00")
    assert StoreCreditEntry.objects.filter(user=shopper, kind=StoreCreditEntry.Kind.REVERSED).count() == 1

    # a reversed order is not counted again
    checkout_redemptions_record(
        checkout=checkout, totals=totals, order_reference="order-a", email=shopper.email, user=shopper
    )
    assert Discount.objects.get(pk=discount.pk).times_used == 0


def test_reverse_of_an_order_that_used_nothing(in_alpha: StoreWorld) -> None:
    checkout_redemptions_reverse(order_reference="nothing-used")


def test_record_refuses_a_used_up_discount_and_records_nothing(in_alpha: StoreWorld) -> None:
    shopper, checkout, discount, card = _ready(usage_limit=1)
    totals = checkout_totals(checkout=checkout)
    # another order took the last use meanwhile
    Discount.objects.filter(pk=discount.pk).update(times_used=1)
    with pytest.raises(RedemptionFailed) as refused:
        checkout_redemptions_record(
            checkout=checkout, totals=totals, order_reference="order-b", email=shopper.email, user=shopper
        )
    assert refused.value.code == CheckoutErrorCode.CODE_EXHAUSTED
    card.refresh_from_db()
    assert card.balance == D("15.00")
    assert not DiscountRedemption.objects.filter(order_reference="order-b").exists()
    assert store_credit_balance(user=shopper) == D("10.00")


def test_record_refuses_a_gift_card_spent_meanwhile(in_alpha: StoreWorld) -> None:
    shopper, checkout, discount, card = _ready()
    totals = checkout_totals(checkout=checkout)
    gift_card_adjust(gift_card=card, amount=D("-10.00"), note="spent in the shop")
    with pytest.raises(RedemptionFailed) as refused:
        checkout_redemptions_record(
            checkout=checkout, totals=totals, order_reference="order-c", email=shopper.email, user=shopper
        )
    assert refused.value.code == CheckoutErrorCode.GIFT_CARD_INSUFFICIENT
    assert Discount.objects.get(pk=discount.pk).times_used == 0  # rolled back with the rest


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"active": False}, CheckoutErrorCode.GIFT_CARD_DISABLED),
        ({"expires_at": timezone.now() - timedelta(seconds=1)}, CheckoutErrorCode.GIFT_CARD_EXPIRED),
    ],
)
def test_record_refuses_a_gift_card_disabled_or_expired(
    in_alpha: StoreWorld, change: dict[str, object], code: str
) -> None:
    shopper, checkout, _discount, card = _ready()
    totals = checkout_totals(checkout=checkout)
    GiftCard.objects.filter(pk=card.pk).update(**change)
    with pytest.raises(RedemptionFailed) as refused:
        checkout_redemptions_record(
            checkout=checkout, totals=totals, order_reference="order-d", email=shopper.email, user=shopper
        )
    assert refused.value.code == code


def test_record_refuses_store_credit_spent_meanwhile(in_alpha: StoreWorld) -> None:
    shopper, checkout, _discount, _card = _ready()
    totals = checkout_totals(checkout=checkout)
    store_credit_adjust(user=shopper, amount=D("-5.00"), reason="correction")
    with pytest.raises(RedemptionFailed) as refused:
        checkout_redemptions_record(
            checkout=checkout, totals=totals, order_reference="order-e", email=shopper.email, user=shopper
        )
    assert refused.value.code == CheckoutErrorCode.STORE_CREDIT_INSUFFICIENT
    assert store_credit_balance(user=shopper) == D("5.00")


def test_once_per_customer_is_kept_by_the_database(in_alpha: StoreWorld) -> None:
    shopper, checkout, discount, _card = _ready(once_per_customer=True)
    totals = checkout_totals(checkout=checkout)
    checkout_redemptions_record(
        checkout=checkout, totals=totals, order_reference="first", email="Buyer@Example.com", user=shopper
    )
    # a second order of the same customer (another checkout, same email) is refused ...
    with pytest.raises(RedemptionFailed) as refused:
        checkout_redemptions_record(
            checkout=checkout, totals=totals, order_reference="second", email="buyer@example.com", user=None
        )
    assert refused.value.code == CheckoutErrorCode.CODE_ONCE_PER_CUSTOMER
    # ... until the first order is cancelled
    checkout_redemptions_reverse(order_reference="first")
    gift_card_adjust(gift_card=_card, amount=D("15.00"))
    store_credit_grant(user=shopper, amount=D("10.00"), reason="again")
    checkout_redemptions_record(
        checkout=checkout, totals=totals, order_reference="second", email="buyer@example.com", user=shopper
    )
    assert Discount.objects.get(pk=discount.pk).times_used == 1


# ------------------------------------------------------------------------------
# gift cards
# ------------------------------------------------------------------------------
def test_gift_card_issue_writes_the_ledger(in_alpha: StoreWorld) -> None:
    card = gift_card_issue(
        amount=D("25"), currency="EUR", issued_to_email="Friend@Example.com", note="birthday"
    )
    assert (card.initial_balance, card.balance, card.loaded_total) == (D("25.00"), D("25.00"), D("25.00"))
    assert card.issued_to_email == "friend@example.com"
    assert len(card.code) == 19 and card.code.count("-") == 3
    (issued,) = card.transactions.all()
    assert (issued.kind, issued.amount, issued.balance_after) == (
        GiftCardTransaction.Kind.ISSUED,
        D("25.00"),
        D("25.00"),
    )


def test_gift_card_codes_are_random_and_unambiguous() -> None:
    codes = {gift_card_code_generate() for _n in range(200)}
    assert len(codes) == 200
    assert not any(set(code) & set("01OIL") for code in codes)


@pytest.mark.parametrize("amount", ["0", "-5", "1e12", "abc"])
def test_gift_card_issue_refuses_bad_amounts(in_alpha: StoreWorld, amount: str) -> None:
    with pytest.raises(BalanceError) as refused:
        gift_card_issue(amount=amount, currency="EUR")  # type: ignore[arg-type]
    assert refused.value.code == CheckoutErrorCode.AMOUNT_INVALID


def test_gift_card_issue_refuses_a_float(in_alpha: StoreWorld) -> None:
    with pytest.raises(BalanceError):
        gift_card_issue(amount=10.5, currency="EUR")  # type: ignore[arg-type]


def test_gift_card_code_taken_or_malformed(in_alpha: StoreWorld) -> None:
    gift_card_issue(amount=D("5"), code="spring-2026", currency="EUR")
    with pytest.raises(BalanceError) as taken:
        gift_card_issue(amount=D("5"), code="SPRING-2026", currency="EUR")
    assert taken.value.code == CheckoutErrorCode.GIFT_CARD_CODE_TAKEN
    discount_make(code="Welcome10")
    with pytest.raises(BalanceError) as clash:
        gift_card_issue(amount=D("5"), code="WELCOME10", currency="EUR")
    assert clash.value.code == CheckoutErrorCode.GIFT_CARD_CODE_TAKEN
    with pytest.raises(BalanceError) as malformed:
        gift_card_issue(amount=D("5"), code="no!", currency="EUR")
    assert malformed.value.code == CheckoutErrorCode.GIFT_CARD_CODE_INVALID


def test_gift_card_adjust_tops_up_and_never_goes_negative(in_alpha: StoreWorld) -> None:
    card = gift_card_make(amount="20.00")
    gift_card_adjust(gift_card=card, amount=D("5"), note="top-up")
    assert (card.balance, card.loaded_total) == (D("25.00"), D("25.00"))
    gift_card_adjust(gift_card=card, amount=D("-25"), note="refunded in cash")
    assert card.balance == D("0.00")
    with pytest.raises(BalanceError) as refused:
        gift_card_adjust(gift_card=card, amount=D("-0.01"))
    assert refused.value.message == "The gift card holds €0.00; it cannot go below 0."  # money, not "0.000"
    assert [t.balance_after for t in card.transactions.order_by("id")] == [D("20.00"), D("25.00"), D("0.00")]


def test_gift_card_balance_limits_are_database_constraints(in_alpha: StoreWorld) -> None:
    card = gift_card_make(amount="20.00")
    with pytest.raises(IntegrityError), transaction.atomic():
        GiftCard.objects.filter(pk=card.pk).update(balance=D("-1"))
    with pytest.raises(IntegrityError), transaction.atomic():
        GiftCard.objects.filter(pk=card.pk).update(balance=D("20.01"))


# ------------------------------------------------------------------------------
# store credit
# ------------------------------------------------------------------------------
def test_store_credit_ledger(in_alpha: StoreWorld) -> None:
    shopper = _shopper()
    assert store_credit_balance(user=shopper) == D("0")
    store_credit_grant(user=shopper, amount=D("10"), reason="late delivery")
    store_credit_adjust(user=shopper, amount=D("-4"), reason="correction")
    assert store_credit_balance(user=shopper) == D("6.00")
    with pytest.raises(BalanceError) as refused:
        store_credit_adjust(user=shopper, amount=D("-6.01"), reason="too much")
    assert refused.value.code == CheckoutErrorCode.STORE_CREDIT_INSUFFICIENT
    with pytest.raises(BalanceError):
        store_credit_grant(user=shopper, amount=D("-1"), reason="negative grant")
    assert store_credit_balance(user=shopper) == D("6.00")
    assert store_credit_balance(user=None) == D("0")


def test_store_credit_never_negative_in_the_database(in_alpha: StoreWorld) -> None:
    shopper = _shopper()
    with pytest.raises(IntegrityError), transaction.atomic():
        StoreCreditEntry.objects.create(
            user=shopper,
            kind=StoreCreditEntry.Kind.ADJUSTED,
            amount=D("-1"),
            balance_after=D("-1"),
            currency="EUR",
        )
