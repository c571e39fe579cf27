"""How a device moves through Knox E-FOTA's status words in the simulator: decided once when it joins a campaign,
advanced lazily whenever its status is read, the same story for the same seed."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from django.db import transaction
from django.utils import timezone

from vendors.knox_efota.rules import zone_of
from vendors.models import SimulatorDevice, SimulatorFirmware, SimulatorJob, SimulatorJobDevice
from vendors.simulators.base import Knobs, sim_outcome, sim_step

# The road of a device once assigned, one (operationStatus, clientStatus) per simulated step; the step after the
# last one is "Updated". Off the road: licence trouble (NoLicenseAssigned, InvalidLicense, from the device's
# data["license"]), a model without firmware in the policy (InvalidFirmware), a device already above or at the
# target (HigherFirmware, LockedFirmware), and the failures the tenant's failure knobs decide.
PATH: tuple[tuple[str, str | None], ...] = (
    ("Pending", None),
    ("LicenseAssigned", None),
    ("CampaignSyncExpected", None),
    ("CampaignSynced", "AwaitingForDownload"),
    ("CampaignSynced", "InprogressDownloading"),
    ("CampaignSynced", "AwaitingForInstall"),
    ("CampaignSynced", "InprogressInstalling"),
)
STEPS = len(PATH)
SYNCED_STEP = 3  # the step at which the device has the campaign and its firmware policy
INSTALL_STEP = 5

FINAL_WORDS = frozenset({
    "Updated", "HigherFirmware", "LockedFirmware", "InvalidLicense",
    "FailedToDownload", "FailedToInstall", "FailedToEnroll", "CampaignError", "InvalidFirmware",
})
FAILURE_WORDS = FINAL_WORDS - {"Updated", "HigherFirmware", "LockedFirmware"}
# E-FOTA agent error codes and the client status a device reports with each. 921/922 are listed by Knox without a
# meaning; reporting them with FailedToInstall is an assumption [U].
AGENT_ERRORS: dict[str, tuple[str, str]] = {
    "361": ("CampaignError", "Campaign error"),
    "362": ("CampaignError", "Campaign error"),
    "364": ("InvalidFirmware", "Invalid firmware"),
    "365": ("InvalidFirmware", "Invalid firmware"),
    "501": ("FailedToDownload", "Wi-Fi only download, but Wi-Fi is turned off"),
    "502": ("FailedToDownload", "Download not allowed while roaming"),
    "503": ("FailedToDownload", "Firmware size is over the Wi-Fi threshold"),
    "921": ("FailedToInstall", "Client error"),
    "922": ("FailedToInstall", "Client error"),
}
# Where a failure happens decides its default code, when the tenant's failure_code knob does not set one.
PHASE_DEFAULT_CODES = {"sync": "361", "download": "501", "install": "921"}


@dataclass(frozen=True)
class Reading:
    """A device's statuses at one moment."""

    operation: str
    client: str | None = None
    agent_code: str = ""
    agent_message: str = ""
    agent_date: str = ""
    installed: str = ""  # the firmware version the device now runs, once it has updated

    @property
    def word(self) -> str:
        return self.client or self.operation

    @property
    def final(self) -> bool:
        return self.word in FINAL_WORDS

    def agent_error(self) -> dict | None:
        if not self.agent_code:
            return None
        return {"code": self.agent_code, "message": self.agent_message, "date": self.agent_date}


def idle_reading(device: SimulatorDevice) -> Reading:
    """A device in no campaign: only its licence shows."""
    licence = device.data.get("license", "valid")
    return Reading({"none": "NoLicenseAssigned", "invalid": "InvalidLicense"}.get(licence, "LicenseAssigned"))


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _failure(knobs: Knobs, fail_step: int, now: dt.datetime) -> Reading:
    phase = "sync" if fail_step < SYNCED_STEP else "download" if fail_step < INSTALL_STEP else "install"
    code = str(knobs.failure_code or "")
    if code in FAILURE_WORDS:
        # The knob may name a failure word itself (e.g. FailedToEnroll), which Knox reports without an agent error.
        word, code, message = code, "", ""
    else:
        code = code or PHASE_DEFAULT_CODES[phase]
        word, message = AGENT_ERRORS.get(code, (AGENT_ERRORS[PHASE_DEFAULT_CODES[phase]][0], "Client error"))
    date = _stamp(now) if code else ""
    if word == "InvalidLicense":
        return Reading("InvalidLicense")
    operation = "CampaignSyncExpected" if word == "FailedToEnroll" else "CampaignSynced"
    return Reading(operation, word, code, message, date)


def _target(job: SimulatorJob, device: SimulatorDevice, catalog: list[SimulatorFirmware]) -> tuple[str | None, bool]:
    """The version the campaign's firmware policy sends this device to, and whether Knox has such a firmware."""
    sales_code, csc = device.data.get("salesCode", ""), device.data.get("csc", "")
    for entry in job.data.get("firmwares") or []:
        if entry["model"] != device.model or entry["salesCode"] != sales_code:
            continue
        if entry.get("csc") and entry["csc"] != csc:
            continue
        fitting = [
            f for f in catalog
            if device.model in (f.models_fitted or [])
            and sales_code in f.data.get("salesCodes", [sales_code])
            and f.data.get("status", "OPENED") == "OPENED"
        ]
        version = entry.get("firmwareVersion")
        if not version:  # no version in the policy: the latest released firmware for the device [U]
            return (max(f.version for f in fitting), True) if fitting else (None, False)
        return version, any(f.version == version for f in fitting)
    return None, False


