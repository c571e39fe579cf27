"""Read-side queries for devices and fleets."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from devices.models import Device, Fleet

# Keys a fleet's saved filter may hold, and the device lookup each one becomes.
SAVED_FILTER_LOOKUPS = {
    "account": "account_id__in",
    "vendor_kind": "account__kind__in",
    "model": "model__in",
    "firmware_version": "firmware_version__in",
    "labels": "labels__name__in",
}


class SavedFilterError(ValueError):
    """A fleet's saved filter uses a key the portal does not understand."""


def saved_filter_q(saved_filter: dict) -> Q | None:
    """The ``Q`` a saved filter stands for, or ``None`` when it is empty (an empty filter matches nothing)."""
    unknown = set(saved_filter) - set(SAVED_FILTER_LOOKUPS)
    if unknown:
        raise SavedFilterError(
            f"Unknown saved-filter keys: {', '.join(sorted(unknown))}; use {', '.join(SAVED_FILTER_LOOKUPS)}."
        )
    q = Q()
    used = False
    for key, values in saved_filter.items():
        if values in (None, "", []):
            continue
        if not isinstance(values, list):
            values = [values]
        q &= Q(**{SAVED_FILTER_LOOKUPS[key]: values})
        used = True
    return q if used else None


def fleet_device_ids(fleet: Fleet) -> QuerySet:
    """Ids of every device in a fleet: its static members plus whatever its saved filter matches."""
    members = Q(fleets=fleet)
    matched = saved_filter_q(fleet.saved_filter or {})
    condition = members | matched if matched is not None else members
    return Device.objects.filter(condition).order_by().values("id").distinct()


def fleet_devices(fleet: Fleet) -> QuerySet:
    return Device.objects.filter(id__in=fleet_device_ids(fleet))
