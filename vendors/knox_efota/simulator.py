"""The Knox E-FOTA simulator: Knox's HTTP contract served from the shared simulator tables (mounted at
``/simulators/knox_efota/``), so an account whose base URL points here is driven exactly like the real cloud."""

from __future__ import annotations

import datetime as dt
import time
import uuid

from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path, re_path
from django.utils import timezone

from vendors.knox_efota import progress, rules
from vendors.knox_efota.endpoints import ENDPOINTS, route
from vendors.knox_efota.simulator_access import knox_endpoint, read_json, respond, token
from vendors.models import SimulatorDevice, SimulatorJob, SimulatorJobDevice, SimulatorTenant
from vendors.simulators.base import Knobs
from vendors.simulators.services import simulator_devices_add, simulator_firmware_add

DEFAULT_PAGE_SIZE = 25  # when a list request names none [U]
LIST_PARAMETERS = frozenset({"pageNum", "pageSize", "search", "sortBy", "sortOrder", "status", "modifiedTimeFrom"})


# --- Campaigns ---------------------------------------------------------------------------------------------------


def _job(tenant: SimulatorTenant, campaign_id: str) -> SimulatorJob | None:
    return SimulatorJob.objects.filter(tenant=tenant, job_id=campaign_id).first()


def _campaign_status(job: SimulatorJob) -> str:
    """Knox derives a campaign's status from its dates, except a cancellation, which is stored."""
    if job.status == "Cancelled":
        return "Cancelled"
    body = job.data["campaign"]
    today = rules.campaign_today(body)
    if dt.date.fromisoformat(body["startDate"]) > today:
        return "Scheduled"
    if body.get("endDate") and dt.date.fromisoformat(body["endDate"]) < today:
        return "Expired"
    return "Active"


def _campaign_json(job: SimulatorJob, device_count: int) -> dict:
    return {
        **job.data["campaign"],
        "campaignId": job.job_id,
        "status": _campaign_status(job),
        "deviceCount": device_count,
        "modified": job.data.get("modified", 0),
    }


def _int_or_none(value: str | None, default: int) -> int | None:
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        return None


@knox_endpoint(POST="ke.campaign:manage", GET="ke.campaign:view")
def campaigns(request: HttpRequest, tenant: SimulatorTenant) -> HttpResponse:
    if request.method == "POST":
        return _campaign_create(request, tenant)
    if request.method == "GET":
        return _campaign_list(request, tenant)
    return respond(rules.WRONG_ACCESS)


def _campaign_create(request: HttpRequest, tenant: SimulatorTenant) -> HttpResponse:
    body, unreadable = read_json(request)
    if unreadable:
        return unreadable
    error = rules.campaign_error(body)
    if error:
        return respond(error)
    assert isinstance(body, dict)
    with transaction.atomic():
        # Serialise creates per tenant, so two at once cannot both take the same name.
        SimulatorTenant.objects.select_for_update().filter(pk=tenant.pk).first()
        if SimulatorJob.objects.filter(tenant=tenant, data__campaign__name=body["name"]).exists():
            return respond(rules.CAMPAIGN_NAME_DUPLICATE)
        job = SimulatorJob.objects.create(
            tenant=tenant, job_id=uuid.uuid4().hex, status="Active",
            data={"campaign": body, "firmwares": [], "modified": int(time.time())},
        )
    return JsonResponse({"campaignId": job.job_id})


