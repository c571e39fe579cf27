"""EnOS OTA task status words and the common device state each maps to (VENDORS.md §4.2, §7.2)."""

from __future__ import annotations

from campaigns.choices import DeviceState
from vendors.connector import StatusMap

# TaskInfo.status [V]. ``init`` and ``published`` both mean the device is in EnOS's queue for this job and has not
# started downloading, which the portal calls "assigned".
STATUS_MAP = StatusMap(
    {
        "init": DeviceState.ASSIGNED,
        "published": DeviceState.ASSIGNED,
        "upgrading": DeviceState.DOWNLOADING,
        "succeeded": DeviceState.SUCCEEDED,
        "failed": DeviceState.FAILED,
    }
)

# EnOS reports one coarse "upgrading" word with a 0-100 progress; the first half is taken as the download.
INSTALLING_FROM_PROGRESS = 50

# EnOS does not document what a cancelled task turns into [U]; the simulator (and, we assume, EnOS) leaves it
# ``failed`` with a desc saying it was cancelled, so the desc decides. Both spellings occur in EnOS texts.
CANCELLED_DESC_WORDS = ("canceled", "cancelled")


def task_cancelled(*, status: str, desc: str) -> bool:
    """Whether a task was withdrawn by cancelTask rather than failed on the device."""
    text = (desc or "").lower()
    return status == "failed" and any(word in text for word in CANCELLED_DESC_WORDS)


def task_state(*, status: str, progress: int | float | None = None, desc: str = "") -> DeviceState | None:
    """The common state of one task: the word's state, refined by the progress and the cancel desc.

    An unknown word maps to ``None`` and the caller keeps it raw.
    """
    state = STATUS_MAP(status)
    if state == DeviceState.DOWNLOADING and progress is not None and progress >= INSTALLING_FROM_PROGRESS:
        return DeviceState.INSTALLING
    if state == DeviceState.FAILED and task_cancelled(status=status, desc=desc):
        return DeviceState.CANCELLED
    return state
