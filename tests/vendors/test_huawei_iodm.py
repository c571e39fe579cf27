"""The Huawei IoDM connector against its simulator, over real HTTP: the full round, throttling, token refresh,
outages, permanent errors, batching, crash reconciliation, status words and the simulator's own validation."""

from __future__ import annotations

import datetime as dt
import shutil
import time
from pathlib import Path

import httpx
import pytest
from django.conf import settings

from campaigns.choices import DEVICE_FINAL_STATES, DeviceState
from tests.factories import VendorAccountFactory
from vendors.connector import DeviceInfo, FirmwareInfo
from vendors.errors import NotSupported, VendorError
from vendors.http import VendorHTTP
from vendors.huawei_iodm import endpoints
from vendors.huawei_iodm.connector import HuaweiConnector
from vendors.huawei_iodm.simulator import seed_demo, simulator_task_stop
from vendors.huawei_iodm.statuses import HUAWEI_STATUS_MAP
from vendors.huawei_iodm.times import huawei_time
from vendors.models import SimulatorJob, SimulatorJobDevice, SimulatorRequest
from vendors.shared_state import TokenStore
from vendors.simulators.services import simulator_devices_add, simulator_firmware_add, simulator_tenant_ensure

APP_ID = "huawei-app-1"
SECRET = "s3cret-of-the-app"
MODEL = "NB-Meter-1"
PACKAGE = FirmwareInfo(vendor_ref="pkg-meter-2", version="2.0.0", models=(MODEL,), name="pkg-meter-2.bin")


def shared_state_clear() -> None:
    """Forget every cached token, push journal and limiter window (Redis keys or state files), nothing else: the
    Celery broker may share the Redis database."""
    if settings.REDIS_URL:
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        for pattern in ("fota:token:*", "fota:token-lock:*", "fota:rl:*"):
            for key in client.scan_iter(match=pattern):
                client.delete(key)
    else:
        shutil.rmtree(Path(settings.VAR_DIR, "vendor-state"), ignore_errors=True)


# HTTP clients a test opened: closed after it, so no kept-alive connection holds a live-server thread (and its
# database session) past the test.
_clients: list[httpx.Client] = []


@pytest.fixture(autouse=True)
def shared_state_cleared():
    """Tokens, push journals and limiter windows of earlier tests (or runs) must not leak into this one."""
    shared_state_clear()
    yield
    while _clients:
        _clients.pop().close()


def connector_for(account) -> HuaweiConnector:
    """A connector as one worker process holds it."""
    connector = HuaweiConnector(account)
    _clients.append(connector.http.client)
    return connector


def huawei_cloud(simulators_url: str, *, devices: int = 3, knobs: dict | None = None, rate_limit: int = 1000):
    """A simulated Huawei app with devices and one package, and a connector for an account pointing at it."""
    tenant = simulator_tenant_ensure(kind="huawei_iodm", tenant_key=APP_ID, secret=SECRET, knobs=knobs or {})
    simulator_devices_add(
        tenant=tenant,
        devices=[{"device_id": f"dev-{n:04d}", "model": MODEL, "firmware_version": "1.0.0"} for n in range(devices)],
    )
    simulator_firmware_add(tenant=tenant, firmware_id=PACKAGE.vendor_ref, version=PACKAGE.version, models=[MODEL])
    account = VendorAccountFactory(
        kind="huawei_iodm",
        base_url=f"{simulators_url}/huawei_iodm",
        rate_limit_calls=rate_limit,
        rate_limit_period_seconds=1,
        credentials={"app_id": APP_ID, "secret": SECRET},
    )
    return tenant, account, connector_for(account)


def calls(path: str, **filters) -> int:
    """How many requests to ``path`` the simulator answered (optionally with a given status or vendor code)."""
    return SimulatorRequest.objects.filter(kind="huawei_iodm", path__endswith=path, **filters).count()


def statuses_until_final(connector: HuaweiConnector, vendor_ref: str, *, within: float = 15.0):
    """Poll a task's subtasks until every device is final; returns the last statuses and every word seen."""
    deadline = time.monotonic() + within
    seen: set[str] = set()
    while True:
        statuses = list(connector.statuses(vendor_ref=vendor_ref))
        seen |= {s.vendor_status for s in statuses}
        if statuses and all(s.state in DEVICE_FINAL_STATES for s in statuses):
            return statuses, seen
        assert time.monotonic() < deadline, f"devices still moving: {seen}"
        time.sleep(0.1)


