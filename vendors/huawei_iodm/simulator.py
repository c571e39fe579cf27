"""The Huawei OceanConnect IoDM v1.5.0 simulator: the same paths, fields, paging, validation, error bodies and
status words as the platform, served under ``/simulators/huawei_iodm/`` with its state in the simulator tables.

A tenant is an app (``tenant_key`` = appId, ``secret``). Each login or token refresh revokes the app's earlier
tokens, as Huawei allows one session per app. Every firmwareUpgrade task is a ``SimulatorJob`` with one
``SimulatorJobDevice`` per device (its subtask), so a task created twice is two upgrades, visibly. Subtasks move
wait -> processing -> success | fail over simulated time when they are read; ``simulator_task_stop`` plays the
operator stopping a task in the portal, which the northbound API cannot do.
"""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Callable

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.utils import timezone

from vendors.huawei_iodm import endpoints
from vendors.huawei_iodm.progress import job_advance, job_json, job_stop, subtask_json, task_create
from vendors.huawei_iodm.statuses import SUBTASK_STATUSES, TASK_STATUSES
from vendors.huawei_iodm.times import huawei_time
from vendors.huawei_iodm.validation import (
    DEFAULT_DEVICE_TYPE,
    DEFAULT_MANUFACTURER,
    Refused,
    huawei_error,
    policy_checked,
    query_checked,
    targets_checked,
)
from vendors.models import SimulatorDevice, SimulatorFirmware, SimulatorJob, SimulatorTenant, SimulatorToken
from vendors.simulators.base import simulator_endpoint, token_check, token_issue
from vendors.simulators.services import simulator_devices_add, simulator_firmware_add

KIND = "huawei_iodm"
# Huawei's flow control: 100 calls per 60 s per app unless the platform operator changed it (VENDORS.md §2.3).
DEFAULT_KNOBS = {"throttle_limit": 100, "throttle_period": 60.0}
REFRESH_TOKEN_SECONDS = 24 * 3600  # REST reference; the SDK guide says a month [U]
OPERATION_TYPES = ("firmware_upgrade", "software_upgrade")
FILE_TYPES = ("firmwarePackage", "softwarePackage")


def _error_code_of(response: HttpResponse) -> str:
    try:
        return str(json.loads(response.content).get("error_code", ""))
    except (ValueError, AttributeError):
        return ""


def _tenant(app_id: str) -> SimulatorTenant | None:
    tenant = SimulatorTenant.objects.filter(kind=KIND, tenant_key=app_id).first()
    if tenant is not None:
        # Unset knobs take the platform's documented flow control; an explicit 0 switches it off.
        tenant.knobs = {**DEFAULT_KNOBS, **(tenant.knobs or {})}
    return tenant


def _app_checked(app_id: object, secret: object) -> SimulatorTenant | JsonResponse:
    if not app_id or not secret or not isinstance(app_id, str) or not isinstance(secret, str):
        return huawei_error("102202")
    tenant = _tenant(app_id)
    if tenant is None or tenant.secret != secret:
        return huawei_error("100208")
    if tenant.knobs.get("frozen"):
        return huawei_error("100247")
    return tenant


def _login_auth(request: HttpRequest) -> SimulatorTenant | JsonResponse:
    if request.method != "POST" or request.content_type != "application/x-www-form-urlencoded":
        return huawei_error("102202")
    return _app_checked(request.POST.get("appId"), request.POST.get("secret"))


def _refresh_auth(request: HttpRequest) -> SimulatorTenant | JsonResponse:
    body = _json_body(request)
    if request.method != "POST" or not isinstance(body, dict) or not body.get("refreshToken"):
        return huawei_error("102202")
    return _app_checked(body.get("appId"), body.get("secret"))


