"""Checkout completion under concurrent shoppers, the checkout page's queries, and the totals.

- Completion: `--shoppers` (20) guest shoppers, each with a cart of its own (`--lines` lines from
  a pool of 60 in-stock variants; with the defaults no two shoppers of a round share a variant,
  so they do not queue on stock rows) and a checkout filled through the checkout services
  (contact, a German address, the standard shipping rate), and a session remembering it.
  Each shopper's thread first GETs its
  "payment and review" page over HTTP (not timed: it gives the CSRF cookie and the totals the
  page shows), then all threads wait at a barrier and POST the place-order form at once (dummy
  gateway, test card 4242 4242 4242 4242) to a real threaded WSGI server (Django's
  `ThreadedWSGIServer`, as runserver and the browser tests use) on 127.0.0.1 with the store's
  Host header. Each POST is timed from send to the full response: p50 / p95 / max over
  `--rounds` rounds. Afterwards every checkout must have exactly one paid order and one payment.
  Before the rounds, `--sequential` (10) shoppers place one after the other on the same server:
  the latency of a placement without queueing, to read the concurrent figures against.
- Queries: the "payment and review" page of a checkout with 1 and with 50 lines, warm, through
  Django's WSGIHandler in this process, counted with CaptureQueriesContext. Target: <= 20 and
  the same for both. Also the queries of one place-order request (1 line, no target).
- Totals: `apps.checkout.pricing.calculate` for a 50-line cart (`benchmarks/bench_totals.py`'s
  inputs and timing loop, fewer calls): microseconds per call.

While the concurrent rounds run, `pg_stat_activity` is sampled (`SessionSampler`) to show
whether the server's database sessions queue on a lock or wait for Python.

Events (`order.created`, `order.paid`, ...) are published to the broker as in production, to a
queue of this run's own that no worker reads (deleted at the end), rather than dispatched inline
by eager Celery (`--inline-events` does that instead). Nothing asserts on wall-clock time: the
figures and a verdict are printed; the run fails only when something is broken (an HTTP error,
a checkout without exactly one paid order).

Store `bench-checkout` (dropped at the end if this run created it; `--keep-store` keeps it).

    .venv/bin/python benchmarks/bench_checkout.py [--shoppers 20] [--rounds 3] [--lines 3]
"""

from __future__ import annotations

import argparse
import contextlib
import html
import http.client
import os
import re
import sys
import threading
import time
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._setup import (
    bench_store_ensure,
    bench_stores_drop,
    bootstrap,
    percentile,
    report,
    say,
    verdict,
)

STORE_SLUG = "bench-checkout"
POOL = 60  # variants the shoppers buy from
LINES_MANY = 50
TARGET_QUERIES = 20
CARD = "4242424242424242"
STOCK = 100_000
HTTP_TIMEOUT = 120


# ---------------------------------------------------------------------------------------------
# Store data (inside the store's schema)
# ---------------------------------------------------------------------------------------------
def _store_ready() -> list[Any]:
    """The pool of variants (built when missing, stock topped up), with the demo checkout set-up
    (shipping zones, taxes, the dummy gateway): `apps.checkout.demo`."""
    from apps.catalog.models import ProductVariant
    from apps.checkout.demo import checkout_demo_load
    from apps.inventory.models import StockLevel
    from tests.storefront_data import catalog_bulk_build

    if ProductVariant.objects.count() < POOL:
        catalog_bulk_build(products=POOL, prefix="bcheck")
    checkout_demo_load()
    variants = list(ProductVariant.objects.select_related("product").order_by("pk")[:POOL])
    StockLevel.objects.filter(variant__in=variants).update(on_hand=STOCK)
    return variants


@dataclass(frozen=True)
class Shopper:
    token: str  # the checkout's
    cookie: str  # the session cookie, "name=value"


