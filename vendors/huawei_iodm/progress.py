"""The simulated life of a Huawei firmware upgrade task: created with one subtask per device, moved through
Huawei's status words over simulated time when read, counted into staResult, and stopped from the "portal"."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter

from django.db import transaction
from django.utils import timezone

from vendors.huawei_iodm.statuses import FAIL, FAILED, PROCESSING, STOP, SUCCESS, TIMEOUT, WAIT
from vendors.huawei_iodm.times import huawei_time, huawei_time_parse
from vendors.models import SimulatorDevice, SimulatorFirmware, SimulatorJob, SimulatorJobDevice, SimulatorTenant
from vendors.simulators.base import Knobs, sim_outcome, sim_step

# A subtask waits one step, is processing for the next two (download, install), then ends in its outcome.
STEPS = 3
MOVING = (WAIT, PROCESSING)
SUBTASK_FINAL = (SUCCESS, FAIL, STOP, TIMEOUT)
DEFAULT_FAILURE_DETAIL = "Firmware update failed."  # LwM2M firmware update result 8, as the platform words it
TIMEOUT_DETAIL = "The task's time window ended before the device finished the upgrade."
STOP_DETAIL = "The task was stopped in the portal."
# Devices the platform does not reach until they come back (device_online tasks wait for them).
OFFLINE = ("OFFLINE", "INACTIVE", "ABNORMAL")


def task_create(
    *,
    tenant: SimulatorTenant,
    firmware: SimulatorFirmware,
    package: dict,
    targets: dict,
    policy: dict,
    devices: list[SimulatorDevice],
) -> SimulatorJob:
    """Record a firmware upgrade task and its subtasks; each device's fate is decided here, once, by the seed."""
    knobs = Knobs.of(tenant)
    now = timezone.now()
    begins = now
    if policy["executeType"] == "custom":
        begins = max(huawei_time_parse(policy["startTime"]) or now, now)
    job_id = uuid.uuid4().hex
    with transaction.atomic():
        job = SimulatorJob.objects.create(
            tenant=tenant,
            job_id=job_id,
            status=WAIT,
            started_at=begins,
            data={
                "operateType": "firmware_upgrade",
                "fileId": firmware.firmware_id,
                "targets": targets,
                "policy": policy,
                "deviceType": targets.get("deviceType", package["deviceType"]),
                "model": targets.get("model", package["model"]),
                "manufacturerName": targets.get("manufacturerName", package["manufacturerName"]),
                "extendPara": {"fileId": firmware.firmware_id, "fileVersion": firmware.version},
                "staResult": _sta_result(Counter({WAIT: len(devices)}), len(devices)),
            },
        )
        rows = []
        for device in devices:
            outcome = sim_outcome(knobs, job_id, device.device_id, steps=STEPS)
            if outcome["fails"]:
                outcome["detail"] = knobs.failure_code or DEFAULT_FAILURE_DETAIL
            rows.append(
                SimulatorJobDevice(
                    job=job,
                    device_id=device.device_id,
                    sub_id=uuid.uuid4().hex,
                    status=WAIT,
                    outcome=outcome,
                    joined_at=begins,
                )
            )
        SimulatorJobDevice.objects.bulk_create(rows)
    return job


def _subtask_now(row: SimulatorJobDevice, knobs: Knobs, now: dt.datetime, end: dt.datetime | None) -> tuple[str, str]:
    if now < row.joined_at:
        return WAIT, ""
    done = sim_step(row.joined_at, knobs, row.outcome, steps=STEPS)
    if row.outcome.get("fails") and done > row.outcome["fail_step"]:
        return FAIL, row.outcome.get("detail") or DEFAULT_FAILURE_DETAIL
    if done >= STEPS:
        return SUCCESS, ""
    if end is not None and now >= end:
        return TIMEOUT, TIMEOUT_DETAIL
    return (WAIT if done == 0 else PROCESSING), ""


def _sta_result(counts: Counter, total: int) -> dict:
    return {"total": total, **{word: counts.get(word, 0) for word in (WAIT, PROCESSING, SUCCESS, FAIL, STOP, TIMEOUT)}}


