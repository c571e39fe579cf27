"""The simulated EnOS OTA cloud's state: jobs, their per-device tasks moving through EnOS's status words over
simulated time, and the JSON shapes EnOS answers with (JobInfo, TaskInfo, FirmwareInfo, DeviceFirmware).

All state lives in the generic simulator tables, so every process sees one cloud. A task's story is decided once,
when it is created (``sim_outcome``, deterministic for the tenant's seed), and read off the clock lazily whenever
tasks are read: init -> published -> upgrading (progress 10, 35, 60, 85) -> succeeded | failed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from vendors.enos import endpoints
from vendors.enos.validation import EnosFault, invalid
from vendors.models import SimulatorDevice, SimulatorFirmware, SimulatorJob, SimulatorJobDevice, SimulatorTenant
from vendors.simulators.base import Knobs, sim_elapsed, sim_outcome

# (status, progress) of each in-progress step; a task finishes after the last one.
PHASES = (("init", 0), ("published", 0), ("upgrading", 10), ("upgrading", 35), ("upgrading", 60), ("upgrading", 85))
UPGRADING_FROM = 2
UPGRADING_STEPS = len(PHASES) - UPGRADING_FROM
IN_PROGRESS = ("init", "published", "upgrading")
# EnOS gives a failed task a negative progress naming the failing step [S] and a desc [V]; the texts are ours [U].
FAILURE_DESC = {-1: "download failed", -2: "firmware verification failed", -3: "install failed",
                -4: "device did not report the new version"}
TIMEOUT_DESC = "upgrade timeout"
# What a cancelled task becomes is undocumented [U]; tenants may override with the knobs of the same names.
CANCELLED_STATUS = "failed"
CANCELLED_DESC = "canceled"
TOKEN_LIFETIME = 7200  # EnOS tokens live 2 hours unless the tenant's token_lifetime knob says otherwise


def new_id() -> str:
    """A 24-hex id like EnOS's jobIds and firmwareIds (Mongo ObjectIds)."""
    return secrets.token_hex(12)


def epoch_ms(moment: dt.datetime | None) -> int | None:
    return int(moment.timestamp() * 1000) if moment else None


def tenant_org(tenant: SimulatorTenant) -> str:
    """The tenant's orgId: the ``org_id`` knob, or one derived from the app key."""
    return (tenant.knobs or {}).get("org_id") or "o" + hashlib.sha256(tenant.tenant_key.encode()).hexdigest()[:14]


def asset_id(device: SimulatorDevice) -> str:
    return (device.data or {}).get("assetId") or hashlib.sha256(device.device_id.encode()).hexdigest()[:8]


# --- rendering ----------------------------------------------------------------------------------------------------


def firmware_info(firmware: SimulatorFirmware, org_id: str) -> dict:
    data = firmware.data or {}
    return {
        "orgId": org_id,
        "firmwareId": firmware.firmware_id,
        "productKey": (firmware.models_fitted or [""])[0],
        "name": {"defaultValue": data.get("name") or firmware.version, "i18nValue": {}},
        "version": firmware.version,
        "desc": data.get("desc", ""),
        "signMethod": "md5",
        "sign": hashlib.md5(firmware.firmware_id.encode()).hexdigest(),  # noqa: S324 - a fake file checksum
        "fileUrl": f"enos-connect://{firmware.firmware_id}.bin",
        "fileSize": data.get("fileSize", 1_048_576),
        "enableVerification": bool(data.get("enableVerification", False)),
        "isVerified": bool(data.get("isVerified", False)),
        "createTime": epoch_ms(firmware.created_at),
        "firmwareTags": data.get("firmwareTags", []),
        "maxAllowedForVerification": data.get("maxAllowedForVerification", 10),
        "minSuccessForVerified": data.get("minSuccessForVerified", 1),
    }


def job_info(job: SimulatorJob, org_id: str) -> dict:
    data = job.data
    return {
        "jobId": job.job_id,
        "orgId": org_id,
        "name": data["name"],
        "type": data["type"],
        "firmwareId": data["firmwareId"],
        "firmwareVersion": data["firmwareVersion"],
        "firmwareName": data.get("firmwareName", ""),
        "productKey": data["productKey"],
        "upgradeScope": data["upgradeScope"],
        "upgradePolicy": data.get("upgradePolicy"),
        "enableUpgradeRequest": data.get("enableUpgradeRequest"),
        "upgradeTimeout": data["upgradeTimeout"],
        "retryPolicy": data.get("retryPolicy"),
        "schedulePolicy": data.get("schedulePolicy"),
        "maximumConcurrency": data.get("maximumConcurrency"),
        "startSchedule": data.get("startSchedule"),
        "endSchedule": data.get("endSchedule"),
        "status": job.status,
        "createTime": epoch_ms(job.created_at),
    }


