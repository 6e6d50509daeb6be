"""Requests per key per minute: a leaked key cannot scrape the registry, nor sweep the map
with matches to close in on a confidential shelter, faster than the limit allows.

A fixed one-minute window per key. With `REFERRAL_REDIS_URL` every instance counts in the
same Redis (`INCR` of `referral:rate:{key id}:{minute}`, expiring after two minutes), so
the limit holds across instances behind a load balancer; without it each worker counts
alone, in memory. If Redis does not answer, the request goes through and the log says so
(without the key): a hotline operator is never refused because the limiter is down.

Every counted request learns where its key stands (`Quota`), which the answer tells in the
`RateLimit-Policy` and `RateLimit` fields of the IETF draft (draft-ietf-httpapi-ratelimit-
headers): a provider's nightly script or a partner's sync can pace itself instead of
finding the limit by its 429s.
"""

import logging
import math
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import redis

logger = logging.getLogger("referral.ratelimit")
WINDOW_SECONDS = 60


def _window(now: float) -> tuple[int, float]:
    """The current window's number and the seconds until the next one begins."""
    window = int(now // WINDOW_SECONDS)
    return window, (window + 1) * WINDOW_SECONDS - now


@dataclass(frozen=True)
class Quota:
    """Where a key stands after one request counted: its `limit` a minute, the `count` of
    its requests this minute (this one included) and the seconds until the minute ends."""

    limit: int
    count: int
    reset_seconds: float

    @property
    def exceeded(self) -> bool:
        return self.count > self.limit

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.count)

    @property
    def wait_seconds(self) -> int:
        """Whole seconds until the next minute: `Retry-After`, and the draft's `t`."""
        return max(1, math.ceil(self.reset_seconds))

    def headers(self) -> dict[str, str]:
        """The draft's fields: the policy (quota `q` per window `w` seconds) and the state
        (`r` requests remaining, `t` seconds until the quota is whole again)."""
        return {
            "RateLimit-Policy": f'"key";q={self.limit};w={WINDOW_SECONDS}',
            "RateLimit": f'"key";r={self.remaining};t={self.wait_seconds}',
        }


class RateLimiter(Protocol):
    # True when counting waits on the network: then it is done in a worker thread.
    blocking: bool

    def count(self, key_id: uuid.UUID, limit: int | None = None) -> Quota | None:
        """Count one request of the key and say where it stands (`Quota.exceeded`: refuse
        it). `limit`: the key's own requests per minute, instead of the service's
        (`REFERRAL_RATE_LIMIT_PER_MINUTE`); a limit of 0 is none, uncounted: None, as when
        the count could not be made."""


class MemoryLimiter:
    """One worker's counts. Old windows are dropped as new ones begin."""

    blocking = False

    def __init__(self, per_minute: int, clock: "Clock" = time.time) -> None:
        self._limit = per_minute
        self._clock = clock
        self._lock = threading.Lock()
        self._window = -1
        self._counts: dict[uuid.UUID, int] = {}

    def count(self, key_id: uuid.UUID, limit: int | None = None) -> Quota | None:
        limit = self._limit if limit is None else limit
        if limit <= 0:
            return None
        window, remaining = _window(self._clock())
        with self._lock:
            if window != self._window:
                self._window, self._counts = window, {}
            count = self._counts[key_id] = self._counts.get(key_id, 0) + 1
        return Quota(limit, count, remaining)


class RedisLimiter:
    """Counts shared by every instance using the same Redis."""

    blocking = True

    def __init__(
        self,
        client: "redis.Redis",
        per_minute: int,
        *,
        prefix: str = "referral:rate",
        on_unavailable: Callable[[], object] = lambda: None,
    ) -> None:
        self._client = client
        self._limit = per_minute
        self._prefix = prefix
        self._on_unavailable = on_unavailable

    def count(self, key_id: uuid.UUID, limit: int | None = None) -> Quota | None:
        limit = self._limit if limit is None else limit
        if limit <= 0:
            return None
        window, remaining = _window(time.time())
        name = f"{self._prefix}:{key_id}:{window}"
        try:
            pipeline = self._client.pipeline(transaction=False)
            pipeline.incr(name)
            pipeline.expire(name, 2 * WINDOW_SECONDS)
            count = int(pipeline.execute()[0])
        except redis.RedisError as error:
            self._on_unavailable()
            logger.warning(
                "rate limiter unavailable; request allowed",
                extra={"error_type": type(error).__name__},
            )
            return None
        return Quota(limit, count, remaining)


class Clock(Protocol):
    def __call__(self) -> float: ...


def rate_limiter(
    per_minute: int,
    redis_url: str | None,
    *,
    on_unavailable: Callable[[], object] = lambda: None,
) -> RateLimiter:
    """The limiter the settings ask for: Redis when a URL is set, else memory; `per_minute`
    is the limit of keys without one of their own (0: none). `on_unavailable` is called
    for each request let through because Redis did not answer."""
    if redis_url:
        client = redis.Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
        return RedisLimiter(client, per_minute, on_unavailable=on_unavailable)
    return MemoryLimiter(per_minute)
