"""Knox E-FOTA over real HTTP: the connector against its simulator (a full round, throttling, token expiry, outages,
permanent errors, batching, reconciling a lost create, cancel), the status words, and the simulator's documented
validation."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter

import httpx
import pytest
from django.utils import timezone

from campaigns.choices import DEVICE_FINAL_STATES, DeviceState
from tests.factories import VendorAccountFactory
from vendors.connector import DeviceStatus, FirmwareInfo
from vendors.errors import VendorError
from vendors.http import VendorHTTP
from vendors.knox_efota import progress
from vendors.knox_efota.connector import KnoxConnector, firmware_ref
from vendors.knox_efota.simulator import seed_demo
from vendors.knox_efota.statuses import KNOX_STATUS_MAP
from vendors.models import (
    SimulatorDevice,
    SimulatorFirmware,
    SimulatorJob,
    SimulatorJobDevice,
    SimulatorRequest,
    SimulatorToken,
    VendorAccount,
)
from vendors.services import error_decode
from vendors.shared_state import TokenStore
from vendors.simulators.base import Knobs
from vendors.simulators.services import simulator_devices_add, simulator_knobs_set, simulator_tenant_ensure

OLD, NEW = "G991BXXU5DVK1", "G991BXXU9EWH4"
CLIENT_ID, SECRET = "knox-client-1", "knox-secret-1"
G991B = FirmwareInfo(
    vendor_ref=firmware_ref(model="SM-G991B", version=NEW, targets=[("XEU", "OXM"), ("BTU", "OXM")]),
    version=NEW,
    models=("SM-G991B",),
)


@pytest.fixture
def clients():
    """HTTP clients to close after the test: an open keep-alive connection keeps a live-server thread, and its
    database session, alive past the test database's teardown."""
    opened: list[httpx.Client] = []
    yield opened
    for client in opened:
        client.close()


@pytest.fixture
def knox_setup(simulators_url, clients):
    """Builds a simulated Knox tenant and a connector for an account pointing at it (see ``_knox``)."""

    def build(**kwargs):
        tenant, knox = _knox(simulators_url, **kwargs)
        clients.append(knox.http.client)
        return tenant, knox

    return build


def _knox(simulators_url, *, devices=10, knobs=None, knox_throttle=False, secret=SECRET, rate=1000):
    """A simulated Knox tenant with ``devices`` phones (half SM-G991B, half SM-S911B, all on OLD) and a connector
    for an account pointing at it. Knox's own 25-a-second throttle is off unless ``knox_throttle``."""
    base_knobs = {"speed": 6000, "seed": 7} if knox_throttle else {"throttle_limit": 0, "speed": 6000, "seed": 7}
    tenant = simulator_tenant_ensure(
        kind="knox_efota", tenant_key=CLIENT_ID, secret=SECRET, knobs={**base_knobs, **(knobs or {})}
    )
    seed_demo(tenant=tenant, devices=devices, models=["SM-G991B", "SM-S911B"], versions=[OLD, NEW])
    account = VendorAccountFactory(
        kind="knox_efota",
        base_url=f"{simulators_url}/knox_efota",
        rate_limit_calls=rate,
        credentials={"client_id": CLIENT_ID, "client_secret": secret},
    )
    # Token cache keys are per account id, which a new test database hands out again: start clean.
    TokenStore(f"account-{account.pk}").delete()
    return tenant, KnoxConnector(account)


def _calls(*, method=None, path_end="", status=None, code=None) -> int:
    requests = SimulatorRequest.objects.filter(kind="knox_efota", path__endswith=path_end)
    if method:
        requests = requests.filter(method=method)
    if status is not None:
        requests = requests.filter(status=status)
    if code is not None:
        requests = requests.filter(vendor_code=code)
    return requests.count()


def _ids(knox, model="SM-G991B") -> list[str]:
    return sorted(d.external_id for d in knox.list_devices() if d.model == model)


