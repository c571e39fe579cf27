"""The simulated Izuma cloud's update-campaign life cycle (draft → starting → active → stopping → stopped), with
devices moving through their ``deployment_state`` over simulated time.

All state is in the generic simulator tables (``vendors.models``): a campaign is a ``SimulatorJob`` whose ``status``
is its phase and whose ``data`` holds the UpdateCampaign fields; each targeted device is a ``SimulatorJobDevice``
whose ``status`` is its deployment_state, ``sub_id`` its metadata record id and ``outcome`` its fate, decided once
when it joins. Progress is computed lazily whenever a campaign is read, so every process sees the same story.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction
from django.utils import timezone

from vendors.izuma_dm import statuses
from vendors.izuma_dm.simulator_paging import Filter, filter_string_parse, matches
from vendors.izuma_dm.simulator_render import DEVICE_DATES, DEVICE_FILTERS, device_json, payload_digest, time_text
from vendors.models import SimulatorDevice, SimulatorFirmware, SimulatorJob, SimulatorJobDevice, SimulatorTenant
from vendors.simulators.base import Knobs, sim_elapsed, sim_outcome, sim_step

KIND = "izuma_dm"
# The spec's own example of a campaign failure event (EventType.event_type / description).
DEFAULT_FAILURE_CODE = "UPD4_FAIL_101"
DEFAULT_FAILURE_DESCRIPTION = "Update error, nonspecific network error"
DEVICE_STEPS = 2  # pending → updated_connector_channel → deployed (or failed at either step)
# Simulated seconds a campaign spends in the passing phases "starting" and "stopping" (at most one device step).
PASSING_PHASE_SECONDS = 5.0
COMPLETED_REASON = "Campaign finished: every device reached a final deployment state."
AUTOSTOP_REASON = "Autostop: the success threshold was reached."

class PhaseConflict(Exception):
    """The campaign's phase does not allow the action (answered 409 with the vendor's message)."""


def new_id() -> str:
    """A 32-hex id that sorts by creation time, like Izuma's (``016e83ddc648000000000001001000f5``)."""
    return f"{int(timezone.now().timestamp() * 1000):012x}{secrets.token_hex(10)}"



# --- life cycle -----------------------------------------------------------------------------------------------------


def device_filter_parse(text: str) -> tuple[Filter, ...]:
    """A campaign's ``device_filter``: a filter string over the device directory's fields."""
    return filter_string_parse(text, filterable=DEVICE_FILTERS, dates=DEVICE_DATES, error_name="device_filter")


def _touch(job: SimulatorJob, now: dt.datetime, **times: dt.datetime | str) -> None:
    job.data["updated_at"] = time_text(now)
    for name, value in times.items():
        job.data[name] = time_text(value) if isinstance(value, dt.datetime) else value


def campaign_create(*, tenant: SimulatorTenant, fields: dict) -> SimulatorJob:
    """A new campaign in phase draft (no devices yet: they are fetched from the filter when it starts)."""
    now = timezone.now()
    data = {"name": "default_object_name", "campaign_strategy": "one-shot", "approval_required": False,
            "autostop": True, "autostop_success_percent": 100.0, "when": None, **fields}
    # ``state`` is deprecated; a stored value would pin the legacy field, so only the phase is kept.
    data.pop("state", None)
    job = SimulatorJob(tenant=tenant, job_id=new_id(), status=statuses.PHASE_DRAFT, data=data)
    _touch(job, now)
    job.save()
    return job


def _locked(job: SimulatorJob) -> SimulatorJob:
    return SimulatorJob.objects.select_for_update().select_related("tenant").get(pk=job.pk)


def campaign_start(job: SimulatorJob) -> None:
    """Start a draft or stopped campaign; raises ``PhaseConflict`` in any other phase."""
    with transaction.atomic():
        job = _locked(job)
        if job.status not in statuses.STARTABLE_PHASES:
            raise PhaseConflict("Cannot start the campaign while in the current phase.")
        now = timezone.now()
        job.data["restarts"] = job.data.get("restarts", -1) + 1
        job.data.pop("autostop_reason", None)
        when = job.data.get("when")
        if job.data.get("approval_required"):
            job.status = statuses.PHASE_AWAITING_APPROVAL
            _touch(job, now)
        elif when and when > time_text(now):
            job.status = statuses.PHASE_TIMED
            _touch(job, now, starting_at=when)
        else:
            _enter_starting(job, now)
        job.save()