def _campaign_list(request: HttpRequest, tenant: SimulatorTenant) -> HttpResponse:
    params = request.GET
    unknown = sorted(set(params) - LIST_PARAMETERS)
    if unknown:
        return respond(rules.bad_request(unknown[0], f"Unknown parameter \"{unknown[0]}\"."))
    page_num = _int_or_none(params.get("pageNum"), 0)
    page_size = _int_or_none(params.get("pageSize"), DEFAULT_PAGE_SIZE)
    if page_num is None or page_num < 0:
        return respond(rules.LIST_PAGE_NUM)
    if page_size is None or page_size < 1:
        return respond(rules.LIST_PAGE_SIZE_LOW)
    if page_size > rules.PAGE_SIZE_MAX:
        return respond(rules.LIST_PAGE_SIZE_HIGH)
    sort_by, order = params.get("sortBy", "modified"), params.get("sortOrder", "DESC")
    if sort_by not in rules.LIST_SORT_FIELDS:
        return respond(rules.LIST_SORT_BY)
    if order not in rules.LIST_SORT_ORDERS:
        return respond(rules.LIST_SORT_ORDER)
    status = params.get("status")
    if status is not None and status not in rules.CAMPAIGN_STATUSES:
        return respond(rules.LIST_STATUS)
    modified_from = _int_or_none(params.get("modifiedTimeFrom"), 0)
    if modified_from is None or modified_from < 0:
        return respond(rules.LIST_MODIFIED_FROM)
    search = params.get("search")
    if search is not None and not search.strip():
        return respond(rules.EMPTY_SEARCH)

    jobs = SimulatorJob.objects.filter(tenant=tenant).annotate(device_count=Count("job_devices"))
    items = [_campaign_json(job, job.device_count) for job in jobs]
    if search is not None:
        items = [c for c in items if search.strip().lower() in c["name"].lower()]
    if status is not None:
        items = [c for c in items if c["status"] == status]
    items = [c for c in items if c["modified"] >= modified_from]
    if not items:
        return respond(rules.NO_CAMPAIGNS)
    key = "name" if sort_by == "campaignName" else sort_by
    items.sort(key=lambda c: (c.get(key) is None, c.get(key) if c.get(key) is not None else "", c["campaignId"]))
    if order == "DESC":
        items.reverse()
    start = page_num * page_size
    return JsonResponse(
        {"campaigns": items[start : start + page_size], "totalCount": len(items), "pageNum": page_num,
         "pageSize": page_size}
    )


@knox_endpoint(GET="ke.campaign:view")
def campaign_detail(request: HttpRequest, tenant: SimulatorTenant, campaign_id: str) -> HttpResponse:
    if request.method != "GET":
        return respond(rules.WRONG_ACCESS)
    job = _job(tenant, campaign_id)
    if job is None:
        return respond(rules.CAMPAIGN_NOT_FOUND)
    return JsonResponse(_campaign_json(job, job.job_devices.count()))


@knox_endpoint(GET="ke.campaign:view", PUT="ke.campaign:manage")
def campaign_firmware_policy(request: HttpRequest, tenant: SimulatorTenant, campaign_id: str) -> HttpResponse:
    if request.method == "GET":
        job = _job(tenant, campaign_id)
        if job is None:
            return respond(rules.POLICY_CAMPAIGN_NOT_FOUND)
        return JsonResponse({"firmwares": job.data.get("firmwares", [])})
    if request.method != "PUT":
        return respond(rules.WRONG_ACCESS)
    body, unreadable = read_json(request)
    if unreadable:
        return unreadable
    error = rules.firmware_policy_error(body)
    if error:
        return respond(error)
    assert isinstance(body, dict)
    job = _job(tenant, campaign_id)
    if job is None:
        return respond(rules.POLICY_CAMPAIGN_UNDEFINED)
    job.data = {**job.data, "firmwares": body["firmwares"], "modified": int(time.time())}
    job.save(update_fields=["data"])
    return JsonResponse({})