def _until_final(knox, vendor_ref, timeout=20.0) -> dict[str, DeviceStatus]:
    deadline = time.monotonic() + timeout
    while True:
        statuses = {s.external_id: s for s in knox.statuses(vendor_ref=vendor_ref)}
        if statuses and all(s.state in DEVICE_FINAL_STATES for s in statuses.values()):
            return statuses
        assert time.monotonic() < deadline, Counter(s.vendor_status for s in statuses.values())
        time.sleep(0.2)


@pytest.fixture
def raw_knox(simulators_url, clients):
    """Plain HTTP clients with a fresh Knox token, to look at the simulator's answers themselves."""

    def build(scope: str = "ke") -> httpx.Client:
        base = f"{simulators_url}/knox_efota"
        answer = httpx.post(
            f"{base}/ams/v1/oauth2/token",
            data={"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": SECRET, "scope": scope},
        )
        assert answer.status_code == 200, answer.text
        client = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {answer.json()['access_token']}"})
        clients.append(client)
        return client

    return build


def _valid_campaign(**changes) -> dict:
    body = {
        "name": "validation", "startDate": dt.datetime.now(dt.UTC).date().isoformat(), "timezone": "UTC",
        "from": "01:00", "to": "05:00", "downloadTime": "00:30", "downloadNetwork": "WIFIONLY",
    }
    return {**body, **changes}


# --- The full round ---------------------------------------------------------------------------------------------


def test_a_full_round_lists_pushes_and_reads_every_device_to_a_final_state(knox_setup):
    tenant, knox = knox_setup(devices=150, knobs={"failure_rate": 0.3})

    knox.test_connection()
    devices = list(knox.list_devices())
    assert len({d.external_id for d in devices}) == 150
    assert _calls(path_end="/ke/v1/devices/getDevices") == 1 + 2  # the connection test, then two pages of 100
    firmware = {(f.models, f.version): f for f in knox.list_firmware()}
    assert set(firmware) == {(("SM-G991B",), OLD), (("SM-G991B",), NEW), (("SM-S911B",), OLD), (("SM-S911B",), NEW)}

    ids = sorted(d.external_id for d in devices if d.model == "SM-G991B")
    [result] = knox.push(name="rollout-1-wave-1", firmware=firmware[(("SM-G991B",), NEW)], device_ids=ids,
                         options={"batteryLevel": 30})
    assert result.device_ids == ids and not result.rejected and result.started
    knox.start(vendor_ref=result.vendor_ref)  # Knox has no separate start: nothing is sent
    statuses = _until_final(knox, result.vendor_ref)

    assert sorted(statuses) == ids
    states = Counter(s.state for s in statuses.values())
    assert states[DeviceState.SUCCEEDED] and states[DeviceState.FAILED]
    assert states[DeviceState.SUCCEEDED] + states[DeviceState.FAILED] == len(ids)
    for status in statuses.values():
        if status.state == DeviceState.FAILED:
            assert status.vendor_status in {"CampaignError", "FailedToDownload", "FailedToInstall"}
            assert status.error.decoded.known and status.error.explanation
    updated = {s.external_id for s in statuses.values() if s.vendor_status == "Updated"}
    assert {d.external_id for d in knox.list_devices() if d.firmware_version == NEW} == updated
    policy = SimulatorJob.objects.get(job_id=result.vendor_ref).data["firmwares"]
    assert {(p["model"], p["salesCode"], p["firmwareVersion"]) for p in policy} == {
        ("SM-G991B", "XEU", NEW), ("SM-G991B", "BTU", NEW)
    }


