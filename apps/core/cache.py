"""The Redis cache backend, with one client per connection pool instead of one per call.

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` for every cache operation.
The connections come from a shared pool either way, but building the client copies its ~170
response callbacks each time: measured at ~70 µs per call with redis-py 8, more than the GET
itself on a local Redis (~60 µs), and a storefront page makes a dozen such calls. A
`redis.Redis` is safe to share between threads (every command takes a connection from the
pool and gives it back), and Django keeps one cache object per thread anyway, so one client
per pool is kept and reused.

Every call of the client is timed into `cache_operation_duration_seconds{operation}`
(apps.core.metrics); `rate_window_hit`'s script is timed as one operation, `rate_window`. Calls
made on the raw client elsewhere (the analytics visit lists) are not timed.

It also skips Django's memcached key warnings (see `validate_key`). Configured as
`CACHES["default"]["BACKEND"] = "apps.core.cache.RedisCache"`; everything else (serialiser, key
function, options) is Django's.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient

from apps.core.metrics import cache_timed

# The client's operations, each timed under its own name.
TIMED_OPERATIONS = (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "set_many",
    "delete_many",
    "clear",
)


class PooledRedisCacheClient(RedisCacheClient):
    # Django's own (private) attributes, which django-stubs does not declare.
    _servers: list[str]
    _pools: dict[int, Any]
    _pool_class: Any
    _pool_options: dict[str, Any]
    _client: Any
    _get_connection_pool_index: Callable[[bool], int]

    def __init__(self, servers: list[str], **options: Any) -> None:
        super().__init__(servers, **options)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            # Not `_get_connection_pool(write)`: with replicas it draws its own random index.
            client = self._clients[index] = self._client(connection_pool=self._pool_for(index))
        return client

    def _pool_for(self, index: int) -> Any:
        if index not in self._pools:
            self._pools[index] = self._pool_class.from_url(self._servers[index], **self._pool_options)
        return self._pools[index]


for _operation in TIMED_OPERATIONS:
    setattr(
        PooledRedisCacheClient, _operation, cache_timed(_operation, getattr(RedisCacheClient, _operation))
    )


# One request against a sliding-window limit, checked and counted atomically (`rate_window_hit`).
_RATE_WINDOW_SCRIPT = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
if previous * tonumber(ARGV[1]) + current + 1 > tonumber(ARGV[2]) then
  return {0, current, previous}
end
current = redis.call('INCR', KEYS[1])
if current == 1 then
  redis.call('EXPIRE', KEYS[1], ARGV[3])
end
return {1, current, previous}
"""
_script_run = cache_timed("rate_window", lambda script, **kwargs: script(**kwargs))


def _weight(weight: float) -> float:
    """`weight` to six places, rounded down: 1 - 20/60 is 0.666667 in six places, and 3 requests
    at that weight would come to 2.000001, one millionth over a limit they meet."""
    return math.floor(weight * 1_000_000) / 1_000_000


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = PooledRedisCacheClient
        self._rate_window_script: Any = None

    def rate_window_hit(
        self, key: str, previous_key: str, *, weight: float, limit: int, timeout: int
    ) -> tuple[bool, int, int]:
        """See the module function `rate_window_hit`; one round trip (EVALSHA of a Lua script,
        so the check and the count cannot interleave with another process's)."""
        made, previous_made = self.make_and_validate_key(key), self.make_and_validate_key(previous_key)
        client = self._cache.get_client(made, write=True)
        if self._rate_window_script is None:
            self._rate_window_script = client.register_script(_RATE_WINDOW_SCRIPT)
        allowed, current, previous = _script_run(
            self._rate_window_script,
            keys=[made, previous_made],
            args=[f"{_weight(weight):.6f}", limit, timeout],
            client=client,
        )
        return bool(allowed), int(current), int(previous)

    def validate_key(self, key: str) -> None:
        # Django's check warns about keys memcached would refuse (spaces, control characters,
        # over 250 characters), walking every character of every key in Python on each call.
        # Redis takes any key, and our keys are made by code, not by visitors.
        return None


def rate_window_hit(
    key: str, previous_key: str, *, weight: float, limit: int, timeout: int
) -> tuple[bool, int, int]:
    """One request against a sliding-window rate limit: allowed when the requests counted in
    `previous_key` (the window before) times `weight` (the share of it the sliding window still
    covers), plus those in `key` (this window), plus this one, are at most `limit`. Only an
    allowed request is counted, in `key`, which expires `timeout` seconds after its first.
    Returns (allowed, this window's count, the previous window's count). Atomic on Redis; on
    another cache (development without Redis) two processes may both take the last place."""
    hit = getattr(cache, "rate_window_hit", None)
    if hit is not None:
        return hit(key, previous_key, weight=weight, limit=limit, timeout=timeout)  # type: ignore[no-any-return]
    current, previous = int(cache.get(key, 0)), int(cache.get(previous_key, 0))
    if previous * _weight(weight) + current + 1 > limit:
        return False, current, previous
    if not cache.add(key, 1, timeout):
        current = cache.incr(key) - 1
    return True, current + 1, previous
