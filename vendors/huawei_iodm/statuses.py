"""Huawei IoDM subtask (per-device) status words and the common device state each maps to."""

from __future__ import annotations

from campaigns.choices import DeviceState
from vendors.connector import StatusMap

# Words the vendor documents for subOperations (VENDORS.md §2.6, §7.2). Compared case-insensitively because an SDK
# sample shows upper-case "FAIL" where the reference says "fail", and task-level docs say "failed".
WAIT = "wait"
PROCESSING = "processing"
SUCCESS = "success"
FAIL = "fail"
FAILED = "failed"
STOP = "stop"
TIMEOUT = "timeout"

SUBTASK_STATUSES = (WAIT, PROCESSING, SUCCESS, FAIL, STOP)
TASK_STATUSES = (WAIT, PROCESSING, FAILED, SUCCESS, STOP)
FINAL_WORDS = (SUCCESS, FAIL, FAILED, STOP, TIMEOUT)

HUAWEI_STATUS_MAP = StatusMap(
    {
        # The task exists at Huawei and holds the device, which has not started: in flight, not "pending", so the
        # orchestrator never pushes it a second time.
        WAIT: DeviceState.ASSIGNED,
        # Huawei reports download and install as one word; only the fwUpgradeStateChangeNotify callback (not used)
        # tells them apart. Download is the first and, on NB-IoT links, the longest part, so "downloading" is the
        # honest reading; the raw word is kept beside it.
        PROCESSING: DeviceState.DOWNLOADING,
        SUCCESS: DeviceState.SUCCEEDED,
        FAIL: DeviceState.FAILED,
        FAILED: DeviceState.FAILED,
        # Only an operator can stop a task (in the OceanConnect portal); the device was withdrawn before the end.
        STOP: DeviceState.CANCELLED,
        # Counted in staResult when a custom window closes before the device finished: it did not upgrade.
        TIMEOUT: DeviceState.FAILED,
    },
    case_sensitive=False,
)
