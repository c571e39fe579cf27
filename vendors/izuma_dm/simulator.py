"""The Izuma (Pelion) Device Management simulator: the Update API v3 served for real under /simulators/izuma_dm/.

Same paths as ``endpoints.py``, bearer API keys, the ErrorResponse body on every error, cursor paging, the spec's
request validation (``simulator_paging``), bodies as the spec's definitions (``simulator_render``), and update
campaigns whose devices move through ``deployment_state`` over simulated time (``simulator_cloud``). The tenant is
the API key: ``SimulatorTenant(kind="izuma_dm", tenant_key="ak_...")``. Izuma documents no general rate limit, so
nothing is throttled unless the tenant's ``throttle_limit`` knob is set.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import re_path
from django.utils.dateparse import parse_datetime

from vendors.izuma_dm import endpoints
from vendors.izuma_dm.simulator_cloud import (
    KIND,
    PhaseConflict,
    campaign_archive,
    campaign_counts,
    campaign_create,
    campaign_delete,
    campaign_refresh,
    campaign_start,
    campaign_stop,
    device_filter_parse,
)
from vendors.izuma_dm.simulator_paging import QueryError, list_query, page_body, page_of
from vendors.izuma_dm.simulator_render import (
    CAMPAIGN_DATES,
    CAMPAIGN_FILTERS,
    DEVICE_DATES,
    DEVICE_FILTERS,
    MANIFEST_DATES,
    MANIFEST_FILTERS,
    SUMMARIES,
    campaign_json,
    device_json,
    event_types_json,
    manifest_json,
    metadata_json,
    summary_json,
    time_text,
)
from vendors.models import SimulatorDevice, SimulatorFirmware, SimulatorJob, SimulatorTenant, SimulatorToken
from vendors.simulators.base import simulator_endpoint, token_check
from vendors.simulators.services import simulator_devices_add, simulator_firmware_add, simulator_tenant_ensure

_CAMPAIGN_STRATEGIES = ("one-shot", "continuous")
_LEGACY_STATES = ("draft", "scheduled")


Handler = Callable[..., HttpResponse]


class ApiError(Exception):
    """An answer in Izuma's ErrorResponse shape."""

    def __init__(self, status: int, type_: str, message: str, fields: list[dict] | None = None):
        super().__init__(message)
        self.status = status
        self.type = type_
        self.message = message
        self.fields = fields or []


def _validation(fields: list[dict]) -> ApiError:
    return ApiError(400, "validation_error", "Validation error", fields)


def error_response(request: HttpRequest, error: ApiError) -> JsonResponse:
    # The portal's RequestIDMiddleware sets X-Request-ID on every response, so the body carries the same id.
    request_id = getattr(request, "request_id", "") or uuid.uuid4().hex
    body = {"code": error.status, "message": error.message, "object": "error", "request_id": request_id,
            "type": error.type, "fields": error.fields}
    return JsonResponse(body, status=error.status)