def _device_ids_request(
    request: HttpRequest, tenant: SimulatorTenant, campaign_id: str, verb: str
) -> tuple[SimulatorJob | None, list[str], HttpResponse | None]:
    """Checks shared by assign and unassign: the body first (as Knox validates it), then the campaign, then that
    every device is in the account."""
    if request.method != "POST":
        return None, [], respond(rules.WRONG_ACCESS)
    body, unreadable = read_json(request)
    if unreadable:
        return None, [], unreadable
    error = rules.device_ids_error(body, verb=verb)
    if error:
        return None, [], respond(error)
    assert isinstance(body, dict)
    job = _job(tenant, campaign_id)
    if job is None:
        return None, [], respond(rules.WRONG_ACCESS)
    if _campaign_status(job) in ("Cancelled", "Expired"):
        return None, [], respond(rules.resource_conflict(verb))
    device_ids = list(dict.fromkeys(body["deviceIds"]))
    known = SimulatorDevice.objects.filter(tenant=tenant, device_id__in=device_ids).count()
    if known < len(device_ids):
        return None, [], respond(rules.DEVICE_NOT_FOUND)
    return job, device_ids, None


@knox_endpoint(POST="ke.campaign:assign")
def campaign_assign(request: HttpRequest, tenant: SimulatorTenant, campaign_id: str) -> HttpResponse:
    job, device_ids, refused = _device_ids_request(request, tenant, campaign_id, "assign")
    if refused:
        return refused
    assert job is not None
    progress.assign(job, device_ids, Knobs.of(tenant))
    return JsonResponse({})


@knox_endpoint(POST="ke.campaign:assign")
def campaign_unassign(request: HttpRequest, tenant: SimulatorTenant, campaign_id: str) -> HttpResponse:
    job, device_ids, refused = _device_ids_request(request, tenant, campaign_id, "unassign")
    if refused:
        return refused
    assert job is not None
    rows = job.job_devices.filter(device_id__in=device_ids)
    if rows.count() < len(device_ids):
        return respond(rules.DEVICE_NOT_ASSIGNED)
    rows.delete()
    return JsonResponse({})


@knox_endpoint(POST="ke.campaign:delete")
def campaign_cancel(request: HttpRequest, tenant: SimulatorTenant, campaign_id: str) -> HttpResponse:
    if request.method != "POST":
        return respond(rules.WRONG_ACCESS)
    body, unreadable = read_json(request)
    if unreadable:
        return unreadable
    if body not in (None, {}):
        return respond(rules.bad_request("", "Cancelling a campaign takes no request body."))
    job = _job(tenant, campaign_id)
    if job is None:
        return respond(rules.CANCEL_WRONG_ID)
    if job.status != "Cancelled":
        with transaction.atomic():
            # Devices that finished keep their result; the ones still on their way leave the campaign [U].
            readings = _advance_rows(tenant, [(job, row) for row in job.job_devices.all()])
            in_flight = [device_id for device_id, reading in readings.items() if not reading.final]
            job.job_devices.filter(device_id__in=in_flight).delete()
            job.status, job.stopped_at = "Cancelled", timezone.now()
            job.data = {**job.data, "modified": int(time.time())}
            job.save(update_fields=["status", "stopped_at", "data"])
    return JsonResponse({})


# --- Devices and firmware ------------------------------------------------------------------------------------------


def _advance_rows(
    tenant: SimulatorTenant, pairs: list[tuple[SimulatorJob, SimulatorJobDevice]]
) -> dict[str, progress.Reading]:
    ids = [row.device_id for _, row in pairs]
    devices = {d.device_id: d for d in SimulatorDevice.objects.filter(tenant=tenant, device_id__in=ids)}
    return progress.advance(pairs, devices, Knobs.of(tenant))


def _device_json(device: SimulatorDevice, campaign_id: str | None, reading: progress.Reading) -> dict:
    return {
        "deviceId": device.device_id,
        "model": device.model,
        "salesCode": device.data.get("salesCode", ""),
        "csc": device.data.get("csc", ""),
        "firmwareVersion": device.firmware_version,
        "campaignId": campaign_id,
        "operationStatus": reading.operation,
        "clientStatus": reading.client,
        "agentError": reading.agent_error(),
    }