def test_cancel_unassigns_chosen_devices_then_cancels_the_campaign_for_the_rest(knox_setup):
    tenant, knox = knox_setup(devices=8, knobs={"speed": 1})  # devices stay on their way
    ids = _ids(knox)
    [result] = knox.push(name="to-cancel", firmware=G991B, device_ids=ids, options={})

    some = knox.cancel(vendor_ref=result.vendor_ref, device_ids=ids[:2])
    assert some.withdrawn == ids[:2] and not some.not_withdrawn
    assert _calls(path_end="/unassign", status=200) == 1
    assert sorted(s.external_id for s in knox.statuses(vendor_ref=result.vendor_ref)) == ids[2:]

    rest = knox.cancel(vendor_ref=result.vendor_ref, device_ids=[])
    assert rest.withdrawn == ids[2:]
    assert _calls(path_end="/cancel", status=200) == 1
    assert SimulatorJob.objects.get(job_id=result.vendor_ref).status == "Cancelled"
    again = knox.cancel(vendor_ref=result.vendor_ref, device_ids=ids[:1])
    assert again.not_withdrawn == {ids[0]: "The device is not assigned to this Knox campaign."}


# --- Throttling, tokens, outages, permanent errors ------------------------------------------------------------------


def test_a_throttle_storm_ends_in_back_off_and_success_not_failure(knox_setup):
    tenant, knox = knox_setup(devices=350, knobs={"throttle_limit": 2, "throttle_period": 1.0})

    devices = list(knox.list_devices())

    assert len(devices) == 350
    assert _calls(status=429, code="429") >= 1


def test_the_simulator_holds_knox_to_25_calls_a_second_unless_the_tenant_sets_its_own_limit(knox_setup, raw_knox):
    tenant, knox = knox_setup(devices=1, knox_throttle=True)
    raw = raw_knox()
    # 25 accepted calls "just now" (stamped a little ahead, so a slow machine cannot let them age out of the second).
    soon = timezone.now() + dt.timedelta(seconds=5)
    SimulatorRequest.objects.bulk_create(
        SimulatorRequest(tenant=tenant, kind="knox_efota", method="GET", path="/x", status=200, at=soon)
        for _ in range(25)
    )

    throttled = raw.post("/ke/v1/devices/getDevices", json={"pageNum": 0, "pageSize": 10})
    simulator_knobs_set(tenant=tenant, throttle_limit=0)
    unthrottled = raw.post("/ke/v1/devices/getDevices", json={"pageNum": 0, "pageSize": 10})

    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "1"
    assert throttled.json()["code"] == "429"
    assert unthrottled.status_code == 200


def test_an_expired_or_revoked_token_is_refreshed_once_and_the_call_succeeds(knox_setup):
    tenant, knox = knox_setup()
    knox.test_connection()

    SimulatorToken.objects.filter(tenant=tenant).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert len(list(knox.list_devices())) == 10
    assert _calls(path_end="/oauth2/token") == 2
    assert _calls(status=401, code="4032251") == 1

    SimulatorToken.objects.filter(tenant=tenant).update(revoked=True)
    assert len(list(knox.list_devices())) == 10
    assert _calls(path_end="/oauth2/token") == 3
    assert _calls(status=401, code="4032251") == 2


def test_a_short_lived_token_is_replaced_before_it_expires(knox_setup):
    tenant, knox = knox_setup(knobs={"token_lifetime": 2})
    knox.test_connection()

    time.sleep(1.7)  # inside the token's last fifth: the connector refreshes before Knox would refuse it
    list(knox.list_devices())

    assert _calls(path_end="/oauth2/token") == 2
    assert _calls(code="4032251") == 0


def test_a_refused_client_secret_is_a_permanent_auth_error_asked_once(knox_setup):
    tenant, knox = knox_setup(secret="not-the-secret")

    with pytest.raises(VendorError) as caught:
        knox.test_connection()

    assert caught.value.code == "401" and caught.value.category == "auth" and caught.value.permanent
    assert _calls(path_end="/oauth2/token") == 1


def test_a_5xx_outage_on_reads_is_retried_and_recovers(knox_setup, settings):
    settings.FOTA_VENDOR_MAX_ATTEMPTS = 10
    tenant, knox = knox_setup()
    knox.test_connection()
    now = timezone.now()
    simulator_knobs_set(
        tenant=tenant,
        outage_start=(now - dt.timedelta(seconds=1)).isoformat(),
        outage_end=(now + dt.timedelta(seconds=0.4)).isoformat(),
    )

    assert len(list(knox.list_devices())) == 10
    assert _calls(status=500) >= 1


