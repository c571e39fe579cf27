"""The EnOS connector against its simulator over real HTTP: tokens and signatures, paging, jobs and tasks, throttling,
outages, errors decoded from the catalog, batching, cancel, and the simulator's own validation."""

from __future__ import annotations

import datetime as dt
import time
from types import SimpleNamespace

import httpx
import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from campaigns.choices import DEVICE_FINAL_STATES, DeviceState
from vendors.choices import ErrorCategory
from vendors.connector import FirmwareInfo
from vendors.enos import endpoints
from vendors.enos.connector import EnosConnector
from vendors.enos.signing import request_signature, token_encryption
from vendors.enos.simulator import seed_tenant
from vendors.enos.statuses import STATUS_MAP, task_state
from vendors.errors import VendorError
from vendors.models import SimulatorJob, SimulatorJobDevice, SimulatorRequest, SimulatorToken, VendorAccount
from vendors.shared_state import TokenStore
from vendors.simulators.services import simulator_devices_add, simulator_firmware_add, simulator_knobs_set

ORG = "o15475466766371"
APP_KEY = "5acb82e7-a11e-4300-9164-c8b20b638e8b"
APP_SECRET = "app-secret-for-tests"
PRODUCT = "8UhOTwV5"
FAST = {"speed": 6000, "step_seconds": 60, "seed": 7}
JOBS_PATH = f"/simulators/enos{endpoints.OTA_JOBS}"
FIRMWARES_PATH = f"/simulators/enos{endpoints.OTA_FIRMWARES}"
TOKEN_GET_PATH = f"/simulators/enos{endpoints.TOKEN_GET.path}"
TOKEN_REFRESH_PATH = f"/simulators/enos{endpoints.TOKEN_REFRESH.path}"


def _reset_shared_state(account: VendorAccount) -> None:
    """Tokens and limiter windows outlive a test database; start each test without them."""
    if django_settings.REDIS_URL:
        import redis

        redis.Redis.from_url(django_settings.REDIS_URL).flushdb()
    TokenStore(f"account-{account.pk}").delete()


def _account(base_url: str, *, secret: str = APP_SECRET, calls: int = 1000) -> VendorAccount:
    account = VendorAccount(name=f"enos-{secret}", kind="enos", base_url=base_url, settings={"org_id": ORG},
                            rate_limit_calls=calls, rate_limit_period_seconds=1)
    account.set_credentials({"app_key": APP_KEY, "app_secret": secret})
    account.save()
    _reset_shared_state(account)
    return account


def _devices(tenant, count: int, *, start: int = 0, version: str = "1.0") -> list[str]:
    keys = [f"dev-{n:05d}" for n in range(start, start + count)]
    simulator_devices_add(tenant=tenant, devices=[
        {"device_id": key, "model": PRODUCT, "firmware_version": version, "data": {"assetId": f"a{n:07d}"}}
        for n, key in enumerate(keys, start=start)
    ])
    return keys


def _requests(path: str, **filters) -> int:
    return SimulatorRequest.objects.filter(kind="enos", path=path, **filters).count()


@pytest.fixture
def connectors():
    """Builds connectors and closes their HTTP clients afterwards, so the live server's keep-alive threads (and
    their database sessions) end with the test."""
    built: list[EnosConnector] = []

    def build(account: VendorAccount) -> EnosConnector:
        built.append(EnosConnector(account))
        return built[-1]

    yield build
    for connector in built:
        connector.http.close()


@pytest.fixture
def enos(simulators_url, connectors):
    """A simulated EnOS org with one product, an upgrade firmware, and a portal account pointing at it."""
    tenant = seed_tenant(app_key=APP_KEY, app_secret=APP_SECRET, org_id=ORG, knobs=dict(FAST))
    simulator_firmware_add(tenant=tenant, firmware_id="5ee1a91029b990001b9c1001", version="2.0", models=[PRODUCT],
                           data={"name": "ota 2.0"})
    account = _account(f"{simulators_url}/enos")
    firmware = FirmwareInfo(vendor_ref="5ee1a91029b990001b9c1001", version="2.0", models=(PRODUCT,))
    return SimpleNamespace(tenant=tenant, account=account, url=f"{simulators_url}/enos", firmware=firmware,
                           connector=connectors(account))


