"""The Izuma DM connector against its simulator over real HTTP, and both against the vendor's own OpenAPI document."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import jsonschema
import pytest
from django.utils import timezone

from campaigns.choices import DEVICE_FINAL_STATES, DeviceState
from tests.factories import VendorAccountFactory
from vendors.choices import ErrorCategory, VendorKind
from vendors.connector import FirmwareInfo, connector_for
from vendors.errors import VendorError
from vendors.izuma_dm import statuses
from vendors.izuma_dm.connector import IzumaConnector
from vendors.models import ErrorCatalogEntry, SimulatorJob, SimulatorJobDevice, SimulatorRequest, SimulatorTenant
from vendors.simulators.base import token_issue
from vendors.simulators.services import simulator_devices_add, simulator_firmware_add, simulator_tenant_ensure

SUBSET_FILE = Path(__file__).resolve().parents[1] / "data" / "izuma_openapi_subset.json"
API_KEY = "ak_" + "5c" * 16
DEVICE_CLASS = uuid.uuid5(uuid.NAMESPACE_URL, "izuma-test-device-class").hex
V1 = "2024-01-15T00:00:00.000000Z"
V2 = "2024-06-01T00:00:00.000000Z"
MANIFEST_V1 = "0190" + "1" * 28
MANIFEST_V2 = "0190" + "2" * 28
FAST = {"speed": 600, "step_seconds": 60, "seed": 7}  # a device step takes ~0.1 s of wall time
SLOW = {"speed": 1, "step_seconds": 3600, "seed": 7}  # devices stay where they are for the whole test


def device_id(i: int) -> str:
    return f"0180{i:028x}"


@dataclass
class Izuma:
    tenant: SimulatorTenant
    connector: IzumaConnector
    base_url: str

    @property
    def v2(self) -> FirmwareInfo:
        return FirmwareInfo(vendor_ref=MANIFEST_V2, version=V2, models=(DEVICE_CLASS,))

    def requests(self, path_part: str = "", method: str = "") -> list[SimulatorRequest]:
        rows = SimulatorRequest.objects.filter(tenant=self.tenant, path__contains=path_part)
        return list(rows.filter(method=method) if method else rows)


def izuma_world(simulators_url: str, *, devices: int = 30, knobs: dict | None = None, settings: dict | None = None,
                api_key: str = API_KEY) -> Izuma:
    """A simulated Izuma account (devices on V1, manifests for V1 and V2) and a portal account pointing at it."""
    tenant = simulator_tenant_ensure(kind=VendorKind.IZUMA_DM, tenant_key=API_KEY, knobs=knobs or dict(FAST))
    simulator_devices_add(tenant=tenant, devices=[
        {"device_id": device_id(i), "model": DEVICE_CLASS, "firmware_version": V1,
         "data": {"name": f"meter-{i:03d}", "custom_attributes": {"model": "Meter X"}}}
        for i in range(devices)
    ])
    simulator_firmware_add(tenant=tenant, firmware_id=MANIFEST_V1, version=V1, models=[DEVICE_CLASS],
                           data={"name": "meter v1"})
    simulator_firmware_add(tenant=tenant, firmware_id=MANIFEST_V2, version=V2, models=[DEVICE_CLASS],
                           data={"name": "meter v2"})
    base_url = f"{simulators_url}/izuma_dm"
    account = VendorAccountFactory(kind=VendorKind.IZUMA_DM, base_url=base_url, rate_limit_calls=1000,
                                   settings={"page_limit": 50, **(settings or {})}, credentials={"api_key": api_key})
    return Izuma(tenant=tenant, connector=connector_for(account), base_url=base_url)


def follow(connector: IzumaConnector, vendor_ref: str, *, expected: int, timeout: float = 20.0) -> dict:
    """Read statuses until every device is final; returns the last reading by device id."""
    deadline = time.monotonic() + timeout
    while True:
        reading = {s.external_id: s for s in connector.statuses(vendor_ref=vendor_ref)}
        if len(reading) == expected and all(s.state in DEVICE_FINAL_STATES for s in reading.values()):
            return reading
        assert time.monotonic() < deadline, f"devices not final in time: {reading}"
        time.sleep(0.1)


def catalog_explanation(code: str) -> str:
    return ErrorCatalogEntry.objects.filter(vendor_kind=VendorKind.IZUMA_DM, code=code).first().explanation


# --- the vendor's contract (Swagger 2.0 subset) ---------------------------------------------------------------------

SUBSET = json.loads(SUBSET_FILE.read_text(encoding="utf-8"))


def _strict(node):
    """Swagger 2.0 schema → JSON Schema draft 4: honour ``x-nullable``, and refuse properties the spec does not
    define (so neither the connector nor the simulator invents a field)."""
    if isinstance(node, list):
        return [_strict(n) for n in node]
    if not isinstance(node, dict):
        return node
    node = {k: _strict(v) for k, v in node.items()}
    if node.get("x-nullable") and isinstance(node.get("type"), str):
        node["type"] = [node["type"], "null"]
    if "properties" in node:
        node.setdefault("additionalProperties", False)
    return node


STRICT_DEFINITIONS = _strict(SUBSET["definitions"])


def schema_errors(instance, schema: dict) -> list[str]:
    validator = jsonschema.Draft4Validator({"allOf": [_strict(schema)], "definitions": STRICT_DEFINITIONS})
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(instance)]


def spec_operation(method: str, path: str) -> tuple[str, dict]:
    for template, operations in SUBSET["paths"].items():
        if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), path) and method.lower() in operations:
            return template, operations[method.lower()]
    raise AssertionError(f"{method} {path} is not an operation of the vendor's spec")


def contract_problems(exchange: dict) -> list[str]:
    """Everything in one request/response pair that does not fit the vendor's spec."""
    method, path = exchange["method"], exchange["path"]
    template, operation = spec_operation(method, path)
    where = f"{method} {path}"
    problems = []
    parameters = {p["name"]: p for p in operation.get("parameters", [])}
    for name, value in exchange["query"]:
        param = parameters.get(name)
        if param is None or param["in"] != "query":
            problems.append(f"{where}: query parameter {name} is not in the spec")
            continue
        typed = int(value) if param.get("type") == "integer" else value
        schema = {k: param[k] for k in ("type", "minimum", "maximum", "enum", "minLength", "maxLength") if k in param}
        problems += [f"{where} ?{name}: {e}" for e in schema_errors(typed, schema)]
    for name, value in zip(re.findall(r"\{([^}]+)\}", template), re.fullmatch(
            re.sub(r"\{[^}]+\}", "([^/]+)", template), path).groups(), strict=True):
        schema = {k: parameters[name][k] for k in ("type", "minLength", "maxLength") if k in parameters[name]}
        problems += [f"{where} path {name}: {e}" for e in schema_errors(value, schema)]
    body_param = next((p for p in parameters.values() if p["in"] == "body"), None)
    if exchange["body"] is not None:
        if body_param is None:
            problems.append(f"{where}: sends a body the spec does not take")
        else:
            problems += [f"{where} body: {e}" for e in schema_errors(exchange["body"], body_param["schema"])]
    elif body_param is not None and body_param.get("required"):
        problems.append(f"{where}: the spec requires a body")
    status = str(exchange["status"])
    response = operation["responses"].get(status)
    if response is None:
        problems.append(f"{where}: answered {status}, which the spec does not list")
    elif "schema" in response:
        problems += [f"{where} → {status}: {e}" for e in schema_errors(exchange["response"], response["schema"])]
    elif exchange["status"] < 300 and exchange["response"] is not None:
        problems.append(f"{where} → {status}: the spec defines no body, the simulator sent one")
    if exchange["status"] >= 400:
        problems += [f"{where} → {status}: {e}"
                     for e in schema_errors(exchange["response"], {"$ref": "#/definitions/ErrorResponse"})]
    if not exchange["request_id"]:
        problems.append(f"{where}: no X-Request-ID on the response")
    return problems