def campaign_stop(job: SimulatorJob) -> None:
    """Stop a running campaign: devices not yet at an end lose the manifest (``manifestremoved``)."""
    with transaction.atomic():
        job = _locked(job)
        _advance(job)
        if job.status not in statuses.STOPPABLE_PHASES:
            raise PhaseConflict("Cannot stop the campaign while in the current phase.")
        now = timezone.now()
        _remove_manifest(job)
        job.status = statuses.PHASE_STOPPING
        job.data["state"] = "userstopped"
        _touch(job, now, stopping_at=now)
        job.save()


def campaign_archive(job: SimulatorJob) -> None:
    with transaction.atomic():
        job = _locked(job)
        _advance(job)
        if job.status != statuses.PHASE_STOPPED:
            raise PhaseConflict("Cannot archive the campaign while in the current phase.")
        now = timezone.now()
        job.status = statuses.PHASE_ARCHIVED
        _touch(job, now, archived_at=now)
        job.save()


def campaign_delete(job: SimulatorJob) -> None:
    """Delete a campaign that is not running (draft, awaiting approval, stopped or archived)."""
    with transaction.atomic():
        job = _locked(job)
        _advance(job)
        if job.status not in (statuses.PHASE_DRAFT, statuses.PHASE_AWAITING_APPROVAL, statuses.PHASE_STOPPED,
                              statuses.PHASE_ARCHIVED):
            raise PhaseConflict("Conflict - Cannot delete the campaign while in the current phase.")
        job.delete()


def campaign_refresh(job: SimulatorJob) -> SimulatorJob:
    """Bring a campaign and its devices up to the current simulated time (called before every read)."""
    if job.status in (statuses.PHASE_DRAFT, statuses.PHASE_ARCHIVED, statuses.PHASE_STOPPED):
        return job
    with transaction.atomic():
        job = _locked(job)
        _advance(job)
        job.save()
    return job


def _enter_starting(job: SimulatorJob, now: dt.datetime) -> None:
    job.status = statuses.PHASE_STARTING
    job.started_at = now
    job.data["state"] = ""
    _touch(job, now, starting_at=now, started_at=now)
    _fetch_devices(job, now)


def _fetch_devices(job: SimulatorJob, now: dt.datetime) -> None:
    """Add the devices the filter matches now (a restart also re-adds those whose manifest was removed)."""
    knobs = Knobs.of(job.tenant)
    filters = device_filter_parse(job.data["device_filter"])
    matched = {
        d.device_id: d for d in SimulatorDevice.objects.filter(tenant=job.tenant) if matches(device_json(d), filters)
    }
    existing = {row.device_id: row for row in job.job_devices.all()}
    run = f"{job.job_id}:{job.data.get('restarts', 0)}"
    new_rows, again = [], []
    for device_id, device in matched.items():
        row = existing.get(device_id)
        if row is not None and row.status != statuses.MANIFEST_REMOVED:
            continue
        outcome = sim_outcome(knobs, run, device_id, steps=DEVICE_STEPS)
        outcome["error_code"] = knobs.failure_code or DEFAULT_FAILURE_CODE
        status = statuses.DEREGISTERED if (device.data or {}).get("state") == "deregistered" else statuses.PENDING
        if row is None:
            new_rows.append(SimulatorJobDevice(job=job, device_id=device_id, sub_id=new_id(), status=status,
                                               outcome=outcome, joined_at=now))
        else:
            row.status, row.outcome, row.joined_at, row.error_code, row.detail = status, outcome, now, "", ""
            again.append(row)
    SimulatorJobDevice.objects.bulk_create(new_rows, batch_size=1000)
    SimulatorJobDevice.objects.bulk_update(again, ["status", "outcome", "joined_at", "error_code", "detail",
                                                   "updated_at"], batch_size=1000)


def _device_state(row: SimulatorJobDevice, knobs: Knobs) -> str:
    # A word outside the spec's enum was put there on purpose (a test, a newer vendor word): it stays as it is.
    if row.status in statuses.FINAL_DEPLOYMENT_STATES or row.status not in statuses.DEPLOYMENT_STATES:
        return row.status
    done = sim_step(row.joined_at, knobs, row.outcome, steps=DEVICE_STEPS)
    if row.outcome.get("fails") and done > row.outcome.get("fail_step", 0):
        return statuses.FAILED_CONNECTOR_CHANNEL_UPDATE
    return (statuses.PENDING, statuses.UPDATED_CONNECTOR_CHANNEL, statuses.DEPLOYED)[done]