def _wait_until_final(connector: EnosConnector, job_id: str, expected: int, *, timeout: float = 15.0) -> list:
    deadline = time.monotonic() + timeout
    while True:
        statuses = list(connector.statuses(vendor_ref=job_id))
        if len(statuses) == expected and all(s.state in DEVICE_FINAL_STATES for s in statuses):
            return statuses
        assert time.monotonic() < deadline, f"devices not final: {sorted({s.vendor_status for s in statuses})}"
        time.sleep(0.2)


def _enos_error(call) -> VendorError:
    with pytest.raises(VendorError) as caught:
        call()
    return caught.value


# --- a full round ---------------------------------------------------------------------------------------------------


def test_a_full_round_lists_pushes_starts_and_follows_every_device_to_a_final_state(enos):
    keys = _devices(enos.tenant, 230)
    simulator_knobs_set(tenant=enos.tenant, failure_rate=0.2)
    connector = enos.connector

    connector.test_connection()
    devices = list(connector.list_devices())
    assert sorted(d.external_id for d in devices) == keys  # 3 pages of 100
    assert {d.model for d in devices} == {PRODUCT} and {d.firmware_version for d in devices} == {"1.0"}
    assert devices[0].attributes["assetId"].startswith("a")
    assert connector.list_firmware() == [
        FirmwareInfo(vendor_ref="5ee1a91029b990001b9c1001", version="2.0", models=(PRODUCT,), name="ota 2.0")
    ]

    [result] = connector.push(name="campaign-1-wave-1", firmware=enos.firmware, device_ids=keys,
                              options={"upgradeTimeout": 3600, "maximumConcurrency": 300})
    assert result.started is False and result.device_ids == keys
    job = SimulatorJob.objects.get(job_id=result.vendor_ref)
    assert job.data["name"]["defaultValue"] == "campaign-1-wave-1" and job.data["upgradeTimeout"] == 3600
    assert list(connector.statuses(vendor_ref=result.vendor_ref)) == []  # EnOS makes tasks when the job starts

    connector.start(vendor_ref=result.vendor_ref)
    connector.start(vendor_ref=result.vendor_ref)  # a second start (24615) counts as started
    statuses = _wait_until_final(connector, result.vendor_ref, expected=230)

    by_state = {state: [s for s in statuses if s.state == state] for state in DEVICE_FINAL_STATES}
    assert len(by_state[DeviceState.SUCCEEDED]) + len(by_state[DeviceState.FAILED]) == 230
    assert 10 < len(by_state[DeviceState.FAILED]) < 90
    failed = by_state[DeviceState.FAILED][0]
    assert failed.vendor_status == "failed" and int(failed.error.code) < 0 and failed.error.category == "device"
    assert all(s.sub_ref and s.vendor_status == "succeeded" for s in by_state[DeviceState.SUCCEEDED])
    upgraded = {d.external_id: d.firmware_version for d in connector.list_devices()}
    assert all(upgraded[s.external_id] == "2.0" for s in by_state[DeviceState.SUCCEEDED])

    finished = [s.external_id for s in statuses[:3]]
    cancelled = connector.cancel(vendor_ref=result.vendor_ref, device_ids=finished)
    assert cancelled.withdrawn == [] and set(cancelled.not_withdrawn) == set(finished)
    assert all("24620" in reason for reason in cancelled.not_withdrawn.values())


def test_cancel_withdraws_queued_devices_reports_upgrading_ones_and_stops_the_job(enos):
    keys = _devices(enos.tenant, 10)
    simulator_knobs_set(tenant=enos.tenant, speed=6)  # 10 s a step: queued devices stay queued during the test
    [result] = enos.connector.push(name="cancel-me", firmware=enos.firmware, device_ids=keys, options={})
    enos.connector.start(vendor_ref=result.vendor_ref)
    # Three devices have been at it for a while, so they are upgrading.
    SimulatorJobDevice.objects.filter(job__job_id=result.vendor_ref, device_id__in=keys[:3]).update(
        joined_at=timezone.now() - dt.timedelta(seconds=25)
    )

    outcome = enos.connector.cancel(vendor_ref=result.vendor_ref, device_ids=keys)

    assert sorted(outcome.withdrawn) == keys[3:]
    assert sorted(outcome.not_withdrawn) == keys[:3]
    assert "only init or published tasks can be canceled" in outcome.not_withdrawn[keys[0]]
    statuses = {s.external_id: s for s in enos.connector.statuses(vendor_ref=result.vendor_ref)}
    assert {statuses[k].state for k in keys[3:]} == {DeviceState.CANCELLED}
    assert {statuses[k].vendor_status for k in keys[3:]} == {"failed"}
    assert {statuses[k].state for k in keys[:3]} <= {DeviceState.DOWNLOADING, DeviceState.INSTALLING}
    assert SimulatorJob.objects.get(job_id=result.vendor_ref).status == "stopped"


