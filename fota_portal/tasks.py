"""Project-wide Celery tasks."""

from __future__ import annotations

import socket

from celery import shared_task
from django.utils import timezone

from fota_portal.models import WorkerHeartbeat


@shared_task(name="fota_portal.heartbeat")
def heartbeat(worker: str = "") -> str:
    """Record that a worker is alive and executing tasks."""
    name = worker or socket.gethostname()
    WorkerHeartbeat.objects.update_or_create(worker=name, defaults={"seen_at": timezone.now()})
    return name
