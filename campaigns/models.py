"""Campaigns, their firmware map and waves, one assignment per device, progress counters and the audit trail."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from campaigns.choices import CampaignState, DeviceState, EventKind, WaveState


class Campaign(models.Model):
    """A staged firmware rollout across one or more vendor accounts.

    ``wave_plan`` is a list of waves, each ``{"percent": 10}`` or ``{"count": 500}``; the last wave takes the
    rest. ``window`` limits pushes to times of day: ``{"timezone": "UTC", "days": [0-6], "start": "HH:MM",
    "end": "HH:MM"}``. ``vendor_options`` holds per-vendor settings keyed by vendor kind (Knox campaign settings,
    Huawei policy, Izuma options, EnOS job options).
    """

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    state = models.CharField(max_length=12, choices=CampaignState.choices, default=CampaignState.DRAFT)
    state_reason = models.TextField(blank=True, help_text="Why the campaign is in its state, e.g. an auto-pause.")
    fleet = models.ForeignKey("devices.Fleet", on_delete=models.PROTECT, null=True, blank=True)
    wave_plan = models.JSONField(default=list, blank=True)
    canary_label = models.CharField(max_length=50, default="canary", blank=True)
    gate_success_percent = models.PositiveSmallIntegerField(
        default=95, help_text="Share of a wave that must succeed before the next wave opens."
    )
    gate_max_failure_percent = models.PositiveSmallIntegerField(
        default=5, help_text="Share of a wave that may fail before the campaign halts."
    )
    soak_minutes = models.PositiveIntegerField(default=0, help_text="Time a wave must run before its gate passes.")
    auto_advance = models.BooleanField(default=True, help_text="Open the next wave without an operator's approval.")
    failure_threshold_percent = models.PositiveSmallIntegerField(
        default=10, help_text="Campaign-wide failure share that pauses everything."
    )
    device_timeout_minutes = models.PositiveIntegerField(default=24 * 60)
    max_attempts = models.PositiveSmallIntegerField(default=3)
    failures_acknowledged = models.PositiveIntegerField(
        default=0, help_text="Failures an operator accepted by resuming after a halt; the threshold counts the rest."
    )
    schedule_start = models.DateTimeField(null=True, blank=True)
    schedule_end = models.DateTimeField(null=True, blank=True)
    window = models.JSONField(default=dict, blank=True)
    vendor_options = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [("run_campaign", "Can start, pause, resume, cancel and retry campaigns")]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=CampaignState.values), name="campaign_state_valid"),
            models.CheckConstraint(condition=Q(gate_success_percent__lte=100), name="campaign_gate_success_le_100"),
            models.CheckConstraint(
                condition=Q(gate_max_failure_percent__lte=100), name="campaign_gate_failure_le_100"
            ),
            models.CheckConstraint(
                condition=Q(failure_threshold_percent__lte=100), name="campaign_failure_threshold_le_100"
            ),
            models.CheckConstraint(condition=Q(max_attempts__gte=1), name="campaign_max_attempts_positive"),
            models.CheckConstraint(
                condition=Q(schedule_start__isnull=True)
                | Q(schedule_end__isnull=True)
                | Q(schedule_end__gt=models.F("schedule_start")),
                name="campaign_schedule_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["state"], name="campaign_state")]

    def __str__(self) -> str:
        return self.name


class CampaignFirmware(models.Model):
    """One line of a campaign's firmware map: devices of this model on this account get this firmware."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="firmware_map")
    account = models.ForeignKey("vendors.VendorAccount", on_delete=models.PROTECT)
    model = models.CharField(max_length=100)
    firmware = models.ForeignKey("devices.Firmware", on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["campaign", "account", "model"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "account", "model"], name="campaignfirmware_unique_target")
        ]

    def __str__(self) -> str:
        return f"{self.account.name} {self.model} → {self.firmware.version}"


