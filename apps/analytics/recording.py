"""Recording storefront visits without cookies, third-party trackers or a database write per page.

A page view is reduced to a compact record (`VisitRecord`) bound for the store's Redis list
(`visits_key()`: the cache's key function puts the store's schema in front, so stores never
share a list). Records wait in a small per-process buffer and go to Redis together, one
pipelined round trip with one RPUSH per store (see BUFFER_SIZE); the per-store flush job
(`apps.analytics.services.visits_flush`, every minute) moves the list into the `Visit` table
with one bulk insert. A page pays a few microseconds of work and a share of one Redis round
trip, never a database write. Without Redis (the in-process
fallback of `make run`, a locmem cache) the record is written straight to the table instead:
slower, but nothing is lost.

The visitor is known only by a session key, as Plausible does it: a digest of a random salt
that is replaced every day, the store's schema, the IP address and the user agent. The address
is never stored and yesterday's salt is gone with its cache entry (kept two days), so a key
cannot be traced back to an address nor linked to the same visitor another day or in another
store.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import logging
import secrets
import threading
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.core.cache import cache
from django.http import HttpRequest

from apps.analytics.models import Visit, VisitKind
from apps.catalog.models import Product, ProductVariant
from apps.core.tenancy import current_schema
from apps.orders.models import Order

logger = logging.getLogger(__name__)

VISITS_KEY = "analytics:visits:v1"
SALT_KEY = "analytics:salt:{day}"
SALT_SECONDS = 2 * 24 * 60 * 60
DIRECT = "direct"
MAX_SOURCE_LENGTH = 100

# Storefront URL names (apps.storefront.urls) -> what kind of page they are.
URL_KINDS: dict[str, VisitKind] = {
    "home": VisitKind.HOME,
    "collection_list": VisitKind.COLLECTION,
    "collection": VisitKind.COLLECTION,
    "category": VisitKind.COLLECTION,
    "product": VisitKind.PRODUCT,
    "search": VisitKind.SEARCH,
    "cart": VisitKind.CART,
    "checkout": VisitKind.CHECKOUT,
}

# A page view's record waits in this process's buffer until BUFFER_SIZE records are there or the
# oldest is BUFFER_SECONDS old, then the buffer goes to Redis in one pipelined round trip: a Redis
# round trip (~0.1 ms idle, ~0.2-1 ms on a loaded machine) is most of what recording costs, and it
# is paid once per BUFFER_SIZE pages instead of once per page. A worker that stops sends what it
# holds (atexit); one that crashes loses at most BUFFER_SIZE - 1 records, and one that sits idle
# sends them with its next page (each record carries its own time, so they count on their day).
BUFFER_SIZE = 20
BUFFER_SECONDS = 2.0
_buffer: dict[str, list[str]] = {}  # list key (schema included) -> encoded records
_buffer_since = 0.0
_buffer_lock = threading.Lock()

# Salts memoised per process: (schema, day) -> salt, so a page reads none from Redis.
_salts: dict[tuple[str, date], str] = {}


@dataclass(frozen=True)
class VisitRecord:
    at: float  # unix time
    session: str
    kind: str
    handle: str = ""  # a product page's handle, resolved to the product by the flush
    variant_id: int | None = None  # what an add to cart added, resolved likewise
    order: str = ""  # an ORDER step's order uuid, resolved to the order by the flush
    source: str = ""
    landing: bool = False

    def encode(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def decode(cls, raw: bytes | str) -> VisitRecord | None:
        try:
            data = json.loads(raw)
            return cls(
                at=float(data["at"]),
                session=str(data["session"])[:16],
                kind=VisitKind(data["kind"]).value,
                handle=str(data.get("handle") or "")[:255],
                variant_id=int(data["variant_id"]) if data.get("variant_id") is not None else None,
                order=str(data.get("order") or "")[:36],
                source=str(data.get("source") or "")[:MAX_SOURCE_LENGTH],
                landing=bool(data.get("landing")),
            )
        except (ValueError, KeyError, TypeError):
            return None

    def to_row(self, *, product_id: int | None = None, order_id: int | None = None) -> Visit:
        return Visit(
            at=datetime.fromtimestamp(self.at, tz=UTC),
            session=self.session,
            kind=self.kind,
            product_id=product_id,
            order_id=order_id,
            source=self.source,
            landing=self.landing,
        )


def _day_salt(day: date) -> str:
    schema = current_schema()
    memo = _salts.get((schema, day))
    if memo is not None:
        return memo
    key = SALT_KEY.format(day=day.isoformat())
    # add() keeps the first salt of the day when several processes race to make it.
    cache.add(key, secrets.token_hex(16), SALT_SECONDS)
    salt = cache.get(key) or secrets.token_hex(16)
    if len(_salts) > 1000:
        _salts.clear()
    _salts[(schema, day)] = salt
    return salt


def session_key(request: HttpRequest, *, now: datetime, address: str) -> str:
    """The visitor's key for today (16 hex characters); see the module docstring."""
    agent = request.META.get("HTTP_USER_AGENT", "")
    salt = _day_salt(now.date())
    material = "\x1f".join((salt, current_schema(), address, agent)).encode()
    return hashlib.blake2b(material, digest_size=8).hexdigest()