def _shopper_make(*, n: int, variants: list[Any]) -> Shopper:
    """A guest cart with `variants`, its checkout filled through the services, and a session
    that started it (what the storefront remembers for a guest)."""
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore

    from apps.checkout.selectors.checkout import shipping_options
    from apps.checkout.services import (
        cart_get_or_create,
        cart_line_add,
        checkout_address_set,
        checkout_contact_set,
        checkout_shipping_set,
        checkout_start,
    )
    from apps.customers.services import AddressInput
    from apps.storefront.views.checkout import SESSION_CHECKOUTS

    cart = cart_get_or_create(user=None)
    for variant in variants:
        cart_line_add(cart=cart, variant=variant, quantity=1)
    checkout = checkout_start(cart=cart, user=None, language="en")
    checkout_contact_set(checkout=checkout, email=f"shopper-{os.getpid()}-{n}@bench.invalid")
    checkout_address_set(
        checkout=checkout,
        shipping_address=AddressInput(
            name=f"Bench Shopper {n}",
            line1="Unter den Linden 1",
            city="Berlin",
            postal_code="10117",
            country="DE",
        ),
    )
    options = shipping_options(checkout=checkout)
    if not options:
        raise SystemExit("no shipping option for a German address: the demo set-up is missing")
    checkout_shipping_set(checkout=checkout, rate_id=options[0].rate_id)
    session = SessionStore()
    session[SESSION_CHECKOUTS] = [str(checkout.token)]
    session.create()
    return Shopper(token=str(checkout.token), cookie=f"{settings.SESSION_COOKIE_NAME}={session.session_key}")


# ---------------------------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------------------------
def _server() -> tuple[Any, int]:
    """The whole app in Django's threaded WSGI server on 127.0.0.1:<random port>."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import ThreadedWSGIServer
    from django.test.testcases import QuietWSGIRequestHandler

    class Server(ThreadedWSGIServer):
        # Django's default backlog (10) would make some of 20 simultaneous connects wait for a
        # SYN retransmit (1 s): a figure of the listen queue, not of the checkout.
        request_queue_size = 128

    httpd = Server(("127.0.0.1", 0), QuietWSGIRequestHandler, allow_reuse_address=False)
    httpd.set_app(WSGIHandler())
    threading.Thread(target=httpd.serve_forever, name="bench-wsgi", daemon=True).start()
    return httpd, httpd.server_address[1]


def _http(
    port: int, host: str, method: str, path: str, *, cookies: list[str], body: dict[str, str] | None = None
) -> tuple[int, dict[str, str], list[str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT)
    headers = {"Host": host, "Cookie": "; ".join(cookies)}
    data = None
    if body is not None:
        data = urlencode(body).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        payload = response.read()
        set_cookies = [value.split(";", 1)[0] for value in response.headers.get_all("Set-Cookie") or []]
        return response.status, dict(response.getheaders()), set_cookies, payload
    finally:
        conn.close()


PLACE_FORM = re.compile(r'<form[^>]*action="[^"]*/place/"[^>]*>(?P<body>.*?)</form>', re.S)
HIDDEN = re.compile(r'<input type="hidden" name="(?P<name>[^"]+)" value="(?P<value>[^"]*)"')


def _place_fields(page: bytes) -> dict[str, str]:
    """The hidden fields of the page's place-order form (CSRF token, the totals shown)."""
    match = PLACE_FORM.search(page.decode())
    if match is None:
        raise SystemExit(f"no place-order form on the payment page: {page[:500]!r}")
    fields = {m["name"]: html.unescape(m["value"]) for m in HIDDEN.finditer(match["body"])}
    for name in ("csrfmiddlewaretoken", "expected_total", "expected_amount_due"):
        if name not in fields:
            raise SystemExit(f"the place-order form has no {name}")
    return fields


@dataclass
class Outcome:
    ms: float = 0.0
    result: str = ""  # "placed" or what went wrong
    order_path: str = ""