class Wave(models.Model):
    """One stage of a campaign; its gate decides when the next one opens."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="waves")
    number = models.PositiveSmallIntegerField()
    state = models.CharField(max_length=20, choices=WaveState.choices, default=WaveState.PENDING)
    planned_count = models.PositiveIntegerField(default=0)
    opened_at = models.DateTimeField(null=True, blank=True)
    passed_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["campaign", "number"]
        constraints = [models.UniqueConstraint(fields=["campaign", "number"], name="wave_unique_number")]

    def __str__(self) -> str:
        return f"{self.campaign.name} wave {self.number}"


class Assignment(models.Model):
    """One device in one campaign: its common state, the vendor's raw status and reference, and its errors."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="assignments")
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, null=True, blank=True, related_name="assignments")
    device = models.ForeignKey("devices.Device", on_delete=models.PROTECT, related_name="assignments")
    account = models.ForeignKey("vendors.VendorAccount", on_delete=models.PROTECT, related_name="+")
    firmware = models.ForeignKey("devices.Firmware", on_delete=models.PROTECT, null=True, blank=True)
    state = models.CharField(max_length=12, choices=DeviceState.choices, default=DeviceState.PENDING)
    vendor_status = models.CharField(max_length=100, blank=True, help_text="The vendor's raw status word.")
    vendor_status_unmapped = models.BooleanField(default=False)
    vendor_ref = models.CharField(max_length=200, blank=True, help_text="Knox campaign, Huawei operation, ...")
    vendor_sub_ref = models.CharField(max_length=200, blank=True, help_text="Huawei subOperationId, EnOS taskId")
    push_intent = models.CharField(
        max_length=64, blank=True, help_text="Written before a vendor call, so a crash can be reconciled."
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    skip_reason = models.CharField(max_length=200, blank=True)
    error_code = models.CharField(max_length=40, blank=True, db_index=True)
    error_http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error_field = models.CharField(max_length=100, blank=True)
    error_message = models.TextField(blank=True)
    error_entry = models.ForeignKey("vendors.ErrorCatalogEntry", on_delete=models.SET_NULL, null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    pushed_at = models.DateTimeField(null=True, blank=True)
    state_changed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["campaign", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "device"], name="assignment_unique_device"),
            models.CheckConstraint(condition=Q(state__in=DeviceState.values), name="assignment_state_valid"),
        ]
        indexes = [
            models.Index(fields=["campaign", "state"], name="assignment_campaign_state"),
            models.Index(fields=["campaign", "wave", "state"], name="assignment_campaign_wave_state"),
            models.Index(fields=["account", "state"], name="assignment_account_state"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.device_id} {self.state}"


class ProgressCounter(models.Model):
    """Maintained count of assignments per campaign, wave and state, so progress never needs a COUNT(*).

    Updated with atomic ``count = count + delta`` in the same transaction as the assignment changes it counts.
    ``wave_number`` 0 holds assignments outside any wave (skipped before waves were split).
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="counters")
    wave_number = models.PositiveSmallIntegerField(default=0)
    state = models.CharField(max_length=12, choices=DeviceState.choices)
    count = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["campaign", "wave_number", "state"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "wave_number", "state"], name="progresscounter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} w{self.wave_number} {self.state}={self.count}"


class ProgressSnapshot(models.Model):
    """A point of the campaign's progress time series (for the chart)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="snapshots")
    at = models.DateTimeField()
    succeeded = models.BigIntegerField(default=0)
    failed = models.BigIntegerField(default=0)
    in_flight = models.BigIntegerField(default=0)
    total = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["campaign", "at"]
        indexes = [models.Index(fields=["campaign", "at"], name="progresssnapshot_campaign_at")]

    def __str__(self) -> str:
        return f"{self.campaign_id} @ {self.at:%Y-%m-%d %H:%M}"


class CampaignEvent(models.Model):
    """One line of a campaign's audit trail: who or what did what, when, why, with the numbers behind it."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30, choices=EventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    actor_label = models.CharField(max_length=100, help_text="The user's name, or the engine part that acted.")
    message = models.TextField()
    data = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["campaign", "-created_at"], name="campaignevent_campaign_time")]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.kind}: {self.message[:60]}"
