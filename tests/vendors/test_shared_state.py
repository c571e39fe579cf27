"""The shared rate limiter and token store hold across processes, through Redis."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from vendors.shared_state import RateLimiter, TokenStore

REPO = Path(__file__).resolve().parents[2]

_CALLER = """
import json, sys, time, django
django.setup()
from vendors.shared_state import RateLimiter
key, calls, period, count = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
limiter = RateLimiter(key, calls=calls, period=period)
stamps = []
for _ in range(count):
    limiter.acquire()
    stamps.append(time.time())
print(json.dumps(stamps))
"""


def _densest_window(stamps: list[float], period: float) -> int:
    stamps = sorted(stamps)
    best, start = 0, 0
    for end, stamp in enumerate(stamps):
        while stamp - stamps[start] >= period:
            start += 1
        best = max(best, end - start + 1)
    return best


@pytest.mark.slow
def test_two_processes_sharing_a_limiter_stay_within_the_limit_together():
    key, calls, period, per_process = f"test-{uuid.uuid4().hex}", 10, 1.0, 25
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "fota_portal.settings"}
    started = time.monotonic()
    processes = [
        subprocess.Popen([sys.executable, "-c", _CALLER, key, str(calls), str(period), str(per_process)],
                         cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    stamps = [s for p in processes for s in json.loads(p.communicate(timeout=60)[0])]
    elapsed = time.monotonic() - started
    assert len(stamps) == 2 * per_process
    # Stamps are taken just after each slot is granted, so allow a few milliseconds of scheduling slack.
    assert _densest_window(stamps, period - 0.02) <= calls
    # 50 calls at 10 a second cannot finish in under 4 seconds together; one process alone would have been limited
    # to 25 calls, so this also proves the limit is shared, not per process.
    assert elapsed >= 4 * period - 0.1


def test_a_limiter_answers_how_long_to_wait_when_full():
    limiter = RateLimiter(f"test-{uuid.uuid4().hex}", calls=2, period=5)
    assert limiter.try_acquire() == 0 and limiter.try_acquire() == 0
    wait = limiter.try_acquire()
    assert 4 < wait <= 5


def test_a_block_makes_every_caller_wait():
    limiter = RateLimiter(f"test-{uuid.uuid4().hex}", calls=100, period=1)
    limiter.block(2.0)
    assert 1.5 < limiter.try_acquire() <= 2.0


def test_a_token_is_fetched_once_and_shared():
    store = TokenStore(f"test-{uuid.uuid4().hex}")
    fetched = []

    def fetch(previous):
        fetched.append(previous)
        return {"access_token": f"t{len(fetched)}", "expires_at": time.time() + 600}

    assert store.fresh(fetch)["access_token"] == "t1"
    assert store.fresh(fetch)["access_token"] == "t1"
    assert len(fetched) == 1


def test_a_refused_token_is_replaced_once_even_when_two_callers_saw_it_fail():
    store = TokenStore(f"test-{uuid.uuid4().hex}")
    calls = []

    def fetch(previous):
        calls.append(previous)
        return {"access_token": f"t{len(calls)}", "expires_at": time.time() + 600}

    first = store.fresh(fetch)["access_token"]
    # Both workers were refused with the same old token; only the first logs in again, the second reuses its result.
    assert store.fresh(fetch, stale=first)["access_token"] == "t2"
    assert store.fresh(fetch, stale=first)["access_token"] == "t2"
    assert len(calls) == 2 and calls[1]["access_token"] == "t1"


def test_a_token_close_to_expiry_is_refreshed_before_it_expires():
    store = TokenStore(f"test-{uuid.uuid4().hex}")
    store.set({"access_token": "old", "expires_at": time.time() + 10})
    fresh = store.fresh(lambda previous: {"access_token": "new", "expires_at": time.time() + 600}, margin=30)
    assert fresh["access_token"] == "new"


def test_without_redis_the_limiter_and_token_store_use_files_shared_by_the_machine(settings, tmp_path):
    settings.REDIS_URL = ""
    settings.VAR_DIR = tmp_path
    limiter = RateLimiter("embedded", calls=2, period=5)
    assert limiter.try_acquire() == 0 and limiter.try_acquire() == 0
    assert 4 < limiter.try_acquire() <= 5
    assert (tmp_path / "vendor-state" / "ratelimit" / "embedded.json").exists()
    store = TokenStore("embedded")
    store.set({"access_token": "file-token", "expires_at": time.time() + 60})
    assert TokenStore("embedded").get()["access_token"] == "file-token"