def task_info(task: SimulatorJobDevice, job: SimulatorJob, org_id: str) -> dict:
    outcome = task.outcome
    return {
        "taskId": task.sub_id,
        "orgId": org_id,
        "assetId": outcome.get("assetId", ""),
        "productKey": job.data["productKey"],
        "deviceKey": task.device_id,
        "jobId": job.job_id,
        "fromVersion": outcome.get("fromVersion", ""),
        "toVersion": job.data["firmwareVersion"],
        "progress": outcome.get("progress", 0),
        "desc": task.detail,
        "status": task.status,
        "updateTime": epoch_ms(task.updated_at),
    }


# --- task progress ------------------------------------------------------------------------------------------------


def _steps(task: SimulatorJobDevice, knobs: Knobs, moment: dt.datetime) -> float:
    per_step = knobs.step_seconds * task.outcome.get("jitter", 1.0)
    if per_step <= 0:
        return float(len(PHASES))
    return sim_elapsed(task.joined_at, knobs, moment) / per_step


def task_now(task: SimulatorJobDevice, job: SimulatorJob, knobs: Knobs, now: dt.datetime) -> tuple[str, int, str]:
    """The (status, progress, desc) a task has reached by ``now``."""
    steps = _steps(task, knobs, now)
    if job.status == endpoints.JOB_STATUS_STOPPED and job.stopped_at:
        # A stopped job dispatches nothing more: tasks not yet upgrading stay where they were [U]; devices that
        # already have the firmware finish on their own.
        at_stop = _steps(task, knobs, job.stopped_at)
        if at_stop < UPGRADING_FROM:
            steps = at_stop
    outcome = task.outcome
    per_step = knobs.step_seconds * outcome.get("jitter", 1.0)
    end = UPGRADING_FROM + outcome["fail_step"] + 1 if outcome.get("fails") else len(PHASES)
    timeout_at = UPGRADING_FROM + job.data["upgradeTimeout"] / per_step if per_step > 0 else float("inf")
    if timeout_at < end and steps >= timeout_at:
        reached = int(timeout_at) - UPGRADING_FROM + 1
        return "failed", -min(reached, UPGRADING_STEPS), TIMEOUT_DESC
    if steps >= end:
        if outcome.get("fails"):
            progress = -(outcome["fail_step"] + 1)
            return "failed", progress, outcome.get("failure_desc") or FAILURE_DESC[progress]
        return "succeeded", 100, ""
    status, progress = PHASES[int(steps)]
    return status, progress, ""


def job_advance(job: SimulatorJob, knobs: Knobs) -> None:
    """Bring the job's in-progress tasks up to now, and the devices that finished up to the new version."""
    if job.status == endpoints.JOB_STATUS_CREATED:
        return
    now = timezone.now()
    changed, upgraded = [], []
    for task in job.job_devices.filter(status__in=IN_PROGRESS):
        status, progress, desc = task_now(task, job, knobs, now)
        if (status, progress, desc) == (task.status, task.outcome.get("progress"), task.detail):
            continue
        task.status, task.detail, task.updated_at = status, desc, now
        task.outcome = {**task.outcome, "progress": progress}
        task.error_code = str(progress) if status == "failed" else ""
        changed.append(task)
        if status == "succeeded":
            upgraded.append(task.device_id)
    if changed:
        SimulatorJobDevice.objects.bulk_update(changed, ["status", "detail", "outcome", "error_code", "updated_at"])
    if upgraded:
        SimulatorDevice.objects.filter(tenant=job.tenant, device_id__in=upgraded).update(
            firmware_version=job.data["firmwareVersion"], updated_at=now
        )


def _task_outcome(knobs: Knobs, job: SimulatorJob, device_key: str, *, retries: int) -> dict:
    story = job.job_id if not retries else f"{job.job_id}:retry{retries}"
    outcome = sim_outcome(knobs, story, device_key, steps=UPGRADING_STEPS)
    if knobs.failure_code:
        outcome["failure_desc"] = knobs.failure_code
    return {**outcome, "progress": 0, "retries": retries}


