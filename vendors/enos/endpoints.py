"""Every EnOS path the connector calls and the simulator serves, in one table.

Marks follow VENDORS.md §4: [V] verified in a vendor document, a seed document or vendor sample code, [S] secondary
source, [U] assumed. EnOS puts the verb in the ``action`` query parameter, so an endpoint is a method, a path and an
action. A deployment whose gateway differs corrects the entry here; the simulator mounts the same table, so both stay
in step.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Endpoint:
    """One EnOS operation: HTTP method, path after the base URL (the API gateway address), ``action`` verb."""

    method: str
    path: str
    action: str = ""


# APIM token service (VENDORS.md §4.4; EnOS "Get Access Token" / "Refresh Access Token").
TOKEN_GET = Endpoint("POST", "/apim-token-service/v2.0/token/get")  # [V]
TOKEN_REFRESH = Endpoint("POST", "/apim-token-service/v2.0/token/refresh")  # [V]

# Connection Service v2.1 resources (VENDORS.md §4.1).
OTA_JOBS = "/connect-service/v2.1/ota-jobs"  # [V]
OTA_FIRMWARES = "/connect-service/v2.1/ota-firmwares"  # [V]

# OTA jobs and their per-device tasks (VENDORS.md §4.2, seeds/enos-create-ota-job.txt).
JOB_CREATE = Endpoint("POST", OTA_JOBS, "create")  # [V] query orgId, firmwareId; body JobCreate -> data.jobId
JOB_GET = Endpoint("GET", OTA_JOBS, "get")  # [V] query jobId
JOB_SEARCH = Endpoint("POST", OTA_JOBS, "search")  # [V] body {expression, pagination}
JOB_START = Endpoint("POST", OTA_JOBS, "start")  # [V] query jobId; 24615 when already started
JOB_STOP = Endpoint("POST", OTA_JOBS, "stop")  # [V] query jobId; 24616 when already stopped
TASK_CANCEL = Endpoint("POST", OTA_JOBS, "cancelTask")  # [V] query jobId; body {deviceKeys}
TASK_RETRY = Endpoint("POST", OTA_JOBS, "retryTask")  # [V] query jobId; body {deviceKeys}
TASK_SEARCH = Endpoint("POST", OTA_JOBS, "searchTask")  # [V] body {expression, pagination}, pageSize <= 200

# Firmware and the device inventory (VENDORS.md §4.3, seeds/enos-search-device-upgrade.txt).
FIRMWARE_GET = Endpoint("GET", OTA_FIRMWARES, "get")  # [V] query firmwareId
FIRMWARE_SEARCH = Endpoint("POST", OTA_FIRMWARES, "search")  # [V] action; [S] body {expression, pagination}
DEVICE_UPGRADE_SEARCH = Endpoint("POST", OTA_FIRMWARES, "searchDeviceUpgrade")  # [V] body {expression, pagination}

# Paging of every search (seeds/enos-search-device-upgrade.txt): 1-based pageNo, 10 a page by default, at most 200.
PAGE_SIZE_DEFAULT = 10  # [V]
PAGE_SIZE_MAX = 200  # [V] for searchTask and searchDeviceUpgrade; [U] assumed the same for job and firmware search

# The job's status before it is started is not documented (VENDORS.md §4.2 lists started | stopped only).
JOB_STATUS_CREATED = "created"  # [U]
JOB_STATUS_STARTED = "started"  # [V]
JOB_STATUS_STOPPED = "stopped"  # [V]