class Recorder:
    """Records every request the connector sends and every answer it gets (httpx event hooks)."""

    def __init__(self, client: httpx.Client, base_path: str):
        self.base_path = base_path
        self.exchanges: list[dict] = []
        client.event_hooks = {"request": [], "response": [self.on_response]}

    def on_response(self, response: httpx.Response) -> None:
        response.read()
        request = response.request
        self.exchanges.append({
            "method": request.method,
            "path": request.url.path.removeprefix(self.base_path),
            "query": list(request.url.params.multi_items()),
            "body": json.loads(request.content) if request.content else None,
            "status": response.status_code,
            "response": json.loads(response.content) if response.content else None,
            "request_id": response.headers.get("X-Request-ID", ""),
        })


# --- a full round ---------------------------------------------------------------------------------------------------


def full_round(world: Izuma) -> None:
    connector = world.connector
    connector.test_connection()

    devices = list(connector.list_devices())
    assert [d.external_id for d in devices] == [device_id(i) for i in range(120)]
    assert {d.model for d in devices} == {DEVICE_CLASS}
    assert {d.firmware_version for d in devices} == {V1}
    assert devices[0].name == "meter-000" and devices[0].attributes["state"] == "registered"
    # 120 devices at 50 a page: three pages, each after the last id of the one before.
    assert len(world.requests("/v3/devices/", "GET")) == 3

    firmware = {f.vendor_ref: f for f in connector.list_firmware()}
    assert firmware[MANIFEST_V2].version == V2 and firmware[MANIFEST_V2].models == (DEVICE_CLASS,)
    assert firmware[MANIFEST_V2].name == "meter v2"

    targets = [device_id(i) for i in range(20)]
    [result] = connector.push(name="push-7f3a", firmware=firmware[MANIFEST_V2], device_ids=targets, options={})
    assert result.started is False and result.device_ids == targets
    campaign = SimulatorJob.objects.get(job_id=result.vendor_ref)
    assert campaign.status == statuses.PHASE_DRAFT
    assert campaign.data["device_filter"] == "id__in=" + ",".join(targets)
    assert connector.find_push(name="push-7f3a", device_ids=targets)[0].vendor_ref == result.vendor_ref

    connector.start(vendor_ref=result.vendor_ref)
    connector.start(vendor_ref=result.vendor_ref)  # a repeated start (409 from Izuma) is not an error
    reading = follow(connector, result.vendor_ref, expected=20)

    succeeded = [s for s in reading.values() if s.state == DeviceState.SUCCEEDED]
    failed = [s for s in reading.values() if s.state == DeviceState.FAILED]
    assert succeeded and failed and len(succeeded) + len(failed) == 20
    assert {s.vendor_status for s in succeeded} == {statuses.DEPLOYED}
    assert {s.vendor_status for s in failed} == {statuses.FAILED_CONNECTOR_CHANNEL_UPDATE}
    assert {s.error.code for s in failed} == {"UPD4_FAIL_101"}
    assert "Update error, nonspecific network error" in failed[0].error.vendor_message
    assert all(s.sub_ref for s in reading.values())

    # Deployed devices now report the new version in the device directory.
    versions = {d.external_id: d.firmware_version for d in connector.list_devices()}
    assert {versions[s.external_id] for s in succeeded} == {V2}
    assert {versions[s.external_id] for s in failed} == {V1}

    # The campaign stops on its own once every device is at an end; a cancel then withdraws nothing deployed.
    cancelled = connector.cancel(vendor_ref=result.vendor_ref, device_ids=targets)
    assert set(cancelled.not_withdrawn) == set(targets) and not cancelled.withdrawn


