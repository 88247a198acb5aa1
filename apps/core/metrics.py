"""Prometheus metrics: what each process measures, the cluster-wide figures read at scrape time,
and the exposition served on /metrics (apps.core.views.metrics).

Per process (each gunicorn worker keeps its own; with PROMETHEUS_MULTIPROC_DIR set, as
gunicorn.conf.py does, prometheus_client merges every worker's files into one exposition):

- `http_requests_total{view, method, status}` and `http_request_duration_seconds{view, method}`,
  measured by `RequestMetricsMiddleware` around everything after the health probes;
- `db_queries_total{view}` and `db_query_seconds_total{view}`: the queries of each request and
  the time they took, counted through `execute_wrapper` (per request: divide by the requests'
  rate), and `http_request_db_duration_seconds`, the time one request spent in the database;
- `cache_operation_duration_seconds{operation}`, the cache's Redis calls (apps.core.cache).

Cluster-wide, read from the broker's Redis in one round trip at scrape time (every web pod reports
the same values, so rules aggregate them with `max`, not `sum`):

- `celery_queue_depth{queue}`: messages waiting in each queue's list;
- `celery_tasks_total{task, outcome}`: counted by every worker process into one hash
  (`task_success`, `task_failure`, `task_retry` signals), so no worker needs a port of its own;
- `events_pending`: events still not dispatched five minutes after their commit, summed over the
  stores as each store's `core.events_redispatch_pending` job last found them (every 10 minutes),
  and `events_pending_stores`, how many stores have any. Counting 2,000 schemas at scrape time
  would cost 2,000 queries; a store's count is one indexed query in its own job.

No label ever names a store: `view` is the URL pattern's name (or its route), never the path or
the host; unresolved requests are `<unmatched>`. A store's business figures (orders, revenue,
visits) stay in its analytics tables (apps.analytics), read by its dashboard.
"""

from __future__ import annotations

import functools
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from time import perf_counter
from typing import Any

import redis
from celery.signals import task_failure, task_retry, task_success
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

UNMATCHED = "<unmatched>"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

# Keys on the broker's Redis (beside Celery's queue lists), shared by every process.
CELERY_TASKS_KEY = "metrics:celery_tasks"
EVENTS_PENDING_KEY = "metrics:events_pending"
# A store's report older than this is ignored (three runs of its 10-minute job missed: the store
# was removed or its jobs stopped, which the job metrics show).
EVENTS_PENDING_REPORT_MAX_AGE = 30 * 60
# Scrapes and task signals never wait long for Redis.
REDIS_TIMEOUT_SECONDS = 0.5

