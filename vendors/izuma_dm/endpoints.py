"""Every Izuma (Pelion) Device Management path the connector calls and the simulator serves, in one table.

Marks follow VENDORS.md: [V] verified in the vendor's own OpenAPI document (Swagger 2.0, PelionIoT/mbed-cloud-sdk-
javascript @2a4feb33, carried as tests/data/izuma_openapi_subset.json) or the seed document, [U] assumed. Izuma kept
the Pelion ``/v3`` API; a deployment whose cloud differs corrects a path here, and the simulator mounts the same
table, so both stay in step.
"""

from __future__ import annotations

# Device directory. The spec writes the list path with a trailing slash; its own curl example leaves it off, so the
# simulator answers both.
DEVICES = "/v3/devices/"  # [V] Device_list, DevicePage

# Firmware manifests: what an update campaign sends (its ``root_manifest_id``). Trailing slash as in the spec.
FIRMWARE_MANIFESTS = "/v3/firmware-manifests/"  # [V] Firmware_Manifest_list, FirmwareManifestPage

# Update campaigns (tag "Device update - campaigns").
CAMPAIGNS = "/v3/update-campaigns"  # [V] GET list (UpdateCampaignPage), POST create (201 UpdateCampaign)
CAMPAIGN = "/v3/update-campaigns/{campaign_id}"  # [V] GET retrieve, DELETE (204; 409 in a phase that forbids it)
CAMPAIGN_START = "/v3/update-campaigns/{campaign_id}/start"  # [V] 202 no body; 409 unless draft or stopped
CAMPAIGN_STOP = "/v3/update-campaigns/{campaign_id}/stop"  # [V] 202 no body; 409 when not running
CAMPAIGN_ARCHIVE = "/v3/update-campaigns/{campaign_id}/archive"  # [V] 202 no body; 409 unless stopped
CAMPAIGN_DEVICES = "/v3/update-campaigns/{campaign_id}/campaign-device-metadata"  # [V] page of per-device states
CAMPAIGN_DEVICE = "/v3/update-campaigns/{campaign_id}/campaign-device-metadata/{metadata_id}"  # [V]
CAMPAIGN_STATISTICS = "/v3/update-campaigns/{campaign_id}/statistics"  # [V] fail / success / info / skipped counts
CAMPAIGN_STATISTIC = "/v3/update-campaigns/{campaign_id}/statistics/{summary_status_id}"  # [V]
CAMPAIGN_EVENT_TYPES = "/v3/update-campaigns/{campaign_id}/statistics/{summary_status_id}/event_types"  # [V]


def campaign(campaign_id: str) -> str:
    return CAMPAIGN.format(campaign_id=campaign_id)


def campaign_start(campaign_id: str) -> str:
    return CAMPAIGN_START.format(campaign_id=campaign_id)


def campaign_stop(campaign_id: str) -> str:
    return CAMPAIGN_STOP.format(campaign_id=campaign_id)


def campaign_devices(campaign_id: str) -> str:
    return CAMPAIGN_DEVICES.format(campaign_id=campaign_id)


def campaign_event_types(campaign_id: str, summary_status_id: str) -> str:
    return CAMPAIGN_EVENT_TYPES.format(campaign_id=campaign_id, summary_status_id=summary_status_id)


def route(path: str) -> str:
    """The table's path as a Django ``re_path`` pattern (relative, ``{name}`` → a named group, optional slash)."""
    pattern = path.strip("/")
    for name in ("campaign_id", "metadata_id", "summary_status_id"):
        pattern = pattern.replace("{" + name + "}", f"(?P<{name}>[^/]+)")
    return f"^{pattern}/?$"