def test_a_full_round_lists_pushes_starts_follows_and_cancels(simulators_url):
    world = izuma_world(simulators_url, devices=120, knobs={**FAST, "failure_rate": 0.5})

    full_round(world)

    campaign = SimulatorJob.objects.get()
    assert campaign.status in (statuses.PHASE_STOPPING, statuses.PHASE_STOPPED)


def test_every_request_and_answer_of_a_full_round_fits_the_vendors_openapi_document(simulators_url):
    world = izuma_world(simulators_url, devices=120, knobs={**FAST, "failure_rate": 0.5})
    recorder = Recorder(world.connector.http.client, httpx.URL(world.base_url).path)

    full_round(world)

    called = {(e["method"], spec_operation(e["method"], e["path"])[0]) for e in recorder.exchanges}
    assert ("POST", "/v3/update-campaigns") in called
    assert ("GET", "/v3/update-campaigns/{campaign_id}/statistics/{summary_status_id}/event_types") in called
    problems = [p for exchange in recorder.exchanges for p in contract_problems(exchange)]
    assert problems == []


def test_the_carried_spec_subset_is_a_valid_swagger_2_document_with_its_origin_noted():
    from openapi_spec_validator import OpenAPIV2SpecValidator

    assert list(OpenAPIV2SpecValidator(SUBSET).iter_errors()) == []
    assert SUBSET["swagger"] == "2.0"
    note = SUBSET["x-origin-note"]
    for fact in ("PelionIoT/mbed-cloud-sdk-javascript", "pelion_dm_public_openapi.yaml", "3aa27e40", "2a4feb33",
                 "2020-04-29", "Apache License 2.0"):
        assert fact in note


