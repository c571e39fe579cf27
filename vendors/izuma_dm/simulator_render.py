"""What the simulated Izuma API shows: devices, manifests, update campaigns, campaign-device-metadata and statistics
rendered as the spec's definitions, and the fields each list can be filtered on (the spec's ``x-filter`` tables)."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

from vendors.izuma_dm import statuses
from vendors.models import SimulatorDevice, SimulatorFirmware, SimulatorJob, SimulatorJobDevice

# Fields each list can be filtered on, with their operators: the spec's ``x-filter`` tables.
DEVICE_FILTERS: dict[str, tuple[str, ...]] = {
    **{
        name: ("eq", "neq", "in", "nin")
        for name in (
            "account_id", "ca_id", "deployed_state", "deployment", "description", "device_class",
            "device_execution_mode", "device_key", "endpoint_name", "endpoint_type", "firmware_checksum",
            "host_gateway", "id",
            "last_operator_suspended_category", "last_system_suspended_category", "lifecycle_status", "manifest",
            "mechanism", "mechanism_url", "name", "serial_number", "state", "vendor_id",
        )
    },
    **{name: ("eq", "neq") for name in ("auto_update", "operator_suspended", "system_suspended")},
    **{
        name: ("in", "nin", "lte", "gte")
        for name in (
            "bootstrap_expiration_date", "bootstrapped_timestamp", "connector_expiration_date", "created_at",
            "enrolment_list_timestamp", "last_operator_suspended_updated_at", "last_system_suspended_updated_at",
            "manifest_timestamp", "updated_at",
        )
    },
}
DEVICE_DATES = tuple(name for name, ops in DEVICE_FILTERS.items() if "lte" in ops)
MANIFEST_FILTERS: dict[str, tuple[str, ...]] = {
    **{name: ("eq", "neq", "in", "nin") for name in ("datafile", "datafile_size", "description", "device_class", "id",
                                                     "name")},
    **{name: ("in", "nin", "lte", "gte") for name in ("created_at", "timestamp", "updated_at")},
}
MANIFEST_DATES = ("created_at", "timestamp", "updated_at")
CAMPAIGN_FILTERS: dict[str, tuple[str, ...]] = {
    **{name: ("eq", "neq", "in", "nin") for name in ("description", "device_filter", "id", "name", "root_manifest_id",
                                                     "state")},
    **{name: ("in", "nin", "lte", "gte") for name in ("created_at", "finished", "started_at", "updated_at", "when")},
}
CAMPAIGN_DATES = ("created_at", "finished", "started_at", "updated_at", "when")

# The deprecated ``state`` each phase shows (the list endpoint still filters on ``state``, not ``phase``).
_LEGACY_STATE = {
    statuses.PHASE_DRAFT: "draft",
    statuses.PHASE_AWAITING_APPROVAL: "draft",
    statuses.PHASE_TIMED: "scheduled",
    statuses.PHASE_STARTING: "publishing",
    statuses.PHASE_ACTIVE: "deploying",
    statuses.PHASE_STOPPING: "stopping",
    statuses.PHASE_STOPPED: "userstopped",
    statuses.PHASE_ARCHIVED: "userstopped",
}


def time_text(value: dt.datetime) -> str:
    """RFC 3339 in UTC with microseconds, as the API writes times (``2017-05-22T12:37:55.576563Z``)."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def payload_digest(version: str) -> str:
    """The SHA-256 a firmware version's image has: devices on a version report it as ``firmware_checksum``."""
    return hashlib.sha256(f"izuma-simulated-image:{version}".encode()).hexdigest()


def _uuid_text(device_class: str) -> str:
    """Manifests write the device class as a UUID; the device directory as 32 characters (no dashes)."""
    try:
        return str(uuid.UUID(hex=device_class))
    except ValueError:
        return device_class


def account_id(tenant_pk: int) -> str:
    return hashlib.sha256(f"izuma-account:{tenant_pk}".encode()).hexdigest()[:32]



def device_json(device: SimulatorDevice) -> dict:
    """A DeviceData as ``GET /v3/devices/`` returns it."""
    data = device.data or {}
    body = {
        "object": "device",
        "id": device.device_id,
        "account_id": account_id(device.tenant_id),
        "name": data.get("name", ""),
        "description": data.get("description", ""),
        "device_class": device.model,
        "endpoint_name": data.get("endpoint_name", f"endpoint-{device.device_id[-12:]}"),
        "endpoint_type": data.get("endpoint_type", ""),
        "serial_number": data.get("serial_number", f"SN-{device.device_id[-10:].upper()}"),
        "vendor_id": data.get("vendor_id", ""),
        "host_gateway": data.get("host_gateway", ""),
        "state": data.get("state", "registered"),
        "lifecycle_status": data.get("lifecycle_status", "enabled"),
        "mechanism": "connector",
        "firmware_checksum": data.get("firmware_checksum") or payload_digest(device.firmware_version),
        "custom_attributes": data.get("custom_attributes", {}),
        "operator_suspended": False,
        "system_suspended": False,
        "created_at": time_text(device.created_at),
        "updated_at": time_text(device.updated_at),
        "etag": time_text(device.updated_at),
    }
    if device.firmware_version:
        # The spec calls this "the timestamp of the current manifest version"; the simulator keeps a device's
        # firmware version as that timestamp, matching the manifests' ``timestamp``.
        body["manifest_timestamp"] = device.firmware_version
    return body