# --- the connector over real HTTP ----------------------------------------------------------------------------------


def test_a_full_round_lists_pushes_and_follows_every_device_to_a_final_state(simulators_url):
    tenant, account, connector = huawei_cloud(
        simulators_url, devices=130, knobs={"speed": 600, "step_seconds": 60, "failure_rate": 0.4, "seed": 7}
    )

    connector.test_connection()
    devices = list(connector.list_devices())
    firmware = connector.list_firmware()

    assert len(devices) == 130
    assert calls(endpoints.DEVICES) == 2, "130 devices are two pages of 100"
    assert devices[0] == DeviceInfo(
        external_id="dev-0000",
        model=MODEL,
        firmware_version="1.0.0",
        name="dev-0000",
        attributes={
            "nodeId": "dev-0000",
            "deviceType": "WaterMeter",
            "manufacturerName": "Huawei",
            "protocolType": "CoAP",
            "status": "ONLINE",
        },
    )
    assert firmware == [PACKAGE]

    targets = [d.external_id for d in devices[:20]]
    results = connector.push(name="campaign-1/wave-1/push-1", firmware=firmware[0], device_ids=targets, options={})
    assert len(results) == 1 and results[0].device_ids == targets and results[0].started
    connector.start(vendor_ref=results[0].vendor_ref)  # Huawei tasks start on their own: nothing to call

    statuses, seen = statuses_until_final(connector, results[0].vendor_ref)
    assert sorted(s.external_id for s in statuses) == targets
    assert seen & {"wait", "processing"}, "devices pass through the in-flight words before they end"
    failed = [s for s in statuses if s.state == DeviceState.FAILED]
    succeeded = [s for s in statuses if s.state == DeviceState.SUCCEEDED]
    assert failed and succeeded and len(failed) + len(succeeded) == 20
    assert all(s.vendor_status == "fail" and s.error.vendor_message == "Firmware update failed." for s in failed)
    assert all(s.sub_ref and s.error is None for s in succeeded)
    upgraded = {d.external_id for d in connector.list_devices() if d.firmware_version == "2.0.0"}
    assert upgraded == {s.external_id for s in succeeded}

    with pytest.raises(NotSupported, match="no API to stop a firmware upgrade task"):
        connector.cancel(vendor_ref=results[0].vendor_ref, device_ids=targets)
    assert not calls(endpoints.LOGIN, status__gte=400)


def test_a_push_of_257_devices_creates_two_tasks_split_at_256(simulators_url):
    tenant, account, connector = huawei_cloud(simulators_url, devices=257, knobs={"speed": 1})
    device_ids = [f"dev-{n:04d}" for n in range(257)]

    results = connector.push(name="campaign-2/push-1", firmware=PACKAGE, device_ids=device_ids, options={})

    assert [len(r.device_ids) for r in results] == [256, 1]
    assert calls(endpoints.FIRMWARE_UPGRADE, method="POST") == 2
    jobs = SimulatorJob.objects.filter(tenant=tenant).order_by("created_at")
    assert [job.job_devices.count() for job in jobs] == [256, 1]
    assert [r.vendor_ref for r in results] == [job.job_id for job in jobs]
    statuses = list(connector.statuses(vendor_ref=results[0].vendor_ref))
    assert len({s.external_id for s in statuses}) == 256
    assert calls("/subOperations") == 3, "256 subtasks are three pages of 100"


def test_a_throttle_storm_backs_off_and_every_call_succeeds(simulators_url):
    tenant, account, connector = huawei_cloud(simulators_url, knobs={"throttle_limit": 3, "throttle_period": 1.0})

    answers = [connector.list_firmware() for _ in range(8)]

    assert answers == [[PACKAGE]] * 8
    assert calls(endpoints.CATEGORY, status=403, vendor_code="1010009") >= 1
    assert calls(endpoints.LOGIN) == 1, "throttling is not an authentication failure: no new login"