def _advance_devices(job: SimulatorJob, knobs: Knobs) -> None:
    changed, deployed = [], []
    for row in job.job_devices.exclude(status__in=statuses.FINAL_DEPLOYMENT_STATES):
        state = _device_state(row, knobs)
        if state == row.status:
            continue
        row.status = state
        if state == statuses.FAILED_CONNECTOR_CHANNEL_UPDATE:
            row.error_code = row.outcome.get("error_code", DEFAULT_FAILURE_CODE)
            row.detail = DEFAULT_FAILURE_DESCRIPTION if row.error_code == DEFAULT_FAILURE_CODE else ""
        elif state == statuses.DEPLOYED:
            deployed.append(row.device_id)
        changed.append(row)
    SimulatorJobDevice.objects.bulk_update(changed, ["status", "error_code", "detail", "updated_at"], batch_size=1000)
    if deployed:
        _install(job, deployed)


def _install(job: SimulatorJob, device_ids: list[str]) -> None:
    """A deployed device now runs the manifest's firmware: the device directory shows its new version."""
    firmware = SimulatorFirmware.objects.filter(tenant=job.tenant, firmware_id=job.data.get("root_manifest_id")).first()
    if firmware is None:
        return
    digest = (firmware.data or {}).get("payload_digest") or payload_digest(firmware.version)
    devices = list(SimulatorDevice.objects.filter(tenant=job.tenant, device_id__in=device_ids))
    for device in devices:
        device.firmware_version = firmware.version
        device.data = {**(device.data or {}), "firmware_checksum": digest}
    SimulatorDevice.objects.bulk_update(devices, ["firmware_version", "data", "updated_at"], batch_size=1000)


def _remove_manifest(job: SimulatorJob) -> None:
    job.job_devices.filter(status__in=(statuses.PENDING, statuses.UPDATED_CONNECTOR_CHANNEL)).update(
        status=statuses.MANIFEST_REMOVED, updated_at=timezone.now()
    )


def _advance(job: SimulatorJob) -> None:
    """Move the (locked) campaign and its devices to where simulated time has taken them."""
    knobs = Knobs.of(job.tenant)
    now = timezone.now()
    passing = min(PASSING_PHASE_SECONDS, knobs.step_seconds)
    if job.status == statuses.PHASE_TIMED and job.data.get("when", "") <= time_text(now):
        _enter_starting(job, now)
    if job.status == statuses.PHASE_STARTING and job.started_at and sim_elapsed(job.started_at, knobs) >= passing:
        job.status = statuses.PHASE_ACTIVE
        _touch(job, now, active_at=now)
    if job.status == statuses.PHASE_ACTIVE:
        if job.data.get("campaign_strategy") == "continuous":
            _fetch_devices(job, now)
        _advance_devices(job, knobs)
        _autostop(job, now)
    elif job.status in (statuses.PHASE_STARTING, statuses.PHASE_STOPPING):
        _advance_devices(job, knobs)
    if job.status == statuses.PHASE_STOPPING:
        stopping_since = job.data.get("stopping_at", time_text(now))
        elapsed = sim_elapsed(dt.datetime.fromisoformat(stopping_since.replace("Z", "+00:00")), knobs)
        if elapsed >= passing:
            _remove_manifest(job)
            job.status = statuses.PHASE_STOPPED
            job.stopped_at = now
            _touch(job, now, stopped_at=now, finished=now)


def _autostop(job: SimulatorJob, now: dt.datetime) -> None:
    """One-shot campaigns stop when every device is at an end, or (with autostop) at the success threshold."""
    counts = campaign_counts(job)
    total = sum(counts.values())
    if not total:
        return
    success = 100.0 * counts.get(statuses.DEPLOYED, 0) / total
    in_flight = counts.get(statuses.PENDING, 0) + counts.get(statuses.UPDATED_CONNECTOR_CHANNEL, 0)
    if job.data.get("autostop", True) and success >= float(job.data.get("autostop_success_percent", 100.0)):
        reason, state = AUTOSTOP_REASON, "autostopped"
    elif not in_flight and job.data.get("campaign_strategy") != "continuous":
        reason, state = COMPLETED_REASON, "deployed"
    else:
        return
    job.status = statuses.PHASE_STOPPING
    job.data["state"] = state
    _touch(job, now, stopping_at=now, autostop_reason=reason)


def campaign_counts(job: SimulatorJob) -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in job.job_devices.values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return counts