def test_cancel_before_start_stops_the_whole_job_but_cannot_take_out_single_devices(enos):
    keys = _devices(enos.tenant, 4)
    [result] = enos.connector.push(name="not-started", firmware=enos.firmware, device_ids=keys, options={})

    partial = enos.connector.cancel(vendor_ref=result.vendor_ref, device_ids=keys[:1])
    assert partial.withdrawn == [] and "not been started" in partial.not_withdrawn[keys[0]]

    whole = enos.connector.cancel(vendor_ref=result.vendor_ref, device_ids=[])
    assert sorted(whole.withdrawn) == keys
    assert SimulatorJob.objects.get(job_id=result.vendor_ref).status == "stopped"


# --- resilience -----------------------------------------------------------------------------------------------------


def test_a_throttle_storm_ends_in_back_off_and_success_not_failure(enos):
    keys = _devices(enos.tenant, 250)
    simulator_knobs_set(tenant=enos.tenant, throttle_limit=2, throttle_period=1.0)

    devices = list(enos.connector.list_devices())

    assert len(devices) == len(keys)
    assert _requests(FIRMWARES_PATH, status=429, vendor_code="429") >= 1


def test_an_invalidated_token_is_refreshed_once_and_the_call_succeeds(enos):
    enos.connector.test_connection()
    logins = _requests(TOKEN_GET_PATH)
    SimulatorToken.objects.filter(tenant=enos.tenant).update(revoked=True)

    assert enos.connector.list_firmware()[0].version == "2.0"

    assert _requests(TOKEN_GET_PATH) == logins + 1
    assert _requests(FIRMWARES_PATH, vendor_code="401") == 1


def test_a_token_close_to_its_end_is_renewed_through_the_refresh_endpoint(enos):
    enos.connector.test_connection()
    store = TokenStore(f"account-{enos.account.pk}")
    data = store.get()
    store.set({**data, "expires_at": time.time() + 60})  # inside the 5-minute margin of a 2-hour token

    enos.connector.test_connection()

    assert _requests(TOKEN_REFRESH_PATH, status=200, vendor_code="") == 1
    assert store.get()["access_token"] != data["access_token"]
    assert SimulatorToken.objects.get(token=data["access_token"]).revoked


def test_wrong_credentials_are_refused_once_with_the_token_services_reason(enos, connectors):
    connector = connectors(_account(enos.url, secret="not-the-secret"))

    error = _enos_error(connector.test_connection)

    assert error.code == "1003" and error.category == ErrorCategory.AUTH and not error.transient
    assert _requests(TOKEN_GET_PATH, vendor_code="1003") == 1


def test_an_outage_on_reads_is_retried_and_recovers(enos, connectors, settings):
    # Backoff long enough that five attempts outlast the one-second outage: at least 0.1+0.2+0.4+0.5+0.5 s.
    settings.FOTA_VENDOR_BACKOFF_BASE_SECONDS = 0.2
    settings.FOTA_VENDOR_BACKOFF_CAP_SECONDS = 1.0
    settings.FOTA_VENDOR_MAX_ATTEMPTS = 6
    connector = connectors(enos.account)
    connector.test_connection()
    now = timezone.now()
    simulator_knobs_set(tenant=enos.tenant, outage_start=(now - dt.timedelta(seconds=1)).isoformat(),
                        outage_end=(now + dt.timedelta(seconds=1)).isoformat())

    assert [f.version for f in connector.list_firmware()] == ["2.0"]
    assert _requests(FIRMWARES_PATH, status=503) >= 1