def test_an_invalidated_token_is_replaced_once_and_the_call_succeeds(simulators_url):
    tenant, account, connector = huawei_cloud(simulators_url)
    connector.test_connection()
    # Another client logs in with the same app: Huawei keeps one session per app and drops ours.
    httpx.post(f"{simulators_url}/huawei_iodm{endpoints.LOGIN}", data={"appId": APP_ID, "secret": SECRET})

    assert connector.list_firmware() == [PACKAGE]

    assert calls(endpoints.CATEGORY, vendor_code="1010005") == 1
    assert calls(endpoints.CATEGORY, status=200) == 2
    assert calls(endpoints.LOGIN, status=200) == 3  # ours, the other client's, and ours again


def test_a_token_close_to_expiry_is_renewed_with_the_refresh_token(simulators_url):
    tenant, account, connector = huawei_cloud(simulators_url)
    connector.test_connection()
    # Two seconds before the shared token expires, as every worker sees it.
    tokens = TokenStore(f"account-{account.pk}")
    tokens.set({**tokens.get(), "expires_at": time.time() + 2})

    connector.list_firmware()

    assert calls(endpoints.REFRESH_TOKEN, status=200) == 1
    assert calls(endpoints.LOGIN) == 1
    assert not SimulatorRequest.objects.filter(vendor_code="1010005").exists()


def test_a_wrong_secret_fails_the_connection_test_with_an_explanation(simulators_url):
    tenant, account, connector = huawei_cloud(simulators_url)
    account.set_credentials({"app_id": APP_ID, "secret": "not-the-secret"})
    account.save()

    with pytest.raises(VendorError) as refused:
        connector_for(account).test_connection()

    assert (refused.value.code, refused.value.http_status, refused.value.transient) == ("100208", 401, False)
    assert "app ID or the secret is wrong" in refused.value.explanation
    assert calls(endpoints.LOGIN) == 1


def test_two_workers_share_one_login(simulators_url):
    tenant, account, first = huawei_cloud(simulators_url)
    second = connector_for(account)

    first.test_connection()
    second.test_connection()
    first.list_firmware()

    assert calls(endpoints.LOGIN) == 1
    assert not SimulatorRequest.objects.filter(vendor_code="1010005").exists()


def test_an_outage_on_reads_is_retried_until_the_platform_recovers(simulators_url, settings):
    settings.FOTA_VENDOR_MAX_ATTEMPTS = 40
    settings.FOTA_VENDOR_BACKOFF_BASE_SECONDS = 0.05
    settings.FOTA_VENDOR_BACKOFF_CAP_SECONDS = 0.1
    now = dt.datetime.now(dt.UTC)
    tenant, account, connector = huawei_cloud(
        simulators_url,
        devices=5,
        knobs={
            "outage_start": (now - dt.timedelta(seconds=1)).isoformat(),
            "outage_end": (now + dt.timedelta(seconds=0.8)).isoformat(),
        },
    )

    devices = list(connector.list_devices())

    assert len(devices) == 5
    assert SimulatorRequest.objects.filter(status=500, vendor_code="50252").count() >= 1


def test_a_permanent_error_is_not_retried_and_explains_itself(simulators_url):
    tenant, account, connector = huawei_cloud(simulators_url)
    missing = FirmwareInfo(vendor_ref="pkg-that-was-deleted", version="9.9.9")

    with pytest.raises(VendorError) as unknown_package:
        connector.push(name="campaign-3/push-1", firmware=missing, device_ids=["dev-0000"], options={})
    with pytest.raises(VendorError) as bad_policy:
        connector.push(
            name="campaign-3/push-2", firmware=PACKAGE, device_ids=["dev-0000"], options={"executeType": "later"}
        )

    assert calls(endpoints.FIRMWARE_UPGRADE) == 2, "one request each: no retry of a permanent error"
    error = unknown_package.value
    assert (error.code, error.http_status, error.transient) == ("123002", 404, False)
    assert error.decoded.known and "could not find the firmware package" in error.explanation
    assert bad_policy.value.code == "123025"
    assert "execution type" in bad_policy.value.explanation
    assert not SimulatorJob.objects.exists()


def test_an_unknown_option_is_refused_before_anything_is_sent(simulators_url):
    tenant, account, connector = huawei_cloud(simulators_url)

    with pytest.raises(ValueError, match="executeType, startTime, endTime, retryType, retryTimes"):
        connector.push(name="p", firmware=PACKAGE, device_ids=["dev-0000"], options={"excuteType": "now"})

    assert not SimulatorRequest.objects.exists()


