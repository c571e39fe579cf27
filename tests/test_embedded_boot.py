"""The embedded default boots with nothing installed: the web answers and a worker executes a task."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _embedded_env(var_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY")}
    env.update(FOTA_VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="fota_portal.settings", PYTHONUNBUFFERED="1")
    return env


def _wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.3)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@pytest.mark.slow
def test_the_embedded_default_serves_the_login_page_and_runs_tasks(tmp_path):
    env = _embedded_env(tmp_path)
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=REPO, env=env, check=True)
    port = _free_port()
    processes = [
        subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ),
        subprocess.Popen(
            [str(BIN / "celery"), "-A", "fota_portal", "worker", "--pool=solo", "--loglevel=WARNING",
             "-Q", "default,vendor_writes,vendor_reads", "-n", "boot-test@%h"],
            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ),
    ]
    try:
        def login_page():
            try:
                return httpx.get(f"http://127.0.0.1:{port}/login/", timeout=2)
            except httpx.TransportError:
                return None

        response = _wait_for(login_page, 30, "the web process")
        assert response.status_code == 200 and "Log in" in response.text
        assert response.headers["X-Request-ID"]

        sender = (
            "import django; django.setup(); from fota_portal.tasks import heartbeat; "
            "heartbeat.delay('embedded-boot-check')"
        )
        subprocess.run([sys.executable, "-c", sender], cwd=REPO, env=env, check=True)
        reader = (
            "import django; django.setup(); from fota_portal.models import WorkerHeartbeat; "
            "print(WorkerHeartbeat.objects.filter(worker='embedded-boot-check').exists())"
        )

        def task_ran():
            out = subprocess.run([sys.executable, "-c", reader], cwd=REPO, env=env, capture_output=True, text=True)
            return out.stdout.strip() == "True"

        _wait_for(task_ran, 60, "the worker to execute the heartbeat task")
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