HTTP_REQUESTS = Counter(
    "http_requests_total",
    "Requests answered, by URL pattern, method and status.",
    ["view", "method", "status"],
)
HTTP_REQUEST_DURATION = Histogram(
    "http_request_duration_seconds",
    "Time from the first middleware after the probes to the response, by URL pattern and method.",
    ["view", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
# Per request, not per query: one observation however many queries a page makes.
DB_QUERIES = Counter(
    "db_queries_total", "Database queries made while answering requests, by URL pattern.", ["view"]
)
DB_QUERY_SECONDS = Counter(
    "db_query_seconds_total",
    "Time spent in database queries while answering requests, by URL pattern.",
    ["view"],
)
HTTP_REQUEST_DB_DURATION = Histogram(
    "http_request_db_duration_seconds",
    "Time one request spent in database queries (requests that made any).",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
CACHE_OPERATION_DURATION = Histogram(
    "cache_operation_duration_seconds",
    "Duration of each call of the Redis cache, by operation.",
    ["operation"],
    buckets=(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
)


# ------------------------------------------------------------------------------
# Requests and their queries
# ------------------------------------------------------------------------------
def view_label(request: HttpRequest) -> str:
    """The URL pattern's name ("dashboard:catalog:product_edit"), its dotted view path when it
    has no name, or `<unmatched>`: never anything of the path, the host or the store."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return UNMATCHED
    return match.view_name or match.route or UNMATCHED


def method_label(method: str | None) -> str:
    return method if method in _METHODS else "other"


class _QueryTimer:
    """An execute wrapper: adds up the queries of one request and their time."""

    __slots__ = ("count", "seconds")

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        start = perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += perf_counter() - start
            self.count += 1


# Label children by label values: `labels()` validates and locks on every call (several µs);
# the set of values is bounded (URL patterns x methods x statuses), so is this dict.
_children: dict[tuple[int | str, ...], Any] = {}


def _child(metric: Any, *values: str) -> Any:
    key: tuple[int | str, ...] = (id(metric), *values)
    child = _children.get(key)
    if child is None:
        child = _children[key] = metric.labels(*values)
    return child


class RequestMetricsMiddleware:
    """Counts and times every request by URL pattern, method and status, and its queries."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        queries = _QueryTimer()
        # What `connection.execute_wrapper()` does, without a context manager per request.
        wrappers = connections[DEFAULT_DB_ALIAS].execute_wrappers
        wrappers.append(queries)
        start = perf_counter()
        try:
            response = self.get_response(request)
        finally:
            wrappers.remove(queries)
        elapsed = perf_counter() - start
        view = view_label(request)
        method = method_label(request.method)
        _child(HTTP_REQUESTS, view, method, str(response.status_code)).inc()
        _child(HTTP_REQUEST_DURATION, view, method).observe(elapsed)
        if queries.count:
            _child(DB_QUERIES, view).inc(queries.count)
            _child(DB_QUERY_SECONDS, view).inc(queries.seconds)
            HTTP_REQUEST_DB_DURATION.observe(queries.seconds)
        return response


def cache_timed[F: Callable[..., Any]](operation: str, method: F) -> F:
    """`method` of the cache client, observed in `cache_operation_duration_seconds`."""
    timer = CACHE_OPERATION_DURATION.labels(operation)

    @functools.wraps(method)
    def timed(*args: Any, **kwargs: Any) -> Any:
        start = perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            timer.observe(perf_counter() - start)

    return timed  # type: ignore[return-value]


# ------------------------------------------------------------------------------
# Cluster-wide figures on the broker's Redis
# ------------------------------------------------------------------------------
def broker_redis() -> redis.Redis | None:
    """A client of the Celery broker's Redis with short timeouts, or None when the broker is not
    Redis (the in-process fallback of `make run`: no queues, no workers to count)."""
    url = str(settings.CELERY_BROKER_URL or "")
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return None
    return _redis_client(url)


@functools.lru_cache(maxsize=4)
def _redis_client(url: str) -> redis.Redis:
    # redis-py's pool notices a fork and opens new connections in the child.
    return redis.Redis.from_url(
        url, socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS
    )


def celery_queues() -> list[str]:
    """The queues this project routes tasks to: the default one and every routed one."""
    queues = {str(settings.CELERY_TASK_DEFAULT_QUEUE)}
    routes = getattr(settings, "CELERY_TASK_ROUTES", None) or {}
    if isinstance(routes, dict):
        queues.update(
            str(route["queue"]) for route in routes.values() if isinstance(route, dict) and "queue" in route
        )
    return sorted(queues)


def task_outcome_record(task_name: str, outcome: str) -> None:
    client = broker_redis()
    if client is None:
        return
    try:
        client.hincrby(CELERY_TASKS_KEY, f"{task_name}|{outcome}", 1)
    except redis.RedisError:
        # A lost count must never fail or slow the task; the queue alerts cover a broker outage.
        logger.debug("metrics: task outcome of %s not counted", task_name, exc_info=True)


def _task_name(sender: Any) -> str:
    return str(getattr(sender, "name", None) or "unknown")


@task_success.connect(weak=False, dispatch_uid="apps.core.metrics.task_success")
def _on_task_success(sender: Any = None, **kwargs: Any) -> None:
    task_outcome_record(_task_name(sender), "success")


@task_failure.connect(weak=False, dispatch_uid="apps.core.metrics.task_failure")
def _on_task_failure(sender: Any = None, **kwargs: Any) -> None:
    task_outcome_record(_task_name(sender), "failure")


@task_retry.connect(weak=False, dispatch_uid="apps.core.metrics.task_retry")
def _on_task_retry(sender: Any = None, **kwargs: Any) -> None:
    task_outcome_record(_task_name(sender), "retry")


def events_pending_report(*, schema: str, count: int) -> None:
    """Record how many events of store `schema` are stuck undispatched (0 removes its entry, so
    the hash holds only the stores that have some)."""
    client = broker_redis()
    if client is None:
        return
    try:
        if count:
            client.hset(EVENTS_PENDING_KEY, schema, f"{count} {int(time.time())}")
        else:
            client.hdel(EVENTS_PENDING_KEY, schema)
    except redis.RedisError:
        logger.warning("metrics: pending events of %s not reported", schema, exc_info=True)


def _events_pending(reports: dict[bytes, bytes], now: float) -> tuple[int, int]:
    total = stores = 0
    for value in reports.values():
        try:
            count, at = (int(part) for part in value.split())
        except ValueError:
            continue
        if now - at <= EVENTS_PENDING_REPORT_MAX_AGE and count > 0:
            total += count
            stores += 1
    return total, stores


class ClusterCollector(Collector):
    """Queue depths, task outcomes and pending events, read from Redis when scraped."""

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("metrics_broker_up", "1 when the broker's Redis answered this scrape.")
        client = broker_redis()
        if client is None:
            return
        queues = celery_queues()
        try:
            pipe = client.pipeline(transaction=False)
            for queue in queues:
                pipe.llen(queue)
            pipe.hgetall(CELERY_TASKS_KEY)
            pipe.hgetall(EVENTS_PENDING_KEY)
            *depths, outcomes, reports = pipe.execute()
        except redis.RedisError:
            logger.warning("metrics: the broker's Redis did not answer the scrape", exc_info=True)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        depth = GaugeMetricFamily(
            "celery_queue_depth", "Messages waiting in each Celery queue.", labels=["queue"]
        )
        for queue, length in zip(queues, depths, strict=True):
            depth.add_metric([queue], int(length))
        yield depth
        tasks = CounterMetricFamily(
            "celery_tasks",
            "Celery task runs that ended, by task and outcome (all workers).",
            labels=["task", "outcome"],
        )
        for field, value in sorted(outcomes.items()):
            name, _, outcome = field.decode().rpartition("|")
            tasks.add_metric([name, outcome], int(value))
        yield tasks
        total, stores = _events_pending(reports, time.time())
        yield GaugeMetricFamily(
            "events_pending",
            "Events not dispatched 5 minutes after their commit, over all stores (as of each store's last check).",
            value=total,
        )
        yield GaugeMetricFamily(
            "events_pending_stores", "Stores with events not dispatched 5 minutes after commit.", value=stores
        )


# ------------------------------------------------------------------------------
# Exposition
# ------------------------------------------------------------------------------
class _Merged(Collector):
    def __init__(self, sources: Iterable[Collector]) -> None:
        self.sources = list(sources)

    def collect(self) -> Iterator[Metric]:
        for source in self.sources:
            yield from source.collect()


def exposition(accept: str = "") -> tuple[bytes, str]:
    """This process's metrics (every worker's, in multiprocess mode) and the cluster's, encoded as
    the scraper's Accept header asks; returns (body, content type)."""
    multiprocess = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
    process: Collector = MultiProcessCollector(None) if multiprocess else REGISTRY
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Merged([process, ClusterCollector()]))
    encoder, content_type = choose_encoder(accept)
    return encoder(registry), content_type
