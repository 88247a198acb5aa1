"""Orders under real concurrency: threads, each with its own PostgreSQL connection, completing
checkouts at once in a store of their own.

- order numbers stay distinct and gap-free while transactions commit and roll back around them;
- the same checkout completed by 20 threads at once gives one order, one payment, one charge;
- 200 checkouts racing for the last 10 units give exactly 10 paid orders, stock never negative,
  no errors but "sold out", no deadlocks.

The threads need committed rows, so this module provisions a throwaway store (a schema cloned
from the template, as in production), works outside the usual rolled-back test transaction,
and drops the store at the end.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django_tenants.utils import schema_context

from apps.checkout.models import Checkout
from apps.inventory.models import StockLevel
from apps.orders.errors import OrderError
from apps.orders.models import Order, Payment
from apps.orders.numbering import order_number_next
from apps.orders.tests.factories import checkout_ready, place, shipping_rate_make, variant_make
from apps.payments.models import DummyPayment
from tests.fixtures import throwaway_store

pytestmark = pytest.mark.slow

WORKERS = 32
SHOPPERS = 200
UNITS = 10
SAME_CHECKOUT = 20


@pytest.fixture(scope="module")
def race_store(django_db_setup, django_db_blocker) -> Iterator[str]:
    """A provisioned store of its own (committed); its schema and row are removed after."""
    with django_db_blocker.unblock(), throwaway_store("Order race") as schema:
        yield schema


def _outcome(func: Callable[[], str]) -> str:
    """Run `func` and name what happened; every exception is named, none escapes."""
    try:
        return func()
    except OrderError as exc:
        return f"refused:{exc.code}"
    except DatabaseError as exc:
        return "deadlock" if "deadlock" in str(exc).lower() else f"database:{type(exc).__name__}:{exc}"
    except Exception as exc:
        return f"error:{type(exc).__name__}:{exc}"
    finally:
        connection.close()


def test_concurrent_order_numbers_are_distinct_and_gap_free(race_store, django_db_blocker):
    attempts = 60
    start = threading.Barrier(WORKERS)

    def create(n: int) -> str:
        def body() -> str:
            if n < WORKERS:
                start.wait(timeout=30)
            with schema_context(race_store), transaction.atomic():
                number = order_number_next()
                Order.objects.create(number=number, origin="draft", email=f"n{n}@example.com", currency="EUR")
                if n % 4 == 0:
                    raise RuntimeError("rolled back on purpose")  # gives its number back
            return "created"

        return _outcome(body)

    with django_db_blocker.unblock():
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            outcomes = Counter(pool.map(create, range(attempts)))
        rolled_back = len([n for n in range(attempts) if n % 4 == 0])
        assert outcomes == {
            "created": attempts - rolled_back,
            "error:RuntimeError:rolled back on purpose": rolled_back,
        }
        with schema_context(race_store):
            numbers = sorted(Order.objects.values_list("number", flat=True))
            # then the committed orders hold 1001, 1002, ... with no number skipped or repeated
            assert numbers == list(range(1001, 1001 + len(numbers)))
            assert len(numbers) == attempts - rolled_back
            Order.objects.all().delete()
            # the counter continues after the highest committed number
            with transaction.atomic():
                assert order_number_next() == 1001 + len(numbers)
                transaction.set_rollback(True)


def test_the_same_checkout_completed_20_times_at_once_is_one_order_and_one_charge(
    race_store, django_db_blocker
):
    with django_db_blocker.unblock():
        with schema_context(race_store):
            variant = variant_make(price="20.00", stock=5)
            checkout = checkout_ready(items=[(variant, 1)], email="twenty@example.com")
        start = threading.Barrier(SAME_CHECKOUT)

        def complete(_n: int) -> str:
            def body() -> str:
                start.wait(timeout=30)
                with schema_context(race_store):
                    fresh = Checkout.objects.select_related("cart", "user").get(pk=checkout.pk)
                    placement = place(fresh, expected_total=Decimal("25.00"))
                    return f"paid:{placement.order.number}" if placement.paid else "unpaid"

            return _outcome(body)

        with ThreadPoolExecutor(max_workers=SAME_CHECKOUT) as pool:
            outcomes = Counter(pool.map(complete, range(SAME_CHECKOUT)))
        with schema_context(race_store):
            order = Order.objects.get(checkout_token=checkout.token)
            print(f"\n{SAME_CHECKOUT} completions of one checkout: {dict(outcomes)}")
            # every caller was told about the same paid order
            assert outcomes == {f"paid:{order.number}": SAME_CHECKOUT}
            assert Payment.objects.filter(order=order).count() == 1
            # the gateway was asked to charge once
            assert DummyPayment.objects.filter(reference=str(order.uuid)).count() == 1
            level = StockLevel.objects.get(variant=variant)
            assert (level.on_hand, level.reserved) == (4, 0)


def test_200_checkouts_for_the_last_10_units_give_exactly_10_paid_orders(race_store, django_db_blocker):
    with django_db_blocker.unblock():
        with schema_context(race_store):
            variant = variant_make(price="20.00", stock=UNITS)
            stock_id = StockLevel.objects.get(variant=variant).pk
            rate = shipping_rate_make(amount="5.00")
            checkout_ids = [
                checkout_ready(items=[(variant, 1)], email=f"shopper{n}@example.com", rate=rate).pk
                for n in range(SHOPPERS)
            ]
            orders_before = Order.objects.count()
            tokens = list(Checkout.objects.filter(pk__in=checkout_ids).values_list("token", flat=True))
        start = threading.Barrier(WORKERS)
        stop_sampling = threading.Event()
        samples: list[tuple[int, int]] = []

        def complete(n: int) -> str:
            def body() -> str:
                if n < WORKERS:
                    start.wait(timeout=30)  # the first wave starts together
                with schema_context(race_store):
                    checkout = Checkout.objects.select_related("cart", "user").get(pk=checkout_ids[n])
                    placement = place(checkout, expected_total=Decimal("25.00"))
                    return (
                        "paid" if placement.paid else f"unpaid:{placement.result and placement.result.status}"
                    )

            return _outcome(body)

        def sample() -> None:
            try:
                while not stop_sampling.is_set():
                    with connection.cursor() as cursor:
                        cursor.execute(
                            f'SELECT on_hand, reserved FROM "{race_store}".inventory_stocklevel WHERE id = %s',
                            [stock_id],
                        )
                        samples.append(cursor.fetchone())
            finally:
                connection.close()

        sampler = threading.Thread(target=sample)
        sampler.start()
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            outcomes = Counter(pool.map(complete, range(SHOPPERS)))
        duration = time.monotonic() - started
        stop_sampling.set()
        sampler.join()

        with schema_context(race_store):
            paid_orders = Order.objects.filter(status="paid", checkout_token__in=tokens)
            level = StockLevel.objects.get(pk=stock_id)
            oversold = max(0, -level.on_hand) + max(0, paid_orders.count() - UNITS)
            deadlocks = outcomes["deadlock"]
            errors = sum(
                count for name, count in outcomes.items() if name not in ("paid", "refused:sold_out")
            )
            print(
                f"\n{SHOPPERS} checkouts, {WORKERS} threads, {UNITS} units: {dict(outcomes)} in {duration:.1f}s; "
                f"paid orders {paid_orders.count()}, oversold {oversold}, errors {errors}, deadlocks {deadlocks}, "
                f"stock samples {len(samples)} (min on hand {min(s[0] for s in samples)})"
            )
            # then exactly 10 shoppers paid and 190 were told it sold out; nothing else happened
            assert outcomes == {"paid": UNITS, "refused:sold_out": SHOPPERS - UNITS}
            assert paid_orders.count() == UNITS
            assert Order.objects.count() - orders_before == UNITS  # the refused ones wrote nothing
            assert DummyPayment.objects.filter(status="succeeded", amount=Decimal("25.00")).count() >= UNITS
            assert Payment.objects.filter(order__in=paid_orders, status="succeeded").count() == UNITS
            # and the stock is sold out, never below zero at any moment seen
            assert (level.on_hand, level.reserved) == (0, 0)
            assert samples and all(on_hand >= 0 and 0 <= reserved <= on_hand for on_hand, reserved in samples)
            numbers = sorted(paid_orders.values_list("number", flat=True))
            assert numbers == list(range(numbers[0], numbers[0] + UNITS))  # distinct, no gap


def test_overlapping_carts_completed_at_once_never_deadlock(race_store, django_db_blocker):
    """Carts holding two of four variants, lines in either order: stock rows are locked in
    variant order, so no two completions wait for each other in a circle."""
    import random

    shoppers, per_variant = 80, 25
    rng = random.Random(8)
    with django_db_blocker.unblock():
        with schema_context(race_store):
            variants = [variant_make(price="10.00", stock=per_variant) for _ in range(4)]
            rate = shipping_rate_make(amount="5.00")
            checkout_ids, pairs = [], []
            for n in range(shoppers):
                pair = rng.sample(variants, 2)  # random order of the lines in the cart
                pairs.append(pair)
                checkout_ids.append(
                    checkout_ready(
                        items=[(pair[0], 1), (pair[1], 1)], email=f"pair{n}@example.com", rate=rate
                    ).pk
                )
        start = threading.Barrier(WORKERS)

        def complete(n: int) -> str:
            def body() -> str:
                if n < WORKERS:
                    start.wait(timeout=30)
                with schema_context(race_store):
                    checkout = Checkout.objects.select_related("cart", "user").get(pk=checkout_ids[n])
                    return "paid" if place(checkout, expected_total=Decimal("25.00")).paid else "unpaid"

            return _outcome(body)

        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            results = list(pool.map(complete, range(shoppers)))
        outcomes = Counter(results)
        print(f"\n{shoppers} overlapping two-variant carts, {WORKERS} threads: {dict(outcomes)}")
        assert set(outcomes) <= {"paid", "refused:sold_out"}
        with schema_context(race_store):
            sold: Counter[int] = Counter()
            tokens = Checkout.objects.filter(pk__in=checkout_ids).values_list("token", flat=True)
            for order in Order.objects.filter(checkout_token__in=list(tokens), status="paid"):
                for line in order.lines.all():
                    assert line.variant_id is not None
                    sold[line.variant_id] += line.quantity
            assert sum(sold.values()) == 2 * outcomes["paid"]
            for variant in variants:
                level = StockLevel.objects.get(variant=variant)
                assert level.reserved == 0 and level.on_hand == per_variant - sold[variant.pk] >= 0
            # and nobody was refused while both their products were still in stock
            left = {v.pk: StockLevel.objects.get(variant=v).on_hand for v in variants}
            for result, pair in zip(results, pairs, strict=True):
                if result != "paid":
                    assert min(left[pair[0].pk], left[pair[1].pk]) == 0