def test_a_permanent_4xx_is_not_retried_and_comes_back_with_the_catalog_explanation(knox_setup):
    tenant, knox = knox_setup()

    with pytest.raises(VendorError) as caught:
        knox.push(name="battery", firmware=G991B, device_ids=_ids(knox), options={"batteryLevel": 90})

    error = caught.value
    assert (error.code, error.field, error.http_status, error.permanent) == ("03002", "batteryLevel", 400, True)
    assert error.vendor_message == "Make sure you entered a minimum battery level between 20% and 80%."
    assert error.decoded.known and "20" in error.explanation and "80" in error.explanation
    assert _calls(method="POST", path_end="/ke/v1/campaigns") == 1
    assert not SimulatorJob.objects.exists()


# --- Batches and reconciling ----------------------------------------------------------------------------------------


def test_batches_split_exactly_at_the_knox_limit_of_1000_ids_an_assign_call(knox_setup):
    tenant, knox = knox_setup(devices=0)
    ids = [f"35{n:013d}" for n in range(1001)]
    simulator_devices_add(
        tenant=tenant,
        devices=[{"device_id": i, "model": "SM-G991B", "firmware_version": OLD, "data": {"salesCode": "XEU"}}
                 for i in ids],
    )

    [result] = knox.push(name="big", firmware=G991B, device_ids=ids, options={})

    assert result.device_ids == ids and not result.rejected
    assert _calls(path_end="/assign", status=200) == 2
    assert SimulatorJob.objects.count() == 1
    assert SimulatorJobDevice.objects.filter(job__job_id=result.vendor_ref).count() == 1001


class _AnswerLosingTransport(httpx.HTTPTransport):
    """Delivers the first campaign create to Knox and then loses the answer, as a dropped connection would."""

    lost = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if request.method == "POST" and request.url.path.endswith("/ke/v1/campaigns") and not self.lost:
            self.lost += 1
            response.close()
            raise httpx.ReadTimeout("the answer was lost", request=request)
        return response


def test_a_create_whose_answer_was_lost_is_found_by_name_and_never_created_twice(knox_setup, clients):
    tenant, knox = knox_setup()
    account: VendorAccount = knox.account
    knox.http = VendorHTTP(
        account=account, connector=knox,
        client=httpx.Client(base_url=account.base_url, transport=_AnswerLosingTransport(), timeout=10),
    )
    clients.append(knox.http.client)
    ids = _ids(knox)
    unknown = "35999999999999"

    [result] = knox.push(name="lost-answer", firmware=G991B, device_ids=[*ids, unknown], options={})

    assert SimulatorJob.objects.count() == 1 and _calls(method="POST", path_end="/ke/v1/campaigns") == 1
    assert result.device_ids == ids
    assert list(result.rejected) == [unknown] and result.rejected[unknown].code == "02001"
    [found] = knox.find_push(name="lost-answer", device_ids=ids)
    assert (found.vendor_ref, found.device_ids) == (result.vendor_ref, ids)
    assert knox.find_push(name="never-pushed", device_ids=ids) == []
    # A worker that died before recording the push runs it again: Knox's unique name makes it adopt the campaign.
    [again] = knox.push(name="lost-answer", firmware=G991B, device_ids=ids, options={})
    assert again.vendor_ref == result.vendor_ref and SimulatorJob.objects.count() == 1


# --- Status words ---------------------------------------------------------------------------------------------------

