"""Shared fixtures: named users for each role (alice admin, bob operator, carol viewer, dave outsider)."""

from __future__ import annotations

import pytest

from fota_portal.roles import Role, user_set_role
from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session", autouse=True)
def _clean_shared_state():
    """Start from an empty test Redis: cached tokens and rate-limit windows are keyed by account ids, which a new
    test database hands out again."""
    from django.conf import settings

    if settings.REDIS_URL:
        import redis

        redis.Redis.from_url(settings.REDIS_URL).flushdb()


def _user_with_role(username: str, role: Role | None):
    user = UserFactory(username=username)
    if role is not None:
        user_set_role(user=user, role=role)
    return user


@pytest.fixture
def alice(db):
    """An admin."""
    return _user_with_role("alice", Role.ADMIN)


@pytest.fixture
def bob(db):
    """An operator."""
    return _user_with_role("bob", Role.OPERATOR)


@pytest.fixture
def carol(db):
    """A viewer."""
    return _user_with_role("carol", Role.VIEWER)


@pytest.fixture
def dave(db):
    """An outsider: a user with no role."""
    return _user_with_role("dave", None)


@pytest.fixture
def no_celery(monkeypatch):
    """For tests of services and interfaces: the tasks they enqueue after commit are the engine tests' business."""
    from campaigns import tasks

    monkeypatch.setattr(tasks.push_campaign, "delay", lambda *a, **k: None)
    monkeypatch.setattr(tasks.withdraw_campaign, "delay", lambda *a, **k: None)


@pytest.fixture
def catalog(db):
    """The error catalog, reloaded: transactional tests flush the rows the migration loaded."""
    from vendors.services import error_catalog_sync

    error_catalog_sync()


@pytest.fixture
def simulators_url(live_server, transactional_db, settings):
    """Base URL of the vendor simulators, served over real HTTP by a live server on the test database.

    Backoff is shortened so retry tests run in seconds; the behaviour (what is retried, what is not) is unchanged.
    """
    from vendors.services import error_catalog_sync

    error_catalog_sync()
    settings.FOTA_VENDOR_BACKOFF_BASE_SECONDS = 0.01
    settings.FOTA_VENDOR_BACKOFF_CAP_SECONDS = 0.2
    settings.FOTA_VENDOR_THROTTLE_BUDGET_SECONDS = 30.0
    return f"{live_server.url}/simulators"


@pytest.fixture
def engine(request, simulators_url, settings, tmp_path):
    """Real Celery worker and beat processes on the test database and the test Redis, beside a live server that
    serves the vendor simulators. Yields a handle with the simulators' base URL and a ``kill_worker`` to simulate a
    crash. The worker runs every queue; beat ticks the engine every second. A test may pass extra environment for
    the processes with ``@pytest.mark.engine_env(NAME="value")``."""
    from tests.processes import EngineProcesses

    marker = request.node.get_closest_marker("engine_env")
    with EngineProcesses(simulators_url=simulators_url, var_dir=tmp_path,
                         extra_env=marker.kwargs if marker else None) as processes:
        yield processes
