"""The Prometheus endpoint: where it is served and to whom, what it counts, and that no label
ever names a store (apps.core.metrics, apps.core.views.metrics)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from apps.core import metrics
from apps.core.cache import rate_window_hit
from apps.core.models import EventRecord
from tests.fixtures import store_client

pytestmark = pytest.mark.django_db

POD = "10.1.2.3:8000"  # how Prometheus addresses a pod: its IP, no hostname


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _scrape(host: str = POD) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = Client().get("/metrics", HTTP_HOST=host)
    assert response.status_code == 200, response.content[:200]
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


# ------------------------------------------------------------------------------
# Where /metrics is served, and to whom
# ------------------------------------------------------------------------------
def test_metrics_are_not_served_on_a_store_host(alpha, settings):
    settings.METRICS_TOKEN = "scrape-token"
    for headers in ({}, {"Authorization": "Bearer scrape-token"}):
        # (the store's URLconf may first add a slash: /metrics/ is no page either)
        response = store_client(alpha).get("/metrics", headers=headers, follow=True)
        assert response.status_code == 404
        assert b"http_requests_total" not in response.content


def test_metrics_are_not_served_on_an_unknown_hostname():
    response = Client().get("/metrics", HTTP_HOST="metrics.example.org")
    assert response.status_code == 404
    assert b"http_requests_total" not in response.content


@pytest.mark.parametrize("host", ["platform.test", POD, "[fd00::7]:8000"])
def test_metrics_need_the_token_when_one_is_set(settings, host):
    settings.METRICS_TOKEN = "scrape-token"
    for authorization in (
        None,
        "Bearer wrong-token",
        "Basic c2NyYXBlLXRva2Vu",
        "Bearer scrape-token-and-more",
    ):
        headers = {"Authorization": authorization} if authorization else {}
        response = Client().get("/metrics", HTTP_HOST=host, headers=headers)
        assert response.status_code == 401, authorization
        assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
        assert b"http_requests_total" not in response.content
    response = Client().get("/metrics", HTTP_HOST=host, HTTP_AUTHORIZATION="Bearer scrape-token")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    assert "no-store" in response["Cache-Control"]
    assert b"# TYPE http_requests_total counter" in response.content


def test_metrics_are_not_served_without_a_token_where_one_is_required(settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_REQUIRE_TOKEN = True
    for host in ("platform.test", POD):
        response = Client().get("/metrics", HTTP_HOST=host, HTTP_AUTHORIZATION="Bearer ")
        assert response.status_code == 404
        assert b"http_requests_total" not in response.content


def test_production_settings_require_a_metrics_token():
    env = {
        **os.environ,
        "DJANGO_SECRET_KEY": "x" * 50,
        "AWS_STORAGE_BUCKET_NAME": "media",
        "AWS_PRIVATE_STORAGE_BUCKET_NAME": "private",
    }
    env.pop("METRICS_TOKEN", None)
    code = "import config.settings.production as p; print(p.METRICS_REQUIRE_TOKEN, repr(p.METRICS_TOKEN))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split() == ["True", "''"]


def test_openmetrics_is_served_when_asked_for():
    response = Client().get(
        "/metrics", HTTP_HOST=POD, HTTP_ACCEPT="application/openmetrics-text; version=1.0.0"
    )
    assert response["Content-Type"].startswith("application/openmetrics-text")
    assert response.content.rstrip().endswith(b"# EOF")


# ------------------------------------------------------------------------------
# Requests, queries, cache calls
# ------------------------------------------------------------------------------
def test_requests_are_counted_and_timed_by_url_pattern_method_and_status(alpha):
    before = _sample("http_requests_total", view="storefront:home", method="GET", status="200")
    timed_before = _sample("http_request_duration_seconds_count", view="storefront:home", method="GET")
    response = store_client(alpha).get("/")
    assert response.status_code == 200
    assert response.resolver_match.view_name == "storefront:home"
    assert _sample("http_requests_total", view="storefront:home", method="GET", status="200") == before + 1
    assert (
        _sample("http_request_duration_seconds_count", view="storefront:home", method="GET")
        == timed_before + 1
    )
    # the same numbers in the exposition
    samples = _scrape()
    key = (("method", "GET"), ("status", "200"), ("view", "storefront:home"))
    assert samples[("http_requests_total", key)] == before + 1


def test_unrouted_requests_are_counted_as_unmatched():
    before = _sample("http_requests_total", view="<unmatched>", method="GET", status="404")
    assert Client().get("/anything/42/", HTTP_HOST="nobody.example.org").status_code == 404
    assert _sample("http_requests_total", view="<unmatched>", method="GET", status="404") == before + 1


def test_an_unknown_method_is_not_a_label_of_its_own(alpha):
    response = store_client(alpha).generic("BREW", "/")
    status = str(response.status_code)
    assert _sample("http_requests_total", view="storefront:home", method="other", status=status) >= 1
    assert _sample("http_requests_total", view="storefront:home", method="BREW", status=status) == 0


def test_queries_of_a_request_are_counted_and_timed(alpha):
    counted = _sample("db_queries_total", view="storefront:home")
    seconds = _sample("db_query_seconds_total", view="storefront:home")
    requests = _sample("http_request_db_duration_seconds_count")
    with CaptureQueriesContext(connection) as captured:
        store_client(alpha).get("/")
    assert len(captured) > 0
    assert _sample("db_queries_total", view="storefront:home") - counted == len(captured)
    assert _sample("db_query_seconds_total", view="storefront:home") > seconds
    assert _sample("http_request_db_duration_seconds_count") == requests + 1


def test_cache_calls_are_timed_by_operation():
    gets = _sample("cache_operation_duration_seconds_count", operation="get")
    sets = _sample("cache_operation_duration_seconds_count", operation="set")
    windows = _sample("cache_operation_duration_seconds_count", operation="rate_window")
    cache.set("metrics-test", "1", 5)
    assert cache.get("metrics-test") == "1"
    rate_window_hit("metrics-test-window", "metrics-test-window-before", weight=1.0, limit=5, timeout=5)
    assert _sample("cache_operation_duration_seconds_count", operation="get") == gets + 1
    assert _sample("cache_operation_duration_seconds_count", operation="set") == sets + 1
    assert _sample("cache_operation_duration_seconds_count", operation="rate_window") == windows + 1


def test_no_label_names_a_store(alpha, beta):
    # given pages of two stores, found and not found, and their dashboards' sign-in redirects
    for world in (alpha, beta):
        client = store_client(world)
        for path in ("/", "/no-such-page/", "/dashboard/", f"/search/?q={world.tenant.slug}"):
            client.get(path)
    # then no label value of the exposition carries a store's host, slug or schema
    store_words = {
        word for world in (alpha, beta) for word in (world.host, world.tenant.slug, world.tenant.schema_name)
    }
    label_values = {value for _, labels in _scrape() for _, value in labels}
    assert label_values, "the exposition has labelled samples"
    assert [value for value in label_values if any(word in value for word in store_words)] == []


# ------------------------------------------------------------------------------
# Cluster-wide figures read from the broker's Redis
# ------------------------------------------------------------------------------
@shared_task(name="tests.metrics.succeeds")
def _succeeds() -> str:
    return "ok"


@shared_task(name="tests.metrics.fails")
def _fails() -> None:
    raise RuntimeError("boom")


@shared_task(bind=True, name="tests.metrics.retries", max_retries=1)
def _retries(self, attempt: int = 0) -> str:  # type: ignore[no-untyped-def]
    if not self.request.retries:
        raise self.retry(countdown=0)
    return "retried"


def _task_counts(task: str) -> dict[str, float]:
    samples = _scrape()
    return {
        dict(labels)["outcome"]: value
        for (name, labels), value in samples.items()
        if name == "celery_tasks_total" and dict(labels).get("task") == task
    }


def test_task_outcomes_are_counted_for_every_worker_in_the_broker():
    before = {name: _task_counts(name) for name in ("tests.metrics.succeeds", "tests.metrics.fails")}
    # (run as a worker runs them: an eager run that propagates the error sends no signal)
    _succeeds.apply()
    _succeeds.apply()
    assert _fails.apply(throw=False).failed()
    after_success = _task_counts("tests.metrics.succeeds")
    after_failure = _task_counts("tests.metrics.fails")
    assert after_success.get("success", 0) == before["tests.metrics.succeeds"].get("success", 0) + 2
    assert after_failure.get("failure", 0) == before["tests.metrics.fails"].get("failure", 0) + 1
    assert after_failure.get("success", 0) == before["tests.metrics.fails"].get("success", 0)


def test_task_retries_are_counted():
    before = _task_counts("tests.metrics.retries")
    assert _retries.apply(throw=False).get() == "retried"
    after = _task_counts("tests.metrics.retries")
    assert after.get("retry", 0) == before.get("retry", 0) + 1


def test_queue_depth_is_read_from_the_broker(settings):
    settings.CELERY_TASK_ROUTES = {
        **settings.CELERY_TASK_ROUTES,
        "tests.metrics.*": {"queue": "metrics-test"},
    }
    client = metrics.broker_redis()
    assert client is not None
    client.delete("metrics-test")
    client.rpush("metrics-test", "a", "b", "c")
    try:
        samples = _scrape()
    finally:
        client.delete("metrics-test")
    assert samples[("celery_queue_depth", (("queue", "metrics-test"),))] == 3
    assert samples[("celery_queue_depth", (("queue", "default"),))] >= 0
    assert samples[("metrics_broker_up", ())] == 1
    assert _scrape()[("celery_queue_depth", (("queue", "metrics-test"),))] == 0


def test_a_broker_that_does_not_answer_costs_the_scrape_nothing_but_its_own_figures(settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    samples = _scrape()
    assert samples[("metrics_broker_up", ())] == 0
    assert not any(name == "celery_queue_depth" for name, _ in samples)
    assert any(name == "http_requests_total" for name, _ in samples)


def test_events_pending_sums_the_stores_reports(alpha, beta):
    client = metrics.broker_redis()
    assert client is not None
    client.delete(metrics.EVENTS_PENDING_KEY)
    # a store removed long ago left a report behind: it is no longer counted
    client.hset(metrics.EVENTS_PENDING_KEY, "gone_store", f"7 {int(timezone.now().timestamp()) - 3600}")
    from apps.core.services import events_redispatch_pending

    with schema_context(alpha.tenant.schema_name):
        # given two events whose dispatch never reached the broker
        stuck = [EventRecord.objects.create(name="test.metrics", payload={"n": n}) for n in "12"]
        EventRecord.objects.filter(pk__in=[e.pk for e in stuck]).update(
            created_at=timezone.now() - timedelta(minutes=10)
        )
        # when the store's housekeeping finds them
        assert events_redispatch_pending() == 2
    with schema_context(beta.tenant.schema_name):
        assert events_redispatch_pending() == 0
    # then the scrape shows them, for one store, without naming it
    samples = _scrape()
    assert samples[("events_pending", ())] == 2
    assert samples[("events_pending_stores", ())] == 1
    # and once they are dispatched (eager here: by that same run) the next run clears the report
    with schema_context(alpha.tenant.schema_name):
        assert events_redispatch_pending() == 0
    samples = _scrape()
    assert samples[("events_pending", ())] == 0
    assert samples[("events_pending_stores", ())] == 0
    assert client.hkeys(metrics.EVENTS_PENDING_KEY) == [b"gone_store"]
    client.delete(metrics.EVENTS_PENDING_KEY)


# ------------------------------------------------------------------------------
# gunicorn: several worker processes, one exposition
# ------------------------------------------------------------------------------
_WORKER = """
import django, sys
django.setup()
from django.http import HttpResponse
from django.test import RequestFactory
from apps.core.metrics import RequestMetricsMiddleware
middleware = RequestMetricsMiddleware(lambda request: HttpResponse(status=201))
for _ in range(int(sys.argv[1])):
    middleware(RequestFactory().post("/anywhere/"))
