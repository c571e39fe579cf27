"""The EnOS Connection Service OTA v2.1 simulator: the APIM token service, signed API calls and the ota-jobs /
ota-firmwares resources, served under ``/simulators/enos/`` with the paths of ``endpoints.py``.

Tenants are ``SimulatorTenant(kind="enos", tenant_key=<appKey>, secret=<appSecret>)``; optional tenant knobs
beyond the common ones: ``org_id`` (the only orgId the tenant accepts), ``cancelled_status`` and ``cancelled_desc``
(what cancelTask turns a task into, default failed / canceled). Devices are ``SimulatorDevice`` rows (device_id =
deviceKey, model = productKey, ``data.assetId``); firmware is ``SimulatorFirmware`` (models_fitted = [productKey],
``data``: name, enableVerification, isVerified, maxAllowedForVerification, minSuccessForVerified).
"""

from __future__ import annotations

import hmac
import json
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.utils import timezone

from vendors.enos import endpoints
from vendors.enos.expression import ExpressionError, matches, parse
from vendors.enos.signing import request_signature, token_encryption
from vendors.enos.simulation import (
    TOKEN_LIFETIME,
    asset_id,
    firmware_info,
    job_advance,
    job_info,
    job_start,
    job_stop,
    new_id,
    task_info,
    tasks_cancel,
    tasks_retry,
    tenant_org,
)
from vendors.enos.validation import EnosFault, device_keys_body, invalid, job_create_body, search_body
from vendors.models import (
    SimulatorDevice,
    SimulatorFirmware,
    SimulatorJob,
    SimulatorJobDevice,
    SimulatorTenant,
    SimulatorToken,
)
from vendors.simulators.base import Knobs, simulator_endpoint, token_issue
from vendors.simulators.services import simulator_devices_add, simulator_firmware_add, simulator_tenant_ensure

KIND = "enos"
# How far apim-timestamp may be from the gateway's clock [U: EnOS checks it (code 497) but publishes no window].
TIMESTAMP_TOLERANCE_MS = 15 * 60 * 1000
TOKEN_BUSINESS = "apim-token-service"

# Expression fields each search supports, with their operators (VENDORS.md §4.2, §4.3; sample code).
JOB_FIELDS = {
    "productKey": ("=", "in"), "firmwareId": ("=", "in"), "firmwareVersion": ("=", "in"),
    "type": ("=",), "status": ("=",), "name": ("like",), "firmwareName": ("like",),
}
TASK_FIELDS = {
    "jobId": ("=", "in"), "deviceKey": ("=", "in"), "fromVersion": ("=", "in"), "toVersion": ("=", "in"),
    "status": ("=", "in"), "desc": ("=", "in"),
}
DEVICE_FIELDS = {"productKey": ("=", "in"), "firmwareVersion": ("=", "in"), "isUpgrading": ("=",)}
FIRMWARE_FIELDS = {  # [S] from EnOS sample code; version and firmwareId assumed [U]
    "productKey": ("=", "in"), "isVerified": ("=",), "name": ("like",), "name.default": ("like",),
    "version": ("=", "in"), "firmwareId": ("=", "in"),
}


# --- answers ------------------------------------------------------------------------------------------------------


def envelope(data: object = None, *, pagination: dict | None = None, code: int = 0, msg: str = "OK",
             http_status: int = 200) -> JsonResponse:
    body: dict = {"code": code, "msg": msg, "requestId": str(uuid.uuid4()), "data": data}
    if pagination is not None:
        body["pagination"] = pagination
    return JsonResponse(body, status=http_status)


def fault_answer(fault: EnosFault) -> JsonResponse:
    return envelope(None, code=fault.code, msg=fault.msg, http_status=fault.http_status)


def token_answer(status: int, msg: str, data: dict | None = None) -> JsonResponse:
    return JsonResponse({"status": status, "msg": msg, "business": TOKEN_BUSINESS, "data": data})