def test_a_permanent_error_is_not_retried_and_comes_back_explained_from_the_catalog(enos):
    keys = _devices(enos.tenant, 2)
    missing = FirmwareInfo(vendor_ref="000000000000000000000000", version="9.9")

    error = _enos_error(lambda: enos.connector.push(name="nope", firmware=missing, device_ids=keys, options={}))

    assert error.code == "24404" and error.vendor_message == "Firmware not found" and not error.transient
    assert error.decoded.known and "firmware" in error.explanation.lower()
    assert _requests(JOBS_PATH) == 1


def test_an_unanswered_create_is_reconciled_by_name_instead_of_created_twice(enos):
    keys = _devices(enos.tenant, 3)
    connector = enos.connector
    connector.reconcile_delay = 0.05
    real = connector.http.client._transport

    class LoseFirstCreateAnswer(httpx.BaseTransport):
        lost = False

        def handle_request(self, request):
            response = real.handle_request(request)
            if request.url.params.get("action") == "create" and not self.lost:
                self.lost = True
                response.read()
                raise httpx.ReadTimeout("answer lost", request=request)
            return response

    connector.http.client._transport = LoseFirstCreateAnswer()

    [result] = connector.push(name="crash-safe", firmware=enos.firmware, device_ids=keys, options={})

    job = SimulatorJob.objects.get(tenant=enos.tenant)
    assert result.vendor_ref == job.job_id and sorted(result.device_ids) == keys


def test_a_push_splits_into_a_second_job_one_device_past_the_batch_limit(enos):
    keys = _devices(enos.tenant, EnosConnector.batch_limit + 1)

    results = enos.connector.push(name="big-wave", firmware=enos.firmware, device_ids=keys, options={})

    assert [len(r.device_ids) for r in results] == [1000, 1]
    jobs = SimulatorJob.objects.filter(tenant=enos.tenant).order_by("created_at")
    assert [len(j.data["upgradeScope"]["deviceKeys"]) for j in jobs] == [1000, 1]
    found = enos.connector.find_push(name="big-wave", device_ids=keys)
    assert {r.vendor_ref for r in found} == {r.vendor_ref for r in results}
    assert enos.connector.find_push(name="big-wav", device_ids=keys) == []  # "like" matches more; exact names only


# --- status words and error reading ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "progress", "desc", "state"),
    [
        ("init", 0, "", DeviceState.ASSIGNED),
        ("published", 0, "", DeviceState.ASSIGNED),
        ("upgrading", 10, "", DeviceState.DOWNLOADING),
        ("upgrading", 49, "", DeviceState.DOWNLOADING),
        ("upgrading", 50, "", DeviceState.INSTALLING),
        ("upgrading", 85, "", DeviceState.INSTALLING),
        ("succeeded", 100, "", DeviceState.SUCCEEDED),
        ("failed", -3, "install failed", DeviceState.FAILED),
        ("failed", 0, "canceled", DeviceState.CANCELLED),
        ("failed", 0, "Task cancelled by user", DeviceState.CANCELLED),
        ("rollingBack", 20, "", None),
    ],
)
def test_every_enos_task_word_maps_to_one_common_state_and_unknown_words_stay_unmapped(status, progress, desc, state):
    assert task_state(status=status, progress=progress, desc=desc) == state


def test_the_status_map_holds_every_documented_task_word():
    assert set(STATUS_MAP.words) == {"init", "published", "upgrading", "succeeded", "failed"}
    assert STATUS_MAP("canceled") is None


def _response(status: int, body: dict | None = None, **headers) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers) if body is not None else httpx.Response(status)


def test_errors_are_read_from_the_envelope_even_on_http_200(catalog):
    connector = EnosConnector(VendorAccount(pk=999, name="offline", kind="enos", base_url="https://apim.example",
                                            rate_limit_calls=10))
    read = connector.error_from_response

    assert read(_response(200, {"code": 0, "msg": "OK", "requestId": "r", "data": {}})) is None
    assert read(_response(200, {"status": 0, "msg": "SUCCESS", "business": "apim-token-service", "data": {}})) is None
    assert read(_response(200, {"code": 429, "msg": "Resource Exhausted"})).throttled
    assert read(_response(429, None)).throttled
    assert read(_response(200, {"code": 401, "msg": "Unauthenticated"})).auth_expired
    assert read(_response(200, {"status": 1203, "msg": "expired"})).category == ErrorCategory.AUTH
    outage = read(_response(503, {"code": 503, "msg": "Service Unavailable"}))
    assert outage.transient and outage.http_status == 503
    assert read(_response(502, None)).transient
    unknown = read(_response(200, {"code": 12345, "msg": "Something new"}))
    assert not unknown.decoded.known and not unknown.transient and unknown.vendor_message == "Something new"


