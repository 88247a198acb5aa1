"""Reads remembered for the length of one request.

Some cached reads are made many times while one page is drawn: the store's settings, for
one, are asked for by the language middleware, the page's SEO data, the price formatting, the
theme and the footer, each a Redis round trip and an unpickling of the same row. Inside a
request `request_memo_get(key, load)` runs `load()` once per store and key and hands the same
answer to every later caller; outside one (Celery tasks, shell, tests that call selectors
directly) it simply calls `load()`.

The memo lives in a context variable that `RequestMemoMiddleware` opens for each request and
drops when the response is returned, and every entry is keyed by the connection's schema, so
nothing remembered can outlive its request or cross to another store (a `schema_context`
inside a request gets its own entries). A write that changes what an entry holds calls
`request_memo_forget(key)` so later reads in the same request see the change.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse

_memo: ContextVar[dict[tuple[str, str], Any] | None] = ContextVar("request_memo", default=None)


def _schema() -> str:
    return str(getattr(connection, "schema_name", "") or "")


def request_memo_get[T](key: str, load: Callable[[], T]) -> T:
    """`load()`'s answer for `key` in the current store, computed once per request."""
    memo = _memo.get()
    if memo is None:
        return load()
    slot = (_schema(), key)
    if slot in memo:
        return memo[slot]  # type: ignore[no-any-return]
    value = memo[slot] = load()
    return value


def request_memo_forget(key: str) -> None:
    """Drop `key` of the current store from this request's memo (after a write)."""
    memo = _memo.get()
    if memo is not None:
        memo.pop((_schema(), key), None)


class RequestMemoMiddleware:
    """Opens the memo for the request and drops it with the response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _memo.set({})
        try:
            return self.get_response(request)
        finally:
            _memo.reset(token)
