"""Filters for devices, fleets, firmware and imports, shared by the dashboard's lists and the API's."""

from __future__ import annotations

from devices.models import Device, DeviceImport, Firmware, Fleet
from fota_portal.api.filters import SuffixFilterSet


class DeviceFilterSet(SuffixFilterSet):
    filter_fields = {
        "id": "id",
        "account": "account",
        "vendor_kind": "account__kind",
        "external_id": "external_id",
        "name": "name",
        "model": "model",
        "firmware_version": "firmware_version",
        "label": "labels__name",
        "last_seen_at": "last_seen_at",
        "created_at": "created_at",
    }

    class Meta:
        model = Device
        fields: list[str] = []


class FleetFilterSet(SuffixFilterSet):
    filter_fields = {"id": "id", "name": "name", "created_at": "created_at"}

    class Meta:
        model = Fleet
        fields: list[str] = []


class FirmwareFilterSet(SuffixFilterSet):
    filter_fields = {
        "id": "id",
        "account": "account",
        "vendor_kind": "account__kind",
        "version": "version",
        "vendor_ref": "vendor_ref",
        "created_at": "created_at",
    }

    class Meta:
        model = Firmware
        fields: list[str] = []


class DeviceImportFilterSet(SuffixFilterSet):
    filter_fields = {"id": "id", "state": "state", "created_at": "created_at"}

    class Meta:
        model = DeviceImport
        fields: list[str] = []
