"""`apps.core.cache.RedisCache.count_in_window`: the API throttle's counter in one round trip."""

from __future__ import annotations

from django.core.cache import cache


def test_a_window_counter_counts_from_one_expires_and_reads_as_an_integer():
    assert hasattr(cache, "count_in_window"), "the test settings use apps.core.cache.RedisCache"
    cache.delete("window-test")
    assert [cache.count_in_window("window-test", timeout=61) for _ in range(3)] == [1, 2, 3]  # type: ignore[attr-defined]
    assert cache.get("window-test") == 3
    assert cache.incr("window-test") == 4
    client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
    assert 0 < client.ttl(cache.make_key("window-test")) <= 61
    cache.delete("window-test")