EXPECTED_STATES = {
    "Pending": DeviceState.ASSIGNED,
    "NoLicenseAssigned": DeviceState.ASSIGNED,
    "LicenseAssigned": DeviceState.ASSIGNED,
    "CampaignSyncExpected": DeviceState.ASSIGNED,
    "CampaignSynced": DeviceState.ASSIGNED,
    "InvalidLicense": DeviceState.FAILED,
    "AwaitingForDownload": DeviceState.ASSIGNED,
    "InprogressDownloading": DeviceState.DOWNLOADING,
    "AwaitingForInstall": DeviceState.INSTALLING,
    "InprogressInstalling": DeviceState.INSTALLING,
    "Reverting": DeviceState.INSTALLING,
    "Updated": DeviceState.SUCCEEDED,
    "HigherFirmware": DeviceState.SUCCEEDED,
    "LockedFirmware": DeviceState.SUCCEEDED,
    "FailedToDownload": DeviceState.FAILED,
    "FailedToInstall": DeviceState.FAILED,
    "FailedToEnroll": DeviceState.FAILED,
    "CampaignError": DeviceState.FAILED,
    "InvalidFirmware": DeviceState.FAILED,
}


@pytest.mark.parametrize("word, state", EXPECTED_STATES.items())
def test_every_knox_status_word_maps_to_one_common_state(word, state):
    assert KNOX_STATUS_MAP(word) == state


def test_the_status_map_holds_every_documented_word_and_nothing_else():
    assert set(KNOX_STATUS_MAP.words) == set(EXPECTED_STATES)


def test_an_unknown_word_maps_to_none_and_the_client_status_wins_over_the_operation_status():
    knox = KnoxConnector(VendorAccount(name="offline", kind="knox_efota", base_url="https://api.samsungknox.com"))

    unknown = knox._device_status({"deviceId": "1", "operationStatus": "CampaignSynced", "clientStatus": "Exploded"})
    waiting = knox._device_status({"deviceId": "2", "operationStatus": "CampaignSyncExpected", "clientStatus": None})

    assert (unknown.vendor_status, unknown.state) == ("Exploded", None)
    assert (waiting.vendor_status, waiting.state) == ("CampaignSyncExpected", DeviceState.ASSIGNED)


STEP = 60.0  # simulated seconds a step takes in the timeline cases below (speed 1: real seconds too)
TIMELINE = [
    # (device changes, outcome, knob failure_code, steps elapsed, expected (operation, client, agent code))
    ({}, {}, "", 4.5, ("CampaignSynced", "InprogressDownloading", "")),
    ({}, {}, "", 10, ("CampaignSynced", "Updated", "")),
    ({"data": {"salesCode": "XEU", "license": "none"}}, {}, "", 10, ("NoLicenseAssigned", None, "")),
    ({"data": {"salesCode": "XEU", "license": "invalid"}}, {}, "", 10, ("InvalidLicense", None, "")),
    ({"firmware_version": "G991BXXU9FZZ9"}, {}, "", 10, ("CampaignSynced", "HigherFirmware", "")),
    ({"firmware_version": NEW}, {}, "", 10, ("CampaignSynced", "LockedFirmware", "")),
    ({"model": "SM-A525F"}, {}, "", 10, ("CampaignSynced", "InvalidFirmware", "364")),
    ({}, {"fails": True, "fail_step": 1}, "", 10, ("CampaignSynced", "CampaignError", "361")),
    ({}, {"fails": True, "fail_step": 3}, "", 10, ("CampaignSynced", "FailedToDownload", "501")),
    ({}, {"fails": True, "fail_step": 5}, "", 6.5, ("CampaignSynced", "Reverting", "")),
    ({}, {"fails": True, "fail_step": 5}, "", 10, ("CampaignSynced", "FailedToInstall", "921")),
    ({}, {"fails": True, "fail_step": 0}, "FailedToEnroll", 10, ("CampaignSyncExpected", "FailedToEnroll", "")),
    ({}, {"fails": True, "fail_step": 4}, "503", 10, ("CampaignSynced", "FailedToDownload", "503")),
]


