"""After the sale, end to end in one store: orders placed with lines from two dropshipping
suppliers, what their payment sets off, the suppliers' tracking up to delivery, and the emails.

- A fresh store `bench-after-sale` (a leftover of an interrupted run is dropped first) with two
  suppliers on the dropship API connector, both pointed at the fake supplier of the sourcing
  tests (`apps/sourcing/tests/fakes.py`, a real HTTP server on 127.0.0.1 that checks each call's
  signature, takes orders and serves tracking), three variants per supplier each linked to a
  supplier offer, stock, a German shipping rate, 19 % VAT and the dummy gateway.
- Email goes out through Django's SMTP backend to a local SMTP catcher (aiosmtpd on loopback, as
  tests/test_email_smtp.py does): every message really crosses an SMTP exchange and is counted
  by its `X-Notification` header (the template).
- Celery is eager (`config.settings.test`): events are dispatched and their subscribers run in
  this process, as in development and the tests.

Stages, each timed (ms in total and per order) with the SQL statements it ran:

1. prepare: `--orders` (50) checkouts through the checkout services (cart, contact, a Berlin
   address, the shipping rate: `apps/orders/tests/factories.py` `checkout_ready`), each with one
   line from each supplier;
2. place: `order_place` with the dummy gateway's card that succeeds. The events the placements
   emit (`order.created`, `order.paid`, ...) are held back while they run, so this stage is the
   placement alone;
3. paid effects: the held events dispatched (eager Celery, inline): fraud assessment, invoice
   (with its PDF), purchase orders created and placed through the supplier's API, the order
   confirmation email. Time per subscriber is printed too (inclusive of what it sets off);
4. the supplier hands each purchase order to its carrier (the fake's `ship`, not our code);
5. the per-store job `purchasing.tracking_sync` run through `store_job_run` (as the worker runs
   it) until no purchase order is left in transit (the fake's tracking moves one step per call:
   shipped, in transit, delivered): fulfilments from the supplier's parcels, shipped and
   delivered emails;
6. the jobs `fulfilment.delivery_risks` and `reviews.review_requests_send`; the review requests
   are due `request_delay_days` after delivery, so their due dates are then moved to now and the
   job runs again to send them.

Then the figures (orders, purchase orders per status, calls the fake supplier received,
fulfilments, deliveries, emails per template over SMTP and the notification log by status,
invoices and whether their numbers run without a gap, fraud levels) and the invariants: every
order paid and delivered with one invoice, two purchase orders each placed with the supplier and
turned into a fulfilment, one shipped email per fulfilment and one confirmation received over
SMTP, no subscriber failed. Nothing asserts on wall-clock time; a broken invariant exits 1.

    .venv/bin/python benchmarks/bench_after_sale.py [--orders 50] [--keep-store]
"""

from __future__ import annotations

import argparse
import email
import shutil
import socket
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from email import policy
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._setup import (
    BENCH_SCHEMA_PREFIX,
    bench_store_ensure,
    bench_stores_drop,
    bootstrap,
    percentile,
    report,
    say,
    verdict,
)

STORE_SLUG = "bench-after-sale"
VARIANTS_PER_SUPPLIER = 3
SUPPLIERS = (("east", "East Dropship"), ("west", "West Dropship"))
MAX_SYNC_ROUNDS = 6  # the fake needs three calls per parcel to reach "delivered"
TRACKING_JOB = "purchasing.tracking_sync"
RISK_JOB = "fulfilment.delivery_risks"
REVIEWS_JOB = "reviews.review_requests_send"


# ---------------------------------------------------------------------------------------------
# The SMTP catcher
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Received:
    sender: str
    recipients: tuple[str, ...]
    template: str  # the X-Notification header
    subject: str


class SmtpInbox:
    """aiosmtpd handler: keeps what each DATA command delivered."""

    def __init__(self) -> None:
        self.messages: list[Received] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        received = Received(
            sender=str(envelope.mail_from),
            recipients=tuple(envelope.rcpt_tos),
            template=str(message.get("X-Notification") or ""),
            subject=str(message.get("Subject") or ""),
        )
        with self._lock:
            self.messages.append(received)
        return "250 Message accepted for delivery"


