"""Redemptions under real concurrency: threads, each with its own PostgreSQL connection,
place orders that race for the last uses of a discount, the last balance of a gift card and the
last store credit. Exactly as many succeed as there is to give, and nothing goes negative.

The threads need committed rows, so this module works outside the usual rolled-back test
transaction (no `db` fixture): it creates uniquely named rows in store alpha and removes them.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.catalog.models import Product
from apps.checkout.errors import CheckoutErrorCode, RedemptionFailed
from apps.checkout.models import Cart, Checkout, Discount, DiscountRedemption, GiftCard
from apps.checkout.pricing import Totals
from apps.checkout.selectors import checkout_totals, store_credit_balance
from apps.checkout.services import (
    checkout_code_apply,
    checkout_redemptions_record,
    checkout_store_credit_set,
    store_credit_grant,
)
from apps.checkout.tests.factories import checkout_make, discount_make, gift_card_make
from apps.core.models import EventRecord
from apps.inventory.models import Location
from apps.tenants.models import Tenant

pytestmark = pytest.mark.slow

D = Decimal


@dataclass
class Made:
    """What a test committed in store alpha, removed afterwards."""

    schema: str
    suffix: str
    checkouts: list[Checkout] = field(default_factory=list)
    discounts: list[int] = field(default_factory=list)
    gift_cards: list[int] = field(default_factory=list)
    users: list[int] = field(default_factory=list)

    def checkout(self, **kwargs: Any) -> Checkout:
        made = checkout_make(**kwargs)
        self.checkouts.append(made)
        return made


@pytest.fixture
def made(django_db_setup, django_db_blocker) -> Iterator[Made]:  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        schema = Tenant.objects.get(slug="alpha").schema_name
        record = Made(schema=schema, suffix=uuid.uuid4().hex[:8])
        try:
            yield record
        finally:
            with schema_context(schema):
                tokens = [str(c.token) for c in record.checkouts]
                carts = [c.cart_id for c in record.checkouts]
                products = list(
                    Product.objects.filter(variants__cart_lines__cart_id__in=carts).values_list(
                        "pk", flat=True
                    )
                )
                locations = list(
                    Location.objects.filter(stock_levels__variant__product_id__in=products).values_list(
                        "pk", flat=True
                    )
                )
                EventRecord.objects.filter(name="checkout.started", payload__checkout__in=tokens).delete()
                DiscountRedemption.objects.filter(discount_id__in=record.discounts).delete()
                Discount.objects.filter(pk__in=record.discounts).delete()
                GiftCard.objects.filter(pk__in=record.gift_cards).delete()
                Cart.objects.filter(pk__in=carts).delete()
                Product.objects.filter(pk__in=products).delete()
                Location.objects.filter(pk__in=locations).delete()
                User.objects.filter(pk__in=record.users).delete()


def _race(count: int, place: Callable[[int], None]) -> list[str]:
    """Run `place(n)` for n in range(count) at once, each in its own transaction and
    connection; the outcome of each: "ok" or the refusal's code."""
    start = threading.Barrier(count)

    def attempt(n: int) -> str:
        try:
            start.wait(timeout=30)
            with transaction.atomic():
                place(n)
            return "ok"
        except RedemptionFailed as refused:
            return str(refused.code)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(attempt, range(count)))


def test_checkouts_racing_for_the_last_uses_of_a_discount(made: Made, django_db_blocker) -> None:  # type: ignore[no-untyped-def]
    racers = 8
    with django_db_blocker.unblock(), schema_context(made.schema):
        # given a code with 3 uses left and 8 checkouts that applied it
        code = f"RACE{made.suffix}".upper()
        discount = discount_make(code=code, kind="fixed", value="5", usage_limit=5, times_used=2)
        made.discounts.append(discount.pk)
        totals: list[tuple[Checkout, Totals]] = []
        for n in range(racers):
            checkout = made.checkout(email=f"racer{n}-{made.suffix}@example.com", price="20.00")
            checkout_code_apply(checkout=checkout, code=code)
            totals.append((checkout, checkout_totals(checkout=checkout)))
        assert all(t.discount_total == D("5.00") for _c, t in totals)

    def place(n: int) -> None:
        checkout, order_totals = totals[n]
        with schema_context(made.schema):
            checkout_redemptions_record(
                checkout=checkout,
                totals=order_totals,
                order_reference=f"race-{made.suffix}-{n}",
                email=checkout.email,
                user=None,
            )

    # when all 8 orders are placed at once
    with django_db_blocker.unblock():
        outcomes = _race(racers, place)
        # then exactly 3 counted the code, the others were told it is used up
        assert sorted(outcomes) == ["code_exhausted"] * 5 + ["ok"] * 3, outcomes
        with schema_context(made.schema):
            assert Discount.objects.get(pk=discount.pk).times_used == 5
            assert DiscountRedemption.objects.filter(discount=discount).count() == 3


def test_two_checkouts_racing_for_the_last_balance_of_a_gift_card(made: Made, django_db_blocker) -> None:  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock(), schema_context(made.schema):
        card = gift_card_make(amount="30.00")
        made.gift_cards.append(card.pk)
        pending = []
        for n in range(2):
            checkout = made.checkout(email=f"card{n}-{made.suffix}@example.com", price="30.00")
            checkout_code_apply(checkout=checkout, code=card.code)
            pending.append((checkout, checkout_totals(checkout=checkout)))
        assert all(t.gift_cards == ((card.code, D("30.00")),) for _c, t in pending)

    def place(n: int) -> None:
        checkout, order_totals = pending[n]
        with schema_context(made.schema):
            checkout_redemptions_record(
                checkout=checkout,
                totals=order_totals,
                order_reference=f"card-{made.suffix}-{n}",
                email=checkout.email,
                user=None,
            )

    with django_db_blocker.unblock():
        outcomes = _race(2, place)
        assert sorted(outcomes) == [CheckoutErrorCode.GIFT_CARD_INSUFFICIENT.value, "ok"], outcomes
        with schema_context(made.schema):
            card.refresh_from_db()
            assert card.balance == D("0.00")
            assert card.transactions.filter(kind="redeemed").count() == 1


def test_two_orders_racing_for_the_same_store_credit(made: Made, django_db_blocker) -> None:  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock(), schema_context(made.schema):
        shopper = User.objects.create_user(f"credit-{made.suffix}@example.com", "a-long-password-1")
        made.users.append(shopper.pk)
        store_credit_grant(user=shopper, amount=D("10.00"), reason="race")
        checkout = made.checkout(user=shopper, email=shopper.email, price="25.00")
        checkout_store_credit_set(checkout=checkout, use=True)
        order_totals = checkout_totals(checkout=checkout)
        assert order_totals.store_credit_applied == D("10.00")

    def place(n: int) -> None:
        # the same credit claimed by two orders at once (e.g. two tabs)
        with schema_context(made.schema):
            checkout_redemptions_record(
                checkout=checkout,
                totals=order_totals,
                order_reference=f"credit-{made.suffix}-{n}",
                email=shopper.email,
                user=shopper,
            )

    with django_db_blocker.unblock():
        outcomes = _race(2, place)
        assert sorted(outcomes) == ["ok", CheckoutErrorCode.STORE_CREDIT_INSUFFICIENT.value], outcomes
        with schema_context(made.schema):
            assert store_credit_balance(user=shopper) == D("0.00")