def throttled(request: HttpRequest) -> HttpResponse:
    # EnOS's code list has 429 "Resource Exhausted" [S]; the HTTP status is assumed 429 too [U], which also keeps
    # refused calls out of the simulator's own throttle count.
    return envelope(None, code=429, msg="Resource Exhausted", http_status=429)


def outage(request: HttpRequest) -> HttpResponse:
    return envelope(None, code=503, msg="Service Unavailable", http_status=503)


def error_code_of(response: HttpResponse) -> str:
    try:
        body = json.loads(response.content)
    except ValueError:
        return ""
    code = body.get("code", body.get("status"))
    return "" if code in (None, 0) else str(code)


def _json_body(request: HttpRequest) -> object:
    if not request.body:
        return None
    try:
        return json.loads(request.body)
    except ValueError:
        raise invalid("body") from None


def _page(items: list, page_no: int, page_size: int) -> tuple[list, dict]:
    start = (page_no - 1) * page_size
    return items[start : start + page_size], {
        "sortedBy": None, "pageNo": page_no, "pageSize": page_size, "totalSize": len(items),
    }


def _search(records: list[dict], body: object, *, fields: dict, sorters: bool,
            view: Callable[[dict], dict] | None = None) -> JsonResponse:
    """Filter ``records`` by the body's expression and answer one page of them."""
    expression, page_no, page_size, order = search_body(body, sorters=sorters)
    try:
        clauses = parse(expression, allowed=fields)
    except ExpressionError:
        raise invalid("expression") from None
    found = [record for record in records if matches(clauses, record)]
    for sorter in reversed(order):
        found.sort(key=lambda r: str(r.get(sorter["field"], "")), reverse=sorter.get("order") == "DESC")
    page, pagination = _page(found, page_no, page_size)
    return envelope([view(r) if view else r for r in page], pagination=pagination)


# --- authentication -----------------------------------------------------------------------------------------------


def _token_tenant(request: HttpRequest) -> SimulatorTenant | HttpResponse:
    """The token service checks appKey, timestamp and encryption (status codes from EnOS's token pages)."""
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return token_answer(1004, "Invalid parameter.")
    if not isinstance(body, dict) or not all(body.get(k) not in (None, "") for k in ("appKey", "encryption",
                                                                                         "timestamp")):
        return token_answer(1202, "The parameter is empty.")
    if not isinstance(body["timestamp"], int) or isinstance(body["timestamp"], bool):
        return token_answer(1004, "Invalid parameter.")
    tenant = SimulatorTenant.objects.filter(kind=KIND, tenant_key=str(body["appKey"])).first()
    if tenant is None:
        return token_answer(1002, "The appKey does not exist.")
    expected = token_encryption(app_key=tenant.tenant_key, timestamp=body["timestamp"], app_secret=tenant.secret)
    if not hmac.compare_digest(expected, str(body["encryption"]).lower()):
        return token_answer(1003, "The encryption is not valid.")
    return tenant


def _api_tenant(request: HttpRequest) -> SimulatorTenant | HttpResponse:
    """The gateway checks the access token, the timestamp and the signature over query and body."""
    token = request.headers.get("apim-accesstoken", "")
    record = SimulatorToken.objects.select_related("tenant").filter(token=token, tenant__kind=KIND).first()
    if (
        not token or record is None or record.revoked or record.expires_at <= timezone.now()
    ):
        return envelope(None, code=401, msg="Unauthenticated")
    timestamp = request.headers.get("apim-timestamp", "")
    if not timestamp.isdigit() or abs(int(timestamp) - int(time.time() * 1000)) > TIMESTAMP_TOLERANCE_MS:
        return envelope(None, code=497, msg="App Timestamp Checked Fail")
    expected = request_signature(
        access_token=token, query=request.GET.items(), body=request.body.decode("utf-8", errors="replace"),
        timestamp=timestamp, app_secret=record.tenant.secret,
    )
    if not hmac.compare_digest(expected, request.headers.get("apim-signature", "").lower()):
        return envelope(None, code=497, msg="App Signature Checked Fail")
    return record.tenant