def _job_recount(job: SimulatorJob, now: dt.datetime) -> None:
    counts = Counter(job.job_devices.values_list("status", flat=True))
    total = sum(counts.values())
    final = sum(counts.get(word, 0) for word in SUBTASK_FINAL)
    if final < total:
        status = WAIT if counts.get(WAIT, 0) == total else PROCESSING
    elif counts.get(STOP):
        status = STOP
    else:
        status = SUCCESS if counts.get(SUCCESS, 0) == total else FAILED
    sta_result = _sta_result(counts, total)
    if status != job.status or sta_result != job.data.get("staResult"):
        job.status = status
        job.data = {**job.data, "staResult": sta_result}
        if final == total and job.stopped_at is None:
            job.stopped_at = now
        job.save(update_fields=["status", "data", "stopped_at"])


def job_advance(job: SimulatorJob) -> SimulatorJob:
    """Bring every moving subtask up to now. Deterministic, so processes that advance the same task agree."""
    knobs = Knobs.of(job.tenant)
    now = timezone.now()
    policy = job.data.get("policy") or {}
    end = huawei_time_parse(policy.get("endTime")) if policy.get("executeType") == "custom" else None
    rows = list(job.job_devices.filter(status__in=MOVING))
    offline: set[str] = set()
    if rows and policy.get("executeType") == "device_online":
        offline = set(
            SimulatorDevice.objects.filter(
                tenant=job.tenant, device_id__in=[r.device_id for r in rows], data__status__in=OFFLINE
            ).values_list("device_id", flat=True)
        )
    changed = []
    for row in rows:
        status, detail = (WAIT, "") if row.device_id in offline else _subtask_now(row, knobs, now, end)
        if status != row.status:
            row.status, row.detail, row.updated_at = status, detail, now
            row.error_code = detail if status == FAIL else ""
            changed.append(row)
    if changed:
        SimulatorJobDevice.objects.bulk_update(changed, ["status", "detail", "error_code", "updated_at"])
        upgraded = [row.device_id for row in changed if row.status == SUCCESS]
        if upgraded:
            SimulatorDevice.objects.filter(tenant=job.tenant, device_id__in=upgraded).update(
                firmware_version=job.data["extendPara"]["fileVersion"], updated_at=now
            )
    _job_recount(job, now)
    return job


def job_stop(job: SimulatorJob) -> SimulatorJob:
    """What an operator's stop in the portal does: subtasks not yet finished end as ``stop``."""
    job_advance(job)
    now = timezone.now()
    job.job_devices.filter(status__in=MOVING).update(status=STOP, detail=STOP_DETAIL, updated_at=now)
    _job_recount(job, now)
    return job


def job_json(job: SimulatorJob) -> dict:
    """An OperationInfo as the task detail and task list return it."""
    answer = {
        "operationId": job.job_id,
        "createTime": huawei_time(job.created_at),
        "startTime": huawei_time(job.started_at or job.created_at),
        "operateType": job.data["operateType"],
        "targets": job.data["targets"],
        "policy": job.data["policy"],
        "status": job.status,
        "staResult": job.data["staResult"],
        # Where the platform keeps a task's package is not documented; the connector reads fileId here [U].
        "extendPara": job.data["extendPara"],
    }
    if job.stopped_at:
        answer["stopTime"] = huawei_time(job.stopped_at)
    return answer


def subtask_json(job: SimulatorJob, row: SimulatorJobDevice) -> dict:
    """A subOperation (one device of a task)."""
    answer = {
        "subOperationId": row.sub_id,
        "createTime": huawei_time(job.created_at),
        "operateType": job.data["operateType"],
        "deviceId": row.device_id,
        "status": row.status,
        "detailInfo": row.detail,
        "extendInfo": {"targetVersion": job.data["extendPara"]["fileVersion"]},  # content not documented [U]
    }
    if row.status != WAIT:
        answer["startTime"] = huawei_time(row.joined_at)
    if row.status in SUBTASK_FINAL:
        answer["stopTime"] = huawei_time(row.updated_at)
    return answer
