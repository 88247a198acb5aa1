"""Reads remembered for one request (apps.core.request_memo) and the Redis cache backend that keeps
one client per pool (apps.core.cache)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django_tenants.utils import schema_context

from apps.core.request_memo import RequestMemoMiddleware, request_memo_forget, request_memo_get
from tests.fixtures import StoreWorld


def _counting(value: Any = "v") -> tuple[Callable[[], Any], list[int]]:
    calls: list[int] = []

    def load() -> Any:
        calls.append(1)
        return value

    return load, calls


def _in_request(body: Callable[[], None]) -> None:
    """Run `body` as the view of one request through the middleware."""

    def view(request: HttpRequest) -> HttpResponse:
        body()
        return HttpResponse()

    RequestMemoMiddleware(view)(HttpRequest())


def test_outside_a_request_every_read_loads():
    load, calls = _counting()
    assert request_memo_get("k", load) == request_memo_get("k", load) == "v"
    assert len(calls) == 2


def test_inside_a_request_a_key_loads_once_and_is_forgotten_after_a_write():
    load, calls = _counting()

    def body() -> None:
        assert request_memo_get("k", load) == request_memo_get("k", load) == "v"
        assert len(calls) == 1
        request_memo_forget("k")
        request_memo_get("k", load)
        assert len(calls) == 2

    _in_request(body)
    request_memo_get("k", load)  # the request is over: nothing is remembered
    assert len(calls) == 3


@pytest.mark.django_db
def test_each_store_has_its_own_entries(alpha: StoreWorld, beta: StoreWorld):
    seen: list[str] = []

    def body() -> None:
        for world in (alpha, beta, alpha):
            schema = world.tenant.schema_name
            with schema_context(schema):
                seen.append(request_memo_get("name", functools.partial(str, schema)))

    _in_request(body)
    assert seen == [alpha.tenant.schema_name, beta.tenant.schema_name, alpha.tenant.schema_name]


@pytest.mark.django_db
def test_store_settings_are_read_once_per_request_and_a_save_is_seen_at_once(alpha: StoreWorld, monkeypatch):
    from apps.stores import selectors
    from apps.stores.tests.factories import settings_change

    reads: list[str] = []
    real_get = selectors.cache.get

    def counting_get(key: str, *args: Any, **kwargs: Any) -> Any:
        reads.append(key)
        return real_get(key, *args, **kwargs)

    monkeypatch.setattr(selectors.cache, "get", counting_get)

    def body() -> None:
        with schema_context(alpha.tenant.schema_name):
            first = selectors.store_settings_get()
            assert selectors.store_settings_get() is first
            assert reads.count(selectors.STORE_SETTINGS_CACHE_KEY) == 1
            settings_change(name="Renamed in this request")
            assert selectors.store_settings_get().name == "Renamed in this request"

    _in_request(body)


def test_the_cache_backend_keeps_one_client():
    client = cache._cache.get_client()  # type: ignore[attr-defined]
    assert cache._cache.get_client(write=True) is client  # type: ignore[attr-defined]
    cache.set("core:memo:probe", {"a": 1}, 30)
    assert cache.get("core:memo:probe") == {"a": 1}
    assert cache._cache.get_client() is client  # type: ignore[attr-defined]