def _token_lifetime(tenant: SimulatorTenant) -> int:
    return int((tenant.knobs or {}).get("token_lifetime") or TOKEN_LIFETIME)


def _token_data(token: SimulatorToken) -> dict:
    return {"accessToken": token.token, "expire": max(int((token.expires_at - timezone.now()).total_seconds()), 1)}


@simulator_endpoint(KIND, authenticate=_token_tenant, throttled=throttled, outage=outage, error_code_of=error_code_of)
def token_get(request: HttpRequest, tenant: SimulatorTenant) -> HttpResponse:
    if request.method != endpoints.TOKEN_GET.method:
        return envelope(None, code=405, msg="Method Not Allowed", http_status=405)
    # EnOS hands back the same token while it is valid.
    current = SimulatorToken.objects.filter(tenant=tenant, revoked=False, expires_at__gt=timezone.now()).first()
    token = current or token_issue(tenant, lifetime=_token_lifetime(tenant))
    return token_answer(0, "SUCCESS", _token_data(token))


@simulator_endpoint(KIND, authenticate=_token_tenant, throttled=throttled, outage=outage, error_code_of=error_code_of)
def token_refresh(request: HttpRequest, tenant: SimulatorTenant) -> HttpResponse:
    if request.method != endpoints.TOKEN_REFRESH.method:
        return envelope(None, code=405, msg="Method Not Allowed", http_status=405)
    raw = json.loads(request.body).get("accessToken")
    if not raw:
        return token_answer(1202, "The parameter is empty.")
    old = SimulatorToken.objects.filter(tenant=tenant, token=raw).first()
    if old is None or old.revoked:
        return token_answer(1204, "Failed to refresh access token.")
    if old.expires_at <= timezone.now():
        return token_answer(1203, "The access token has expired.")
    token = token_issue(tenant, lifetime=_token_lifetime(tenant))
    # The refreshed token replaces the old one [U: EnOS does not say whether the old one stays valid].
    old.revoked = True
    old.save(update_fields=["revoked"])
    return token_answer(0, "SUCCESS", _token_data(token))


# --- OTA jobs -----------------------------------------------------------------------------------------------------


def _org(request: HttpRequest, tenant: SimulatorTenant) -> str:
    org_id = request.GET.get("orgId", "")
    if not org_id:
        raise invalid("orgId")
    if org_id != tenant_org(tenant):
        raise EnosFault(403, "Permission Denied")
    return org_id


def _job(request: HttpRequest, tenant: SimulatorTenant) -> SimulatorJob:
    job_id = request.GET.get("jobId", "")
    if not job_id:
        raise invalid("jobId")
    job = SimulatorJob.objects.filter(tenant=tenant, job_id=job_id).first()
    if job is None:
        raise EnosFault(24404, "Job not found")
    return job


def _firmware(request: HttpRequest, tenant: SimulatorTenant) -> SimulatorFirmware:
    firmware_id = request.GET.get("firmwareId", "")
    if not firmware_id:
        raise invalid("firmwareId")
    firmware = SimulatorFirmware.objects.filter(tenant=tenant, firmware_id=firmware_id).first()
    if firmware is None:
        raise EnosFault(24404, "Firmware not found")
    return firmware


def job_create(request: HttpRequest, tenant: SimulatorTenant, org_id: str) -> JsonResponse:
    firmware = _firmware(request, tenant)
    info = firmware_info(firmware, org_id)
    job = job_create_body(_json_body(request), firmware=info)
    job.update(
        firmwareId=firmware.firmware_id, firmwareVersion=firmware.version, firmwareName=info["name"]["defaultValue"],
        productKey=info["productKey"],
    )
    created = SimulatorJob.objects.create(tenant=tenant, job_id=new_id(), status=endpoints.JOB_STATUS_CREATED,
                                          data=job)
    return envelope({"jobId": created.job_id})


def job_get(request: HttpRequest, tenant: SimulatorTenant, org_id: str) -> JsonResponse:
    return envelope(job_info(_job(request, tenant), org_id))


