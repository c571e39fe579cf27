"""Settings come from the environment: embedded default with nothing set, PostgreSQL and Redis when configured."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fota_portal.env import ConfigError, env_bool, env_int, env_list

REPO = Path(__file__).resolve().parent.parent
_PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'], 'name': str(settings.DATABASES['default']"
    "['NAME']), 'broker': settings.CELERY_BROKER_URL, 'cache': settings.CACHES['default']['BACKEND'], "
    "'debug': settings.DEBUG, 'simulators': settings.SIMULATORS_ENABLED, 'hosts': settings.ALLOWED_HOSTS, "
    "'init': settings.DATABASES['default'].get('OPTIONS', {}).get('init_command', '')}))"
)
_CONFIG_VARS = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "SIMULATORS_ENABLED")


def _settings_with(tmp_path, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in _CONFIG_VARS}
    clean.update({"DJANGO_SETTINGS_MODULE": "fota_portal.settings", "FOTA_VAR_DIR": str(tmp_path)}, **env)
    return subprocess.run([sys.executable, "-c", _PROBE], cwd=REPO, env=clean, capture_output=True, text=True)


def test_nothing_set_gives_the_embedded_default(tmp_path):
    result = _settings_with(tmp_path)
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    assert config["engine"] == "django.db.backends.sqlite3"
    assert config["name"].startswith(str(tmp_path))
    assert "journal_mode=WAL" in config["init"]
    assert config["broker"] == "filesystem://"
    assert config["debug"] is True and config["simulators"] is True


def test_database_and_redis_urls_switch_to_postgres_and_redis(tmp_path):
    result = _settings_with(
        tmp_path,
        DATABASE_URL="postgres://u:p@db.internal:5432/fota",
        REDIS_URL="redis://cache.internal:6379/2",
        SECRET_KEY="s3cret",
        ALLOWED_HOSTS="fota.example.com, admin.example.com",
    )
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    assert config["engine"] == "django.db.backends.postgresql"
    assert config["name"] == "fota"
    assert config["broker"] == "redis://cache.internal:6379/2"
    assert config["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert config["debug"] is False and config["simulators"] is False
    assert config["hosts"] == ["fota.example.com", "admin.example.com"]


def test_production_without_a_secret_key_refuses_to_start(tmp_path):
    result = _settings_with(tmp_path, DATABASE_URL="postgres://u@db/fota")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_a_malformed_boolean_is_reported_by_name(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ConfigError, match="DEBUG='maybe' is not a boolean"):
        env_bool("DEBUG")


@pytest.mark.parametrize("raw, expected", [("true", True), ("0", False), ("YES", True), ("off", False)])
def test_booleans_accept_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("FLAG", raw)
    assert env_bool("FLAG") is expected


def test_integers_are_checked_against_their_minimum(monkeypatch):
    monkeypatch.setenv("SIMULATOR_SPEED", "0")
    with pytest.raises(ConfigError, match="below the minimum of 1"):
        env_int("SIMULATOR_SPEED", 60, minimum=1)
    monkeypatch.setenv("SIMULATOR_SPEED", "fast")
    with pytest.raises(ConfigError, match="not a whole number"):
        env_int("SIMULATOR_SPEED", 60)


def test_lists_are_split_on_commas_and_trimmed(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", " a.example.com ,b.example.com,, ")
    assert env_list("ALLOWED_HOSTS", []) == ["a.example.com", "b.example.com"]