def _authenticate(request: HttpRequest) -> SimulatorTenant | HttpResponse:
    """``Authorization: Bearer <ak_ API key | access token>``, as the seed document describes."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    value = value.strip()
    if scheme != "Bearer" or not value:
        return error_response(request, ApiError(
            401, "invalid_auth", "Authentication failure: provided authorization header is invalid."))
    if value.startswith("ak_"):
        # The account's API key is the tenant key; extra keys of the account are SimulatorTokens (revocable).
        tenant = SimulatorTenant.objects.filter(kind=KIND, tenant_key=value).first()
        if tenant is None:
            key = SimulatorToken.objects.select_related("tenant").filter(token=value, tenant__kind=KIND).first()
            tenant = key.tenant if key is not None and not key.revoked else None
        if tenant is None:
            return error_response(request, ApiError(
                401, "invalid_apikey", "Authentication failure: provided API key is invalid."))
        return tenant
    tenant, _reason = token_check(value)
    if tenant is None or tenant.kind != KIND:
        return error_response(request, ApiError(
            401, "invalid_token", "Authentication failure: provided token is invalid."))
    return tenant


def _throttled(request: HttpRequest) -> HttpResponse:
    # Izuma documents 429 only for its device-request queues; the body type is our assumption ([U]).
    return error_response(request, ApiError(429, "too_many_requests", "Too many requests. Slow down and retry."))


def _outage(request: HttpRequest) -> HttpResponse:
    return error_response(request, ApiError(500, "internal_server_error", "Unexpected internal server error."))


def _error_type(response: HttpResponse) -> str:
    if response.status_code < 400:
        return ""
    try:
        return json.loads(response.content).get("type", "")
    except (ValueError, AttributeError):
        return ""


def _endpoint(**handlers: Handler) -> Callable[..., HttpResponse]:
    """One path of the API: authentication, knobs and logging around a handler per HTTP method."""

    @simulator_endpoint(KIND, authenticate=_authenticate, throttled=_throttled, outage=_outage,
                        error_code_of=_error_type)
    def view(request: HttpRequest, tenant: SimulatorTenant, **kwargs) -> HttpResponse:
        handler = handlers.get(request.method.lower())
        if handler is None:
            return error_response(request, ApiError(
                405, "method_not_supported", "Specified method is not supported by the API."))
        try:
            return handler(request, tenant, **kwargs)
        except QueryError as exc:
            return error_response(request, _validation([{"name": exc.name, "message": exc.message}]))
        except ApiError as exc:
            return error_response(request, exc)

    return view


def _base_url(request: HttpRequest) -> str:
    """The API root as the caller sees it (what ``root_manifest_url`` is built on)."""
    path = request.path
    return request.build_absolute_uri(path[: path.index("/v3/")]) if "/v3/" in path else ""


def _no_query(request: HttpRequest) -> None:
    for key in request.GET:
        raise QueryError(key, f"'{key}' is not a query parameter of this endpoint.")


def _campaign(tenant: SimulatorTenant, campaign_id: str) -> SimulatorJob:
    if len(campaign_id) != 32:
        raise _validation([{"name": "campaign_id", "message": "The campaign ID must be 32 characters long."}])
    job = SimulatorJob.objects.select_related("tenant").filter(tenant=tenant, job_id=campaign_id).first()
    if job is None:
        raise ApiError(404, "not_found", f"Update campaign {campaign_id} was not found.")
    return job


# --- devices and manifests ------------------------------------------------------------------------------------------


def devices_list(request: HttpRequest, tenant: SimulatorTenant) -> HttpResponse:
    # The spec's description of this list shows ``?filter=state%3Dregistered`` too.
    query = list_query(request.GET, filterable=DEVICE_FILTERS, dates=DEVICE_DATES, filter_param=True)
    return JsonResponse(page_of(SimulatorDevice.objects.filter(tenant=tenant), key="device_id", query=query,
                                render=device_json))


def manifests_list(request: HttpRequest, tenant: SimulatorTenant) -> HttpResponse:
    query = list_query(request.GET, filterable=MANIFEST_FILTERS, dates=MANIFEST_DATES, filter_param=True)
    return JsonResponse(page_of(SimulatorFirmware.objects.filter(tenant=tenant), key="firmware_id", query=query,
                                render=manifest_json))


# --- update campaigns -----------------------------------------------------------------------------------------------


def campaigns_list(request: HttpRequest, tenant: SimulatorTenant) -> HttpResponse:
    query = list_query(request.GET, filterable=CAMPAIGN_FILTERS, dates=CAMPAIGN_DATES, filter_param=True)
    base_url = _base_url(request)

    def render(job: SimulatorJob) -> dict:
        return campaign_json(campaign_refresh(job), base_url=base_url)

    return JsonResponse(page_of(SimulatorJob.objects.filter(tenant=tenant).select_related("tenant"), key="job_id",
                                query=query, render=render))


def _check_string(body: dict, name: str, errors: list[dict], *, max_length: int | None = None,
                  exact: int | None = None, choices: tuple[str, ...] = ()) -> None:
    if name not in body:
        return
    value = body[name]
    if not isinstance(value, str):
        errors.append({"name": name, "message": f"{name} must be a string."})
    elif max_length is not None and len(value) > max_length:
        errors.append({"name": name, "message": f"{name} must be at most {max_length} characters long."})
    elif exact is not None and len(value) != exact:
        errors.append({"name": name, "message": f"{name} must be {exact} characters long."})
    elif choices and value not in choices:
        errors.append({"name": name, "message": f"{name} must be one of: {', '.join(choices)}."})


def _manifest_exists(tenant: SimulatorTenant, manifest_id: str) -> bool:
    return SimulatorFirmware.objects.filter(tenant=tenant, firmware_id=manifest_id).exists()


def _campaign_fields(request: HttpRequest, tenant: SimulatorTenant) -> dict:
    """Validate an UpdateCampaignPostRequest as the spec defines it; every problem is reported in ``fields``."""
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        raise ApiError(400, "bad_request", "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "The request body must be a JSON object (UpdateCampaignPostRequest).")
    errors: list[dict] = []
    known = ("approval_required", "autostop", "autostop_success_percent", "campaign_strategy", "description",
             "device_filter", "name", "root_manifest_id", "state", "when")
    errors += [{"name": name, "message": f"Unknown field '{name}'."} for name in body if name not in known]
    if not isinstance(body.get("device_filter"), str) or not body.get("device_filter", "").strip():
        errors.append({"name": "device_filter", "message": "device_filter is required."})
    else:
        try:
            device_filter_parse(body["device_filter"])
        except QueryError as exc:
            errors.append({"name": "device_filter", "message": exc.message})
    _check_string(body, "name", errors, max_length=128)
    _check_string(body, "description", errors, max_length=2000)
    _check_string(body, "root_manifest_id", errors, exact=32)
    _check_string(body, "campaign_strategy", errors, choices=_CAMPAIGN_STRATEGIES)
    _check_string(body, "state", errors, choices=_LEGACY_STATES)
    for name in ("approval_required", "autostop"):
        if name in body and not isinstance(body[name], bool):
            errors.append({"name": name, "message": f"{name} must be true or false."})
    percent = body.get("autostop_success_percent", 100.0)
    if isinstance(percent, bool) or not isinstance(percent, int | float) or not 0 <= percent <= 100:
        errors.append({"name": "autostop_success_percent", "message": "Must be a number from 0 to 100."})
    when = body.get("when")
    if when is not None:
        parsed = parse_datetime(when) if isinstance(when, str) else None
        if parsed is None or parsed.tzinfo is None:
            errors.append({"name": "when", "message": "when must be an RFC 3339 date-time."})
        else:
            body["when"] = time_text(parsed)
    manifest_id = body.get("root_manifest_id")
    if isinstance(manifest_id, str) and len(manifest_id) == 32 and not _manifest_exists(tenant, manifest_id):
        errors.append({"name": "root_manifest_id", "message": f"Firmware manifest {manifest_id} was not found."})
    if errors:
        raise _validation(errors)
    if "autostop_success_percent" in body:
        body["autostop_success_percent"] = float(body["autostop_success_percent"])
    return body


def campaigns_create(request: HttpRequest, tenant: SimulatorTenant) -> HttpResponse:
    job = campaign_create(tenant=tenant, fields=_campaign_fields(request, tenant))
    return JsonResponse(campaign_json(job, base_url=_base_url(request)), status=201)


def campaign_get(request: HttpRequest, tenant: SimulatorTenant, campaign_id: str) -> HttpResponse:
    _no_query(request)
    job = campaign_refresh(_campaign(tenant, campaign_id))
    return JsonResponse(campaign_json(job, base_url=_base_url(request)))


def _phase_action(action: Callable[[SimulatorJob], None]) -> Handler:
    def handler(request: HttpRequest, tenant: SimulatorTenant, campaign_id: str) -> HttpResponse:
        _no_query(request)
        try:
            action(_campaign(tenant, campaign_id))
        except PhaseConflict as exc:
            raise ApiError(409, "conflict", str(exc)) from None
        # 202 with no body (start, stop, archive); the delete answers 204.
        return HttpResponse(status=204 if action is campaign_delete else 202)

    return handler


def campaign_devices_list(request: HttpRequest, tenant: SimulatorTenant, campaign_id: str) -> HttpResponse:
    query = list_query(request.GET)
    job = campaign_refresh(_campaign(tenant, campaign_id))
    return JsonResponse(page_of(job.job_devices.all(), key="sub_id", query=query,
                                render=lambda row: metadata_json(job, row)))


def campaign_device_get(request: HttpRequest, tenant: SimulatorTenant, campaign_id: str,
                        metadata_id: str) -> HttpResponse:
    _no_query(request)
    job = campaign_refresh(_campaign(tenant, campaign_id))
    if len(metadata_id) != 32:
        raise _validation([{"name": "campaign_device_metadata_id", "message": "The ID must be 32 characters long."}])
    row = job.job_devices.filter(sub_id=metadata_id).first()
    if row is None:
        raise ApiError(404, "not_found", f"Campaign device metadata {metadata_id} was not found.")
    return JsonResponse(metadata_json(job, row))


def _summary_id(summary_status_id: str) -> str:
    if summary_status_id not in SUMMARIES:
        raise ApiError(404, "not_found", f"Summary status {summary_status_id} was not found.")
    return summary_status_id


def statistics_list(request: HttpRequest, tenant: SimulatorTenant, campaign_id: str) -> HttpResponse:
    _no_query(request)
    job = campaign_refresh(_campaign(tenant, campaign_id))
    counts = campaign_counts(job)
    data = [summary_json(job, summary_id, counts) for summary_id in SUMMARIES]
    return JsonResponse(page_body(data, list_query(request.GET), has_more=False, total=len(data)))


def statistic_get(request: HttpRequest, tenant: SimulatorTenant, campaign_id: str,
                  summary_status_id: str) -> HttpResponse:
    _no_query(request)
    job = campaign_refresh(_campaign(tenant, campaign_id))
    return JsonResponse(summary_json(job, _summary_id(summary_status_id), campaign_counts(job)))


def event_types_list(request: HttpRequest, tenant: SimulatorTenant, campaign_id: str,
                     summary_status_id: str) -> HttpResponse:
    _no_query(request)
    job = campaign_refresh(_campaign(tenant, campaign_id))
    data = event_types_json(job, _summary_id(summary_status_id))
    return JsonResponse(page_body(data, list_query(request.GET), has_more=False, total=len(data)))


def unrecognized(request: HttpRequest, tenant: SimulatorTenant, **kwargs) -> HttpResponse:
    raise ApiError(404, "unrecognized_request", "Unrecognized request URL, or method not supported by the API.")


_any_method = {m: unrecognized for m in ("get", "post", "put", "patch", "delete", "head", "options")}

urlpatterns = [
    re_path(endpoints.route(endpoints.DEVICES), _endpoint(get=devices_list)),
    re_path(endpoints.route(endpoints.FIRMWARE_MANIFESTS), _endpoint(get=manifests_list)),
    re_path(endpoints.route(endpoints.CAMPAIGNS), _endpoint(get=campaigns_list, post=campaigns_create)),
    re_path(endpoints.route(endpoints.CAMPAIGN_START), _endpoint(post=_phase_action(campaign_start))),
    re_path(endpoints.route(endpoints.CAMPAIGN_STOP), _endpoint(post=_phase_action(campaign_stop))),
    re_path(endpoints.route(endpoints.CAMPAIGN_ARCHIVE), _endpoint(post=_phase_action(campaign_archive))),
    re_path(endpoints.route(endpoints.CAMPAIGN_DEVICES), _endpoint(get=campaign_devices_list)),
    re_path(endpoints.route(endpoints.CAMPAIGN_DEVICE), _endpoint(get=campaign_device_get)),
    re_path(endpoints.route(endpoints.CAMPAIGN_STATISTICS), _endpoint(get=statistics_list)),
    re_path(endpoints.route(endpoints.CAMPAIGN_STATISTIC), _endpoint(get=statistic_get)),
    re_path(endpoints.route(endpoints.CAMPAIGN_EVENT_TYPES), _endpoint(get=event_types_list)),
    re_path(endpoints.route(endpoints.CAMPAIGN), _endpoint(get=campaign_get,
                                                           delete=_phase_action(campaign_delete))),
    re_path(r"^.*$", _endpoint(**_any_method)),
]


# --- demo data ------------------------------------------------------------------------------------------------------


def seed_demo(
    *, api_key: str, devices: int, models: list[str], versions: list[str], knobs: dict | None = None
) -> SimulatorTenant:
    """A simulated Izuma account with ``devices`` devices spread over ``models`` and one manifest per model and
    version. Versions are manifest timestamps (RFC 3339), the way Izuma versions firmware; devices start on the
    first one. A model name becomes a device class id (32 hex, derived from the name), as Izuma identifies models.
    """
    tenant = simulator_tenant_ensure(kind=KIND, tenant_key=api_key, knobs=knobs)
    classes = {model: uuid.uuid5(uuid.NAMESPACE_URL, f"izuma-device-class:{model}").hex for model in models}
    simulator_devices_add(tenant=tenant, devices=[
        {
            "device_id": uuid.uuid5(uuid.NAMESPACE_URL, f"izuma-device:{api_key}:{i}").hex,
            "model": classes[models[i % len(models)]],
            "firmware_version": versions[0],
            "data": {"name": f"{models[i % len(models)]}-{i:05d}",
                     "custom_attributes": {"model": models[i % len(models)]}},
        }
        for i in range(devices)
    ])
    for model in models:
        for version in versions:
            simulator_firmware_add(
                tenant=tenant,
                firmware_id=uuid.uuid5(uuid.NAMESPACE_URL, f"izuma-manifest:{api_key}:{model}:{version}").hex,
                version=version,
                models=[classes[model]],
                data={"name": f"{model} {version}"},
            )
    return tenant
