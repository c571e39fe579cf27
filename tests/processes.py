"""Starts real Celery worker and beat processes for the engine tests, on the test database and Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import redis
from django.conf import settings
from django.db import connection

REPO = Path(__file__).resolve().parent.parent
CELERY = str(Path(sys.executable).parent / "celery")


def _test_database_url() -> str:
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


class EngineProcesses:
    """A worker (prefork, two processes) and a beat, started fresh; stopped (or killed) on exit."""

    def __init__(self, *, simulators_url: str, var_dir: Path, concurrency: int = 2, tick_seconds: int = 1,
                 extra_env: dict | None = None):
        self.extra_env = extra_env or {}
        self.simulators_url = simulators_url
        self.var_dir = var_dir
        self.concurrency = concurrency
        self.tick_seconds = tick_seconds
        self.workers: list[subprocess.Popen] = []
        self.beat: subprocess.Popen | None = None
        self.logs = var_dir / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)

    def env(self) -> dict:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=_test_database_url(),
            REDIS_URL=settings.REDIS_URL,
            FOTA_VAR_DIR=str(self.var_dir),
            FOTA_POLL_INTERVAL_SECONDS=str(self.tick_seconds),
            FOTA_PUSH_LEASE_SECONDS="3",
            FOTA_VENDOR_BACKOFF_BASE_SECONDS="0.01",
            FOTA_VENDOR_BACKOFF_CAP_SECONDS="0.2",
            FOTA_VENDOR_THROTTLE_BUDGET_SECONDS="30",
            DATABASE_CONN_MAX_AGE="0",
            PYTHONUNBUFFERED="1",
        )
        env.update(self.extra_env)
        return env

    def start_worker(self) -> subprocess.Popen:
        name = f"test-{uuid.uuid4().hex[:8]}@%h"
        log = open(self.logs / f"worker-{len(self.workers)}.log", "w")  # noqa: SIM115 - closed with the process
        worker = subprocess.Popen(
            [CELERY, "-A", "fota_portal", "worker", "--loglevel=INFO", f"--concurrency={self.concurrency}",
             "-Q", "default,vendor_writes,vendor_reads", "-n", name, "--without-gossip", "--without-mingle"],
            cwd=REPO, env=self.env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        self.workers.append(worker)
        return worker

    def kill_worker(self, worker: subprocess.Popen | None = None) -> None:
        """SIGKILL a worker and all its pool processes at once: a crash, not a shutdown."""
        worker = worker or self.workers[-1]
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)

    def start_beat(self) -> None:
        log = open(self.logs / "beat.log", "w")  # noqa: SIM115
        self.beat = subprocess.Popen(
            [CELERY, "-A", "fota_portal", "beat", "--loglevel=INFO", "-s", str(self.var_dir / "beat-schedule")],
            cwd=REPO, env=self.env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def stop_beat(self) -> None:
        if self.beat and self.beat.poll() is None:
            os.killpg(self.beat.pid, signal.SIGTERM)
            self.beat.wait(timeout=10)

    def __enter__(self) -> EngineProcesses:
        # A clean broker: messages left by an earlier test must not reach this test's workers.
        redis.Redis.from_url(settings.REDIS_URL).flushdb()
        self.start_worker()
        self.start_beat()
        return self

    def __exit__(self, *exc) -> None:
        for process in [*self.workers, self.beat]:
            if process is not None and process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        deadline = time.monotonic() + 15
        for process in [*self.workers, self.beat]:
            if process is None:
                continue
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def log_tail(self, lines: int = 60) -> str:
        out = []
        for path in sorted(self.logs.glob("*.log")):
            out.append(f"--- {path.name}")
            out.extend(path.read_text(errors="replace").splitlines()[-lines:])
        return "\n".join(out)
