"""Django settings, read from the environment (12-factor).

With nothing set, the embedded default runs: SQLite in WAL mode, a filesystem Celery transport and the vendor
simulators, so web, worker and beat work on one machine with no services installed. With ``DATABASE_URL`` and
``REDIS_URL`` set, PostgreSQL and Redis are used. Every variable is listed in the README.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from fota_portal.env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("FOTA_VAR_DIR", str(BASE_DIR / "var")))

DATABASE_URL = env_str("DATABASE_URL")
REDIS_URL = env_str("REDIS_URL")
# No database configured means the embedded default: a laptop demo, not production.
EMBEDDED = not DATABASE_URL

DEBUG = env_bool("DEBUG", EMBEDDED)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (see README, Configuration).")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] + (["testserver"] if DEBUG else []))
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Vendor credentials are encrypted with these Fernet keys; the first encrypts, all decrypt (key rotation).
FOTA_CREDENTIALS_KEYS = env_list("FOTA_CREDENTIALS_KEYS", [])

SIMULATORS_ENABLED = env_bool("SIMULATORS_ENABLED", DEBUG)
# Simulated vendor time runs this many times faster than the wall clock (minutes become seconds at 60).
SIMULATOR_SPEED = env_int("SIMULATOR_SPEED", 60, minimum=1)
FOTA_POLL_INTERVAL_SECONDS = env_int("FOTA_POLL_INTERVAL_SECONDS", 15, minimum=1)
# A batch left in "pushing" longer than this is presumed abandoned by a dead worker and reconciled with the vendor.
# It must exceed the longest a live push can take (timeouts x attempts + the throttle budget).
FOTA_PUSH_LEASE_SECONDS = env_int("FOTA_PUSH_LEASE_SECONDS", 900, minimum=1)
FOTA_VENDOR_TIMEOUT_SECONDS = env_float("FOTA_VENDOR_TIMEOUT_SECONDS", 30.0, minimum=0.1)
# Retries of transient vendor failures: attempts per call, exponential backoff with jitter between them, and how
# long a call keeps backing off while the vendor throttles before it hands the work back to the queue.
FOTA_VENDOR_MAX_ATTEMPTS = env_int("FOTA_VENDOR_MAX_ATTEMPTS", 5, minimum=1)
FOTA_VENDOR_BACKOFF_BASE_SECONDS = env_float("FOTA_VENDOR_BACKOFF_BASE_SECONDS", 0.5, minimum=0.0)
FOTA_VENDOR_BACKOFF_CAP_SECONDS = env_float("FOTA_VENDOR_BACKOFF_CAP_SECONDS", 30.0, minimum=0.0)
FOTA_VENDOR_THROTTLE_BUDGET_SECONDS = env_float("FOTA_VENDOR_THROTTLE_BUDGET_SECONDS", 120.0, minimum=0.0)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "fota_portal",
    "vendors",
    "devices",
    "campaigns",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "fota_portal.middleware.RequestIDMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "fota_portal.urls"
WSGI_APPLICATION = "fota_portal.wsgi.application"
ASGI_APPLICATION = "fota_portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "fota_portal.context_processors.portal",
            ],
        },
    },
]


def _database_config() -> dict:
    if DATABASE_URL:
        config = dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60))
        config["CONN_HEALTH_CHECKS"] = True
        return config
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": VAR_DIR / "fota_portal.sqlite3",
        # WAL lets the web, worker and beat processes read while one of them writes; IMMEDIATE transactions take
        # the write lock up front so concurrent writers wait (busy timeout) instead of failing with "locked".
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
    }


DATABASES = {"default": _database_config()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # A file cache is shared by the web, worker and beat processes of one machine; locmem would not be.
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": VAR_DIR / "cache"}
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)

# --- Celery -----------------------------------------------------------------------------------------------------
# Postgres holds the state; the broker only carries ids (a lost message is found again by the sweeper).
if REDIS_URL:
    CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {"visibility_timeout": 3600}
else:
    _broker_dir = VAR_DIR / "celery-broker"
    for _sub in ("queue", "processed"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
    }
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
# Vendor writes (push, cancel) and vendor reads (poll, inventory) get their own queues so a slow poll never
# starves pushes.
CELERY_TASK_QUEUES_NAMES = ("default", "vendor_writes", "vendor_reads")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
FOTA_INVENTORY_INTERVAL_SECONDS = env_int("FOTA_INVENTORY_INTERVAL_SECONDS", 3600, minimum=60)
CELERY_BEAT_SCHEDULE: dict = {
    "heartbeat": {"task": "fota_portal.heartbeat", "schedule": 30.0},
    "engine-tick": {"task": "campaigns.tick", "schedule": float(FOTA_POLL_INTERVAL_SECONDS)},
    "inventory-sync": {"task": "devices.sync_all", "schedule": float(FOTA_INVENTORY_INTERVAL_SECONDS)},
}

# --- REST framework -----------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {"TITLE": "FOTA Portal API", "VERSION": "1.0.0", "SERVE_INCLUDE_SCHEMA": False}

# --- Logging ------------------------------------------------------------------------------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "fota_portal.middleware.RequestIDLogFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