"""

_SCRAPE = """
import django, json
django.setup()
from prometheus_client.parser import text_string_to_metric_families
from apps.core.metrics import exposition
body, _ = exposition()
print(json.dumps([
    [s.name, s.labels, s.value] for f in text_string_to_metric_families(body.decode()) for s in f.samples
    if s.name == "http_requests_total"
]))
"""


@pytest.mark.slow
def test_worker_processes_are_summed_in_multiprocess_mode(tmp_path: Path):
    """As under gunicorn (gunicorn.conf.py): each worker process writes its own files, the
    scrape in any process adds them all up, and the master empties the directory on start."""
    import runpy

    metrics_dir = tmp_path / "multiproc"
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    metrics_dir.mkdir()
    (metrics_dir / "counter_99999.db").write_bytes(b"left by a previous run")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    try:
        conf = runpy.run_path(str(Path(settings.BASE_DIR) / "gunicorn.conf.py"))
        conf["on_starting"](None)
    finally:
        os.environ.pop("PROMETHEUS_MULTIPROC_DIR")
    assert list(metrics_dir.iterdir()) == []

    def run(code: str, *args: str) -> str:
        return subprocess.run(
            [sys.executable, "-c", code, *args],
            env=env,
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    run(_WORKER, "2")
    run(_WORKER, "3")
    assert len(list(metrics_dir.glob("counter_*.db"))) == 2
    samples = json.loads(run(_SCRAPE))
    assert samples == [
        ["http_requests_total", {"view": "<unmatched>", "method": "POST", "status": "201"}, 5.0]
    ]