def manifest_json(firmware: SimulatorFirmware) -> dict:
    """A FirmwareManifest as ``GET /v3/firmware-manifests/`` returns it; ``timestamp`` is its version."""
    data = firmware.data or {}
    created = time_text(firmware.created_at)
    size = int(data.get("size", 512 * 1024))
    body = {
        "object": "firmware-manifest",
        "id": firmware.firmware_id,
        "name": data.get("name", f"manifest {firmware.version}"),
        "description": data.get("description", ""),
        "datafile": f"https://firmware.izuma-simulator.invalid/manifests/{firmware.firmware_id}.manifest",
        "datafile_size": 312,
        "delivered_payload_digest": data.get("payload_digest") or payload_digest(firmware.version),
        "delivered_payload_size": size,
        "delivered_payload_type": "full",
        "delivered_payload_url": f"https://firmware.izuma-simulator.invalid/images/{firmware.firmware_id}.bin",
        "manifest_schema_version": "3",
        "timestamp": firmware.version,
        "created_at": created,
        "updated_at": created,
        "etag": created,
    }
    if firmware.models_fitted:
        body["device_class"] = _uuid_text(firmware.models_fitted[0])
    return body


def campaign_json(job: SimulatorJob, *, base_url: str) -> dict:
    """An UpdateCampaign: the stored request fields, the phase and the phase times that are set."""
    data = job.data
    body = {
        "object": "update-campaign",
        "id": job.job_id,
        "name": data["name"],
        "description": data.get("description", ""),
        "device_filter": data["device_filter"],
        "root_manifest_id": data.get("root_manifest_id", ""),
        "campaign_strategy": data.get("campaign_strategy", "one-shot"),
        "approval_required": data.get("approval_required", False),
        "autostop": data.get("autostop", True),
        "autostop_success_percent": data.get("autostop_success_percent", 100.0),
        "when": data.get("when"),
        "phase": job.status,
        "state": data.get("state") or _LEGACY_STATE.get(job.status, "draft"),
        "created_at": time_text(job.created_at),
        "updated_at": data["updated_at"],
        "etag": data["updated_at"],
    }
    if body["root_manifest_id"]:
        body["root_manifest_url"] = f"{base_url}/v3/firmware-manifests/{body['root_manifest_id']}"
    for name in ("starting_at", "started_at", "active_at", "stopping_at", "stopped_at", "finished", "archived_at",
                 "autostop_reason"):
        if data.get(name):
            body[name] = data[name]
    return body


def metadata_json(job: SimulatorJob, row: SimulatorJobDevice) -> dict:
    """A CampaignDeviceMetadata record: one device's deployment_state in one campaign."""
    return {
        "object": "update-campaign-device-metadata",
        "id": row.sub_id,
        "campaign": job.job_id,
        "device_id": row.device_id,
        "deployment_state": row.status,
        "mechanism": "connector",
        "name": "default_object_name",
        "description": "",
        "created_at": time_text(row.joined_at),
        "updated_at": time_text(row.updated_at),
        "etag": time_text(row.updated_at),
    }


# --- statistics -----------------------------------------------------------------------------------------------------

# summary_status_id → (summary_status, deployment states counted). The spec documents the four summaries but not
# which device states feed them; this reading is the simulator's ([U]).
SUMMARIES = {
    "fail": ("FAIL", (statuses.FAILED_CONNECTOR_CHANNEL_UPDATE,)),
    "success": ("SUCCESS", (statuses.DEPLOYED,)),
    "info": ("INFO", (statuses.PENDING, statuses.UPDATED_CONNECTOR_CHANNEL)),
    "skipped": ("SKIPPED", (statuses.DEREGISTERED,)),
}


def summary_json(job: SimulatorJob, summary_id: str, counts: dict[str, int]) -> dict:
    label, states = SUMMARIES[summary_id]
    return {
        "object": "summary_status",
        "id": summary_id,
        "summary_status": label,
        "count": sum(counts.get(s, 0) for s in states),
        "campaign_id": job.job_id,
        "created_at": time_text(job.created_at),
    }


def event_types_json(job: SimulatorJob, summary_id: str) -> list[dict]:
    """The event types behind a summary: for ``fail``, one per failure code the failed devices carry."""
    if summary_id != "fail":
        return []
    per_code: dict[str, tuple[int, str]] = {}
    for code, detail in job.job_devices.filter(status=statuses.FAILED_CONNECTOR_CHANNEL_UPDATE).values_list(
        "error_code", "detail"
    ):
        count, description = per_code.get(code, (0, detail))
        per_code[code] = (count + 1, description or detail)
    return [
        {
            "object": "event-type",
            "id": code.lower().replace("upd4_", "upd_")[:16],
            "event_type": code,
            "description": description,
            "count": count,
            "summary_status": "FAIL",
            "summary_status_id": "fail",
            "campaign_id": job.job_id,
            "created_at": time_text(job.created_at),
        }
        for code, (count, description) in sorted(per_code.items())
    ]