def _shopper_run(
    shopper: Shopper, *, port: int, host: str, start: threading.Barrier, outcome: Outcome
) -> None:
    try:
        status, _headers, set_cookies, page = _http(
            port, host, "GET", f"/checkout/{shopper.token}/payment/", cookies=[shopper.cookie]
        )
        if status != 200:
            outcome.result = f"payment page {status}"
            start.abort()
            return
        fields = _place_fields(page)
        form = {**fields, "method": "dummy", "card_number": CARD}
        cookies = [shopper.cookie, *set_cookies]
        start.wait(timeout=HTTP_TIMEOUT)
        began = time.perf_counter()
        status, headers, _cookies, body = _http(
            port, host, "POST", f"/checkout/{shopper.token}/place/", cookies=cookies, body=form
        )
        outcome.ms = (time.perf_counter() - began) * 1000
        location = urlsplit(headers.get("Location", "")).path
        if status == 302 and location.startswith("/checkout/complete/"):
            outcome.result, outcome.order_path = "placed", location
        else:
            outcome.result = f"HTTP {status} -> {location or body[:120]!r}"
    except threading.BrokenBarrierError:
        outcome.result = outcome.result or "another shopper failed before placing"
    except Exception as exc:  # every failure is counted, none escapes the thread
        outcome.result = f"{type(exc).__name__}: {exc}"


def _round(
    *,
    tenant: Any,
    port: int,
    host: str,
    variants: list[Any],
    shoppers: int,
    lines: int,
    index: int,
    together: bool = True,
    sampler: SessionSampler | None = None,
) -> tuple[list[Outcome], dict[str, int]]:
    """`shoppers` checkouts placed at once (`together`) or one after the other."""
    from django_tenants.utils import tenant_context

    from apps.orders.enums import OrderStatus
    from apps.orders.models import Order, Payment

    with tenant_context(tenant):
        made = [
            _shopper_make(
                n=index * shoppers + n,
                variants=[variants[(n * lines + k + index) % len(variants)] for k in range(lines)],
            )
            for n in range(shoppers)
        ]
    outcomes = [Outcome() for _ in made]
    start = threading.Barrier(len(made) if together else 1)
    threads = [
        threading.Thread(
            target=_shopper_run,
            args=(shopper,),
            kwargs={"port": port, "host": host, "start": start, "outcome": outcome},
        )
        for shopper, outcome in zip(made, outcomes, strict=True)
    ]
    with sampler or contextlib.nullcontext():
        for thread in threads:
            thread.start()
            if not together:
                thread.join()
        for thread in threads:
            thread.join()
    with tenant_context(tenant):
        tokens = [shopper.token for shopper in made]
        orders = Order.objects.filter(checkout_token__in=tokens)
        checks = {
            "orders": orders.count(),
            "paid": orders.filter(status=OrderStatus.PAID).count(),
            "payments": Payment.objects.filter(order__in=orders).count(),
            "checkouts_with_one_paid_order": len(
                set(orders.filter(status=OrderStatus.PAID).values_list("checkout_token", flat=True))
            ),
        }
    return outcomes, checks