# --- statuses -------------------------------------------------------------------------------------------------------


def test_every_deployment_state_of_the_spec_maps_to_one_common_state_and_an_unknown_word_to_none():
    spec_words = SUBSET["definitions"]["CampaignDeviceMetadata"]["properties"]["deployment_state"]["enum"]
    status_map = IzumaConnector.status_map

    assert set(status_map.words) == set(spec_words) == set(statuses.DEPLOYMENT_STATES)
    assert {word: status_map(word) for word in spec_words} == {
        "pending": DeviceState.ASSIGNED,
        "updated_connector_channel": DeviceState.DOWNLOADING,
        "failed_connector_channel_update": DeviceState.FAILED,
        "deployed": DeviceState.SUCCEEDED,
        "manifestremoved": DeviceState.CANCELLED,
        "deregistered": DeviceState.FAILED,
    }
    assert status_map("rebooting") is None
    assert status_map("DEPLOYED") is None  # the vendor's words are lower case; another spelling is not guessed


def test_an_unknown_deployment_state_is_kept_raw_and_left_unmapped(simulators_url):
    world = izuma_world(simulators_url, devices=3, knobs=dict(SLOW))
    [result] = world.connector.push(name="push-raw", firmware=world.v2, device_ids=[device_id(0), device_id(1)],
                                    options={})
    world.connector.start(vendor_ref=result.vendor_ref)
    SimulatorJobDevice.objects.filter(device_id=device_id(1)).update(status="rebooting")

    reading = {s.external_id: s for s in world.connector.statuses(vendor_ref=result.vendor_ref)}

    assert reading[device_id(0)].state == DeviceState.ASSIGNED and reading[device_id(0)].vendor_status == "pending"
    assert reading[device_id(1)].state is None and reading[device_id(1)].vendor_status == "rebooting"


def test_a_deregistered_device_counts_as_failed_with_the_raw_word_kept(simulators_url):
    world = izuma_world(simulators_url, devices=2, knobs=dict(SLOW))
    simulator_devices_add(tenant=world.tenant, devices=[
        {"device_id": device_id(9), "model": DEVICE_CLASS, "firmware_version": V1, "data": {"state": "deregistered"}}
    ])
    [result] = world.connector.push(name="push-dereg", firmware=world.v2, device_ids=[device_id(0), device_id(9)],
                                    options={})
    world.connector.start(vendor_ref=result.vendor_ref)

    reading = {s.external_id: s for s in world.connector.statuses(vendor_ref=result.vendor_ref)}

    assert reading[device_id(9)].vendor_status == "deregistered"
    assert reading[device_id(9)].state == DeviceState.FAILED and reading[device_id(9)].error is not None


# --- batches, reconciliation, cancel --------------------------------------------------------------------------------


