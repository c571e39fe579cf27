"""Django settings, read from the environment (12-factor).

With nothing set, the embedded default runs: SQLite in WAL mode, a filesystem Celery transport and the vendor
simulators, so web, worker and beat work on one machine with no services installed. With ``DATABASE_URL`` and
``REDIS_URL`` set, PostgreSQL and Redis are used. Every variable is listed in the README.
"""

from __future__ import annotations

import re
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
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
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
# Conventions in docs/api.md. Requests per token and period ("600/minute", "20/second"; empty turns it off).
API_THROTTLE_RATE = env_str("API_THROTTLE_RATE", "600/minute")
if API_THROTTLE_RATE and not re.fullmatch(r"\d+/(s|sec|second|m|min|minute|h|hour|d|day)", API_THROTTLE_RATE):
    raise ImproperlyConfigured(f"API_THROTTLE_RATE={API_THROTTLE_RATE!r}: use <number>/<second|minute|hour|day>.")
API_IDEMPOTENCY_TTL_HOURS = env_int("API_IDEMPOTENCY_TTL_HOURS", 24, minimum=1)
# CSV imports up to this many rows run while the request waits; larger ones in the background.
DEVICE_IMPORT_SYNC_MAX_ROWS = env_int("DEVICE_IMPORT_SYNC_MAX_ROWS", 1000, minimum=1)
DEVICE_IMPORT_MAX_BYTES = env_int("DEVICE_IMPORT_MAX_BYTES", 50 * 1024 * 1024, minimum=1)
# Swagger UI and Redoc are served from this package's static files, never from a CDN.
INSTALLED_APPS += ["drf_spectacular_sidecar"]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header is what makes a request without credentials a 401, not a 403.
        "fota_portal.api.authentication.APITokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["fota_portal.api.permissions.HasRole"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "fota_portal.api.pagination.ListPagination",
    "DEFAULT_FILTER_BACKENDS": ["fota_portal.api.filters.SuffixFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": ["fota_portal.api.throttling.TokenRateThrottle"],
    "EXCEPTION_HANDLER": "fota_portal.api.errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "fota_portal.api.schema.PortalAutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "FOTA Portal API",
    "DESCRIPTION": "Firmware rollouts across vendor clouds. Conventions (tokens, errors, request ids, paging, "
    "filters, idempotency, throttling) are in docs/api.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["fota_portal.api.permissions.HasRole"],
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "CampaignStateEnum": "campaigns.choices.CampaignState",
        "DeviceStateEnum": "campaigns.choices.DeviceState",
        "WaveStateEnum": "campaigns.choices.WaveState",
        "VendorKindEnum": "vendors.choices.VendorKind",
        "ErrorObjectEnum": ["error"],
        "CampaignActionObjectEnum": ["campaign_action"],
        "ListObjectEnum": ["list"],
    },
}

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
