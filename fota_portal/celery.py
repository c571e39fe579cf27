"""The Celery application: workers and beat for every environment, configured from Django settings."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fota_portal.settings")

app = Celery("fota_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
