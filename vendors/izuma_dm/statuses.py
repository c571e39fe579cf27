"""Izuma update-campaign words: per-device ``deployment_state`` → common device state, and the campaign phases."""

from __future__ import annotations

from campaigns.choices import DeviceState
from vendors.connector import StatusMap

# CampaignDeviceMetadata.deployment_state, the spec's enum in its order (VENDORS.md §3.3, §7.2). The spec only calls
# it "the state of the update campaign on the device"; the readings below are ours and are documented as such.
PENDING = "pending"
UPDATED_CONNECTOR_CHANNEL = "updated_connector_channel"
FAILED_CONNECTOR_CHANNEL_UPDATE = "failed_connector_channel_update"
DEPLOYED = "deployed"
MANIFEST_REMOVED = "manifestremoved"
DEREGISTERED = "deregistered"

DEPLOYMENT_STATES = (PENDING, UPDATED_CONNECTOR_CHANNEL, FAILED_CONNECTOR_CHANNEL_UPDATE, DEPLOYED, MANIFEST_REMOVED,
                     DEREGISTERED)
FINAL_DEPLOYMENT_STATES = (FAILED_CONNECTOR_CHANNEL_UPDATE, DEPLOYED, MANIFEST_REMOVED, DEREGISTERED)
# A stop withdraws a device only while its update has not run to an end on it.
WITHDRAWABLE_DEPLOYMENT_STATES = (PENDING, UPDATED_CONNECTOR_CHANNEL, MANIFEST_REMOVED)

IZUMA_STATUS_MAP = StatusMap(
    {
        # The campaign holds the device and Izuma has not yet sent it the manifest. It is at the vendor, so it is in
        # flight ("assigned"), never "pending", which would make the orchestrator push it again.
        PENDING: DeviceState.ASSIGNED,
        # The manifest went out over the Device Management Connect channel: the device now fetches the payload.
        # Izuma reports nothing finer (no separate install step), so "downloading" is the honest reading.
        UPDATED_CONNECTOR_CHANNEL: DeviceState.DOWNLOADING,
        FAILED_CONNECTOR_CHANNEL_UPDATE: DeviceState.FAILED,
        # Read as "the update finished on the device" (VENDORS.md §7.2 marks this reading [U]).
        DEPLOYED: DeviceState.SUCCEEDED,
        # The campaign was stopped (or its manifest deleted) before the device took the update.
        MANIFEST_REMOVED: DeviceState.CANCELLED,
        # The device left Device Management during the campaign: it cannot be updated, so the rollout counts it as
        # failed (with the raw word kept), rather than waiting on it until the sweeper times it out.
        DEREGISTERED: DeviceState.FAILED,
    }
)

# UpdateCampaign.phase (the spec's enum). ``state`` is deprecated in favour of ``phase`` since 2020-03-18.
PHASE_DRAFT = "draft"
PHASE_AWAITING_APPROVAL = "awaiting_approval"
PHASE_TIMED = "timed"
PHASE_STARTING = "starting"
PHASE_ACTIVE = "active"
PHASE_STOPPING = "stopping"
PHASE_STOPPED = "stopped"
PHASE_DELETED = "deleted"
PHASE_ARCHIVED = "archived"

PHASES = (PHASE_DRAFT, PHASE_AWAITING_APPROVAL, PHASE_TIMED, PHASE_STARTING, PHASE_ACTIVE, PHASE_STOPPING,
          PHASE_STOPPED, PHASE_DELETED, PHASE_ARCHIVED)
# Phases a stop applies to; a draft has reached no device and is deleted instead.
STOPPABLE_PHASES = (PHASE_AWAITING_APPROVAL, PHASE_TIMED, PHASE_STARTING, PHASE_ACTIVE)
STARTABLE_PHASES = (PHASE_DRAFT, PHASE_STOPPED)
# Phases in which a start has already taken effect (a repeated start is answered 409 there, which is fine).
STARTED_PHASES = (PHASE_AWAITING_APPROVAL, PHASE_TIMED, PHASE_STARTING, PHASE_ACTIVE, PHASE_STOPPING)
