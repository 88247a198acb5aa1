"""Recording storefront visits: what the middleware counts (pages rendered or served from the
page cache, adds to cart) and what it does not (dashboard, API, robots, DNT, errors), the
cookieless session key, the batched writes through the store's Redis list and the flush job,
and one store's visits never reaching another's list or table."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from apps.analytics import recording
from apps.analytics.models import Visit
from apps.analytics.recording import _redis_client, visits_buffer_send, visits_key, visits_pending
from apps.analytics.selectors import store_today
from apps.analytics.services import visits_flush
from apps.analytics.tests.factories import paid_row
from apps.checkout.tests.factories import variant_make
from apps.orders.tests.dashboard_support import role_client
from apps.storefront.page_cache import CACHE_HEADER
from apps.storefront.views.checkout import SESSION_ORDERS
from tests.fixtures import StoreWorld

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
OTHER_BROWSER = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) Gecko/20100101 Firefox/133.0"


def _visitor(world: StoreWorld, agent: str = BROWSER, **headers: str) -> Client:
    client = Client(HTTP_HOST=world.host, HTTP_USER_AGENT=agent)
    client.defaults.update(headers)
    return client


def _queued(world: StoreWorld) -> list[dict]:
    visits_buffer_send()
    with schema_context(world.tenant.schema_name):
        client = _redis_client()
        assert client is not None, "the test settings use Redis"
        return [json.loads(raw) for raw in client.lrange(cache.make_key(visits_key()), 0, -1)]


def _flush(world: StoreWorld) -> dict[str, int]:
    with schema_context(world.tenant.schema_name):
        return visits_flush()


# ------------------------------------------------------------------------------
# what is counted
# ------------------------------------------------------------------------------
def test_a_page_view_is_queued_not_written(alpha):
    response = _visitor(alpha, HTTP_REFERER="https://www.google.com/search?q=shirts").get("/")
    assert response.status_code == 200
    [record] = _queued(alpha)
    assert (record["kind"], record["source"], record["landing"]) == ("home", "google.com", True)
    assert len(record["session"]) == 16
    with schema_context(alpha.tenant.schema_name):
        assert Visit.objects.count() == 0  # nothing written during the request


def test_records_go_to_redis_together_once_the_buffer_is_full(alpha):
    visitor = _visitor(alpha)
    for _ in range(recording.BUFFER_SIZE - 1):
        visitor.get("/")
    with schema_context(alpha.tenant.schema_name):
        assert visits_pending() == 0  # still in this process's buffer
    visitor.get("/")
    with schema_context(alpha.tenant.schema_name):
        assert visits_pending() == recording.BUFFER_SIZE  # one pipelined send
    assert recording._buffer == {}


def test_an_old_buffer_is_sent_with_the_next_page(alpha, monkeypatch):
    monkeypatch.setattr(recording, "BUFFER_SECONDS", 0.0)
    _visitor(alpha).get("/")
    with schema_context(alpha.tenant.schema_name):
        assert visits_pending() == 1


def test_pages_served_from_the_page_cache_are_counted_too(alpha):
    first = _visitor(alpha).get("/")
    second = _visitor(alpha, OTHER_BROWSER).get("/")
    assert first[CACHE_HEADER] == "miss" and second[CACHE_HEADER] == "hit"
    records = _queued(alpha)
    assert [record["kind"] for record in records] == ["home", "home"]
    assert records[0]["session"] != records[1]["session"]  # two visitors


def test_the_same_visitor_keeps_one_session_and_no_address_is_kept(alpha):
    visitor = _visitor(alpha, REMOTE_ADDR="203.0.113.9")
    visitor.get("/")
    visitor.get("/search/?q=linen", HTTP_REFERER=f"http://{alpha.host}/")
    home, search = _queued(alpha)
    assert home["session"] == search["session"]
    assert (search["kind"], search["landing"], search["source"]) == ("search", False, "")
    assert "203.0.113.9" not in json.dumps([home, search])


def test_a_campaigns_utm_source_is_the_traffic_source(alpha):
    _visitor(alpha, HTTP_REFERER="https://l.facebook.com/").get("/?utm_source=Spring-Mail")
    [record] = _queued(alpha)
    assert (record["source"], record["landing"]) == ("spring-mail", True)


def test_a_product_view_and_an_add_to_cart_are_resolved_to_the_product_by_the_flush(alpha):
    with schema_context(alpha.tenant.schema_name):
        variant = variant_make(title="Linen shirt", stock=5)
    visitor = _visitor(alpha)
    assert visitor.get(f"/products/{variant.product.handle}/").status_code == 200
    assert visitor.post("/cart/add/", {"variant": variant.pk, "quantity": 1}).status_code in (200, 302, 303)
    kinds = [record["kind"] for record in _queued(alpha)]
    assert kinds == ["product", "cart_add"]

    assert _flush(alpha) == {"written": 2}

    with schema_context(alpha.tenant.schema_name):
        rows = list(Visit.objects.order_by("id").values_list("kind", "product_id"))
    assert rows == [("product", variant.product_id), ("cart_add", variant.product_id)]


def test_the_order_confirmation_ties_the_order_to_the_session(alpha):
    # given a shopper whose session placed an order
    with schema_context(alpha.tenant.schema_name):
        order = paid_row(store_today(), "25.00", origin="checkout")
    visitor = _visitor(alpha)
    with schema_context(alpha.tenant.schema_name):  # sessions live in the store's schema
        session = visitor.session
        session[SESSION_ORDERS] = [str(order.uuid)]
        session.save()
    assert visitor.get("/?utm_source=spring-mail").status_code == 200

    # when they see the order's confirmation
    assert visitor.get(f"/checkout/complete/{order.uuid}/").status_code == 200

    # then the order step is queued with the order, in the landing session, and resolved on flush
    landing, step = _queued(alpha)
    assert (step["kind"], step["order"], step["session"]) == ("order", str(order.uuid), landing["session"])
    assert _flush(alpha) == {"written": 2}
    with schema_context(alpha.tenant.schema_name):
        assert Visit.objects.get(kind="order").order_id == order.pk


# ------------------------------------------------------------------------------
# what is not counted
# ------------------------------------------------------------------------------
def test_the_dashboard_the_api_and_missing_pages_are_not_counted(alpha):
    staff = role_client(alpha, "owner")
    staff.defaults["HTTP_USER_AGENT"] = BROWSER  # a browser: left out for where it goes, not for who
    assert staff.get("/dashboard/").status_code == 200
    assert staff.get("/dashboard/analytics/").status_code == 200
    _visitor(alpha).get("/api/v1/products/")  # refused or not: never a storefront page
    assert _visitor(alpha).get("/products/no-such-thing/").status_code == 404
    assert _queued(alpha) == []


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_USER_AGENT": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"},
        {"HTTP_USER_AGENT": ""},
        {"HTTP_USER_AGENT": BROWSER, "HTTP_DNT": "1"},
        {"HTTP_USER_AGENT": BROWSER, "HTTP_SEC_GPC": "1"},
        {"HTTP_USER_AGENT": BROWSER, "HTTP_HX_REQUEST": "true"},
    ],
    ids=["robot", "no-agent", "dnt", "gpc", "htmx-fragment"],
)
def test_robots_fragments_and_visitors_asking_not_to_be_tracked_are_not_counted(alpha, headers):
    client = Client(HTTP_HOST=alpha.host)
    client.defaults.update(headers)
    client.get("/")
    assert _queued(alpha) == []


# ------------------------------------------------------------------------------
# flushing
# ------------------------------------------------------------------------------
def test_the_flush_writes_the_queue_in_one_insert_and_empties_it(alpha):
    visitor = _visitor(alpha)
    for _ in range(5):
        visitor.get("/")
    with schema_context(alpha.tenant.schema_name), CaptureQueriesContext(connection) as queries:
        assert visits_flush() == {"written": 5}
    inserts = [query for query in queries if query["sql"].startswith("INSERT")]
    assert len(inserts) == 1
    with schema_context(alpha.tenant.schema_name):
        assert Visit.objects.count() == 5
        assert visits_pending() == 0
        assert visits_flush() == {"written": 0}


def test_the_flush_takes_large_queues_in_batches(alpha, monkeypatch):
    from apps.analytics import services

    monkeypatch.setattr(services, "FLUSH_BATCH", 2)
    visitor = _visitor(alpha)
    for _ in range(5):
        visitor.get("/")
    assert _flush(alpha) == {"written": 5}


def test_a_flush_that_cannot_write_puts_the_records_back(alpha, monkeypatch):
    from apps.analytics import services

    _visitor(alpha).get("/")

    def broken(records):
        raise RuntimeError("database unavailable")

    monkeypatch.setattr(services, "visits_write", broken)
    with pytest.raises(RuntimeError):
        _flush(alpha)
    assert len(_queued(alpha)) == 1


# ------------------------------------------------------------------------------
# isolation
# ------------------------------------------------------------------------------
def test_one_stores_visits_never_reach_anothers_list_or_table(alpha, beta):
    _visitor(alpha).get("/")
    with schema_context(alpha.tenant.schema_name):
        alpha_key = cache.make_key(visits_key())
    with schema_context(beta.tenant.schema_name):
        beta_key = cache.make_key(visits_key())
    assert alpha_key != beta_key
    assert alpha.tenant.schema_name in alpha_key and beta.tenant.schema_name in beta_key
    assert _queued(beta) == []
    assert _flush(beta) == {"written": 0}
    assert _flush(alpha) == {"written": 1}
    with schema_context(beta.tenant.schema_name):
        assert Visit.objects.count() == 0


def test_the_same_visitor_has_different_keys_in_different_stores(alpha, beta):
    _visitor(alpha).get("/")
    _visitor(beta).get("/")
    assert _queued(alpha)[0]["session"] != _queued(beta)[0]["session"]