def test_a_push_splits_into_one_campaign_per_hundred_devices_exactly_at_the_limit(simulators_url):
    world = izuma_world(simulators_url, devices=101, knobs=dict(SLOW))
    targets = [device_id(i) for i in range(101)]

    results = world.connector.push(name="push-big", firmware=world.v2, device_ids=targets, options={})

    assert IzumaConnector.batch_limit == 100
    assert [len(r.device_ids) for r in results] == [100, 1]
    assert len(world.requests("/v3/update-campaigns", "POST")) == 2
    names = sorted(SimulatorJob.objects.values_list("data__name", flat=True))
    assert names == ["push-big (1/2)", "push-big (2/2)"]
    found = world.connector.find_push(name="push-big", device_ids=targets)
    assert [r.vendor_ref for r in found] == [r.vendor_ref for r in results]
    assert [r.device_ids for r in found] == [targets[:100], targets[100:]]


def test_find_push_finds_nothing_for_a_name_never_pushed(simulators_url):
    world = izuma_world(simulators_url, devices=2)

    assert world.connector.find_push(name="never-pushed", device_ids=[device_id(0)]) == []


class LoseTheFirstCreate(httpx.BaseTransport):
    """Loses the first campaign create: either after Izuma handled it (the answer is lost) or before it arrived."""

    def __init__(self, *, after_sending: bool):
        self.inner = httpx.HTTPTransport()
        self.after_sending = after_sending
        self.lost = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not self.lost and request.method == "POST" and request.url.path.endswith("/v3/update-campaigns"):
            self.lost = True
            if self.after_sending:
                self.inner.handle_request(request).read()
            raise httpx.ReadTimeout("the answer was lost", request=request)
        return self.inner.handle_request(request)


@pytest.mark.parametrize("after_sending", [True, False], ids=["answer-lost", "request-lost"])
def test_a_create_whose_outcome_is_unknown_is_reconciled_by_name_and_never_made_twice(simulators_url, after_sending):
    world = izuma_world(simulators_url, devices=3)
    world.connector.http.client = httpx.Client(base_url=world.base_url, timeout=10,
                                               transport=LoseTheFirstCreate(after_sending=after_sending))

    [result] = world.connector.push(name="push-lost", firmware=world.v2, device_ids=[device_id(0)], options={})

    assert list(SimulatorJob.objects.values_list("job_id", flat=True)) == [result.vendor_ref]
    # The simulator saw exactly one create either way: the lost one, or the one made after finding none.
    assert len(world.requests("/v3/update-campaigns", "POST")) == 1
    assert len(world.requests("/v3/update-campaigns", "GET")) == 1  # the look-up by name


def test_cancel_stops_a_running_campaign_and_withdraws_the_devices_not_yet_deployed(simulators_url):
    world = izuma_world(simulators_url, devices=4, knobs=dict(SLOW))
    targets = [device_id(i) for i in range(4)]
    [result] = world.connector.push(name="push-cancel", firmware=world.v2, device_ids=targets, options={})
    world.connector.start(vendor_ref=result.vendor_ref)
    SimulatorJobDevice.objects.filter(device_id=device_id(3)).update(status=statuses.DEPLOYED)

    cancelled = world.connector.cancel(vendor_ref=result.vendor_ref, device_ids=targets)

    assert sorted(cancelled.withdrawn) == targets[:3]
    assert list(cancelled.not_withdrawn) == [device_id(3)] and "deployed" in cancelled.not_withdrawn[device_id(3)]
    assert len(world.requests("/stop", "POST")) == 1
    reading = {s.external_id: s.state for s in world.connector.statuses(vendor_ref=result.vendor_ref)}
    assert reading == {**{d: DeviceState.CANCELLED for d in targets[:3]}, device_id(3): DeviceState.SUCCEEDED}
    assert SimulatorJob.objects.get().status in (statuses.PHASE_STOPPING, statuses.PHASE_STOPPED)


def test_cancel_of_a_campaign_never_started_deletes_it(simulators_url):
    world = izuma_world(simulators_url, devices=2, knobs=dict(SLOW))
    [result] = world.connector.push(name="push-draft", firmware=world.v2, device_ids=[device_id(0)], options={})

    cancelled = world.connector.cancel(vendor_ref=result.vendor_ref, device_ids=[device_id(0)])

    assert cancelled.withdrawn == [device_id(0)] and not cancelled.not_withdrawn
    assert not SimulatorJob.objects.exists()
    assert world.connector.find_push(name="push-draft", device_ids=[device_id(0)]) == []