def test_an_envelope_server_error_during_a_create_is_an_unknown_outcome_not_a_retry(catalog):
    from vendors.errors import OutcomeUnknown

    connector = EnosConnector(VendorAccount(pk=998, name="offline2", kind="enos", base_url="https://apim.example",
                                            rate_limit_calls=10))
    with connector._create_in_progress():
        error = connector.error_from_response(_response(200, {"code": 500, "msg": "Internal Server Error"}))
    assert isinstance(error, OutcomeUnknown)
    assert not connector.error_from_response(_response(200, {"code": 500, "msg": "Internal Server Error"})).permanent


# --- the simulator's validation -------------------------------------------------------------------------------------


def _create(connector: EnosConnector, body: dict, firmware_id: str = "5ee1a91029b990001b9c1001") -> dict:
    return connector._call(endpoints.JOB_CREATE, query={"firmwareId": firmware_id}, body=body)


def test_the_simulator_accepts_the_seed_documents_own_create_sample(enos):
    _devices(enos.tenant, 2)
    body = {
        "name": {"defaultValue": "ota-job-test", "i18nValue": {}},
        "type": "upgrade",
        "upgradePolicy": "snapshot",
        "upgradeScope": {"type": "partial", "versionNumbers": ["1.0"], "deviceKeys": ["deviceKey1", "deviceKey2"]},
        "startSchedule": 0,
        "endSchedule": 86399,
        "enableUpgradeRequest": True,
    }
    answer = _create(enos.connector, body)
    assert answer["code"] == 0 and answer["msg"] == "OK" and len(answer["data"]["jobId"]) == 24 and answer["requestId"]


@pytest.mark.parametrize(
    ("change", "code", "msg"),
    [
        ({"upgradeTimeout": 299}, "415", "Parameter Out Of Range upgradeTimeout"),
        ({"upgradeTimeout": 172_801}, "415", "Parameter Out Of Range upgradeTimeout"),
        ({"enableUpgradeRequest": None}, "400", "Invalid Argument enableUpgradeRequest"),
        ({"deviceList": ["d1"]}, "400", "Invalid Argument deviceList"),
        ({"upgradePolicy": "eventually"}, "400", "Invalid Argument upgradePolicy"),
        ({"type": "verify", "upgradeScope": {"type": "total"}, "upgradePolicy": None, "enableUpgradeRequest": None},
         "24611", "upgradeScope type total is not allowed for verification task"),
        ({"type": "verify", "upgradeScope": {"type": "partial", "deviceKeys": [f"d{n}" for n in range(11)]},
          "upgradePolicy": None, "enableUpgradeRequest": None},
         "24612", "Exceeded max verification deviceKeys, max[10]"),
    ],
)
def test_the_simulator_refuses_a_bad_job_like_enos(enos, change, code, msg):
    body = {"name": {"defaultValue": "bad"}, "type": "upgrade", "upgradePolicy": "snapshot",
            "enableUpgradeRequest": False, "upgradeScope": {"type": "partial", "deviceKeys": ["d1"]}}
    body.update(change)
    body = {key: value for key, value in body.items() if value is not None}

    error = _enos_error(lambda: _create(enos.connector, body))

    assert (error.code, error.vendor_message, error.http_status) == (code, msg, 200)


def test_the_simulator_refuses_an_upgrade_of_unverified_firmware(enos):
    simulator_firmware_add(tenant=enos.tenant, firmware_id="f" * 24, version="3.0", models=[PRODUCT],
                           data={"enableVerification": True, "isVerified": False})
    body = {"type": "upgrade", "upgradePolicy": "snapshot", "enableUpgradeRequest": False,
            "upgradeScope": {"type": "partial", "deviceKeys": ["d1"]}}

    error = _enos_error(lambda: _create(enos.connector, body, firmware_id="f" * 24))

    assert error.code == "24610" and error.category == "conflict"