def _business_auth(request: HttpRequest) -> SimulatorTenant | JsonResponse:
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    token_tenant, _reason = token_check(raw.strip() if scheme == "Bearer" else "")
    if token_tenant is None or token_tenant.kind != KIND:
        return huawei_error("1010005")
    # Huawei's header is "app_key". WSGI servers (Django's, gunicorn) and nginx drop headers with underscores, so
    # it usually never reaches this view: it is checked when it arrives, and the token alone names the app otherwise.
    app_key = request.META.get("HTTP_APP_KEY")
    if app_key is not None and app_key != token_tenant.tenant_key:
        return huawei_error("1010005")
    return _tenant(token_tenant.tenant_key) or huawei_error("1010005")


def _endpoint(authenticate: Callable[[HttpRequest], SimulatorTenant | JsonResponse]):
    """The simulator decorator with Huawei's throttle (403 1010009) and outage (500 50252) answers."""
    return simulator_endpoint(
        KIND,
        authenticate=authenticate,
        throttled=lambda request: huawei_error("1010009"),
        outage=lambda request: huawei_error("50252"),
        error_code_of=_error_code_of,
    )


def _json_body(request: HttpRequest) -> object:
    try:
        return json.loads(request.body or b"null")
    except ValueError:
        return None


def _token_answer(tenant: SimulatorTenant) -> JsonResponse:
    # One session per app: the new token replaces every earlier one. The tenant row lock orders concurrent logins,
    # so the last one wins as at Huawei instead of two logins revoking each other's fresh tokens.
    with transaction.atomic():
        SimulatorTenant.objects.select_for_update().get(pk=tenant.pk)
        SimulatorToken.objects.filter(tenant=tenant, revoked=False).update(revoked=True)
        token = token_issue(tenant, with_refresh=True)
    lifetime = round((token.expires_at - token.created_at).total_seconds())
    return JsonResponse(
        {
            "scope": "default",
            "tokenType": "Bearer",
            "expiresIn": lifetime,
            "accessToken": token.token,
            "refreshToken": token.refresh_token,
        }
    )


@_endpoint(_login_auth)
def login(request: HttpRequest, tenant: SimulatorTenant) -> HttpResponse:
    return _token_answer(tenant)


@_endpoint(_refresh_auth)
def refresh_token(request: HttpRequest, tenant: SimulatorTenant) -> HttpResponse:
    body = _json_body(request)
    old = SimulatorToken.objects.filter(tenant=tenant, refresh_token=body["refreshToken"], revoked=False).first()
    if old is None or (timezone.now() - old.created_at).total_seconds() > REFRESH_TOKEN_SECONDS:
        return huawei_error("100022")
    return _token_answer(tenant)


# --- queries ------------------------------------------------------------------------------------------------------


def _page(query: dict, items: list, total: int, key: str = "data") -> JsonResponse:
    return JsonResponse({"totalCount": total, "pageNo": query["pageNo"], "pageSize": query["pageSize"], key: items})


def _sliced(queryset, query: dict):
    start = query["pageNo"] * query["pageSize"]
    return queryset[start : start + query["pageSize"]]