def job_start(job: SimulatorJob, knobs: Knobs) -> None:
    """Start a created job: one task per scoped device of the firmware's product (snapshot of the scope now).

    Devices outside the product or the scope's versionNumbers get no task. ``maximumConcurrency`` is simulated by
    starting devices in waves of that size, each a full upgrade cycle after the previous.
    """
    if job.status != endpoints.JOB_STATUS_CREATED:
        raise EnosFault(24615, "Job has started")
    data, now = job.data, timezone.now()
    scope = data["upgradeScope"]
    devices = SimulatorDevice.objects.filter(tenant=job.tenant, model=data["productKey"])
    if scope["type"] == "partial":
        devices = devices.filter(device_id__in=scope["deviceKeys"])
    if scope.get("versionNumbers"):
        devices = devices.filter(firmware_version__in=scope["versionNumbers"])
    begin = now
    start_ms = (data.get("schedulePolicy") or {}).get("startTimestamp")
    if start_ms:
        begin = max(now, dt.datetime.fromtimestamp(start_ms / 1000, tz=dt.UTC))
    concurrency = max(int(data.get("maximumConcurrency") or 300), 1)
    cycle = dt.timedelta(seconds=len(PHASES) * knobs.step_seconds * 1.2 / knobs.effective_speed)
    tasks = [
        SimulatorJobDevice(
            job=job,
            device_id=device.device_id,
            sub_id=new_id(),
            status="init",
            outcome={
                **_task_outcome(knobs, job, device.device_id, retries=0),
                "fromVersion": device.firmware_version,
                "assetId": asset_id(device),
            },
            joined_at=begin + cycle * (index // concurrency),
        )
        for index, device in enumerate(devices.order_by("device_id"))
    ]
    with transaction.atomic():
        SimulatorJobDevice.objects.bulk_create(tasks, batch_size=1000)
        job.status, job.started_at = endpoints.JOB_STATUS_STARTED, now
        job.save(update_fields=["status", "started_at"])


def job_stop(job: SimulatorJob) -> None:
    if job.status == endpoints.JOB_STATUS_STOPPED:
        raise EnosFault(24616, "Job has stopped")
    job.status, job.stopped_at = endpoints.JOB_STATUS_STOPPED, timezone.now()
    job.save(update_fields=["status", "stopped_at"])


def _tasks(job: SimulatorJob, device_keys: list[str]) -> list[SimulatorJobDevice]:
    tasks = list(job.job_devices.filter(device_id__in=device_keys))
    if len(tasks) != len(set(device_keys)):
        raise invalid("deviceKeys")  # a key with no task in this job [U: EnOS's answer is undocumented]
    return tasks


def tasks_cancel(job: SimulatorJob, device_keys: list[str], knobs: Knobs) -> None:
    """cancelTask: all or nothing, and only while the job runs and every task is still init or published."""
    if job.status != endpoints.JOB_STATUS_STARTED:
        raise EnosFault(24617, "Job not running")
    job_advance(job, knobs)
    tasks = _tasks(job, device_keys)
    if any(task.status not in ("init", "published") for task in tasks):
        raise EnosFault(24620, "only init or published tasks can be canceled")
    extra, now = job.tenant.knobs or {}, timezone.now()
    for task in tasks:
        task.status = extra.get("cancelled_status") or CANCELLED_STATUS
        task.detail = extra.get("cancelled_desc") or CANCELLED_DESC
        task.outcome = {**task.outcome, "cancelled": True}
        task.updated_at = now
    SimulatorJobDevice.objects.bulk_update(tasks, ["status", "detail", "outcome", "updated_at"])


def tasks_retry(job: SimulatorJob, device_keys: list[str], knobs: Knobs) -> None:
    """retryTask: failed tasks start over, with a fresh (deterministic) story."""
    if job.status != endpoints.JOB_STATUS_STARTED:
        raise EnosFault(24617, "Job not running")
    job_advance(job, knobs)
    tasks = _tasks(job, device_keys)
    if any(task.status != "failed" for task in tasks):
        raise EnosFault(24621, "only failed tasks can be retried")
    now = timezone.now()
    for task in tasks:
        retries = task.outcome.get("retries", 0) + 1
        task.outcome = {**task.outcome, **_task_outcome(knobs, job, task.device_id, retries=retries)}
        task.outcome.pop("cancelled", None)
        task.status, task.detail, task.error_code, task.joined_at, task.updated_at = "init", "", "", now, now
    SimulatorJobDevice.objects.bulk_update(tasks, ["status", "detail", "outcome", "error_code", "joined_at",
                                                   "updated_at"])