def _higher(current: str, target: str) -> bool:
    # Samsung build strings of one model compare in order when they have the same length.
    return len(current) == len(target) and current > target


def campaign_start(job: SimulatorJob) -> dt.datetime:
    """The instant the campaign's startDate begins in its time zone: devices do not move before it."""
    body = job.data.get("campaign", {})
    start = dt.date.fromisoformat(body["startDate"])
    return dt.datetime.combine(start, dt.time.min, tzinfo=zone_of(body.get("timezone")) or dt.UTC)


def reading_of(
    row: SimulatorJobDevice, device: SimulatorDevice, job: SimulatorJob, knobs: Knobs, catalog: list[SimulatorFirmware]
) -> Reading:
    """Where the device is now, computed from when it joined, the knobs and its outcome (never stored state)."""
    now = timezone.now()
    start = max(row.joined_at, campaign_start(job))
    # One step more than the road: a failed install spends it Reverting.
    step = sim_step(start, knobs, row.outcome, steps=STEPS + 1) if now >= start else 0
    if not job.data.get("firmwares"):
        step = min(step, SYNCED_STEP - 1)  # a campaign without a firmware policy has nothing to sync yet
    licence = device.data.get("license", "valid")
    if step >= 1 and licence == "none":
        return Reading("NoLicenseAssigned")
    if step >= 1 and licence == "invalid":
        return Reading("InvalidLicense")
    fail_step = row.outcome.get("fail_step") if row.outcome.get("fails") else None
    if fail_step is not None and fail_step < SYNCED_STEP and step > fail_step:
        return _failure(knobs, fail_step, now)
    if step >= SYNCED_STEP:
        target, available = _target(job, device, catalog)
        if target is None or not available:
            code = "364" if target is None else "365"
            return Reading("CampaignSynced", "InvalidFirmware", code, AGENT_ERRORS[code][1], _stamp(now))
        if _higher(device.firmware_version, target):
            return Reading("CampaignSynced", "HigherFirmware")
        if device.firmware_version == target:
            # Already on the policy's version: Knox holds it there rather than installing it again [U].
            return Reading("CampaignSynced", "LockedFirmware")
        if fail_step is not None and step > fail_step:
            failure = _failure(knobs, fail_step, now)
            if failure.client == "FailedToInstall" and step == fail_step + 1:
                return Reading("CampaignSynced", "Reverting")
            return failure
        if step >= STEPS:
            return Reading("CampaignSynced", "Updated", installed=target)
    operation, client = PATH[min(step, STEPS - 1)]
    return Reading(operation, client)


def advance(
    job_rows: list[tuple[SimulatorJob, SimulatorJobDevice]], devices: dict[str, SimulatorDevice], knobs: Knobs
) -> dict[str, Reading]:
    """Bring the given campaign devices up to now and store what changed; returns each device's reading.

    A final reading is frozen in the row's outcome, so a later change of knobs never moves a finished device back.
    """
    if not job_rows:
        return {}
    catalog = list(SimulatorFirmware.objects.filter(tenant_id=job_rows[0][0].tenant_id))
    readings: dict[str, Reading] = {}
    changed_rows, changed_devices = [], []
    for job, row in job_rows:
        frozen = row.outcome.get("final")
        if frozen:
            readings[row.device_id] = Reading(**frozen)
            continue
        device = devices[row.device_id]
        reading = reading_of(row, device, job, knobs, catalog)
        readings[row.device_id] = reading
        if reading.final:
            row.outcome = {**row.outcome, "final": asdict(reading)}
        if reading.final or row.status != reading.word:
            row.status, row.error_code, row.detail = reading.word, reading.agent_code, reading.agent_message
            changed_rows.append(row)
        if reading.installed and device.firmware_version != reading.installed:
            device.firmware_version = reading.installed
            changed_devices.append(device)
    if changed_rows:
        SimulatorJobDevice.objects.bulk_update(changed_rows, ["status", "error_code", "detail", "outcome"])
    if changed_devices:
        SimulatorDevice.objects.bulk_update(changed_devices, ["firmware_version"])
    return readings


def assign(job: SimulatorJob, device_ids: list[str], knobs: Knobs) -> None:
    """Put devices into a campaign; assigning a device again to the same campaign changes nothing."""
    with transaction.atomic():
        # A device follows one campaign at a time: assigning it here takes it out of any other [U].
        SimulatorJobDevice.objects.filter(job__tenant_id=job.tenant_id, device_id__in=device_ids).exclude(
            job=job
        ).delete()
        present = set(job.job_devices.filter(device_id__in=device_ids).values_list("device_id", flat=True))
        now = timezone.now()
        rows = [
            SimulatorJobDevice(
                job=job, device_id=device_id, status=PATH[0][0], joined_at=now,
                outcome=sim_outcome(knobs, job.job_id, device_id, steps=STEPS),
            )
            for device_id in device_ids
            if device_id not in present
        ]
        SimulatorJobDevice.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
