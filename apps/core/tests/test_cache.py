"""`apps.core.cache.rate_window_hit`: the API throttle's sliding window, checked and counted in
one round trip on Redis, and the same rules on another cache."""

from __future__ import annotations

import threading

import pytest
from django.core.cache import cache

from apps.core.cache import rate_window_hit

NOW, BEFORE = "rate-window-test:now", "rate-window-test:before"


@pytest.fixture
def windows():
    cache.delete_many([NOW, BEFORE])
    yield
    cache.delete_many([NOW, BEFORE])


def _hit(limit: int, weight: float = 1.0) -> tuple[bool, int, int]:
    return rate_window_hit(NOW, BEFORE, weight=weight, limit=limit, timeout=121)


def test_requests_are_counted_up_to_the_limit_and_refused_ones_are_not(windows):
    assert hasattr(cache, "rate_window_hit"), "the test settings use apps.core.cache.RedisCache"
    assert [_hit(3) for _ in range(5)] == [
        (True, 1, 0),
        (True, 2, 0),
        (True, 3, 0),
        (False, 3, 0),
        (False, 3, 0),
    ]
    assert cache.get(NOW) == 3  # a plain integer, as `incr` keeps one
    client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
    assert 0 < client.ttl(cache.make_key(NOW)) <= 121


def test_the_previous_window_counts_by_the_share_still_covered(windows):
    cache.set(BEFORE, 10, 60)
    # half of the previous minute is still inside the last 60 s: 5 of its 10 requests count
    assert [_hit(8, weight=0.5)[0] for _ in range(4)] == [True, True, True, False]
    # once it has slid out entirely, only this minute's 3 count
    assert [_hit(8, weight=0.0)[0] for _ in range(6)] == [True] * 5 + [False]
    assert cache.get(BEFORE) == 10  # never written by a hit


def test_concurrent_callers_never_get_more_than_the_limit(windows):
    allowed: list[bool] = []
    lock = threading.Lock()

    def caller() -> None:
        for _ in range(10):
            result = _hit(25)[0]
            with lock:
                allowed.append(result)

    threads = [threading.Thread(target=caller) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(allowed) == 80 and allowed.count(True) == 25
    assert cache.get(NOW) == 25


def test_on_another_cache_the_same_rules_hold(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert not hasattr(cache, "rate_window_hit")  # LocMemCache: the fallback in `rate_window_hit`
    cache.set(BEFORE, 4, 60)
    assert [_hit(5, weight=0.5) for _ in range(4)] == [
        (True, 1, 4),
        (True, 2, 4),
        (True, 3, 4),
        (False, 3, 4),
    ]
