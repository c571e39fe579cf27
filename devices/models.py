"""Devices (one row per device per vendor account), labels, fleets and the firmware each account can install."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Label(models.Model):
    """A free-form tag on devices, e.g. ``canary`` (canary devices go first in every campaign)."""

    name = models.SlugField(max_length=50, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Device(models.Model):
    """A device as one vendor account knows it."""

    account = models.ForeignKey("vendors.VendorAccount", on_delete=models.PROTECT, related_name="devices")
    external_id = models.CharField(
        max_length=100, help_text="The vendor's device id: IMEI/serial, Huawei deviceId, Izuma id, EnOS deviceKey."
    )
    name = models.CharField(max_length=200, blank=True)
    model = models.CharField(max_length=100, db_index=True)
    firmware_version = models.CharField(max_length=100, blank=True, db_index=True)
    vendor_attributes = models.JSONField(default=dict, blank=True)
    labels = models.ManyToManyField(Label, blank=True, related_name="devices")
    last_seen_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["account", "external_id"]
        constraints = [models.UniqueConstraint(fields=["account", "external_id"], name="device_unique_per_account")]
        indexes = [models.Index(fields=["account", "model"], name="device_account_model")]

    def __str__(self) -> str:
        return self.name or self.external_id


class Fleet(models.Model):
    """A set of devices to roll out to: static members plus, optionally, every device a saved filter matches.

    ``saved_filter`` holds lookups understood by ``devices.selectors.fleet_devices``: ``account`` (ids),
    ``vendor_kind``, ``model``, ``firmware_version`` (lists of values) and ``labels`` (label names).
    """

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    members = models.ManyToManyField(Device, blank=True, related_name="fleets")
    saved_filter = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Firmware(models.Model):
    """A firmware version one vendor account can install, the models it fits, and the vendor's reference to it."""

    account = models.ForeignKey("vendors.VendorAccount", on_delete=models.PROTECT, related_name="firmware")
    version = models.CharField(max_length=100)
    name = models.CharField(max_length=200, blank=True)
    models_fitted = models.JSONField(default=list, blank=True, help_text="Device models this firmware fits.")
    vendor_ref = models.CharField(
        max_length=200,
        help_text="Knox firmware version, Huawei fileId, Izuma manifest id, EnOS firmwareId.",
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["account", "version"]
        constraints = [models.UniqueConstraint(fields=["account", "vendor_ref"], name="firmware_unique_vendor_ref")]

    def __str__(self) -> str:
        return f"{self.version} ({self.account.name})"

    def fits(self, model: str) -> bool:
        return not self.models_fitted or model in self.models_fitted


class DeviceImport(models.Model):
    """One CSV import of devices: its rows, what became of them, and the errors per line (for a progress bar).

    Small files are imported while the request waits; large ones by a Celery task that reads ``content``.
    """

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    filename = models.CharField(max_length=200, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    content = models.TextField(blank=True, help_text="The CSV while it waits for a worker; emptied when done.")
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="[{line, field, message}], the first 1,000.")
    message = models.TextField(blank=True, help_text="Why the whole import failed, when it did.")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"import {self.pk} ({self.get_state_display()}, {self.processed_rows}/{self.total_rows})"