# --- throttling, outages, authentication, permanent errors ----------------------------------------------------------


def test_a_throttle_storm_ends_in_back_off_and_success_not_failure(simulators_url):
    world = izuma_world(simulators_url, devices=120, knobs={**FAST, "throttle_limit": 2, "throttle_period": 1.0})

    devices = list(world.connector.list_devices())

    assert len(devices) == 120
    throttled = [r for r in world.requests("/v3/devices/") if r.status == 429]
    assert throttled and {r.vendor_code for r in throttled} == {"too_many_requests"}
    assert len([r for r in world.requests("/v3/devices/") if r.status == 200]) == 3


def test_a_server_outage_on_reads_is_retried_until_it_recovers(simulators_url, settings):
    settings.FOTA_VENDOR_MAX_ATTEMPTS = 12
    now = timezone.now()
    world = izuma_world(simulators_url, devices=2, knobs={
        **FAST, "outage_start": (now - dt.timedelta(seconds=5)).isoformat(),
        "outage_end": (now + dt.timedelta(seconds=1)).isoformat(),
    })

    firmware = world.connector.list_firmware()

    assert {f.vendor_ref for f in firmware} == {MANIFEST_V1, MANIFEST_V2}
    answers = [r.status for r in world.requests("/v3/firmware-manifests/")]
    assert 500 in answers and answers[-1] == 200 and set(answers) == {500, 200}


def test_a_revoked_api_key_is_a_permanent_auth_error_and_is_not_retried(simulators_url):
    # Izuma API keys are static: there is no token to refresh, so a 401 must not be retried or "refreshed".
    world = izuma_world(simulators_url, devices=2, api_key="ak_" + "e1" * 16)
    key = token_issue(world.tenant)
    key.token, key.revoked = "ak_" + "e1" * 16, True
    key.save()

    with pytest.raises(VendorError) as caught:
        world.connector.test_connection()

    error = caught.value
    assert (error.http_status, error.code, error.category) == (401, "invalid_apikey", ErrorCategory.AUTH)
    assert error.permanent and not error.auth_expired
    assert error.explanation == catalog_explanation("invalid_apikey")
    assert SimulatorRequest.objects.filter(status=401).count() == 1


def test_an_expired_access_token_is_refused_as_invalid_token_once(simulators_url):
    world = izuma_world(simulators_url, devices=2)
    token = token_issue(world.tenant, lifetime=60)
    token.expires_at = timezone.now() - dt.timedelta(seconds=1)
    token.save()
    world.connector.account.set_credentials({"api_key": token.token})
    world.connector.account.save()

    with pytest.raises(VendorError) as caught:
        world.connector.test_connection()

    assert (caught.value.code, caught.value.permanent) == ("invalid_token", True)
    assert SimulatorRequest.objects.filter(status=401, vendor_code="invalid_token").count() == 1


def test_a_permanent_validation_error_is_not_retried_and_is_explained_from_the_catalog(simulators_url):
    world = izuma_world(simulators_url, devices=2)
    missing = FirmwareInfo(vendor_ref="f" * 32, version=V2)

    with pytest.raises(VendorError) as caught:
        world.connector.push(name="push-bad", firmware=missing, device_ids=[device_id(0)], options={})

    error = caught.value
    assert (error.http_status, error.code, error.field) == (400, "validation_error", "root_manifest_id")
    assert error.permanent and error.decoded.known
    assert error.explanation == catalog_explanation("validation_error")
    assert "request id" in str(error)
    assert len(world.requests("/v3/update-campaigns", "POST")) == 1
    assert not SimulatorJob.objects.exists()


def test_starting_an_unknown_campaign_comes_back_as_a_decoded_not_found(simulators_url):
    world = izuma_world(simulators_url, devices=2)

    with pytest.raises(VendorError) as caught:
        world.connector.start(vendor_ref="0" * 32)

    assert (caught.value.http_status, caught.value.code, caught.value.category) == (404, "not_found", "not_found")
    assert len(world.requests("/start")) == 1


# --- the simulator's own validation ---------------------------------------------------------------------------------