# ---------------------------------------------------------------------------------------------
# In-process requests: the checkout page's queries, and one placement's
# ---------------------------------------------------------------------------------------------
class InProcess:
    """Requests straight into Django's WSGIHandler in this thread (no server, no socket), so
    CaptureQueriesContext sees every query the request makes."""

    def __init__(self, host: str) -> None:
        from django.core.handlers.wsgi import WSGIHandler

        self.handler: Any = WSGIHandler()
        self.host = host

    def __call__(
        self, method: str, path: str, *, cookies: list[str], body: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], list[str], bytes]:
        import io

        data = urlencode(body).encode() if body is not None else b""
        environ = {
            "REQUEST_METHOD": method,
            "SCRIPT_NAME": "",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": self.host,
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": self.host,
            "HTTP_COOKIE": "; ".join(cookies),
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "CONTENT_LENGTH": str(len(data)),
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(data),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        response = self.handler(environ, lambda status, headers, exc_info=None: None)
        try:
            payload = b"".join(response)
        finally:
            response.close()
        set_cookies = [c.output(header="").strip().split(";", 1)[0] for c in response.cookies.values()]
        return response.status_code, dict(response.items()), set_cookies, payload


def _queries(*, tenant: Any, host: str, variants: list[Any]) -> dict[str, tuple[int, int]]:
    """Queries (and response bytes) of the warm payment-and-review page with 1 and 50 lines,
    and of placing the 1-line checkout's order."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django_tenants.utils import tenant_context

    call = InProcess(host)
    counts: dict[str, tuple[int, int]] = {}
    shoppers: dict[int, Shopper] = {}
    for size in (1, LINES_MANY):
        with tenant_context(tenant):
            shopper = shoppers[size] = _shopper_make(n=10_000 + size, variants=variants[:size])
        page = f"/checkout/{shopper.token}/payment/"
        status, _h, _c, body = call("GET", page, cookies=[shopper.cookie])  # warm-up
        if status != 200:
            raise SystemExit(f"payment page with {size} lines: HTTP {status}: {body[:300]!r}")
        with CaptureQueriesContext(connection) as ctx:
            status, _h, _c, body = call("GET", page, cookies=[shopper.cookie])
        if status != 200 or b"/place/" not in body:
            raise SystemExit(f"payment page with {size} lines: HTTP {status}")
        counts[f"page_{size}"] = (len(ctx.captured_queries), len(body))
        say(f"payment page, {size} line(s): {len(ctx.captured_queries)} queries, {len(body) / 1024:.0f} KiB")

    shopper = shoppers[1]
    status, _h, set_cookies, body = call(
        "GET", f"/checkout/{shopper.token}/payment/", cookies=[shopper.cookie]
    )
    form = {**_place_fields(body), "method": "dummy", "card_number": CARD}
    with CaptureQueriesContext(connection) as ctx:
        status, headers, _c, body = call(
            "POST", f"/checkout/{shopper.token}/place/", cookies=[shopper.cookie, *set_cookies], body=form
        )
    if status != 302 or "/checkout/complete/" not in headers.get("Location", ""):
        raise SystemExit(f"placing in process: HTTP {status} -> {headers.get('Location')} {body[:300]!r}")
    counts["place"] = (len(ctx.captured_queries), len(body))
    say(f"place order (1 line, dummy card): {len(ctx.captured_queries)} queries")
    return counts


# ---------------------------------------------------------------------------------------------
# Where the server's database sessions spend the concurrent rounds
# ---------------------------------------------------------------------------------------------
class SessionSampler:
    """Samples `pg_stat_activity` of the bench database every `interval` seconds from a
    connection of its own, while active: how many of the server's sessions are running a
    statement, waiting for a lock (and on what), or idle inside a transaction (the database
    waits for Python: the GIL, the gateway, the client). Tells lock queueing from CPU queueing."""

    QUERY = r"""
        SELECT CASE
                 WHEN state = 'active' AND wait_event_type = 'Lock'
                   THEN 'lock wait in "' || left(regexp_replace(query, '\s+', ' ', 'g'), 48) || '…"'
                 WHEN state = 'active' THEN 'running a statement'
                 WHEN state LIKE 'idle in transaction%%' THEN 'idle in transaction'
               END AS what, count(*)
        FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
          AND (state = 'active' OR state LIKE 'idle in transaction%%')
        GROUP BY 1
    """

    def __init__(self, interval: float = 0.01) -> None:
        self.interval = interval
        self.counts: Counter[str] = Counter()
        self.samples = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> SessionSampler:
        import psycopg
        from django.db import connections

        params = connections["default"].get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        params.pop("prepare_threshold", None)
        conn = psycopg.connect(**params, autocommit=True)
        self._stop.clear()

        def run() -> None:
            with conn:
                while not self._stop.is_set():
                    for what, count in conn.execute(self.QUERY).fetchall():
                        self.counts[what] += count
                    self.samples += 1
                    self._stop.wait(self.interval)

        self._thread = threading.Thread(target=run, name="bench-sampler", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def shares(self) -> str:
        """Average sessions per sample in each state, largest first."""
        if not self.samples:
            return "-"
        return ", ".join(f"{what} {count / self.samples:.1f}" for what, count in self.counts.most_common(6))


# ---------------------------------------------------------------------------------------------
# Events to the broker
# ---------------------------------------------------------------------------------------------
class EventsToBroker:
    """While installed, `event_dispatch` messages go to the broker as in production (eager
    Celery would run every subscriber inside the place-order request), to a queue of this run's
    own that no worker reads; `delete_queue` purges and removes it."""

    def __init__(self) -> None:
        self.queue = f"bench-checkout-events-{os.getpid()}"
        self.published = 0
        self._lock = threading.Lock()

    def install(self) -> None:
        from apps.core.tasks import event_dispatch
        from config.celery import app

        warnings.filterwarnings("ignore", message=".*task_always_eager has no effect on send_task")

        def publish(args: Any = None, kwargs: Any = None, **options: Any) -> Any:
            with self._lock:
                self.published += 1
            return app.send_task(event_dispatch.name, args=args, kwargs=kwargs, queue=self.queue, **options)

        setattr(event_dispatch, "apply_async", publish)  # noqa: B010 - a patch, not an attribute

    def delete_queue(self) -> int:
        from kombu import Exchange, Queue

        from config.celery import app

        with app.connection_for_write() as conn:
            queue = Queue(self.queue, Exchange(self.queue), routing_key=self.queue)(conn.default_channel)
            queue.declare()
            purged = queue.purge() or 0
            queue.delete()
        return int(purged)


# ---------------------------------------------------------------------------------------------
# Totals (bench_totals' inputs and loop)
# ---------------------------------------------------------------------------------------------
def _totals_us(*, rounds: int, calls: int) -> dict[str, float]:
    from apps.checkout.pricing import calculate
    from benchmarks.bench_totals import _inputs, _round

    best: dict[str, float] = {}
    for included in (False, True):
        kwargs = _inputs(included=included)
        for _ in range(3):
            calculate(**kwargs)  # type: ignore[arg-type]
        best["gross" if included else "net"] = min(_round(calculate, kwargs, calls) for _ in range(rounds))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shoppers", type=int, default=20, help="concurrent shoppers per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--lines", type=int, default=3, help="cart lines per shopper")
    parser.add_argument("--sequential", type=int, default=10, help="shoppers placing one at a time first")
    parser.add_argument("--inline-events", action="store_true", help="eager Celery runs subscribers inline")
    parser.add_argument("--totals-calls", type=int, default=500, help="pricing calls per round (5 rounds)")
    parser.add_argument("--keep-store", action="store_true", help="keep the bench-checkout store afterwards")
    args = parser.parse_args()

    bootstrap()
    from django.conf import settings
    from django_tenants.utils import tenant_context

    from apps.core.tenancy import tenant_connection

    tenant, created = bench_store_ensure(STORE_SLUG)
    say(f"store {STORE_SLUG}: {'created' if created else 'reused'}")
    host = f"{STORE_SLUG}.{settings.PLATFORM_DOMAIN}"
    events = None if args.inline_events else EventsToBroker()
    if events is not None:
        events.install()
        say(f"events published to {settings.CELERY_BROKER_URL.split('@')[-1]}, queue {events.queue}")
    httpd = None
    all_ms: list[float] = []
    alone: list[float] = []
    sampler = SessionSampler()
    failures: Counter[str] = Counter()
    checks_total: Counter[str] = Counter()
    try:
        with tenant_context(tenant):
            variants = _store_ready()
        queries = _queries(tenant=tenant, host=host, variants=variants)
        httpd, port = _server()
        say(f"threaded WSGI server on 127.0.0.1:{port}, Host: {host}")
        if args.sequential:
            outcomes, checks = _round(
                tenant=tenant,
                port=port,
                host=host,
                variants=variants,
                shoppers=args.sequential,
                lines=args.lines,
                index=args.rounds,
                together=False,
            )
            alone = [o.ms for o in outcomes if o.result == "placed"]
            failures.update(o.result for o in outcomes if o.result != "placed")
            if (
                checks["checkouts_with_one_paid_order"] != args.sequential
                or checks["payments"] != args.sequential
            ):
                failures["one at a time: not exactly one paid order and payment per checkout"] += 1
            say(
                f"one at a time: {len(alone)}/{len(outcomes)} placed, p50 "
                f"{percentile(alone, 50) if alone else 0:.0f} ms; {checks}"
            )
        for index in range(args.rounds):
            outcomes, checks = _round(
                tenant=tenant,
                port=port,
                host=host,
                variants=variants,
                shoppers=args.shoppers,
                lines=args.lines,
                index=index,
                sampler=sampler,
            )
            placed = [o.ms for o in outcomes if o.result == "placed"]
            failures.update(o.result for o in outcomes if o.result != "placed")
            checks_total.update(checks)
            all_ms.extend(placed)
            say(
                f"round {index + 1}/{args.rounds}: {len(placed)}/{len(outcomes)} placed, "
                f"p50 {percentile(placed, 50) if placed else 0:.0f} ms, "
                f"max {max(placed) if placed else 0:.0f} ms; {checks}"
            )
        totals = _totals_us(rounds=5, calls=args.totals_calls)
    finally:
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()
        if events is not None:
            say(
                f"{events.published} event messages published; {events.delete_queue()} purged with their queue"
            )
        tenant_connection().set_schema_to_public()
        if created and not args.keep_store:
            say(f"dropped {bench_stores_drop([tenant])} bench store")

    attempts = args.shoppers * args.rounds
    exact = (
        checks_total["orders"] == attempts
        and checks_total["paid"] == attempts
        and checks_total["payments"] == attempts
        and checks_total["checkouts_with_one_paid_order"] == attempts
    )
    one, many = queries["page_1"][0], queries[f"page_{LINES_MANY}"][0]
    queries_ok = one <= TARGET_QUERIES and many <= TARGET_QUERIES and one == many
    p50 = percentile(all_ms, 50) if all_ms else 0.0
    p95 = percentile(all_ms, 95) if all_ms else 0.0
    worst = max(all_ms) if all_ms else 0.0
    rows = [
        ("store / server", f"{host} / Django ThreadedWSGIServer, one process"),
        (
            "shoppers x rounds",
            f"{args.shoppers} concurrent x {args.rounds} ({args.lines} lines each, dummy gateway)",
        ),
        ("events", "inline (eager Celery)" if events is None else "published to the broker"),
        ("place order ms p50 / p95 / max", f"{p50:.0f} / {p95:.0f} / {worst:.0f}"),
        (
            "one shopper at a time ms p50 / max",
            f"{percentile(alone, 50):.0f} / {max(alone):.0f} ({len(alone)} placed)" if alone else "-",
        ),
        ("queries of one place-order request", str(queries["place"][0])),
        ("db sessions during the rounds (avg)", sampler.shares()),
        (
            "orders / paid / payments",
            f"{checks_total['orders']} / {checks_total['paid']} / {checks_total['payments']} "
            f"of {attempts} checkouts",
        ),
        ("errors", ", ".join(f"{count} x {what}" for what, count in failures.items()) or "0"),
        ("one paid order per checkout", verdict(exact and not failures)),
        ("payment page queries 1 / 50 lines", f"{one} / {many}"),
        (f"target <= {TARGET_QUERIES} and equal", verdict(queries_ok)),
        (
            "totals µs/call, 50 lines (net / gross)",
            f"{totals['net']:.0f} / {totals['gross']:.0f} (best of 5 x {args.totals_calls})",
        ),
    ]
    result: dict[str, Any] = {
        "shoppers": args.shoppers,
        "rounds": args.rounds,
        "p50_ms": round(p50, 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(worst, 1),
        "alone_p50_ms": round(percentile(alone, 50), 1) if alone else 0,
        "place_queries": queries["place"][0],
        "orders": checks_total["orders"],
        "paid": checks_total["paid"],
        "errors": sum(failures.values()),
        "queries_1_line": one,
        "queries_50_lines": many,
        "totals_us_net": round(totals["net"], 1),
        "totals_us_gross": round(totals["gross"], 1),
        "target_met": queries_ok and exact and not failures,
    }
    report("checkout", rows, result)
    if failures or not exact:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
