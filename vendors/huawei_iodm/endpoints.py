"""Every Huawei OceanConnect path the connector calls and the simulator serves, in one table.

Marks follow VENDORS.md: [V] verified in a vendor document or SDK, [S] secondary source, [U] assumed. A deployment
whose platform differs corrects the path here; the simulator mounts the same table, so both stay in step.
"""

from __future__ import annotations

# Authentication (VENDORS.md §2.2).
LOGIN = "/iocm/app/sec/v1.1.0/login"  # [V] form appId + secret
REFRESH_TOKEN = "/iocm/app/sec/v1.1.0/refreshToken"  # [V] JSON appId + secret + refreshToken

# Device inventory: the IoCM "query device information in batches" API. Huawei's SDKs and integrations call this
# path with appId/pageNo/pageSize, but the IoDM v1.5.0 reference the project holds does not document it.
DEVICES = "/iocm/app/dm/v1.4.0/devices"  # [S] path and paging; [U] pageSize ceiling (100 assumed)

# Device management northbound v1.5.0 (VENDORS.md §2.5, §2.6).
_IODM = "/iodm/northbound/v1.5.0"
CATEGORY = f"{_IODM}/category"  # [V] version packages, paged
FIRMWARE_UPGRADE = f"{_IODM}/operations/firmwareUpgrade"  # [V] create a firmware upgrade task
OPERATIONS = f"{_IODM}/operations"  # [V] task list, paged, filterable by deviceId and operationType
OPERATION = f"{_IODM}/operations/{{operation_id}}"  # [V] task detail
SUB_OPERATIONS = f"{_IODM}/operations/{{operation_id}}/subOperations"  # [V] one subtask per device, paged


def operation(operation_id: str) -> str:
    return OPERATION.format(operation_id=operation_id)


def sub_operations(operation_id: str) -> str:
    return SUB_OPERATIONS.format(operation_id=operation_id)


def route(table_path: str) -> str:
    """The Django URL pattern the simulator mounts for a path of this table."""
    return table_path.lstrip("/").replace("{operation_id}", "<str:operation_id>")
