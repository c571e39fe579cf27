"""How the Huawei platform checks requests, in the order of its error tables, and the error answers it gives.

Used by the simulator: a check that fails raises ``Refused(code)``, which the view answers with ``huawei_error``.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.utils import timezone

from vendors.huawei_iodm.times import huawei_time_parse
from vendors.models import SimulatorDevice, SimulatorTenant

MAX_TARGETS = 256
EXECUTE_TYPES = ("now", "device_online", "custom")
# What a simulated device or package is when its data does not say.
DEFAULT_DEVICE_TYPE = "WaterMeter"
DEFAULT_MANUFACTURER = "Huawei"

# The platform's error texts, by code (seed document; VENDORS.md §2.2 for login). [U] marks codes the project has
# no document for: the simulator needs some answer there and says so.
ERRORS = {
    "120015": (400, "Bad request error."),
    "123016": (400, "The parameter is error, targetversion not match with device."),
    "123019": (400, "manufacturerName is null."),
    "123020": (400, "deviceType is null"),
    "123021": (400, "model is null."),
    "123022": (400, "deviceGroups and devices cannot be null together"),
    "123023": (400, "deviceGroups and devices cannot be exist together"),
    "123024": (400, "The number of deviceGroups or devices reached upper limit"),
    "123025": (400, "executeType is error or can not to be null."),
    "123026": (400, "startTime or endTime is null or error."),
    "123028": (400, "retryTimes is null or beyond the limit."),
    "123032": (400, "startTime can not be later than the endTime."),
    "123033": (400, "startTime can not be earlier than the now."),
    "123034": (400, "endtime must be greater than 5 minutes."),
    "123002": (404, "Device or package file not found."),
    "123009": (404, "The requested task does not exist."),  # [U] task detail / subtasks of an unknown task
    "1010005": (403, "App_key or access_token is invalid."),
    "1010009": (403, "app throttle exceed."),
    "100208": (401, "AppId or secret is not right."),
    "100247": (400, "The application is frozen."),
    "102202": (400, "Required Parameter is null or empty."),
    "100022": (400, "The input is invalid."),  # [U] refresh with an unknown or revoked refresh token
    "50252": (500, "Internal server error."),
}


class Refused(Exception):
    """A request the platform answers with one of its error codes."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def huawei_error(code: str) -> JsonResponse:
    status, desc = ERRORS[code]
    return JsonResponse({"error_code": code, "error_desc": desc}, status=status)


def query_checked(
    request: HttpRequest, allowed: tuple[str, ...], *, default_size: int = 10, max_size: int = 100
) -> dict:
    """The query parameters, paging checked as Huawei does (pageNo >= 0, pageSize 1-100); unknown names refused."""
    if request.method != "GET" or set(request.GET) - {*allowed, "pageNo", "pageSize"}:
        raise Refused("120015")
    query = {name: request.GET[name] for name in allowed if request.GET.get(name)}
    try:
        query["pageNo"] = int(request.GET.get("pageNo", 0))
        query["pageSize"] = int(request.GET.get("pageSize", default_size))
    except ValueError:
        raise Refused("120015") from None
    if query["pageNo"] < 0 or not 1 <= query["pageSize"] <= max_size:
        raise Refused("120015")
    return query


def policy_checked(policy: object) -> dict:
    """The task policy, validated in the order of the platform's error table."""
    if policy is None:
        return {"executeType": "now"}
    if not isinstance(policy, dict) or set(policy) - {"executeType", "startTime", "endTime", "retryType", "retryTimes"}:
        raise Refused("120015")
    if policy.get("executeType") not in EXECUTE_TYPES:
        raise Refused("123025")
    start_raw, end_raw = policy.get("startTime"), policy.get("endTime")
    start, end = huawei_time_parse(start_raw), huawei_time_parse(end_raw)
    custom = policy["executeType"] == "custom"
    if (
        (custom and (start is None or end is None))
        or (start_raw is not None and start is None)
        or (end_raw is not None and end is None)
    ):
        raise Refused("123026")
    if start and end:
        if start > end:
            raise Refused("123032")
        if start < timezone.now().replace(microsecond=0):
            raise Refused("123033")
        if (end - start).total_seconds() < 300:
            raise Refused("123034")
    retry_type = policy.get("retryType", False)
    if not isinstance(retry_type, bool):
        raise Refused("120015")
    retry_times = policy.get("retryTimes")
    if (retry_type and retry_times is None) or (
        retry_times is not None
        and (isinstance(retry_times, bool) or not isinstance(retry_times, int) or not 1 <= retry_times <= 5)
    ):
        raise Refused("123028")
    return dict(policy)


def targets_checked(tenant: SimulatorTenant, targets: object) -> tuple[dict, list[SimulatorDevice]]:
    """The task's targets and the devices they name, validated in the order of the platform's error table."""
    if not isinstance(targets, dict) or set(targets) - {
        "devices",
        "deviceGroups",
        "deviceType",
        "model",
        "manufacturerName",
    }:
        raise Refused("120015")
    device_ids, groups = targets.get("devices"), targets.get("deviceGroups")
    for value in (device_ids, groups):
        if value is not None and (not isinstance(value, list) or not all(isinstance(v, str) and v for v in value)):
            raise Refused("120015")
    if not device_ids and not groups:
        raise Refused("123022")
    if device_ids and groups:
        raise Refused("123023")
    if len(device_ids or groups) > MAX_TARGETS:
        raise Refused("123024")
    if device_ids:
        if len(set(device_ids)) != len(device_ids):
            raise Refused("120015")
        found = {d.device_id: d for d in SimulatorDevice.objects.filter(tenant=tenant, device_id__in=device_ids)}
        if len(found) != len(device_ids):
            raise Refused("123002")
        return {"devices": list(device_ids)}, [found[d] for d in device_ids]
    for field, code in (("manufacturerName", "123019"), ("deviceType", "123020"), ("model", "123021")):
        if not isinstance(targets.get(field), str) or not targets[field]:
            raise Refused(code)
    members = [
        d
        for d in SimulatorDevice.objects.filter(tenant=tenant, model=targets["model"]).order_by("device_id")
        if set((d.data or {}).get("groups", [])) & set(groups)
        and (d.data or {}).get("deviceType", DEFAULT_DEVICE_TYPE) == targets["deviceType"]
        and (d.data or {}).get("manufacturerName", DEFAULT_MANUFACTURER) == targets["manufacturerName"]
    ]
    if not members:
        raise Refused("123002")
    return {key: targets[key] for key in ("deviceGroups", "deviceType", "model", "manufacturerName")}, members
