"""Milliseconds per invoice PDF (`apps.invoices.pdf.document_pdf`): p50 and p95 over `--runs`
renders of a realistic invoice (8 lines with accents and €, shipping, two tax rates, a gift
card, a footer), in German with amounts formatted by Babel, both DejaVu Sans faces embedded as
subsets. The renderer needs no database, so Django is set up without one.

Target: p95 <= 250 ms on the 2-core reference machine, so issuing invoices in the event worker
keeps up with any store's order rate (one PDF per paid order, rendered once).

    .venv/bin/python benchmarks/bench_invoices.py [--runs 50]
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._setup import median, percentile, report, say, verdict

TARGET_P95_MS = 250.0
LINES = 8


def _snapshot() -> dict[str, Any]:
    lines = [
        {
            "title": f"Leinenhemd Größe {size} – Farbe Ölgrün",
            "sku": f"SKU-{n:04d}",
            "quantity": n % 3 + 1,
            "unit_price": "24.90",
            "discount": "2.49" if n % 2 else "0",
            "tax_rate": "0.19",
            "net": "22.41",
            "tax": "4.26",
            "total": "26.67",
        }
        for n, size in enumerate(["S", "M", "L", "XL", "XS", "XXL", "M", "L"][:LINES])
    ]
    return {
        "seller": {
            "name": "Bäckerei Straße GmbH",
            "lines": ["Königsallee 12", "40212 Düsseldorf", "Deutschland"],
            "email": "kasse@example.com",
            "phone": "+49 211 1234",
            "tax_id": "DE811907980",
        },
        "buyer": {
            "lines": ["Niño Muñoz", "Calle Mayor 1", "28013 Madrid", "Spanien"],
            "email": "nino@example.com",
            "tax_id": "ESX1234567T",
        },
        "order_number": 1042,
        "order_date": "2026-11-30",
        "paid_date": "2026-11-30",
        "currency": "EUR",
        "prices_include_tax": False,
        "tax_name": "MwSt.",
        "lines": lines,
        "shipping": {
            "name": "DHL Paket",
            "unit_price": "4.90",
            "tax_rate": "0",
            "net": "4.90",
            "tax": "0",
            "total": "4.90",
        },
        "taxes": [
            {"rate": "0.19", "net": "179.28", "tax": "34.08"},
            {"rate": "0", "net": "4.90", "tax": "0"},
        ],
        "net_total": "184.18",
        "tax_total": "34.08",
        "total": "218.26",
        "payments": [{"gateway": "stripe", "amount": "193.26"}, {"gateway": "gift_card", "amount": "25.00"}],
        "footer": "IBAN DE02 1203 0000 0000 2020 51 · Amtsgericht Düsseldorf HRB 12345",
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from apps.invoices.pdf import document_pdf

    data = _snapshot()

    def render() -> bytes:
        return document_pdf(
            kind="invoice", number="INV-2026-01042", issued="2026-11-30", language="de", data=data
        )

    first = render()
    assert first.startswith(b"%PDF-") and first.rstrip().endswith(b"%%EOF"), "not a PDF"
    say(f"one invoice: {len(first) / 1024:.1f} KiB, {LINES} lines")
    for _ in range(3):  # warm-up: imports, Babel's locale data, translations
        render()
    timings: list[float] = []
    for _ in range(args.runs):
        gc.collect()
        started = time.perf_counter()
        render()
        timings.append((time.perf_counter() - started) * 1000)

    p50, p95 = median(timings), percentile(timings, 95)
    ok = p95 <= TARGET_P95_MS
    report(
        "invoices",
        [
            ("document", f"invoice, {LINES} lines, 2 tax rates, de, {len(first) / 1024:.1f} KiB"),
            ("renders", f"{args.runs}"),
            ("ms per PDF", f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, best {min(timings):.1f} ms"),
            ("target", f"p95 <= {TARGET_P95_MS:.0f} ms: {verdict(ok)}"),
        ],
        {
            "runs": args.runs,
            "ms_p50": round(p50, 1),
            "ms_p95": round(p95, 1),
            "kib": round(len(first) / 1024, 1),
            "target_met": int(ok),
        },
    )


if __name__ == "__main__":
    main()
