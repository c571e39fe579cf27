"""Campaign, wave, assignment and event states, each with one colour used everywhere (badges, charts, filters)."""

from __future__ import annotations

from django.db import models


class CampaignState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SCHEDULED = "scheduled", "Scheduled"
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


CAMPAIGN_STATE_COLORS = {
    CampaignState.DRAFT: "gray",
    CampaignState.SCHEDULED: "indigo",
    CampaignState.RUNNING: "blue",
    CampaignState.PAUSED: "orange",
    CampaignState.COMPLETED: "green",
    CampaignState.CANCELLED: "slate",
}
CAMPAIGN_FINAL_STATES = (CampaignState.COMPLETED, CampaignState.CANCELLED)


class WaveState(models.TextChoices):
    PENDING = "pending", "Not opened"
    OPEN = "open", "Open"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    PASSED = "passed", "Passed"
    HALTED = "halted", "Halted"


WAVE_STATE_COLORS = {
    WaveState.PENDING: "gray",
    WaveState.OPEN: "blue",
    WaveState.AWAITING_APPROVAL: "indigo",
    WaveState.PASSED: "green",
    WaveState.HALTED: "red",
}


class DeviceState(models.TextChoices):
    """The common device state every vendor status word maps to."""

    PENDING = "pending", "Pending"
    QUEUED = "queued", "Queued"
    PUSHING = "pushing", "Pushing"
    ASSIGNED = "assigned", "Assigned"
    DOWNLOADING = "downloading", "Downloading"
    INSTALLING = "installing", "Installing"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"
    SKIPPED = "skipped", "Skipped"


DEVICE_STATE_COLORS = {
    DeviceState.PENDING: "gray",
    DeviceState.QUEUED: "slate",
    DeviceState.PUSHING: "indigo",
    DeviceState.ASSIGNED: "cyan",
    DeviceState.DOWNLOADING: "blue",
    DeviceState.INSTALLING: "violet",
    DeviceState.SUCCEEDED: "green",
    DeviceState.FAILED: "red",
    DeviceState.CANCELLED: "amber",
    DeviceState.SKIPPED: "stone",
}
DEVICE_FINAL_STATES = (DeviceState.SUCCEEDED, DeviceState.FAILED, DeviceState.CANCELLED, DeviceState.SKIPPED)
DEVICE_IN_FLIGHT_STATES = (
    DeviceState.PUSHING,
    DeviceState.ASSIGNED,
    DeviceState.DOWNLOADING,
    DeviceState.INSTALLING,
)


class EventKind(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"
    SCHEDULED = "scheduled", "Scheduled"
    STARTED = "started", "Started"
    WAVE_OPENED = "wave_opened", "Wave opened"
    WAVE_PASSED = "wave_passed", "Wave passed"
    WAVE_AWAITING_APPROVAL = "wave_awaiting_approval", "Wave awaiting approval"
    WAVE_APPROVED = "wave_approved", "Wave approved"
    PAUSED = "paused", "Paused"
    AUTO_PAUSED = "auto_paused", "Paused automatically"
    RESUMED = "resumed", "Resumed"
    CANCELLED = "cancelled", "Cancelled"
    RETRIED = "retried", "Failed devices retried"
    COMPLETED = "completed", "Completed"
    PUSH_FAILED = "push_failed", "Push failed"
    TIMED_OUT = "timed_out", "Devices timed out"
    RECOVERED = "recovered", "Recovered after a crash"
    NOTE = "note", "Note"