def _search_error(body: object) -> rules.KnoxError | None:
    if not isinstance(body, dict):
        return rules.bad_request("", "Required request body is missing.")
    unknown = sorted(set(body) - {"pageNum", "pageSize", "campaignId", "agentErrorCodes"})
    if unknown:
        return rules.bad_request(unknown[0], f"Unrecognized field \"{unknown[0]}\".")
    for name in ("pageNum", "pageSize"):
        if name in body and not rules.is_int(body[name]):
            return rules.bad_request(name, f"{name} must be an integer.")
    if body.get("pageNum", 0) < 0:
        return rules.DEVICE_PAGE_NUM
    if body.get("pageSize", DEFAULT_PAGE_SIZE) < 1:
        return rules.DEVICE_PAGE_SIZE_LOW
    if body.get("pageSize", DEFAULT_PAGE_SIZE) > rules.PAGE_SIZE_MAX:
        return rules.DEVICE_PAGE_SIZE_HIGH
    if body.get("campaignId") is not None and not isinstance(body["campaignId"], str):
        return rules.bad_request("campaignId", "campaignId must be a string.")
    codes = body.get("agentErrorCodes")
    if codes is not None and (not isinstance(codes, list) or any(not isinstance(c, str | int) for c in codes)):
        return rules.bad_request("agentErrorCodes", "agentErrorCodes must be a list of codes.")
    return None


@knox_endpoint(POST="ke.devices:view")
def devices_search(request: HttpRequest, tenant: SimulatorTenant) -> HttpResponse:
    if request.method != "POST":
        return respond(rules.WRONG_ACCESS)
    body, unreadable = read_json(request)
    if unreadable:
        return unreadable
    error = _search_error(body)
    if error:
        return respond(error)
    assert isinstance(body, dict)
    page_num, page_size = body.get("pageNum", 0), body.get("pageSize", DEFAULT_PAGE_SIZE)
    start = page_num * page_size
    codes = {str(c) for c in body["agentErrorCodes"]} if body.get("agentErrorCodes") is not None else None

    campaign_id = body.get("campaignId")
    if campaign_id is not None:
        job = _job(tenant, campaign_id)
        rows = SimulatorJobDevice.objects.filter(job=job).order_by("device_id")
        if codes is None:  # read only the page: a campaign may hold many thousands of devices
            total, page = rows.count(), list(rows[start : start + page_size])
            readings = _advance_rows(tenant, [(job, row) for row in page])
        else:
            everything = list(rows)
            readings = _advance_rows(tenant, [(job, row) for row in everything])
            matching = [row for row in everything if readings[row.device_id].agent_code in codes]
            total, page = len(matching), matching[start : start + page_size]
        in_page = SimulatorDevice.objects.filter(tenant=tenant, device_id__in=[row.device_id for row in page])
        devices = {d.device_id: d for d in in_page}
        items = [_device_json(devices[row.device_id], campaign_id, readings[row.device_id]) for row in page]
    else:
        all_devices = SimulatorDevice.objects.filter(tenant=tenant).order_by("device_id")
        chosen = list(all_devices) if codes is not None else list(all_devices[start : start + page_size])
        rows = SimulatorJobDevice.objects.filter(job__tenant=tenant, device_id__in=[d.device_id for d in chosen])
        pairs = [(row.job, row) for row in rows.select_related("job")]
        readings = progress.advance(pairs, {d.device_id: d for d in chosen}, Knobs.of(tenant))
        campaign_of = {row.device_id: job.job_id for job, row in pairs}
        entries = [
            _device_json(d, campaign_of.get(d.device_id), readings.get(d.device_id) or progress.idle_reading(d))
            for d in chosen
        ]
        if codes is None:
            total, items = all_devices.count(), entries
        else:
            matching = [e for e in entries if e["agentError"] and e["agentError"]["code"] in codes]
            total, items = len(matching), matching[start : start + page_size]
    return JsonResponse({"devices": items, "totalCount": total, "pageNum": page_num, "pageSize": page_size})