def _refusals(view):
    """Turn a ``Refused`` raised while reading a request into the platform's error answer."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, tenant: SimulatorTenant, **kwargs) -> HttpResponse:
        try:
            return view(request, tenant, **kwargs)
        except Refused as refused:
            return huawei_error(refused.code)

    return wrapped


def _device_json(device: SimulatorDevice) -> dict:
    data = device.data or {}
    return {
        "deviceId": device.device_id,
        "gatewayId": device.device_id,
        "nodeType": "GATEWAY",
        "createTime": huawei_time(device.created_at),
        "lastModifiedTime": huawei_time(device.updated_at),
        "deviceInfo": {
            "nodeId": data.get("nodeId", device.device_id),
            "name": data.get("name", device.device_id),
            "manufacturerName": data.get("manufacturerName", DEFAULT_MANUFACTURER),
            "deviceType": data.get("deviceType", DEFAULT_DEVICE_TYPE),
            "model": device.model,
            "fwVersion": device.firmware_version,
            "protocolType": "CoAP",
            "status": data.get("status", "ONLINE"),
        },
    }


@_endpoint(_business_auth)
@_refusals
def devices(request: HttpRequest, tenant: SimulatorTenant) -> HttpResponse:
    query = query_checked(request, ("appId", "deviceType"))
    if query.get("appId", tenant.tenant_key) != tenant.tenant_key:
        return huawei_error("1010005")
    rows = SimulatorDevice.objects.filter(tenant=tenant).order_by("device_id")
    if "deviceType" in query:
        rows = rows.filter(data__deviceType=query["deviceType"])
    return _page(query, [_device_json(d) for d in _sliced(rows, query)], rows.count(), key="devices")


def _package_json(firmware: SimulatorFirmware) -> dict:
    data = firmware.data or {}
    return {
        "fileId": firmware.firmware_id,
        "name": data.get("name", f"{firmware.firmware_id}.bin"),
        "version": firmware.version,
        "fileType": data.get("fileType", "firmwarePackage"),
        "deviceType": data.get("deviceType", DEFAULT_DEVICE_TYPE),
        # A Huawei package is built for one model; the simulator's first fitted model stands for it.
        "model": (firmware.models_fitted or [""])[0],
        "manufacturerName": data.get("manufacturerName", DEFAULT_MANUFACTURER),
        "protocolType": "CoAP",
        "description": data.get("description", ""),
        "date": huawei_time(firmware.created_at),
        "uploadTime": huawei_time(firmware.created_at),
    }


@_endpoint(_business_auth)
@_refusals
def category(request: HttpRequest, tenant: SimulatorTenant) -> HttpResponse:
    query = query_checked(request, ("fileType", "deviceType", "model", "manufacturerName", "version"))
    if query.get("fileType", FILE_TYPES[0]) not in FILE_TYPES:
        raise Refused("120015")
    packages = [_package_json(f) for f in SimulatorFirmware.objects.filter(tenant=tenant).order_by("firmware_id")]
    filters = {k: v for k, v in query.items() if k not in ("pageNo", "pageSize")}
    packages = [p for p in packages if all(p.get(k) == v for k, v in filters.items())]
    start = query["pageNo"] * query["pageSize"]
    return _page(query, packages[start : start + query["pageSize"]], len(packages))


@_endpoint(_business_auth)
@_refusals
def operations(request: HttpRequest, tenant: SimulatorTenant) -> HttpResponse:
    query = query_checked(
        request, ("operationType", "operationStatus", "deviceType", "model", "manufacturerName", "deviceId")
    )
    if query.get("operationType", OPERATION_TYPES[0]) not in OPERATION_TYPES:
        raise Refused("120015")
    if query.get("operationStatus", TASK_STATUSES[0]) not in TASK_STATUSES:
        raise Refused("120015")
    jobs = SimulatorJob.objects.filter(tenant=tenant).order_by("-created_at", "-id")
    if "deviceId" in query:
        jobs = jobs.filter(job_devices__device_id=query["deviceId"])
    for name, field in (
        ("operationType", "operateType"),
        ("deviceType", "deviceType"),
        ("model", "model"),
        ("manufacturerName", "manufacturerName"),
    ):
        if name in query:
            jobs = jobs.filter(**{f"data__{field}": query[name]})
    if "operationStatus" in query:
        for job in jobs:
            job_advance(job)
        jobs = jobs.filter(status=query["operationStatus"])
    page = list(_sliced(jobs, query))
    for job in page:
        job_advance(job)
    return _page(query, [job_json(job) for job in page], jobs.count())


def _job(tenant: SimulatorTenant, operation_id: str) -> SimulatorJob:
    job = SimulatorJob.objects.filter(tenant=tenant, job_id=operation_id).first()
    if job is None:
        raise Refused("123009")
    return job


@_endpoint(_business_auth)
@_refusals
def operation_detail(request: HttpRequest, tenant: SimulatorTenant, operation_id: str) -> HttpResponse:
    query_checked(request, ())
    job = _job(tenant, operation_id)
    job_advance(job)
    return JsonResponse(job_json(job))


@_endpoint(_business_auth)
@_refusals
def sub_operations(request: HttpRequest, tenant: SimulatorTenant, operation_id: str) -> HttpResponse:
    query = query_checked(request, ("subOperationStatus",))
    if query.get("subOperationStatus", SUBTASK_STATUSES[0]) not in SUBTASK_STATUSES:
        raise Refused("120015")
    job = _job(tenant, operation_id)
    job_advance(job)
    rows = job.job_devices.order_by("device_id")
    if "subOperationStatus" in query:
        rows = rows.filter(status=query["subOperationStatus"])
    return _page(query, [subtask_json(job, row) for row in _sliced(rows, query)], rows.count())


# --- the firmware upgrade task -----------------------------------------------------------------------------------


@_endpoint(_business_auth)
@_refusals
def firmware_upgrade(request: HttpRequest, tenant: SimulatorTenant) -> HttpResponse:
    body = _json_body(request)
    if request.method != "POST" or not isinstance(body, dict) or set(body) - {"fileId", "targets", "policy"}:
        raise Refused("120015")
    if not isinstance(body.get("fileId"), str) or not body["fileId"] or "targets" not in body:
        raise Refused("120015")
    targets, members = targets_checked(tenant, body["targets"])
    policy = policy_checked(body.get("policy"))
    firmware = SimulatorFirmware.objects.filter(tenant=tenant, firmware_id=body["fileId"]).first()
    if firmware is None or (firmware.data or {}).get("fileType", "firmwarePackage") != "firmwarePackage":
        raise Refused("123002")
    package = _package_json(firmware)
    for device in members:
        info = _device_json(device)["deviceInfo"]
        if device.model not in (firmware.models_fitted or []) or any(
            info[key] != package[key] for key in ("deviceType", "manufacturerName")
        ):
            raise Refused("123016")
    job = task_create(
        tenant=tenant, firmware=firmware, package=package, targets=targets, policy=policy, devices=members
    )
    return JsonResponse({"operationId": job.job_id})


def simulator_task_stop(*, tenant: SimulatorTenant, operation_id: str) -> SimulatorJob:
    """Stop a task as an operator would in the OceanConnect portal: unfinished subtasks end as ``stop``."""
    return job_stop(SimulatorJob.objects.get(tenant=tenant, job_id=operation_id))


def seed_demo(tenant: SimulatorTenant, devices: int, models: list[str], versions: list[str]) -> None:
    """Fill a simulated app with ``devices`` NB-IoT devices spread over ``models``, each model on the first version
    and a package for every later version."""
    simulator_devices_add(
        tenant=tenant,
        devices=[
            {
                "device_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{tenant.tenant_key}/{n}")),
                "model": models[n % len(models)],
                "firmware_version": versions[0],
                "data": {"nodeId": f"86{n:013d}", "name": f"meter-{n:05d}", "groups": [f"group-{n % 4}"]},
            }
            for n in range(devices)
        ],
    )
    for model in models:
        for version in versions[1:]:
            simulator_firmware_add(
                tenant=tenant,
                firmware_id=f"{model}-{version}".lower(),
                version=version,
                models=[model],
                data={"name": f"{model} firmware {version}"},
            )


urlpatterns = [
    path(endpoints.route(endpoints.LOGIN), login),
    path(endpoints.route(endpoints.REFRESH_TOKEN), refresh_token),
    path(endpoints.route(endpoints.DEVICES), devices),
    path(endpoints.route(endpoints.CATEGORY), category),
    # Before the task detail route, which would otherwise take "firmwareUpgrade" for an operationId.
    path(endpoints.route(endpoints.FIRMWARE_UPGRADE), firmware_upgrade),
    path(endpoints.route(endpoints.OPERATIONS), operations),
    path(endpoints.route(endpoints.OPERATION), operation_detail),
    path(endpoints.route(endpoints.SUB_OPERATIONS), sub_operations),
]