def job_search(request: HttpRequest, tenant: SimulatorTenant, org_id: str) -> JsonResponse:
    jobs = [job_info(job, org_id) for job in SimulatorJob.objects.filter(tenant=tenant).order_by("created_at")]
    records = [{**info, "name": info["name"]["defaultValue"], "_info": info} for info in jobs]
    return _search(records, _json_body(request), fields=JOB_FIELDS, sorters=True, view=lambda r: r["_info"])


def job_start_view(request: HttpRequest, tenant: SimulatorTenant, org_id: str) -> JsonResponse:
    job_start(_job(request, tenant), Knobs.of(tenant))
    return envelope(None)


def job_stop_view(request: HttpRequest, tenant: SimulatorTenant, org_id: str) -> JsonResponse:
    job = _job(request, tenant)
    job_advance(job, Knobs.of(tenant))
    job_stop(job)
    return envelope(None)


def task_cancel(request: HttpRequest, tenant: SimulatorTenant, org_id: str) -> JsonResponse:
    job = _job(request, tenant)
    tasks_cancel(job, device_keys_body(_json_body(request)), Knobs.of(tenant))
    return envelope(None)


def task_retry(request: HttpRequest, tenant: SimulatorTenant, org_id: str) -> JsonResponse:
    job = _job(request, tenant)
    tasks_retry(job, device_keys_body(_json_body(request)), Knobs.of(tenant))
    return envelope(None)


def _advance_running(tenant: SimulatorTenant, job_ids: list[str] | None = None) -> list[SimulatorJob]:
    jobs = SimulatorJob.objects.filter(tenant=tenant).exclude(status=endpoints.JOB_STATUS_CREATED)
    if job_ids is not None:
        jobs = jobs.filter(job_id__in=job_ids)
    knobs = Knobs.of(tenant)
    jobs = list(jobs)
    for job in jobs:
        job_advance(job, knobs)
    return jobs


def task_search(request: HttpRequest, tenant: SimulatorTenant, org_id: str) -> JsonResponse:
    body = _json_body(request)
    expression = search_body(body, sorters=False)[0]
    try:
        clauses = parse(expression, allowed=TASK_FIELDS)
    except ExpressionError:
        raise invalid("expression") from None
    # Only the jobs the expression names need bringing up to date.
    job_ids = next((c.value if c.op == "in" else [c.value] for c in clauses if c.field == "jobId"), None)
    jobs = {job.pk: job for job in _advance_running(tenant, [str(j) for j in job_ids] if job_ids else None)}
    tasks = SimulatorJobDevice.objects.filter(job__in=list(jobs)).order_by("job__created_at", "device_id")
    records = [task_info(task, jobs[task.job_id], org_id) for task in tasks]
    return _search(records, body, fields=TASK_FIELDS, sorters=False)


# --- firmware and devices -------------------------------------------------------------------------------------------


def firmware_get(request: HttpRequest, tenant: SimulatorTenant, org_id: str) -> JsonResponse:
    return envelope(firmware_info(_firmware(request, tenant), org_id))


def firmware_search(request: HttpRequest, tenant: SimulatorTenant, org_id: str) -> JsonResponse:
    records = []
    for firmware in SimulatorFirmware.objects.filter(tenant=tenant).order_by("created_at", "firmware_id"):
        info = firmware_info(firmware, org_id)
        default_name = info["name"]["defaultValue"]
        records.append({**info, "name": default_name, "name.default": default_name, "_info": info})
    return _search(records, _json_body(request), fields=FIRMWARE_FIELDS, sorters=True, view=lambda r: r["_info"])


