"""Choices for vendor accounts and the error catalog, each with the colour the dashboard shows it in."""

from __future__ import annotations

from django.db import models


class VendorKind(models.TextChoices):
    KNOX_EFOTA = "knox_efota", "Samsung Knox E-FOTA"
    HUAWEI_IODM = "huawei_iodm", "Huawei OceanConnect IoDM"
    IZUMA_DM = "izuma_dm", "Izuma Device Management"
    ENOS = "enos", "EnOS"


class AccountHealth(models.TextChoices):
    UNKNOWN = "unknown", "Unknown"
    OK = "ok", "OK"
    DEGRADED = "degraded", "Degraded"
    FAILING = "failing", "Failing"


ACCOUNT_HEALTH_COLORS = {
    AccountHealth.UNKNOWN: "gray",
    AccountHealth.OK: "green",
    AccountHealth.DEGRADED: "orange",
    AccountHealth.FAILING: "red",
}


class ErrorCategory(models.TextChoices):
    VALIDATION = "validation", "Invalid request"
    AUTH = "auth", "Authentication or permission"
    AUTH_EXPIRED = "auth_expired", "Token expired or invalidated"
    THROTTLED = "throttled", "Throttled"
    NOT_FOUND = "not_found", "Not found"
    CONFLICT = "conflict", "Conflict with current state"
    SERVER = "server", "Vendor server error"
    DEVICE = "device", "Reported by the device"
    LICENSE = "license", "Licence"
    OTHER = "other", "Other"


# Rate limits the vendors document (calls, period in seconds); see docs/vendors/<kind>.md.
DEFAULT_RATE_LIMITS = {
    VendorKind.KNOX_EFOTA: (25, 1),  # 25 calls a second per API key (Knox E-FOTA error-code page, limits)
    VendorKind.HUAWEI_IODM: (100, 60),  # 100 calls a minute per app (OceanConnect flow control)
    VendorKind.IZUMA_DM: (20, 1),  # not documented; a conservative default
    VendorKind.ENOS: (20, 1),  # not documented; a conservative default
}
