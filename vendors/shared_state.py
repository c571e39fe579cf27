"""State that every worker process shares per vendor account: the rate limiter, cached tokens and their lock.

With ``REDIS_URL`` set it lives in Redis (atomic Lua scripts, redis-py locks), so many workers on many machines
together stay under a vendor's limit and refresh a token once. In the embedded default it lives in files under
``VAR_DIR`` guarded by ``flock``, which is shared by the processes of one machine.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import time
import uuid
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from django.conf import settings

# Sliding-window log: at most `limit` calls in any `period` microseconds, timed by Redis's own clock so workers on
# machines with skewed clocks still agree. Returns 0 when the call may go now, else microseconds to wait.
_ACQUIRE = """
local key, blocked_key = KEYS[1], KEYS[2]
local limit, period_us, member = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local blocked_until = tonumber(redis.call('GET', blocked_key) or '0')
if blocked_until > now then return blocked_until - now end
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - period_us)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now, member)
  redis.call('PEXPIRE', key, math.floor(period_us / 1000) + 1000)
  return 0
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return tonumber(oldest[2]) + period_us - now
"""
_BLOCK = """
local t = redis.call('TIME')
local until_us = tonumber(t[1]) * 1000000 + tonumber(t[2]) + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if until_us > current then redis.call('SET', KEYS[1], until_us, 'PX', math.floor(tonumber(ARGV[1]) / 1000) + 1) end
return until_us
"""


@cache
def _redis():
    import redis

    return redis.Redis.from_url(settings.REDIS_URL)


def _use_redis() -> bool:
    return bool(settings.REDIS_URL)


def _state_dir(*parts: str) -> Path:
    path = Path(settings.VAR_DIR, "vendor-state", *parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class RateLimiter:
    """At most ``calls`` calls per ``period`` seconds for one key, across every process that shares the state."""

    def __init__(self, key: str, *, calls: int, period: float):
        self.key = key
        self.calls = calls
        self.period_us = int(period * 1_000_000)

    def try_acquire(self) -> float:
        """Take a slot if one is free: returns 0.0, or the seconds to wait before one frees up."""
        if _use_redis():
            wait_us = _redis().eval(
                _ACQUIRE, 2, f"fota:rl:{self.key}", f"fota:rl:{self.key}:blocked",
                self.calls, self.period_us, uuid.uuid4().hex,
            )
            return int(wait_us) / 1_000_000
        return self._file_try_acquire()

    def acquire(self, *, max_wait: float = 300.0) -> float:
        """Block until a slot is free; returns the seconds waited. Raises ``TimeoutError`` past ``max_wait``."""
        waited = 0.0
        while True:
            wait = self.try_acquire()
            if wait <= 0:
                return waited
            if waited + wait > max_wait:
                raise TimeoutError(f"rate limiter {self.key} had no free slot within {max_wait:.0f}s")
            time.sleep(wait)
            waited += wait

    def block(self, seconds: float) -> None:
        """Make every process wait ``seconds`` (the vendor throttled us: back off together, not one by one)."""
        if _use_redis():
            _redis().eval(_BLOCK, 1, f"fota:rl:{self.key}:blocked", int(seconds * 1_000_000))
            return
        path = _state_dir("ratelimit") / f"{self.key}.json"
        with _file_lock(path.with_suffix(".lock")):
            state = self._file_read(path)
            state["blocked_until"] = max(state.get("blocked_until", 0), time.time() + seconds)
            path.write_text(json.dumps(state))

    @staticmethod
    def _file_read(path: Path) -> dict:
        try:
            return json.loads(path.read_text())
        except (FileNotFoundError, ValueError):
            return {"calls": [], "blocked_until": 0}

    def _file_try_acquire(self) -> float:
        path = _state_dir("ratelimit") / f"{self.key}.json"
        period = self.period_us / 1_000_000
        with _file_lock(path.with_suffix(".lock")):
            state = self._file_read(path)
            now = time.time()
            if state.get("blocked_until", 0) > now:
                return state["blocked_until"] - now
            calls = [t for t in state.get("calls", []) if t > now - period]
            if len(calls) < self.calls:
                calls.append(now)
                path.write_text(json.dumps({"calls": calls, "blocked_until": state.get("blocked_until", 0)}))
                return 0.0
            return min(calls) + period - now


class TokenStore:
    """A cached vendor token per account, shared by all workers, with a lock so only one refreshes it."""

    def __init__(self, key: str):
        self.key = key

    def get(self) -> dict | None:
        if _use_redis():
            raw = _redis().get(f"fota:token:{self.key}")
            return json.loads(raw) if raw else None
        path = _state_dir("tokens") / f"{self.key}.json"
        try:
            data = json.loads(path.read_text())
        except (FileNotFoundError, ValueError):
            return None
        return data if data.get("expires_at", 0) > time.time() else None

    def set(self, data: dict) -> None:
        """Store ``data``, which must carry ``expires_at`` (Unix seconds)."""
        ttl = max(int(data["expires_at"] - time.time()), 1)
        if _use_redis():
            _redis().set(f"fota:token:{self.key}", json.dumps(data), ex=ttl)
            return
        path = _state_dir("tokens") / f"{self.key}.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        tmp.replace(path)

    def delete(self) -> None:
        if _use_redis():
            _redis().delete(f"fota:token:{self.key}")
            return
        (_state_dir("tokens") / f"{self.key}.json").unlink(missing_ok=True)

    @contextlib.contextmanager
    def lock(self, timeout: float | None = None) -> Iterator[None]:
        # The lock expires on its own a little after the longest login can take, so a worker killed while holding
        # it delays the others by seconds, not forever.
        timeout = timeout or settings.FOTA_VENDOR_TIMEOUT_SECONDS + 5
        if _use_redis():
            with _redis().lock(f"fota:token-lock:{self.key}", timeout=timeout, blocking_timeout=timeout):
                yield
            return
        with _file_lock(_state_dir("tokens") / f"{self.key}.lock"):
            yield

    def fresh(self, fetch, *, margin: float = 30.0, stale: str | None = None) -> dict:
        """Return a token valid for at least ``margin`` seconds, fetching a new one under the lock if needed.

        ``stale`` is a token the vendor just refused: it is never returned again, but if another worker has
        already replaced it, that replacement is used instead of logging in again (Huawei invalidates the old
        token on every login, so two workers logging in would knock each other out).
        ``fetch(previous)`` gets the cached data (for a refresh token) and returns new data with ``expires_at``.
        """

        def usable(data: dict | None) -> bool:
            return bool(data) and data["expires_at"] - margin > time.time() and data.get("access_token") != stale

        data = self.get()
        if usable(data):
            return data
        with self.lock():
            data = self.get()
            if usable(data):
                return data
            data = fetch(data)
            self.set(data)
            return data