VALID_CREATE = {"name": "c", "device_filter": f"id__in={device_id(0)}", "root_manifest_id": MANIFEST_V2}


REFUSED = [  # method, path, query, body → status, type, and the field "fields" names
    ("POST", "/v3/update-campaigns", None, {"name": "no filter"}, 400, "validation_error", "device_filter"),
    ("POST", "/v3/update-campaigns", None, {**VALID_CREATE, "device_ids": ["x"]}, 400, "validation_error",
     "device_ids"),
    ("POST", "/v3/update-campaigns", None, {**VALID_CREATE, "name": "n" * 129}, 400, "validation_error", "name"),
    ("POST", "/v3/update-campaigns", None, {**VALID_CREATE, "campaign_strategy": "twice"}, 400,
     "validation_error", "campaign_strategy"),
    ("POST", "/v3/update-campaigns", None, {**VALID_CREATE, "root_manifest_id": "short"}, 400,
     "validation_error", "root_manifest_id"),
    ("POST", "/v3/update-campaigns", None, {**VALID_CREATE, "device_filter": "colour__eq=red"}, 400,
     "validation_error", "device_filter"),
    ("POST", "/v3/update-campaigns", None, {**VALID_CREATE, "autostop_success_percent": 101}, 400,
     "validation_error", "autostop_success_percent"),
    ("GET", "/v3/devices/", {"order": "sideways"}, None, 400, "validation_error", "order"),
    ("GET", "/v3/devices/", {"limit": "many"}, None, 400, "validation_error", "limit"),
    ("GET", "/v3/devices/", {"colour__eq": "red"}, None, 400, "validation_error", "colour__eq"),
    ("GET", "/v3/devices/", {"state__lte": "registered"}, None, 400, "validation_error", "state__lte"),
    ("GET", "/v3/update-campaigns", {"include": "everything"}, None, 400, "validation_error", "include"),
    ("GET", "/v3/update-campaigns/" + "0" * 31, None, None, 400, "validation_error", "campaign_id"),
    ("GET", "/v3/update-campaigns/" + "0" * 32, None, None, 404, "not_found", None),
    ("PUT", "/v3/devices/", None, None, 405, "method_not_supported", None),
    ("GET", "/v3/no-such-thing", None, None, 404, "unrecognized_request", None),
]


def test_the_simulator_refuses_what_izuma_refuses_with_its_error_body(simulators_url):
    world = izuma_world(simulators_url, devices=2)

    for method, path, params, body, status, error_type, field in REFUSED:
        response = httpx.request(method, world.base_url + path, params=params, json=body,
                                 headers={"Authorization": f"Bearer {API_KEY}"})

        payload = response.json()
        case = f"{method} {path} {params or ''} {body or ''}"
        assert (response.status_code, payload["code"], payload["type"], payload["object"]) == (
            status, status, error_type, "error"), case
        assert payload["request_id"] == response.headers["X-Request-ID"], case
        assert schema_errors(payload, {"$ref": "#/definitions/ErrorResponse"}) == [], case
        if field:
            assert field in [f["name"] for f in payload["fields"]], case


def test_the_simulator_answers_401_with_the_documented_type(simulators_url):
    world = izuma_world(simulators_url, devices=2)
    cases = [(None, "invalid_auth"), ("Basic dXNlcjpwYXNz", "invalid_auth"), ("Bearer ak_wrong", "invalid_apikey"),
             ("Bearer not-a-token", "invalid_token")]

    for authorization, error_type in cases:
        headers = {"Authorization": authorization} if authorization else {}
        response = httpx.get(world.base_url + "/v3/devices/", headers=headers)

        assert (response.status_code, response.json()["type"]) == (401, error_type), authorization


def test_the_simulator_clamps_limit_and_counts_on_request(simulators_url):
    world = izuma_world(simulators_url, devices=5)
    headers = {"Authorization": f"Bearer {API_KEY}"}

    big = httpx.get(world.base_url + "/v3/devices", params={"limit": 5000, "include": "total_count"},
                    headers=headers).json()
    small = httpx.get(world.base_url + "/v3/devices/", params={"limit": 1, "order": "DESC"}, headers=headers).json()

    assert (big["limit"], big["total_count"], len(big["data"]), big["has_more"]) == (1000, 5, 5, False)
    assert "after" not in big
    assert (small["limit"], [d["id"] for d in small["data"]], small["has_more"]) == (
        2, [device_id(4), device_id(3)], True)
    assert "total_count" not in small