class AnswerLost(httpx.BaseTransport):
    """Delivers every request but loses the answer to the first task creation, as a timeout after sending would."""

    def __init__(self):
        self.inner = httpx.HTTPTransport()
        self.lost = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.method == "POST" and request.url.path.endswith("/firmwareUpgrade") and not self.lost:
            self.lost += 1
            response.read()
            raise httpx.ReadTimeout("the answer was lost", request=request)
        return response


def test_a_create_whose_answer_was_lost_is_reconciled_not_repeated(simulators_url):
    tenant, account, connector = huawei_cloud(simulators_url, devices=4, knobs={"speed": 1})
    client = httpx.Client(base_url=account.base_url, transport=AnswerLost(), timeout=10)
    _clients.append(client)
    connector.http = VendorHTTP(account=account, connector=connector, client=client)
    device_ids = ["dev-0000", "dev-0001", "dev-0002"]

    results = connector.push(name="campaign-4/push-1", firmware=PACKAGE, device_ids=device_ids, options={})

    job = SimulatorJob.objects.get(tenant=tenant)
    assert [(r.vendor_ref, r.device_ids) for r in results] == [(job.job_id, device_ids)]
    assert calls(endpoints.FIRMWARE_UPGRADE) == 1, "the task was found, not created a second time"


def test_pushing_the_same_name_again_creates_nothing_twice(simulators_url):
    tenant, account, connector = huawei_cloud(simulators_url, devices=300, knobs={"speed": 1})
    device_ids = [f"dev-{n:04d}" for n in range(300)]
    first = connector.push(name="campaign-7/push-1", firmware=PACKAGE, device_ids=device_ids, options={})
    # The worker died after Huawei created the second task but before the journal recorded it.
    journal = connector._journal_store("campaign-7/push-1")
    entry = journal.get()
    entry["operations"].pop(first[1].vendor_ref)
    journal.set(entry)

    again = connector_for(account).push(name="campaign-7/push-1", firmware=PACKAGE, device_ids=device_ids, options={})

    assert [(r.vendor_ref, r.device_ids) for r in again] == [(r.vendor_ref, r.device_ids) for r in first]
    assert calls(endpoints.FIRMWARE_UPGRADE) == 2
    assert SimulatorJobDevice.objects.count() == 300, "every device is in exactly one task"


def test_find_push_finds_the_tasks_of_a_push_after_a_crash(simulators_url):
    tenant, account, connector = huawei_cloud(simulators_url, devices=300, knobs={"speed": 1})
    device_ids = [f"dev-{n:04d}" for n in range(300)]
    pushed = connector.push(name="campaign-5/push-1", firmware=PACKAGE, device_ids=device_ids, options={})
    refs = [(r.vendor_ref, r.device_ids) for r in pushed]

    # A new worker, with the push journal...
    assert [
        (r.vendor_ref, r.device_ids)
        for r in connector_for(account).find_push(name="campaign-5/push-1", device_ids=device_ids)
    ] == refs
    # ...and without it: the tasks are found by their exact device sets.
    shared_state_clear()
    found = connector_for(account).find_push(name="campaign-5/push-1", device_ids=device_ids)
    assert [(r.vendor_ref, r.device_ids) for r in found] == refs
    assert connector_for(account).find_push(name="campaign-5/push-2", device_ids=["dev-0299", "dev-0001"]) == []
    assert SimulatorJob.objects.count() == 2


def test_the_demo_seed_gives_an_app_the_connector_can_push_to(simulators_url):
    tenant, account, connector = huawei_cloud(simulators_url, devices=0)
    seed_demo(tenant, 30, ["NB-Meter-A", "NB-Meter-B"], ["1.0.0", "1.1.0"])
    devices = list(connector.list_devices())
    packages = {f.models[0]: f for f in connector.list_firmware() if f.models}
    meters_a = [d.external_id for d in devices if d.model == "NB-Meter-A"]
    meters_b = [d.external_id for d in devices if d.model == "NB-Meter-B"]

    (result,) = connector.push(name="demo/push-1", firmware=packages["NB-Meter-A"], device_ids=meters_a, options={})
    with pytest.raises(VendorError) as mismatch:
        connector.push(name="demo/push-2", firmware=packages["NB-Meter-A"], device_ids=meters_b, options={})

    assert len(devices) == 30 and len(meters_a) == 15 and {d.firmware_version for d in devices} == {"1.0.0"}
    assert result.device_ids == meters_a
    assert mismatch.value.code == "123016" and "does not match the target devices" in mismatch.value.explanation