@pytest.mark.parametrize("device_changes, outcome, failure_code, steps, expected", TIMELINE)
def test_the_simulator_walks_a_device_through_knox_words_on_and_off_the_happy_road(
    device_changes, outcome, failure_code, steps, expected
):
    job = SimulatorJob(
        job_id="c1",
        data={"campaign": {"startDate": "2024-01-01", "timezone": "UTC"},
              "firmwares": [{"model": "SM-G991B", "salesCode": "XEU", "firmwareVersion": NEW}]},
    )
    device = SimulatorDevice(
        **{"device_id": "350000000000001", "model": "SM-G991B", "firmware_version": OLD, "data": {"salesCode": "XEU"},
           **device_changes}
    )
    row = SimulatorJobDevice(
        device_id=device.device_id,
        joined_at=timezone.now() - dt.timedelta(seconds=steps * STEP),
        outcome={"fails": False, "fail_step": None, "jitter": 1.0, **outcome},
    )
    catalog = [SimulatorFirmware(version=NEW, models_fitted=["SM-G991B"], data={"salesCodes": ["XEU"]})]
    knobs = Knobs(speed=1, step_seconds=STEP, failure_code=failure_code)

    reading = progress.reading_of(row, device, job, knobs, catalog)

    assert (reading.operation, reading.client, reading.agent_code) == expected
    assert KNOX_STATUS_MAP(reading.word) is not None


def test_a_simulated_campaign_without_a_firmware_policy_keeps_its_devices_waiting_for_sync():
    job = SimulatorJob(job_id="c1", data={"campaign": {"startDate": "2024-01-01", "timezone": "UTC"}, "firmwares": []})
    device = SimulatorDevice(device_id="350000000000001", model="SM-G991B", firmware_version=OLD, data={})
    row = SimulatorJobDevice(device_id=device.device_id, joined_at=timezone.now() - dt.timedelta(days=1),
                             outcome={"fails": False, "jitter": 1.0})

    reading = progress.reading_of(row, device, job, Knobs(speed=1, step_seconds=STEP), [])

    assert reading.word == "CampaignSyncExpected"


# --- The simulator's validation -------------------------------------------------------------------------------------

YESTERDAY = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)).isoformat()
BROKEN_CAMPAIGNS = [
    ({"to": "03:00"}, "to",
     "Make sure there are at least 3 hours between when the firmware starts and finishes installing."),
    ({"batteryLevel": 10}, "batteryLevel", "Make sure you entered a minimum battery level between 20% and 80%."),
    ({"startDate": YESTERDAY}, "startDate", "Make sure the campaign starts either today or on a future date."),
    ({"timezone": "Mars/Olympus"}, "timezone", "Make sure the campaign's time zone is valid."),
    ({"gradualRolloutNumber": 10}, "gradualRolloutNumber", "Make sure you enable gradual rollout first."),
    ({"gradualRollout": True, "gradualRolloutNumber": 60}, "gradualRolloutNumber",
     "Make sure you entered a percentage between 1 and 50%."),
    ({"downloadAvailableDuringRoamingNetwork": True}, "downloadAvailableDuringRoamingNetwork",
     "You can only allow downloads when roaming if firmware can be downloaded on a mobile network."),
    ({"allowOrBlock": 0, "ssidsForRestriction": [{"ssidForRestriction": "corp"}]}, "allowOrBlock",
     "Make sure the values for allow or block is equal to 1 or 2."),
]


def test_the_simulator_refuses_broken_campaigns_with_knox_documented_rows(knox_setup, raw_knox):
    tenant, knox = knox_setup(devices=0)
    raw = raw_knox()

    for changes, key, message in BROKEN_CAMPAIGNS:
        answer = raw.post("/ke/v1/campaigns", json=_valid_campaign(**changes))
        assert answer.status_code == 400, changes
        assert answer.json() == {
            "code": "03002", "message": "CAMPAIGN_INVALID_REQUEST_DATA", "errorKey": key, "errorMessage": message
        }
        decoded = error_decode(vendor_kind="knox_efota", code="03002", field=key, vendor_message=message)
        assert decoded.entry.vendor_message == message  # the catalog explains exactly this row

    misspelt = raw.post("/ke/v1/campaigns", json=_valid_campaign(batteryLevl=30))
    assert misspelt.status_code == 400 and misspelt.json()["errorKey"] == "batteryLevl"
    assert raw.post("/ke/v1/campaigns", json=_valid_campaign()).status_code == 200
    duplicate = raw.post("/ke/v1/campaigns", json=_valid_campaign())
    assert duplicate.json() == {
        "code": "03001", "message": "CAMPAIGN_NAME_DUPLICATE_FOUND", "errorKey": "name",
        "errorMessage": "This campaign name already exists—choose another one.",
    }