def test_the_simulator_enforces_job_and_task_state_rules(enos):
    keys = _devices(enos.tenant, 2)
    simulator_knobs_set(tenant=enos.tenant, speed=6)
    [result] = enos.connector.push(name="rules", firmware=enos.firmware, device_ids=keys, options={})
    job = {"jobId": result.vendor_ref}
    call = enos.connector._call

    assert _enos_error(lambda: call(endpoints.TASK_CANCEL, query=job, body={"deviceKeys": keys})).code == "24617"
    call(endpoints.JOB_START, query=job)
    assert _enos_error(lambda: call(endpoints.JOB_START, query=job)).code == "24615"
    assert _enos_error(lambda: call(endpoints.TASK_RETRY, query=job, body={"deviceKeys": keys})).code == "24621"
    assert _enos_error(lambda: call(endpoints.JOB_GET, query={"jobId": "0" * 24})).vendor_message == "Job not found"
    call(endpoints.JOB_STOP, query=job)
    assert _enos_error(lambda: call(endpoints.JOB_STOP, query=job)).code == "24616"


def test_the_simulator_pages_like_enos_and_refuses_sorters_and_oversized_pages(enos):
    _devices(enos.tenant, 12)
    call = enos.connector._call

    answer = call(endpoints.DEVICE_UPGRADE_SEARCH, body={"expression": f"productKey = '{PRODUCT}'"})
    assert len(answer["data"]) == 10  # the default page
    assert answer["pagination"] == {"sortedBy": None, "pageNo": 1, "pageSize": 10, "totalSize": 12}
    assert call(endpoints.DEVICE_UPGRADE_SEARCH, body={"expression": "isUpgrading = true"})["data"] == []

    oversized = {"pagination": {"pageNo": 1, "pageSize": 201}}
    assert _enos_error(lambda: call(endpoints.TASK_SEARCH, body=oversized)).vendor_message == (
        "Parameter Out Of Range pagination.pageSize"
    )
    sorted_body = {"pagination": {"pageNo": 1, "pageSize": 10, "sorters": [{"field": "status", "order": "ASC"}]}}
    assert _enos_error(lambda: call(endpoints.TASK_SEARCH, body=sorted_body)).code == "400"
    bad_field = {"expression": "colour = 'red'"}
    assert _enos_error(lambda: call(endpoints.TASK_SEARCH, body=bad_field)).vendor_message == (
        "Invalid Argument expression"
    )


def test_the_simulator_checks_the_signature_over_query_and_body(enos):
    enos.connector.test_connection()
    token = enos.connector._token
    timestamp = str(int(time.time() * 1000))
    params = {"action": "search", "orgId": ORG}
    body = '{"pagination":{"pageNo":1,"pageSize":1}}'
    good = request_signature(access_token=token, query=params.items(), body=body, timestamp=timestamp,
                             app_secret=APP_SECRET)

    def send(signature: str) -> dict:
        return httpx.post(f"{enos.url}{endpoints.OTA_FIRMWARES}", params=params, content=body,
                          headers={"apim-accesstoken": token, "apim-timestamp": timestamp,
                                   "apim-signature": signature, "Content-Type": "application/json"}).json()

    assert send(good)["code"] == 0
    tampered = send(good[:-1] + ("0" if good[-1] != "0" else "1"))
    assert (tampered["code"], tampered["msg"]) == (497, "App Signature Checked Fail")


def test_the_token_service_answers_in_its_own_shape(enos):
    timestamp = int(time.time() * 1000)
    body = {"appKey": APP_KEY, "timestamp": timestamp,
            "encryption": token_encryption(app_key=APP_KEY, timestamp=timestamp, app_secret=APP_SECRET)}

    first = httpx.post(f"{enos.url}{endpoints.TOKEN_GET.path}", json=body).json()
    again = httpx.post(f"{enos.url}{endpoints.TOKEN_GET.path}", json=body).json()
    unknown = httpx.post(f"{enos.url}{endpoints.TOKEN_GET.path}", json={**body, "appKey": "nobody"}).json()

    assert first["status"] == 0 and first["business"] == "apim-token-service" and first["data"]["expire"] > 7000
    assert again["data"]["accessToken"] == first["data"]["accessToken"]  # the same token while it is valid
    assert unknown["status"] == 1002
