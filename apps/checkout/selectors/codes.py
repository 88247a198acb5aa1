"""Discounts, gift cards and store credit as a checkout reads them: finding a code, telling
whether a discount or a gift card can be used now (and why not), the automatic discounts in
force, and a shopper's store credit balance.

Codes are typed by shoppers: a discount code is matched without regard to case or spaces, a
gift card code the same (gift card codes are stored upper case). `discount_refusal` and
`gift_card_refusal` hold the rules in one place, for applying a code and for re-checking it at
every read of the checkout.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Lower

from apps.catalog.models import Collection, CollectionProduct
from apps.catalog.selectors import collection_products
from apps.checkout.errors import CheckoutErrorCode
from apps.checkout.models import (
    Discount,
    DiscountRedemption,
    GiftCard,
    GiftCardTransaction,
    StoreCreditEntry,
)
from apps.checkout.pricing import DiscountInput

if TYPE_CHECKING:
    from apps.accounts.models import User

CODE_MAX_LENGTH = 64


def code_normalise(value: object) -> str:
    """A typed code without spaces (any case); "" for anything that is not text."""
    return "".join(value.split())[:CODE_MAX_LENGTH] if isinstance(value, str) else ""


def customer_key(email: str) -> str:
    """How one customer is told apart for once-per-customer discounts: the email, lower case."""
    return email.strip().lower()


# ------------------------------------------------------------------------------
# discounts
# ------------------------------------------------------------------------------
def _with_restrictions(queryset: QuerySet[Discount]) -> QuerySet[Discount]:
    """Each discount with `restricted_product_ids` and `restricted_collection_ids` (lists of
    ids) read in the same query."""
    products = Discount.products.through.objects.filter(discount_id=OuterRef("pk")).values("product_id")
    collections = Discount.collections.through.objects.filter(discount_id=OuterRef("pk")).values(
        "collection_id"
    )
    return queryset.annotate(
        restricted_product_ids=ArraySubquery(products), restricted_collection_ids=ArraySubquery(collections)
    )


def discount_code_find(*, code: object) -> Discount | None:
    """The (code) discount a shopper typed, matched without regard to case; None if none."""
    typed = code_normalise(code)
    if not typed:
        return None
    return (
        _with_restrictions(Discount.objects.alias(code_lower=Lower("code")))
        .filter(Q(code_lower=typed.lower(), automatic=False))
        .first()
    )


def discounts_for_codes(*, codes: Sequence[str], automatic: bool) -> list[Discount]:
    """The discounts of `codes` (in that order), plus every active automatic discount when
    `automatic`; one query, restrictions included. Unknown codes are left out."""
    lowered = [code.lower() for code in codes if code]
    condition = Q(code_lower__in=lowered, automatic=False) if lowered else Q(pk__in=[])
    if automatic:
        condition |= Q(automatic=True, active=True)
    rows = list(_with_restrictions(Discount.objects.alias(code_lower=Lower("code"))).filter(condition))
    order = {code: index for index, code in enumerate(lowered)}
    # Codes in the order the shopper applied them, then the automatic discounts, oldest first.
    return sorted(rows, key=lambda d: (1, d.pk) if d.automatic else (0, order.get(d.code.lower(), 0)))


def discounts_used_by(*, discount_ids: Iterable[int], email: str) -> set[int]:
    """Which of `discount_ids` this customer (by email) has a live use of (one query)."""
    ids = list(discount_ids)
    key = customer_key(email)
    if not ids or not key:
        return set()
    return set(
        DiscountRedemption.objects.filter(
            discount_id__in=ids, customer_key=key, reversed_at__isnull=True
        ).values_list("discount_id", flat=True)
    )


def discount_refusal(
    discount: Discount, *, now: datetime, used_by_customer: bool = False
) -> CheckoutErrorCode | None:
    """Why `discount` cannot be used now, or None. The minimum subtotal and what the discount
    applies to depend on the cart and are the totals' to judge (`apps.checkout.pricing`)."""
    if not discount.active:
        return CheckoutErrorCode.CODE_INACTIVE
    if discount.starts_at is not None and now < discount.starts_at:
        return CheckoutErrorCode.CODE_NOT_STARTED
    if discount.ends_at is not None and now >= discount.ends_at:
        return CheckoutErrorCode.CODE_EXPIRED
    if discount.usage_limit is not None and discount.times_used >= discount.usage_limit:
        return CheckoutErrorCode.CODE_EXHAUSTED
    if discount.once_per_customer and used_by_customer:
        return CheckoutErrorCode.CODE_ONCE_PER_CUSTOMER
    return None