def test_the_simulator_answers_paging_assign_policy_and_access_errors_as_knox_documents(knox_setup, raw_knox):
    tenant, knox = knox_setup(devices=2)
    raw = raw_knox()
    campaign_id = raw.post("/ke/v1/campaigns", json=_valid_campaign()).json()["campaignId"]
    device = _ids(knox)[0]

    def error(answer: httpx.Response) -> tuple:
        body = answer.json()
        return answer.status_code, body["code"], body["errorKey"], body["errorMessage"]

    assert error(raw.post("/ke/v1/devices/getDevices", json={"pageNum": 0, "pageSize": 101})) == (
        400, "00001", "pageSize", "pageSize must be less than or equal to 100")
    assert error(raw.post("/ke/v1/devices/getDevices", json={"pageNum": -1, "pageSize": 10})) == (
        400, "00001", "pageNum", "pageNum must be greater than or equal to 0")
    assert error(raw.post("/ke/v1/devices/getDevices", json={"page": 0}))[:3] == (400, "400", "page")
    assert error(raw.post(f"/ke/v1/campaigns/{campaign_id}/assign", json={"deviceIds": ["35000000000000"] * 1001})) == (
        400, "00001", "deviceIds", "You can only assign up to 1,000 devices per campaign.")
    assert error(raw.post(f"/ke/v1/campaigns/{campaign_id}/assign", json={"deviceIds": ["35999999999999"]})) == (
        400, "02001", "", "Make sure you're entering the right device IMEIs or serial numbers.")
    assert error(raw.post("/ke/v1/campaigns/nope/assign", json={"deviceIds": [device]})) == (
        403, "4030001", "", "No entry found")
    assert error(raw.post(f"/ke/v1/campaigns/{campaign_id}/unassign", json={"deviceIds": [device]}))[:2] == (
        400, "02003")
    no_model = {"firmwares": [{"salesCode": "XEU"}]}
    assert error(raw.put(f"/ke/v1/campaigns/{campaign_id}/firmwarePolicy", json=no_model)) == (
        400, "00001", "firmwares[0].model", "firmwares[0].model Campaign firmware model not defined")
    assert error(raw.get("/ke/v1/campaigns/nope")) == (
        400, "03003", "campaignId", "Make sure you entered the correct campaign ID.")
    assert error(raw.get("/ke/v1/campaigns", params={"search": "nothing-like-it"})) == (
        400, "00001", "", "We couldn't find any campaigns.")
    no_csc = {"modelName": "SM-G991B", "carrierCode": "XEU", "status": "ALL"}
    assert error(raw.get("/ke/v1/firmwares", params=no_csc)) == (
        400, "00001", "csc", "csc must not be blank")
    assert error(raw.delete("/ke/v1/campaigns"))[:2] == (403, "4030001")

    narrow = raw_knox(scope="ke.devices:view")
    assert error(narrow.post("/ke/v1/campaigns", json=_valid_campaign(name="other")))[:2] == (403, "4030001")
    SimulatorToken.objects.filter(tenant=tenant).update(expires_at=timezone.now())
    assert error(raw.post("/ke/v1/devices/getDevices", json={})) == (
        401, "4032251", "", "ACCESS_TOKEN_EXPIRED")
    assert httpx.post(raw.base_url.join("ke/v1/devices/getDevices"), json={}).status_code == 401
    refused = httpx.post(
        raw.base_url.join("ams/v1/oauth2/token"),
        data={"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": "wrong", "scope": "ke"},
    )
    assert (refused.status_code, refused.json()["error"]) == (401, "invalid_client")