@knox_endpoint(GET="ke.devices:view")
def firmwares(request: HttpRequest, tenant: SimulatorTenant) -> HttpResponse:
    if request.method != "GET":
        return respond(rules.WRONG_ACCESS)
    params = request.GET
    unknown = sorted(set(params) - {"modelName", "carrierCode", "csc", "status", "openedDate"})
    if unknown:
        return respond(rules.bad_request(unknown[0], f"Unknown parameter \"{unknown[0]}\"."))
    for name in ("modelName", "carrierCode", "csc", "status"):
        if not params.get(name, "").strip():
            return respond(rules.firmware_param_missing(name))
    if params["status"] not in rules.FIRMWARE_STATUSES:
        return respond(rules.bad_request("status", f"status must be one of {', '.join(rules.FIRMWARE_STATUSES)}."))
    opened_from = params.get("openedDate")
    if opened_from is not None and rules.parse_date(opened_from) is None:
        return respond(rules.FIRMWARE_OPENED_DATE)
    model, carrier, csc, status = params["modelName"], params["carrierCode"], params["csc"], params["status"]
    found = []
    for firmware in tenant.firmware.order_by("-version"):
        data = firmware.data
        if model not in (firmware.models_fitted or []) or carrier not in data.get("salesCodes", [carrier]):
            continue
        if data.get("csc", csc) != csc or (status != "ALL" and data.get("status", "OPENED") != status):
            continue
        if opened_from and data.get("openedDate", "") < opened_from:
            continue
        found.append({
            "modelName": model, "carrierCode": carrier, "csc": csc, "firmwareVersion": firmware.version,
            "osVersion": data.get("osVersion", ""), "status": data.get("status", "OPENED"),
            "openedDate": data.get("openedDate", ""),
        })
    return JsonResponse({"firmwares": found, "totalCount": len(found)})


@knox_endpoint()
def unknown_path(request: HttpRequest, tenant: SimulatorTenant) -> HttpResponse:
    # Knox answers a wrong path or method with WRONG_ACCESS ("No entry found"), not a 404.
    return respond(rules.WRONG_ACCESS)


urlpatterns = [
    path(route(ENDPOINTS.token), token),
    path(route(ENDPOINTS.campaigns), campaigns),
    path(route(ENDPOINTS.campaign), campaign_detail),
    path(route(ENDPOINTS.campaign_assign), campaign_assign),
    path(route(ENDPOINTS.campaign_unassign), campaign_unassign),
    path(route(ENDPOINTS.campaign_cancel), campaign_cancel),
    path(route(ENDPOINTS.campaign_firmware_policy), campaign_firmware_policy),
    path(route(ENDPOINTS.devices_search), devices_search),
    path(route(ENDPOINTS.firmwares), firmwares),
    re_path(r"^.*$", unknown_path),
]


def seed_demo(
    *,
    tenant: SimulatorTenant,
    devices: int,
    models: list[str],
    versions: list[str],
    sales_codes: tuple[str, ...] = ("XEU", "BTU"),
    csc: str = "OXM",
) -> None:
    """Fill a simulated Knox tenant: ``devices`` phones spread over ``models`` and ``sales_codes``, all on the
    oldest of ``versions``, and every version released for every model (versions sort oldest first)."""
    versions = sorted(versions)
    today = dt.date.today()
    for model in models:
        for age, version in enumerate(reversed(versions)):
            simulator_firmware_add(
                tenant=tenant, firmware_id=f"{model}-{version}", version=version, models=[model],
                data={"salesCodes": list(sales_codes), "csc": csc, "status": "OPENED",
                      "openedDate": (today - dt.timedelta(days=30 * age)).isoformat()},
            )
    simulator_devices_add(
        tenant=tenant,
        devices=[
            {
                # 15 digits, like an IMEI, unique within the tenant.
                "device_id": f"35{tenant.pk % 10000:04d}{index:09d}",
                "model": models[index % len(models)],
                "firmware_version": versions[0],
                "data": {"salesCode": sales_codes[index // len(models) % len(sales_codes)], "csc": csc},
            }
            for index in range(devices)
        ],
    )
