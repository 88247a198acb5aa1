"""Microseconds per `apps.checkout.pricing.calculate` call for a 50-line cart with two
discounts, tax and shipping (and a gift card and store credit), prices with and without tax.

The totals module is pure Python (no database, no Django setup), so this runs in a plain
process: it times `--calls` calls per round in `--rounds` rounds and reports the best round
(noise only ever slows a round down) and the median. Target: <= 1000 µs per call, so a checkout
page's totals are a small part of its time budget.

    .venv/bin/python benchmarks/bench_totals.py [--rounds 7] [--calls 2000]
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._setup import median, report, say, verdict

TARGET_US = 1000.0
LINES = 50


def _inputs(*, included: bool) -> dict[str, object]:
    from apps.checkout.pricing import DiscountInput, LineInput, ShippingInput, TaxInput

    lines = [
        LineInput(
            key=f"line-{n}",
            variant_id=n,
            product_id=1000 + n,
            unit_price=Decimal(f"{(n * 37) % 90 + 5}.{(n * 13) % 100:02d}"),
            quantity=n % 4 + 1,
            weight_grams=100 + n,
            collection_ids=frozenset({n % 5}),
        )
        for n in range(1, LINES + 1)
    ]
    discounts = [
        DiscountInput(
            id=1,
            code="SPRING15",
            name="Spring sale",
            kind="percentage",
            value=Decimal("15"),
            min_subtotal=Decimal("50"),
            product_ids=None,
            collection_ids=frozenset({1, 2}),
            combines=True,
        ),
        DiscountInput(
            id=2,
            code="",
            name="10 off",
            kind="fixed",
            value=Decimal("10"),
            min_subtotal=None,
            product_ids=None,
            collection_ids=None,
            combines=True,
        ),
    ]
    return {
        "currency": "EUR",
        "lines": lines,
        "prices_include_tax": included,
        "tax": TaxInput(rate=Decimal("0.19"), name="VAT"),
        "shipping": ShippingInput(amount=Decimal("4.90"), name="Standard", rate_id=1),
        "discounts": discounts,
        "gift_cards": [("GIFT-0001", Decimal("25.00"))],
        "store_credit": Decimal("5.00"),
    }


def _round(calculate: object, kwargs: dict[str, object], calls: int) -> float:
    """Microseconds per call over one round."""
    gc.collect()
    started = time.perf_counter()
    for _ in range(calls):
        calculate(**kwargs)  # type: ignore[operator]
    return (time.perf_counter() - started) / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()

    from apps.checkout.pricing import calculate

    figures: dict[str, list[float]] = {}
    for included in (False, True):
        label = "gross" if included else "net"
        kwargs = _inputs(included=included)
        result = calculate(**kwargs)  # type: ignore[arg-type]
        assert len(result.discounts) == 2 and result.tax_total > 0 and result.shipping_total > 0
        say(
            f"{label} prices: total {result.total}, discounts {result.discount_total}, "
            f"tax {result.tax_total}, due {result.amount_due}"
        )
        for _ in range(3):  # warm-up: caches (currency unit), allocator
            calculate(**kwargs)  # type: ignore[arg-type]
        figures[label] = [_round(calculate, kwargs, args.calls) for _ in range(args.rounds)]

    best_net, best_gross = min(figures["net"]), min(figures["gross"])
    ok = max(best_net, best_gross) <= TARGET_US
    report(
        "totals",
        [
            ("cart", f"{LINES} lines, 2 combining discounts, 19 % tax, shipping, gift card, store credit"),
            ("calls", f"{args.rounds} rounds x {args.calls}"),
            ("prices without tax", f"best {best_net:.1f} µs/call, median {median(figures['net']):.1f}"),
            ("prices with tax", f"best {best_gross:.1f} µs/call, median {median(figures['gross']):.1f}"),
            ("target", f"<= {TARGET_US:.0f} µs/call: {verdict(ok)}"),
        ],
        {
            "lines": LINES,
            "us_per_call_net_best": round(best_net, 1),
            "us_per_call_gross_best": round(best_gross, 1),
            "us_per_call_net_median": round(median(figures["net"]), 1),
            "target_met": int(ok),
        },
    )


if __name__ == "__main__":
    main()