def traffic_source(request: HttpRequest) -> tuple[str, bool]:
    """(source, landing): a campaign's utm_source, else the referring host without "www.",
    else "direct"; landing when the visitor did not come from another page of this store."""
    referrer = request.META.get("HTTP_REFERER", "")
    host = ""
    if referrer:
        try:
            host = (urlsplit(referrer).hostname or "").lower()
        except ValueError:
            host = ""
    own = request.get_host().split(":")[0].lower()
    if host and host == own:
        return "", False
    utm = request.GET.get("utm_source", "") if "utm_source" in request.GET else ""
    if not utm and "?" in referrer:
        utm = (parse_qs(urlsplit(referrer).query).get("utm_source") or [""])[0]
    source = (utm.strip().lower() or host.removeprefix("www.") or DIRECT)[:MAX_SOURCE_LENGTH]
    return source, True


def visits_key() -> str:
    return VISITS_KEY


def _redis_client() -> Any | None:
    """The cache's Redis client, or None when the cache is not Redis (locmem fallback)."""
    backend = getattr(cache, "_cache", None)
    get_client = getattr(backend, "get_client", None)
    if get_client is None:
        return None
    return get_client(write=True)


def visit_push(record: VisitRecord) -> None:
    """Queue one record for the flush job: kept in this process's buffer under the store's list
    key, sent with the buffer (see `visits_buffer_send`); written at once without Redis."""
    client = _redis_client()
    if client is None:
        visits_write([record])
        return
    key = cache.make_key(visits_key())  # the store's schema is in the key: stores never mix
    now = time.monotonic()
    with _buffer_lock:
        global _buffer_since
        if not _buffer:
            _buffer_since = now
        _buffer.setdefault(key, []).append(record.encode())
        due = (
            sum(len(items) for items in _buffer.values()) >= BUFFER_SIZE
            or now - _buffer_since >= BUFFER_SECONDS
        )
    if due:
        visits_buffer_send()


def visits_buffer_send() -> int:
    """Send this process's buffered records to their stores' lists: one pipelined round trip,
    one RPUSH per store. Returns how many were sent; a failure keeps nothing (logged)."""
    with _buffer_lock:
        taken = dict(_buffer)
        _buffer.clear()
    if not taken:
        return 0
    client = _redis_client()
    if client is None:
        return 0
    try:
        pipe = client.pipeline(transaction=False)
        for key, items in taken.items():
            pipe.rpush(key, *items)
        pipe.execute()
    except Exception:
        logger.warning("analytics: %s visit records lost", sum(map(len, taken.values())), exc_info=True)
        return 0
    return sum(len(items) for items in taken.values())


atexit.register(visits_buffer_send)


def _is_uuid(value: str) -> bool:
    try:
        return bool(value) and str(uuid.UUID(value)) == value
    except ValueError:
        return False


def visits_write(records: list[VisitRecord]) -> int:
    """Insert records as `Visit` rows in one statement, product handles and cart variants resolved
    to their products and confirmed orders to their ids (three queries at most, whatever the
    number of records)."""
    if not records:
        return 0
    handles = {record.handle for record in records if record.handle}
    variants = {record.variant_id for record in records if record.variant_id is not None}
    by_handle = (
        dict(Product.objects.filter(handle__in=handles).values_list("handle", "id")) if handles else {}
    )
    by_variant = (
        dict(ProductVariant.objects.filter(id__in=variants).values_list("id", "product_id"))
        if variants
        else {}
    )
    orders = {record.order for record in records if _is_uuid(record.order)}
    by_order = (
        {str(uuid): pk for uuid, pk in Order.objects.filter(uuid__in=orders).values_list("uuid", "id")}
        if orders
        else {}
    )
    rows = [
        record.to_row(
            product_id=by_handle.get(record.handle)
            if record.handle
            else by_variant.get(record.variant_id or 0),
            order_id=by_order.get(record.order),
        )
        for record in records
    ]
    Visit.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def visits_pending() -> int:
    client = _redis_client()
    return 0 if client is None else int(client.llen(cache.make_key(visits_key())))


def visits_take(limit: int) -> list[VisitRecord]:
    """Take up to `limit` queued records off the store's list (atomically: LRANGE + LTRIM in one
    MULTI, so a record pushed meanwhile stays for the next run)."""
    client = _redis_client()
    if client is None:
        return []
    key = cache.make_key(visits_key())
    pipe = client.pipeline(transaction=True)
    pipe.lrange(key, 0, limit - 1)
    pipe.ltrim(key, limit, -1)
    raw, _trimmed = pipe.execute()
    records = [VisitRecord.decode(item) for item in raw]
    dropped = sum(1 for record in records if record is None)
    if dropped:
        logger.warning("analytics: %s unreadable visit records dropped", dropped)
    return [record for record in records if record is not None]


def visits_requeue(records: list[VisitRecord]) -> None:
    """Put records back at the head of the list (a flush that could not write them)."""
    client = _redis_client()
    if client is None or not records:
        return
    client.lpush(cache.make_key(visits_key()), *[record.encode() for record in reversed(records)])