def device_upgrade_search(request: HttpRequest, tenant: SimulatorTenant, org_id: str) -> JsonResponse:
    body = _json_body(request)
    search_body(body, sorters=False)
    jobs = _advance_running(tenant)
    upgrading = set(
        SimulatorJobDevice.objects.filter(
            job__in=[job for job in jobs if job.status == endpoints.JOB_STATUS_STARTED],
            status__in=("init", "published", "upgrading"),
        ).values_list("device_id", flat=True)
    )
    records = [
        {
            "orgId": org_id,
            "assetId": asset_id(device),
            "productKey": device.model,
            "deviceKey": device.device_id,
            "firmwareVersion": device.firmware_version,
            "isUpgrading": device.device_id in upgrading,
        }
        for device in SimulatorDevice.objects.filter(tenant=tenant).order_by("model", "device_id")
    ]
    return _search(records, body, fields=DEVICE_FIELDS, sorters=False)


# --- routing --------------------------------------------------------------------------------------------------------

HANDLERS = {
    endpoints.JOB_CREATE: job_create,
    endpoints.JOB_GET: job_get,
    endpoints.JOB_SEARCH: job_search,
    endpoints.JOB_START: job_start_view,
    endpoints.JOB_STOP: job_stop_view,
    endpoints.TASK_CANCEL: task_cancel,
    endpoints.TASK_RETRY: task_retry,
    endpoints.TASK_SEARCH: task_search,
    endpoints.FIRMWARE_GET: firmware_get,
    endpoints.FIRMWARE_SEARCH: firmware_search,
    endpoints.DEVICE_UPGRADE_SEARCH: device_upgrade_search,
}


def _resource_view(resource: str):
    """One view per resource path; the ``action`` query parameter picks the operation, as at EnOS."""
    actions = {endpoint.action: (endpoint, handler) for endpoint, handler in HANDLERS.items()
               if endpoint.path == resource}

    @simulator_endpoint(KIND, authenticate=_api_tenant, throttled=throttled, outage=outage,
                        error_code_of=error_code_of)
    def view(request: HttpRequest, tenant: SimulatorTenant) -> HttpResponse:
        try:
            action = request.GET.get("action", "")
            if action not in actions:
                raise invalid("action")
            endpoint, handler = actions[action]
            if request.method != endpoint.method:
                raise EnosFault(405, "Method Not Allowed", http_status=405)
            return handler(request, tenant, _org(request, tenant))
        except EnosFault as fault:
            return fault_answer(fault)

    view.__name__ = f"enos_{resource.rsplit('/', 1)[-1].replace('-', '_')}"
    return view


urlpatterns = [
    path(endpoints.TOKEN_GET.path.lstrip("/"), token_get, name="enos-token-get"),
    path(endpoints.TOKEN_REFRESH.path.lstrip("/"), token_refresh, name="enos-token-refresh"),
    path(endpoints.OTA_JOBS.lstrip("/"), _resource_view(endpoints.OTA_JOBS), name="enos-ota-jobs"),
    path(endpoints.OTA_FIRMWARES.lstrip("/"), _resource_view(endpoints.OTA_FIRMWARES), name="enos-ota-firmwares"),
]


# --- demo data ------------------------------------------------------------------------------------------------------


def seed_demo(tenant: SimulatorTenant, devices: int, models: list[str], versions: list[str]) -> None:
    """Fill a tenant with ``devices`` devices spread over the products ``models`` (productKeys), each on the first
    version, and one firmware per product and later version."""
    rows = []
    for index in range(devices):
        product = models[index % len(models)]
        rows.append({
            "device_id": f"{product.lower()}-{index:05d}",
            "model": product,
            "firmware_version": versions[0],
            "data": {"assetId": f"a{index:07d}"},
        })
    simulator_devices_add(tenant=tenant, devices=rows)
    for product in models:
        for version in versions[1:]:
            simulator_firmware_add(
                tenant=tenant, firmware_id=f"fw-{product.lower()}-{version}", version=version, models=[product],
                data={"name": f"{product} {version}"},
            )


def seed_tenant(*, app_key: str, app_secret: str, org_id: str, knobs: dict | None = None) -> SimulatorTenant:
    """A simulated EnOS app in one organization (the ``org_id`` knob)."""
    return simulator_tenant_ensure(kind=KIND, tenant_key=app_key, secret=app_secret,
                                   knobs={"org_id": org_id, **(knobs or {})})

