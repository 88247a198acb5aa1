"""Outbound webhooks: fan-out of `--events` (1,000) domain events to `--endpoints` (5) endpoints of
one store, every delivery signed (Standard Webhooks) and posted through the SSRF guard
(`apps.core.http.safe_post`) to a receiver on loopback.

- A store `bench-webhooks` (a leftover of an interrupted run is dropped first) with the endpoints,
  all pointed at one `ThreadingHTTPServer` on 127.0.0.1 that answers 204 and counts what it got
  (the test settings allow loopback and http://).
- Stage 1, fan-out: `event_emit_many` records `bench.happened` events (no app listens to that
  name, only the catch-all subscribers such as the webhook fan-out) in one INSERT; their dispatch
  (eager Celery, as in the tests) runs the webhook fan-out, which writes one
  `WebhookDelivery` per event x endpoint. The send tasks it queues are held back (counted, not
  run) so this stage is the fan-out alone: events/s and deliveries created/s.
- Stage 2, send, one worker: every delivery sent by `delivery_attempt` (what the Celery task
  runs) in this process: deliveries/s, latency p50/p95.
- Stage 3, send, `--workers` (4) threads, each with its own database connection (like Celery
  worker processes): a second batch of events, deliveries/s.

Invariants: every delivery delivered exactly once (the receiver got each message id once per
endpoint), none left scheduled or dead. Nothing asserts on wall-clock time; a broken invariant
exits 1.

    .venv/bin/python benchmarks/bench_webhooks.py [--events 1000] [--endpoints 5] [--workers 4] [--keep-store]
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._setup import (
    bench_store_ensure,
    bench_stores_drop,
    bootstrap,
    percentile,
    report,
    say,
)

STORE_SLUG = "bench-webhooks"


class Receiver:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seen: Counter[tuple[str, str]] = Counter()  # (path, webhook-id) -> times
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                with outer.lock:
                    outer.seen[(self.path, self.headers.get("webhook-id", ""))] += 1
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def _emit(count: int, offset: int) -> tuple[float, list[int]]:
    """Emit `count` events and run their dispatch (fan-out), holding back the send tasks.
    Returns (seconds, delivery ids created)."""
    from django.db import transaction

    from apps.core.events import event_emit_many
    from apps.integrations.services import deliveries as deliveries_module

    held: list[int] = []
    original = deliveries_module._queue_send
    deliveries_module._queue_send = held.extend  # type: ignore[assignment]
    try:
        started = time.perf_counter()
        with transaction.atomic():
            event_emit_many(
                name="bench.happened",  # only the "*" subscribers (the webhook fan-out) run
                payloads=[
                    {"order": f"bench-{offset + n}", "total": "19.90", "currency": "EUR"}
                    for n in range(count)
                ],
            )
        seconds = time.perf_counter() - started
    finally:
        deliveries_module._queue_send = original  # type: ignore[assignment]
    return seconds, held


def _round_trip_ms(samples: int = 200) -> float:
    """Median time of ``SELECT 1`` on the connection: the floor under every query, to read the
    figures against (a send runs 6 to 8 statements)."""
    from django.db import connection

    times = []
    with connection.cursor() as cursor:
        for _ in range(samples):
            t0 = time.perf_counter()
            cursor.execute("SELECT 1")
            cursor.fetchone()
            times.append((time.perf_counter() - t0) * 1000)
    return percentile(times, 50)


def _send_serial(ids: list[int]) -> tuple[float, list[float]]:
    from apps.integrations.services import delivery_attempt

    latencies: list[float] = []
    started = time.perf_counter()
    for delivery_id in ids:
        t0 = time.perf_counter()
        delivery_attempt(delivery_id=delivery_id)
        latencies.append((time.perf_counter() - t0) * 1000)
    return time.perf_counter() - started, latencies


def _send_threads(ids: list[int], *, schema: str, workers: int) -> float:
    from django.db import connection
    from django_tenants.utils import schema_context

    from apps.integrations.services import delivery_attempt

    chunks = [ids[n::workers] for n in range(workers)]

    def work(chunk: list[int]) -> None:
        try:
            with schema_context(schema):
                for delivery_id in chunk:
                    delivery_attempt(delivery_id=delivery_id)
        finally:
            connection.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(work, chunks))
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--endpoints", type=int, default=5)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--keep-store", action="store_true")
    args = parser.parse_args()

    bootstrap()

    from django.db import connection
    from django_tenants.utils import schema_context

    from apps.integrations.enums import DeliveryStatus
    from apps.integrations.models import WebhookDelivery
    from apps.integrations.services import endpoint_create
    from apps.tenants.models import Tenant

    leftover = Tenant.objects.filter(slug=STORE_SLUG)
    if leftover.exists():
        say("dropping a leftover bench-webhooks store")
        bench_stores_drop(leftover)
    tenant, _created = bench_store_ensure(STORE_SLUG)
    schema = tenant.schema_name
    failures: list[str] = []
    try:
        with Receiver() as receiver, schema_context(schema):
            for n in range(args.endpoints):
                endpoint_create(url=f"{receiver.base_url}/endpoint-{n}")
            say(f"{args.endpoints} endpoints on {receiver.base_url}; emitting {args.events} events")
            round_trip = _round_trip_ms()

            fan_seconds, batch_one = _emit(args.events, 0)
            say(f"fan-out: {len(batch_one)} deliveries in {fan_seconds:.2f} s")
            serial_seconds, latencies = _send_serial(batch_one)
            say(f"sent (1 worker): {len(batch_one)} in {serial_seconds:.2f} s")

            _fan2, batch_two = _emit(args.events, args.events)
            threaded_seconds = _send_threads(batch_two, schema=schema, workers=args.workers)
            say(f"sent ({args.workers} workers): {len(batch_two)} in {threaded_seconds:.2f} s")

            expected = 2 * args.events * args.endpoints
            statuses = Counter(WebhookDelivery.objects.values_list("status", flat=True))
            if len(batch_one) != args.events * args.endpoints:
                failures.append(
                    f"fan-out made {len(batch_one)} deliveries, expected {args.events * args.endpoints}"
                )
            if statuses.get(DeliveryStatus.SUCCEEDED, 0) != expected:
                failures.append(f"delivered {dict(statuses)}, expected {expected} succeeded")
            with receiver.lock:
                counts = dict(receiver.seen)
            if len(counts) != expected or any(times != 1 for times in counts.values()):
                failures.append(f"receiver saw {len(counts)} distinct (endpoint, message) pairs")
    finally:
        connection.set_schema_to_public()  # type: ignore[attr-defined]
        if not args.keep_store:
            bench_stores_drop(Tenant.objects.filter(slug=STORE_SLUG))

    deliveries = args.events * args.endpoints
    rows = [
        ("events x endpoints", f"{args.events} x {args.endpoints} = {deliveries} deliveries per batch"),
        (
            "fan-out",
            f"{fan_seconds:.2f} s: {args.events / fan_seconds:.0f} events/s, {deliveries / fan_seconds:.0f} deliveries created/s",
        ),
        ("send, 1 worker", f"{serial_seconds:.2f} s: {deliveries / serial_seconds:.0f} deliveries/s"),
        (
            "  latency per delivery",
            f"p50 {percentile(latencies, 50):.2f} ms, p95 {percentile(latencies, 95):.2f} ms",
        ),
        (
            f"send, {args.workers} workers",
            f"{threaded_seconds:.2f} s: {deliveries / threaded_seconds:.0f} deliveries/s",
        ),
        ("end to end, 1 worker", f"{deliveries / (fan_seconds + serial_seconds):.0f} deliveries/s"),
        ("database round trip (SELECT 1)", f"p50 {round_trip:.2f} ms"),
        ("invariants", "OK" if not failures else "; ".join(failures)),
    ]
    report(
        "webhooks",
        rows,
        {
            "events": args.events,
            "endpoints": args.endpoints,
            "fanout_deliveries_per_s": deliveries / fan_seconds,
            "send_deliveries_per_s": deliveries / serial_seconds,
            "send_threads_deliveries_per_s": deliveries / threaded_seconds,
            "end_to_end_deliveries_per_s": deliveries / (fan_seconds + serial_seconds),
            "p95_ms": percentile(latencies, 95),
            "db_round_trip_ms": round_trip,
            "ok": not failures,
        },
    )
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