# --- status words --------------------------------------------------------------------------------------------------


def test_every_huawei_status_word_maps_to_a_common_state_and_unknown_words_stay_unmapped():
    expected = {
        "wait": DeviceState.ASSIGNED,
        "processing": DeviceState.DOWNLOADING,
        "success": DeviceState.SUCCEEDED,
        "fail": DeviceState.FAILED,
        "failed": DeviceState.FAILED,
        "stop": DeviceState.CANCELLED,
        "timeout": DeviceState.FAILED,
    }
    assert set(HUAWEI_STATUS_MAP.words) == set(expected)
    for word, state in expected.items():
        assert HUAWEI_STATUS_MAP(word) == state
        assert HUAWEI_STATUS_MAP(word.upper()) == state, "Huawei samples show upper-case words too"
    assert HUAWEI_STATUS_MAP("paused") is None
    assert HUAWEI_STATUS_MAP("") is None


def test_statuses_map_stopped_and_odd_words_and_keep_unknown_words_raw(simulators_url):
    tenant, account, connector = huawei_cloud(simulators_url, devices=5, knobs={"speed": 0.001})
    device_ids = [f"dev-{n:04d}" for n in range(5)]
    (result,) = connector.push(name="campaign-6/push-1", firmware=PACKAGE, device_ids=device_ids, options={})
    rows = SimulatorJobDevice.objects.filter(job__job_id=result.vendor_ref)
    rows.filter(device_id="dev-0000").update(status="FAIL", detail="Not enough flash memory for the new package.")
    rows.filter(device_id="dev-0001").update(status="timeout", detail="window closed")
    rows.filter(device_id="dev-0002").update(status="paused")
    simulator_task_stop(tenant=tenant, operation_id=result.vendor_ref)

    by_device = {s.external_id: s for s in connector.statuses(vendor_ref=result.vendor_ref)}

    assert by_device["dev-0000"].state == DeviceState.FAILED
    assert by_device["dev-0000"].error.vendor_message == "Not enough flash memory for the new package."
    assert by_device["dev-0001"].state == DeviceState.FAILED and by_device["dev-0001"].error.code == "timeout"
    assert (by_device["dev-0002"].vendor_status, by_device["dev-0002"].state) == ("paused", None)
    assert [by_device[d].state for d in ("dev-0003", "dev-0004")] == [DeviceState.CANCELLED] * 2
    assert by_device["dev-0003"].vendor_status == "stop"


# --- the simulator's contract ---------------------------------------------------------------------------------------


def _session(simulators_url: str) -> httpx.Client:
    base = f"{simulators_url}/huawei_iodm"
    token = httpx.post(f"{base}{endpoints.LOGIN}", data={"appId": APP_ID, "secret": SECRET}).json()["accessToken"]
    client = httpx.Client(base_url=base, headers={"app_key": APP_ID, "Authorization": f"Bearer {token}"})
    _clients.append(client)
    return client