def test_the_simulator_answers_start_and_stop_in_the_wrong_phase_with_409(simulators_url):
    world = izuma_world(simulators_url, devices=2, knobs=dict(SLOW))
    headers = {"Authorization": f"Bearer {API_KEY}"}
    created = httpx.post(world.base_url + "/v3/update-campaigns", json=VALID_CREATE, headers=headers)
    campaign_id = created.json()["id"]

    stop_draft = httpx.post(f"{world.base_url}/v3/update-campaigns/{campaign_id}/stop", headers=headers)
    start = httpx.post(f"{world.base_url}/v3/update-campaigns/{campaign_id}/start", headers=headers)
    start_again = httpx.post(f"{world.base_url}/v3/update-campaigns/{campaign_id}/start", headers=headers)

    assert (created.status_code, created.json()["phase"]) == (201, "draft")
    assert (start.status_code, start.content) == (202, b"")
    assert (stop_draft.status_code, stop_draft.json()["type"]) == (409, "conflict")
    assert start_again.status_code == 409
    assert start_again.json()["message"] == "Cannot start the campaign while in the current phase."


def test_the_simulators_other_campaign_answers_fit_the_vendors_openapi_document(simulators_url):
    world = izuma_world(simulators_url, devices=4, knobs={**FAST, "failure_rate": 0.5})
    client = httpx.Client(base_url=world.base_url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=10)
    recorder = Recorder(client, httpx.URL(world.base_url).path)
    campaign_id = client.post("/v3/update-campaigns", json={**VALID_CREATE, "description": "all endpoints",
                                                            "when": None, "autostop": True}).json()["id"]
    campaign = f"/v3/update-campaigns/{campaign_id}"

    client.post(f"{campaign}/start")
    deadline = time.monotonic() + 10
    while client.get(campaign).json()["phase"] != "stopped":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    metadata = client.get(f"{campaign}/campaign-device-metadata", params={"include": "total_count"}).json()
    client.get(f"{campaign}/campaign-device-metadata/{metadata['data'][0]['id']}")
    client.get(f"{campaign}/statistics")
    for summary in ("fail", "success", "info", "skipped"):
        client.get(f"{campaign}/statistics/{summary}")
        client.get(f"{campaign}/statistics/{summary}/event_types")
    client.get("/v3/update-campaigns", params={"state__eq": "deployed", "include": "total_count"})
    client.post(f"{campaign}/stop")  # 409: it stopped on its own
    client.delete(campaign)
    client.post(f"{campaign}/start")  # 404: deleted
    client.get("/v3/firmware-manifests/", params={"filter": f"id__eq={MANIFEST_V2}", "limit": 2})

    assert [e["status"] for e in recorder.exchanges[-5:]] == [200, 409, 204, 404, 200]
    assert metadata["total_count"] == 1
    problems = [p for exchange in recorder.exchanges for p in contract_problems(exchange)]
    assert problems == []


def test_seed_demo_builds_an_account_the_connector_reads_with_the_model_from_a_custom_attribute(simulators_url):
    from vendors.izuma_dm.simulator import seed_demo

    seed_demo(api_key=API_KEY, devices=7, models=["Meter X", "Gateway G"], versions=[V1, V2])
    account = VendorAccountFactory(kind=VendorKind.IZUMA_DM, base_url=f"{simulators_url}/izuma_dm",
                                   settings={"model_attribute": "model"}, credentials={"api_key": API_KEY})
    connector = connector_for(account)

    devices = list(connector.list_devices())
    firmware = connector.list_firmware()

    assert len(devices) == 7 and {d.model for d in devices} == {"Meter X", "Gateway G"}
    assert {d.firmware_version for d in devices} == {V1}
    assert len(firmware) == 4 and {f.version for f in firmware} == {V1, V2}