def collection_members(
    *, collection_ids: Iterable[int], product_ids: Iterable[int]
) -> dict[int, frozenset[int]]:
    """For each of `product_ids`, which of `collection_ids` hold it: manual collections in one
    query, each rule-based one in one more (a rule-based collection is defined by its rules,
    not by rows). Nothing is read when either is empty."""
    wanted, products = set(collection_ids), set(product_ids)
    found: dict[int, set[int]] = {product: set() for product in products}
    if not wanted or not products:
        return {product: frozenset() for product in products}
    collections = list(Collection.objects.filter(pk__in=wanted))
    manual = [c.pk for c in collections if c.kind == Collection.Kind.MANUAL]
    if manual:
        for product_id, collection_id in CollectionProduct.objects.filter(
            collection_id__in=manual, product_id__in=products
        ).values_list("product_id", "collection_id"):
            found[product_id].add(collection_id)
    for collection in collections:
        if collection.kind == Collection.Kind.RULES:
            for product_id in (
                collection_products(collection=collection)
                .filter(pk__in=products)
                .values_list("pk", flat=True)
            ):
                found[product_id].add(collection.pk)
    return {product: frozenset(ids) for product, ids in found.items()}


def discount_input(discount: Discount) -> DiscountInput:
    """`discount` for `apps.checkout.pricing` (read with `discounts_for_codes` or
    `discount_code_find`, so its restrictions are loaded)."""
    product_ids = getattr(discount, "restricted_product_ids", None)
    collection_ids = getattr(discount, "restricted_collection_ids", None)
    if product_ids is None:
        product_ids = list(discount.products.values_list("pk", flat=True))
    if collection_ids is None:
        collection_ids = list(discount.collections.values_list("pk", flat=True))
    return DiscountInput(
        id=discount.pk,
        code=discount.code,
        name=discount.name,
        kind=discount.kind,
        value=discount.value,
        min_subtotal=discount.min_subtotal,
        product_ids=frozenset(product_ids) or None,
        collection_ids=frozenset(collection_ids) or None,
        buy_quantity=discount.buy_quantity,
        get_quantity=discount.get_quantity,
        get_percent=discount.get_percent,
        combines=discount.combines,
    )


# ------------------------------------------------------------------------------
# gift cards
# ------------------------------------------------------------------------------
def gift_card_code_normalise(value: object) -> str:
    return code_normalise(value).upper()[:32]


def gift_card_find(*, code: object) -> GiftCard | None:
    typed = gift_card_code_normalise(code)
    return GiftCard.objects.filter(code=typed).first() if typed else None


def gift_cards_for_codes(*, codes: Sequence[str]) -> list[GiftCard]:
    """The gift cards of `codes`, in that order (one query); unknown codes are left out."""
    if not codes:
        return []
    cards = {card.code: card for card in GiftCard.objects.filter(code__in=list(codes))}
    return [cards[code] for code in codes if code in cards]


def gift_card_refusal(card: GiftCard, *, now: datetime, currency: str) -> CheckoutErrorCode | None:
    """Why `card` cannot pay now, or None."""
    if not card.active:
        return CheckoutErrorCode.GIFT_CARD_DISABLED
    if card.expires_at is not None and now >= card.expires_at:
        return CheckoutErrorCode.GIFT_CARD_EXPIRED
    if card.currency != currency:
        return CheckoutErrorCode.GIFT_CARD_CURRENCY
    if card.balance <= 0:
        return CheckoutErrorCode.GIFT_CARD_EMPTY
    return None


def gift_card_refundable(*, reference: str) -> Decimal:
    """How much may still go back onto the gift cards that paid for the order `reference`:
    what they paid, less what was given back (a cancellation's reversal, refunds). One query."""
    if not reference:
        return Decimal(0)
    K = GiftCardTransaction.Kind
    # Debits are negative, give-backs positive: their sum is minus what the cards still miss.
    total = GiftCardTransaction.objects.filter(
        reference=reference, kind__in=[K.REDEEMED, K.REVERSED, K.REFUNDED]
    ).aggregate(total=Sum("amount"))["total"]
    return max(-(total or Decimal(0)), Decimal(0))


# ------------------------------------------------------------------------------
# store credit
# ------------------------------------------------------------------------------
def store_credit_balance(*, user: User | None) -> Decimal:
    """The shopper's store credit: their latest entry's balance (one query; 0 for none or a
    guest). It is in the currency of the store when it was granted."""
    if user is None or user.pk is None:
        return Decimal(0)
    latest = (
        StoreCreditEntry.objects.filter(user=user)
        .order_by("-id")
        .values_list("balance_after", flat=True)
        .first()
    )
    return latest if latest is not None else Decimal(0)


def store_credit_entries(*, user: User) -> QuerySet[StoreCreditEntry]:
    """The shopper's store credit history, newest first."""
    return StoreCreditEntry.objects.filter(user=user).select_related("actor").order_by("-id")