def test_the_simulator_refuses_bad_firmware_upgrade_tasks_with_huawei_codes(simulators_url):
    tenant, account, connector = huawei_cloud(simulators_url, devices=3)
    simulator_devices_add(tenant=tenant, devices=[{"device_id": "other-model", "model": "NB-Tracker-9"}])
    client = _session(simulators_url)
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    devices = {"devices": ["dev-0000"]}
    groups = {"deviceGroups": ["north"], "deviceType": "WaterMeter", "model": MODEL, "manufacturerName": "Huawei"}

    def task(targets: dict = devices, file_id: str = "pkg-meter-2", **policy) -> dict:
        return {"fileId": file_id, "targets": targets, **({"policy": policy} if policy else {})}

    def window(start: dt.datetime, end: dt.datetime, **retry) -> dict:
        return {"executeType": "custom", "startTime": huawei_time(start), "endTime": huawei_time(end), **retry}

    cases = [
        ({**task(), "colour": "red"}, 400, "120015"),
        (task({"devices": "dev-0000"}), 400, "120015"),
        (task({}), 400, "123022"),
        (task({**devices, **groups}), 400, "123023"),
        (task({"devices": [f"d{n}" for n in range(257)]}), 400, "123024"),
        (task({**groups, "manufacturerName": ""}), 400, "123019"),
        (task({k: v for k, v in groups.items() if k != "deviceType"}), 400, "123020"),
        (task({k: v for k, v in groups.items() if k != "model"}), 400, "123021"),
        (task(executeType="later"), 400, "123025"),
        (task(executeType="custom"), 400, "123026"),
        (task(**{**window(soon, soon + dt.timedelta(hours=1)), "startTime": soon.isoformat()}), 400, "123026"),
        (task(executeType="now", retryType=True), 400, "123028"),
        (task(executeType="now", retryType=True, retryTimes=6), 400, "123028"),
        (task(**window(soon, soon - dt.timedelta(hours=1))), 400, "123032"),
        (task(**window(soon - dt.timedelta(hours=2), soon)), 400, "123033"),
        (task(**window(soon, soon + dt.timedelta(minutes=4))), 400, "123034"),
        (task(file_id="pkg-nowhere"), 404, "123002"),
        (task({"devices": ["dev-0000", "dev-9999"]}), 404, "123002"),
        (task({"devices": ["dev-0000", "other-model"]}), 400, "123016"),
    ]

    for body, status, code in cases:
        response = client.post(endpoints.FIRMWARE_UPGRADE, json=body)
        assert (response.status_code, response.json()["error_code"]) == (status, code), body
        assert set(response.json()) == {"error_code", "error_desc"}

    assert not SimulatorJob.objects.exists()
    policy = window(soon, soon + dt.timedelta(minutes=5), retryType=True, retryTimes=5)
    accepted = client.post(endpoints.FIRMWARE_UPGRADE, json=task(**policy))
    assert accepted.status_code == 200 and set(accepted.json()) == {"operationId"}
    task = client.get(endpoints.operation(accepted.json()["operationId"])).json()
    assert task["status"] == "wait" and task["staResult"]["total"] == 1


def test_the_simulator_answers_auth_and_paging_mistakes_like_huawei(simulators_url):
    tenant, account, connector = huawei_cloud(simulators_url)
    base = f"{simulators_url}/huawei_iodm"

    wrong_secret = httpx.post(f"{base}{endpoints.LOGIN}", data={"appId": APP_ID, "secret": "guess"})
    no_secret = httpx.post(f"{base}{endpoints.LOGIN}", data={"appId": APP_ID})
    bad_token = httpx.get(f"{base}{endpoints.CATEGORY}", headers={"app_key": APP_ID, "Authorization": "Bearer x"})
    client = _session(simulators_url)
    page_too_big = client.get(endpoints.CATEGORY, params={"pageNo": 0, "pageSize": 101})
    negative_page = client.get(endpoints.OPERATIONS, params={"pageNo": -1})
    unknown_param = client.get(endpoints.OPERATIONS, params={"deviceID": "dev-0000"})
    unknown_task = client.get(endpoints.sub_operations("no-such-task"))

    assert (wrong_secret.status_code, wrong_secret.json()["error_code"]) == (401, "100208")
    assert (no_secret.status_code, no_secret.json()["error_code"]) == (400, "102202")
    assert bad_token.status_code == 403
    assert bad_token.json() == {"error_code": "1010005", "error_desc": "App_key or access_token is invalid."}
    for response in (page_too_big, negative_page, unknown_param):
        assert (response.status_code, response.json()["error_code"]) == (400, "120015")
    assert unknown_task.status_code == 404
    assert client.get(endpoints.CATEGORY, params={"pageNo": 0, "pageSize": 100}).json()["totalCount"] == 1


def test_the_simulator_throttles_an_app_at_100_calls_a_minute_by_default(simulators_url):
    tenant, account, connector = huawei_cloud(simulators_url)
    client = _session(simulators_url)  # the login is the first of the 100

    answers = [client.get(endpoints.CATEGORY, params={"pageSize": 1}) for _ in range(100)]

    assert [r.status_code for r in answers[:99]] == [200] * 99
    assert answers[99].status_code == 403
    assert answers[99].json() == {"error_code": "1010009", "error_desc": "app throttle exceed."}