@contextmanager
def smtp_catcher() -> Iterator[SmtpInbox]:
    """A local SMTP server on 127.0.0.1, with Django's SMTP backend pointed at it."""
    from aiosmtpd.controller import Controller
    from django.test.utils import override_settings

    inbox = SmtpInbox()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
            EMAIL_USE_TLS=False,
            EMAIL_USE_SSL=False,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
            EMAIL_TIMEOUT=30,
        ):
            say(f"SMTP catcher on 127.0.0.1:{port}, email backend: SMTP")
            yield inbox
    finally:
        controller.stop()


# ---------------------------------------------------------------------------------------------
# Instruments: SQL statements, held events, time per subscriber
# ---------------------------------------------------------------------------------------------
class QueryCounter:
    """Counts the statements the default connection executes (no cap, unlike
    `connection.queries`, which keeps the last 9,000)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


class HeldEvents:
    """While active, `event_dispatch` messages are kept instead of run (eager Celery would run
    every subscriber inside the placement); `release` dispatches them, in order, inline."""

    def __init__(self) -> None:
        from apps.core.tasks import event_dispatch

        self._task = event_dispatch
        self._original = event_dispatch.apply_async
        self.held: list[tuple[Any, Any, dict[str, Any]]] = []

    def __enter__(self) -> HeldEvents:
        def hold(args: Any = None, kwargs: Any = None, **options: Any) -> None:
            self.held.append((args, kwargs, options))

        setattr(self._task, "apply_async", hold)  # noqa: B010 - a patch, not an attribute
        return self

    def __exit__(self, *exc: object) -> None:
        setattr(self._task, "apply_async", self._original)  # noqa: B010

    def release(self) -> int:
        held, self.held = self.held, []
        for args, kwargs, options in held:
            self._original(args=args, kwargs=kwargs, **options)
        return len(held)


@dataclass
class SubscriberTimes:
    calls: Counter[str] = field(default_factory=Counter)
    ms: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))

    def install(self) -> None:
        """Wrap each subscriber `event_deliver` runs with a timer (inclusive: an email's SMTP
        exchange or a placement's supplier call that it sets off counts to it)."""
        import apps.core.tasks as core_tasks

        original = core_tasks.subscribers_for

        def timed(event_name: str) -> dict[str, Any]:
            return {name: self._wrap(name, handler) for name, handler in original(event_name).items()}

        setattr(core_tasks, "subscribers_for", timed)  # noqa: B010

    def _wrap(self, name: str, handler: Callable[[Any], None]) -> Callable[[Any], None]:
        def run(event: Any) -> None:
            started = time.perf_counter()
            try:
                handler(event)
            finally:
                self.calls[name] += 1
                self.ms[name] += (time.perf_counter() - started) * 1000

        return run


@dataclass(frozen=True)
class Stage:
    name: str
    ms: float
    queries: int
    note: str = ""


class Stages:
    def __init__(self, queries: QueryCounter) -> None:
        self.queries = queries
        self.done: list[Stage] = []

    @contextmanager
    def run(self, name: str) -> Iterator[dict[str, str]]:
        note: dict[str, str] = {}
        before = self.queries.count
        started = time.perf_counter()
        try:
            yield note
        finally:
            ms = (time.perf_counter() - started) * 1000
            stage = Stage(name, ms, self.queries.count - before, note.get("note", ""))
            self.done.append(stage)
            say(f"{name}: {ms:,.0f} ms, {stage.queries:,} queries{'; ' + stage.note if stage.note else ''}")


# ---------------------------------------------------------------------------------------------
# The store
# ---------------------------------------------------------------------------------------------
def _fresh_store() -> Any:
    from apps.tenants.models import Tenant

    leftover = Tenant.objects.filter(slug=STORE_SLUG).first()
    if leftover is not None:
        say(f"dropped {bench_stores_drop([leftover])} leftover {STORE_SLUG} store")
        _media_remove(leftover.schema_name)
    tenant, _created = bench_store_ensure(STORE_SLUG)
    return tenant


def _media_remove(schema_name: str) -> None:
    """The store's files (invoice PDFs in private media): only a bench store's folder."""
    from django.conf import settings

    if not schema_name.startswith(BENCH_SCHEMA_PREFIX):
        raise ValueError(f"refusing to remove files of {schema_name}")
    for root in (settings.MEDIA_ROOT, settings.PRIVATE_MEDIA_ROOT):
        shutil.rmtree(Path(str(root)) / schema_name, ignore_errors=True)


@dataclass(frozen=True)
class Catalog:
    rate: Any
    variants: dict[str, list[Any]]  # supplier code -> variants it ships
    suppliers: dict[str, Any]


def _catalog_make(*, fake: Any, orders: int) -> Catalog:
    """Two API suppliers on the fake, each offering its own variants; stock, shipping, VAT."""
    import uuid

    from apps.orders.tests.factories import location_make, shipping_rate_make, tax_make, variant_make
    from apps.sourcing.models import Supplier, SupplierOffer
    from apps.sourcing.services import SupplierInput, supplier_save
    from apps.sourcing.tests.fakes import ACCESS_TOKEN, APP_KEY, APP_SECRET

    location = location_make()
    stock = orders * 3 + 100  # never low: no low-stock emails in the figures
    suppliers: dict[str, Any] = {}
    variants: dict[str, list[Any]] = {}
    for index, (code, name) in enumerate(SUPPLIERS):
        supplier = supplier_save(
            supplier=Supplier(),
            data=SupplierInput(
                name=name,
                code=code,
                connector=Supplier.Connector.DROPSHIP_API,
                connector_config={
                    "base_url": fake.base_url,
                    "app_key": APP_KEY,
                    "app_secret": APP_SECRET,
                    "access_token": ACCESS_TOKEN,
                    "product_ids": [],
                    "ship_to_country": "DE",
                    "target_currency": "EUR",
                },
                lead_time_days=5 + index,
                ships_from_country="CN",
            ),
        )
        suppliers[code] = supplier
        variants[code] = []
        for position in range(VARIANTS_PER_SUPPLIER):
            variant = variant_make(
                price=f"{19 + 5 * position + index}.90",
                stock=stock,
                location=location,
                title=f"{name} item {position + 1}",
            )
            SupplierOffer.objects.create(
                supplier=supplier,
                variant=variant,
                supplier_sku=f"{code.upper()}-{position + 1}",
                supplier_product_id=f"1005{uuid.uuid4().int % 10**12:012d}",
                title=variant.product.title,
                cost=Decimal(f"{6 + 2 * position}.40"),
                currency="EUR",
                stock=stock,
                is_available=True,
            )
            variants[code].append(variant)
    tax_make(rate="0.19")
    return Catalog(rate=shipping_rate_make(amount="4.90"), variants=variants, suppliers=suppliers)


# ---------------------------------------------------------------------------------------------
# Stages
# ---------------------------------------------------------------------------------------------
def _checkouts(catalog: Catalog, orders: int) -> list[Any]:
    from apps.orders.tests.factories import checkout_ready

    east, west = catalog.variants["east"], catalog.variants["west"]
    return [
        checkout_ready(
            items=[(east[n % len(east)], 1), (west[(n // len(east)) % len(west)], 1 + n % 2)],
            email=f"shopper{n + 1:04d}@example.com",
            rate=catalog.rate,
        )
        for n in range(orders)
    ]


def _place_all(checkouts: list[Any]) -> tuple[list[Any], list[float], Counter[str]]:
    from apps.orders.tests.factories import CARD_SUCCEEDS, place

    orders: list[Any] = []
    ms: list[float] = []
    problems: Counter[str] = Counter()
    for checkout in checkouts:
        started = time.perf_counter()
        try:
            placement = place(checkout, card=CARD_SUCCEEDS)
        except Exception as exc:  # a broken placement is a figure, and fails the run
            problems[f"{type(exc).__name__}: {exc}"[:160]] += 1
            continue
        ms.append((time.perf_counter() - started) * 1000)
        if not placement.paid:
            problems[f"placed but {placement.order.status}"] += 1
        orders.append(placement.order)
    return orders, ms, problems


def _job(name: str) -> dict[str, Any]:
    """One run of a registered store job, through the task the worker runs (eager here)."""
    from apps.tenants.tasks import store_job_run

    outcome = store_job_run.apply_async(args=(name,)).get()
    return dict(outcome)


def _ships(fake: Any) -> int:
    """The supplier hands each placed order to its carrier (the fake's side, not ours)."""
    from apps.purchasing.models import PurchaseOrder

    numbers = PurchaseOrder.objects.exclude(supplier_order_id="").values_list("supplier_order_id", flat=True)
    for number in numbers:
        fake.ship(number)
    return len(numbers)


# ---------------------------------------------------------------------------------------------
# Figures and invariants
# ---------------------------------------------------------------------------------------------
def _counts(rows: Any, *fields: str) -> dict[str, int]:
    from django.db.models import Count

    return {
        "/".join(str(row[f]) for f in fields): row["n"]
        for row in rows.values(*fields).annotate(n=Count("pk")).order_by(*fields)
    }


def _text(counts: dict[str, int]) -> str:
    return ", ".join(f"{key} {value}" for key, value in counts.items()) or "0"


def _gapless(sequences: list[int]) -> bool:
    return sorted(sequences) == list(range(1, len(sequences) + 1))


def _check(
    *, orders: list[Any], inbox: SmtpInbox, expected: int, problems: Counter[str]
) -> tuple[dict[str, Any], list[str]]:
    """What the store holds after the run, and every invariant that does not hold."""
    from apps.core.models import EventDelivery, EventRecord
    from apps.fraud.models import RiskAssessment
    from apps.fulfilment.models import DeliveryRisk, Fulfilment
    from apps.invoices.models import Invoice, InvoiceKind
    from apps.notifications.models import Delivery
    from apps.orders.models import Order
    from apps.purchasing.models import PurchaseOrder, PurchaseOrderLine
    from apps.reviews.models import ReviewRequest

    broken: list[str] = [f"{count} x {what}" for what, count in problems.items()]
    ids = [order.pk for order in orders]
    if len(ids) != expected:
        broken.append(f"{len(ids)} orders placed of {expected}")
    order_status = _counts(Order.objects.filter(pk__in=ids), "status")
    invoices = list(
        Invoice.objects.filter(kind=InvoiceKind.INVOICE).values_list("order_id", "sequence", "number")
    )
    per_order_invoices = Counter(order_id for order_id, _seq, _num in invoices)
    gapless = _gapless([seq for _o, seq, _n in invoices])
    pos = list(
        PurchaseOrder.objects.filter(order_id__in=ids).values("pk", "order_id", "status", "supplier_order_id")
    )
    pos_per_order = Counter(po["order_id"] for po in pos)
    fulfilments = list(
        Fulfilment.objects.filter(order_id__in=ids).values(
            "pk", "order_id", "purchase_order_id", "source", "status"
        )
    )
    fulfilled_pos = Counter(f["purchase_order_id"] for f in fulfilments if f["purchase_order_id"])
    fulfilments_per_order = Counter(f["order_id"] for f in fulfilments)
    po_lines = Counter(
        PurchaseOrderLine.objects.filter(purchase_order__order_id__in=ids).values_list(
            "purchase_order_id", flat=True
        )
    )
    uuids = {str(order.uuid): order.pk for order in orders}
    emails = {order.pk: order.email for order in orders}
    smtp_by_template = Counter(message.template for message in inbox.messages)
    smtp_to = Counter((message.template, rcpt) for message in inbox.messages for rcpt in message.recipients)
    deliveries = _counts(Delivery.objects.all(), "template", "status")
    sent_by_template = Counter(
        Delivery.objects.filter(status=Delivery.Status.SENT, channel=Delivery.Channel.EMAIL).values_list(
            "template", flat=True
        )
    )
    failed_subscribers = list(
        EventDelivery.objects.exclude(status=EventDelivery.Status.SUCCEEDED).values_list(
            "subscriber", "event__name", "status", "last_error"
        )
    )
    figures: dict[str, Any] = {
        "order_status": order_status,
        "invoices": len(invoices),
        "invoice_numbers": (min(n for _o, _s, n in invoices), max(n for _o, _s, n in invoices))
        if invoices
        else None,
        "gapless": gapless,
        "po_status": Counter(po["status"] for po in pos),
        "fulfilments": len(fulfilments),
        "fulfilment_status": Counter(f"{f['source']}/{f['status']}" for f in fulfilments),
        "deliveries": deliveries,
        "smtp": smtp_by_template,
        "risk_levels": _counts(RiskAssessment.objects.filter(order_id__in=ids), "level"),
        "held": RiskAssessment.objects.filter(order_id__in=ids, held=True).count(),
        "delivery_risks": _counts(DeliveryRisk.objects.all(), "reason"),
        "review_requests": ReviewRequest.objects.count(),
        "review_requests_sent": ReviewRequest.objects.filter(sent_at__isnull=False).count(),
        "events": _counts(EventRecord.objects.all(), "name"),
        "events_pending": EventRecord.objects.filter(status=EventRecord.Status.PENDING).count(),
        "subscriber_failures": failed_subscribers,
    }

    def fail(what: str, bad: list[Any]) -> None:
        if bad:
            broken.append(f"{what}: {len(bad)} (e.g. {bad[:3]})")

    fail(
        "orders not delivered",
        list(Order.objects.filter(pk__in=ids).exclude(status="delivered").values_list("number", "status")),
    )
    fail("orders without exactly one invoice", [o for o in ids if per_order_invoices[o] != 1])
    if not gapless:
        broken.append("invoice numbers have a gap or a repeat")
    fail("orders without exactly two purchase orders", [o for o in ids if pos_per_order[o] != 2])
    fail(
        "purchase orders never placed with the supplier",
        [po["pk"] for po in pos if not po["supplier_order_id"]],
    )
    fail(
        "purchase orders not delivered",
        [(po["pk"], po["status"]) for po in pos if po["status"] != "delivered"],
    )
    fail("purchase orders without lines", [po["pk"] for po in pos if not po_lines[po["pk"]]])
    fail(
        "purchase orders without exactly one fulfilment",
        [po["pk"] for po in pos if fulfilled_pos[po["pk"]] != 1],
    )
    fail(
        "orders whose shipped emails (over SMTP) differ from their fulfilments",
        [
            o
            for o in ids
            if smtp_to[("order_shipped", emails[o])] != fulfilments_per_order[o]
            or not fulfilments_per_order[o]
        ],
    )
    fail(
        "orders without one confirmation over SMTP",
        [o for o in ids if smtp_to[("order_confirmation", emails[o])] != 1],
    )
    fail("deliveries not sent", [key for key in deliveries if not key.endswith("/sent")])
    fail(
        "templates whose SMTP count differs from the sent log",
        [
            (t, smtp_by_template[t], sent_by_template[t])
            for t in set(smtp_by_template) | set(sent_by_template)
            if smtp_by_template[t] != sent_by_template[t]
        ],
    )
    fail("subscriber deliveries failed", failed_subscribers)
    if figures["events_pending"]:
        broken.append(f"{figures['events_pending']} events never dispatched")
    fail(
        "orders without a risk assessment",
        [
            o
            for o in ids
            if o
            not in set(RiskAssessment.objects.filter(order_id__in=ids).values_list("order_id", flat=True))
        ],
    )
    foreign = [
        d
        for d in Delivery.objects.exclude(order_uuid__isnull=True).values_list("order_uuid", flat=True)
        if str(d) not in uuids
    ]
    fail("deliveries for orders not in this run", foreign)
    return figures, broken


def _fake_figures(fake: Any) -> dict[str, Any]:
    methods = Counter(
        str(query.get("method") or "?").removeprefix("aliexpress.ds.") for query in fake.api_requests
    )
    return {
        "calls": len(fake.api_requests),
        "methods": dict(sorted(methods.items())),
        "orders_taken": len(fake.orders),
        "rejections": list(fake.rejections),
    }


def _po_status() -> dict[str, int]:
    from apps.purchasing.models import PurchaseOrder

    return _counts(PurchaseOrder.objects.all(), "status")


def _review_requests_make_due() -> int:
    """The requests fall due `request_delay_days` after delivery: move them to now (what the
    store would see that many days later), so the job's sending is measured too."""
    from django.utils import timezone

    from apps.reviews.models import ReviewRequest

    return ReviewRequest.objects.filter(sent_at__isnull=True).update(
        due_at=timezone.now() - timedelta(minutes=1)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=50, help="orders placed (two suppliers each)")
    parser.add_argument("--keep-store", action="store_true", help=f"keep the {STORE_SLUG} store afterwards")
    args = parser.parse_args()
    if args.orders < 1:
        parser.error("--orders must be at least 1")

    run_started = time.perf_counter()
    bootstrap()
    from django.db import connection
    from django_tenants.utils import tenant_context

    from apps.core.tenancy import tenant_connection
    from apps.purchasing.models import PurchaseOrder
    from apps.purchasing.transitions import TRACKED_STATUSES
    from apps.sourcing.tests.fakes import fake_supplier_server

    tenant = _fresh_store()
    say(f"store {STORE_SLUG}: created ({tenant.schema_name})")
    queries = QueryCounter()
    stages = Stages(queries)
    subscribers = SubscriberTimes()
    subscribers.install()
    place_ms: list[float] = []
    jobs: dict[str, dict[str, Any]] = {}
    sync: list[dict[str, Any]] = []
    po_after_paid: dict[str, int] = {}
    calls_after_paid = 0
    try:
        with (
            fake_supplier_server() as fake,
            smtp_catcher() as inbox,
            connection.execute_wrapper(queries),
            tenant_context(tenant),
        ):
            say(f"fake supplier on {fake.base_url}")
            with stages.run("set-up (suppliers, offers, stock, rate)") as note:
                catalog = _catalog_make(fake=fake, orders=args.orders)
                note["note"] = f"{sum(len(v) for v in catalog.variants.values())} variants with offers"
            with stages.run("prepare checkouts") as note:
                checkouts = _checkouts(catalog, args.orders)
                note["note"] = f"{len(checkouts)} checkouts"
            with HeldEvents() as held:
                with stages.run("place orders") as note:
                    orders, place_ms, problems = _place_all(checkouts)
                    note["note"] = f"{len(orders)} placed, {len(held.held)} event messages held"
                with stages.run("paid effects (events inline)") as note:
                    released = held.release()
                    note["note"] = f"{released} events dispatched"
            po_after_paid = _po_status()
            calls_after_paid = len(fake.api_requests)
            say(f"purchase orders after payment: {_text(po_after_paid)}")
            with stages.run("risk job, open orders") as note:
                jobs["risk_open"] = _job(RISK_JOB)
                note["note"] = str(jobs["risk_open"].get("result"))
            with stages.run("supplier ships (the fake)") as note:
                note["note"] = f"{_ships(fake)} parcels handed to the carrier"
            for index in range(1, MAX_SYNC_ROUNDS + 1):
                with stages.run(f"tracking sync {index}") as note:
                    outcome = _job(TRACKING_JOB)
                    note["note"] = str(outcome.get("result") or outcome)
                sync.append(outcome)
                if outcome.get("status") != "succeeded":
                    problems[f"{TRACKING_JOB} run {index}: {outcome}"] += 1
                    break
                if not PurchaseOrder.objects.filter(status__in=TRACKED_STATUSES).exists():
                    break
            with stages.run("risk job, after delivery") as note:
                jobs["risk_after"] = _job(RISK_JOB)
                note["note"] = str(jobs["risk_after"].get("result"))
            with stages.run("review requests job") as note:
                jobs["reviews"] = _job(REVIEWS_JOB)
                note["note"] = str(jobs["reviews"].get("result"))
            moved = _review_requests_make_due()
            with stages.run("review requests job, due") as note:
                jobs["reviews_due"] = _job(REVIEWS_JOB)
                note["note"] = f"{moved} made due: {jobs['reviews_due'].get('result')}"
            for name, outcome in jobs.items():
                if outcome.get("status") != "succeeded":
                    problems[f"job {name}: {outcome}"] += 1
            figures, broken = _check(orders=orders, inbox=inbox, expected=args.orders, problems=problems)
            supplier = _fake_figures(fake)
    finally:
        tenant_connection().set_schema_to_public()
        if args.keep_store:
            say(f"kept store {STORE_SLUG}")
        else:
            say(f"dropped {bench_stores_drop([tenant])} bench store")
            _media_remove(tenant.schema_name)

    if supplier["rejections"]:
        broken.append(
            f"the fake supplier refused {len(supplier['rejections'])} calls: {supplier['rejections'][:3]}"
        )
    n = args.orders
    by_name = {stage.name: stage for stage in stages.done}
    after_sale_ms = sum(
        stage.ms
        for stage in stages.done
        if not stage.name.startswith(("set-up", "prepare", "supplier ships"))
    )
    rows: list[tuple[str, str]] = [
        ("store", f"{STORE_SLUG}, 2 dropship API suppliers (the fake), dummy gateway, SMTP catcher"),
        (
            "orders placed",
            f"{len(place_ms)} of {n}; status now: {_text(figures['order_status'])}",
        ),
        (
            "place order ms p50 / p95 / max",
            f"{percentile(place_ms, 50):.0f} / {percentile(place_ms, 95):.0f} / {max(place_ms):.0f}"
            if place_ms
            else "-",
        ),
        ("purchase orders after payment", _text(po_after_paid)),
        ("purchase orders at the end", _text(dict(sorted(figures["po_status"].items())))),
        (
            "supplier API calls received",
            f"{supplier['calls']} ({_text(supplier['methods'])}); {calls_after_paid} by the end of the paid effects; "
            f"{supplier['orders_taken']} orders taken; {len(supplier['rejections'])} refused",
        ),
        (
            "tracking sync runs",
            "; ".join(str(outcome.get("result")) for outcome in sync) or "-",
        ),
        (
            "fulfilments from tracking",
            f"{figures['fulfilments']} ({_text(dict(figures['fulfilment_status']))})",
        ),
        ("orders delivered", str(figures["order_status"].get("delivered", 0))),
        ("emails over SMTP by template", _text(dict(sorted(figures["smtp"].items())))),
        ("emails over SMTP, total", str(sum(figures["smtp"].values()))),
        ("delivery log template/status", _text(figures["deliveries"])),
        (
            "invoices issued",
            f"{figures['invoices']}"
            + (
                f" ({figures['invoice_numbers'][0]} .. {figures['invoice_numbers'][1]})"
                if figures["invoice_numbers"]
                else ""
            )
            + f"; numbers without gap or repeat: {'yes' if figures['gapless'] else 'NO'}",
        ),
        ("fraud risk assessments by level", f"{_text(figures['risk_levels'])}; held {figures['held']}"),
        (
            "delivery risks by reason",
            f"{_text(figures['delivery_risks'])}; jobs: {jobs.get('risk_open', {}).get('result')} then {jobs.get('risk_after', {}).get('result')}",
        ),
        ("review requests", f"{figures['review_requests']} recorded, {figures['review_requests_sent']} sent"),
        ("events", _text(figures["events"])),
    ]
    rows.append(("-- stage", "ms total / ms per order / queries (per order)"))
    for stage in stages.done:
        rows.append(
            (
                stage.name,
                f"{stage.ms:,.0f} / {stage.ms / n:,.1f} / {stage.queries:,} ({stage.queries / n:,.0f})",
            )
        )
    rows.append(
        ("after the sale (placement on)", f"{after_sale_ms:,.0f} ms, {after_sale_ms / n:,.1f} ms per order")
    )
    rows.append(("-- subscriber (inclusive)", "calls / ms total / ms per call"))
    for name in sorted(subscribers.ms, key=lambda s: -subscribers.ms[s]):
        calls = subscribers.calls[name]
        rows.append(
            (
                name.removeprefix("apps."),
                f"{calls} / {subscribers.ms[name]:,.0f} / {subscribers.ms[name] / calls:,.1f}",
            )
        )
    run_seconds = time.perf_counter() - run_started
    rows.append(("run time (incl. migrate_all, store)", f"{run_seconds:.1f} s"))
    rows.append(("invariants", verdict(not broken) if not broken else "BROKEN"))
    for problem in broken:
        rows.append(("  broken", problem))

    def stage_ms(name: str) -> float:
        return round(by_name[name].ms, 1) if name in by_name else 0.0

    result: dict[str, Any] = {
        "orders": n,
        "placed": len(place_ms),
        "place_p50_ms": round(percentile(place_ms, 50), 1) if place_ms else 0,
        "place_ms_per_order": round(stage_ms("place orders") / n, 1),
        "paid_effects_ms_per_order": round(stage_ms("paid effects (events inline)") / n, 1),
        "tracking_rounds": len(sync),
        "tracking_ms_per_order": round(
            sum(s.ms for s in stages.done if s.name.startswith("tracking sync")) / n, 1
        ),
        "after_sale_ms_per_order": round(after_sale_ms / n, 1),
        "pos": sum(figures["po_status"].values()),
        "pos_delivered": figures["po_status"].get("delivered", 0),
        "supplier_calls": supplier["calls"],
        "fulfilments": figures["fulfilments"],
        "delivered": figures["order_status"].get("delivered", 0),
        "emails_smtp": sum(figures["smtp"].values()),
        "invoices": figures["invoices"],
        "invoices_gapless": figures["gapless"],
        "broken": len(broken),
        "target_met": not broken,
    }
    report("after_sale", rows, result)
    if broken:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
