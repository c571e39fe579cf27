"""Project-wide models: worker heartbeats (so the dashboard can tell whether background work is alive)."""

from __future__ import annotations

from django.db import models


class WorkerHeartbeat(models.Model):
    """The last time a Celery worker executed the heartbeat task; beat sends it every 30 seconds."""

    worker = models.CharField(max_length=200, unique=True)
    seen_at = models.DateTimeField()

    class Meta:
        ordering = ["-seen_at"]

    def __str__(self) -> str:
        return f"{self.worker} @ {self.seen_at:%H:%M:%S}"
