"""The engine end to end: real Celery worker and beat processes, PostgreSQL, Redis, and the vendor simulators over
HTTP. Each test runs a campaign by itself and checks the result against the vendors' own records."""

from __future__ import annotations

import pytest

from campaigns.choices import CampaignState, DeviceState, EventKind, WaveState
from campaigns.models import Assignment, CampaignEvent
from campaigns.services.lifecycle import campaign_start
from tests.campaigns.engine_helpers import (
    counters_match_table,
    make_account,
    make_campaign,
    vendor_truth,
    wait_for_state,
)
from vendors.choices import VendorKind

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_campaign_across_all_four_vendors_with_three_gated_waves_runs_to_completion_by_itself(engine):
    accounts = [make_account(engine, kind, devices=12)[0] for kind in VendorKind.values]
    campaign = make_campaign(accounts, wave_plan=[{"percent": 10}, {"percent": 50}, {"percent": 100}],
                             gate_success_percent=90)

    campaign_start(campaign_id=campaign.pk)
    campaign = wait_for_state(campaign, CampaignState.COMPLETED, engine=engine, timeout=150)

    assert list(campaign.waves.values_list("state", flat=True)) == [WaveState.PASSED] * 3
    assignments = list(Assignment.objects.filter(campaign=campaign).select_related("device"))
    assert len(assignments) == 48 and all(a.state == DeviceState.SUCCEEDED for a in assignments)
    truth = vendor_truth(campaign)
    assert {(a.account_id, a.device.external_id): a.state for a in assignments} == truth
    assert counters_match_table(campaign)
    kinds = list(CampaignEvent.objects.filter(campaign=campaign).order_by("created_at", "id")
                 .values_list("kind", flat=True))
    assert kinds.count(EventKind.WAVE_OPENED) == 3 and kinds.count(EventKind.WAVE_PASSED) == 3
    assert kinds[-1] == EventKind.COMPLETED


def test_a_failure_share_above_the_threshold_pauses_the_campaign_naming_the_decoded_code(engine):
    knox, _ = make_account(engine, VendorKind.KNOX_EFOTA, devices=40,
                           knobs={"failure_rate": 0.3, "failure_code": "503", "seed": 7})
    campaign = make_campaign([knox], failure_threshold_percent=10, gate_success_percent=100)

    campaign_start(campaign_id=campaign.pk)
    campaign = wait_for_state(campaign, CampaignState.PAUSED, engine=engine)

    event = CampaignEvent.objects.get(campaign=campaign, kind=EventKind.AUTO_PAUSED)
    assert event.data["gate"] == "failure_threshold" and event.data["threshold_percent"] == 10
    assert event.data["failed"] * 100 > 10 * event.data["eligible"]
    top = event.data["top_errors"][0]
    assert top["vendor"] == "knox_efota" and top["code"] == "503" and top["known"]
    assert "Wi-Fi" in top["explanation"]
    assert top["explanation"] in campaign.state_reason and "10 % failure threshold" in campaign.state_reason
    assert counters_match_table(campaign)


@pytest.mark.engine_env(FOTA_PUSH_LEASE_SECONDS="6", FOTA_VENDOR_TIMEOUT_SECONDS="5")
def test_a_worker_killed_mid_push_loses_no_device_and_pushes_none_twice(engine):
    from vendors.models import SimulatorJobDevice

    huawei, tenant = make_account(engine, VendorKind.HUAWEI_IODM, devices=600, knobs={"latency_ms": 250})
    campaign = make_campaign([huawei])
    campaign_start(campaign_id=campaign.pk)

    def mid_push():
        return Assignment.objects.filter(campaign=campaign, state=DeviceState.PUSHING).exists()

    from tests.campaigns.engine_helpers import wait_for

    wait_for(mid_push, timeout=60, engine=engine, what="a batch to be claimed")
    engine.kill_worker()
    engine.start_worker()
    campaign = wait_for_state(campaign, CampaignState.COMPLETED, engine=engine, timeout=150)

    pushed = list(SimulatorJobDevice.objects.filter(job__tenant=tenant).values_list("device_id", flat=True))
    assert len(pushed) == len(set(pushed)) == 600  # every device in exactly one Huawei task
    assert not Assignment.objects.filter(campaign=campaign).exclude(state=DeviceState.SUCCEEDED).exists()
    assert counters_match_table(campaign)


def test_vendor_5xx_and_constant_throttling_still_end_with_every_device_accounted_for(engine):
    knox, _ = make_account(engine, VendorKind.KNOX_EFOTA, devices=30, knobs={"outage_rate": 0.2, "throttle_limit": 3})
    enos, _ = make_account(engine, VendorKind.ENOS, devices=30, knobs={"outage_rate": 0.2, "throttle_limit": 3})
    campaign = make_campaign([knox, enos])

    campaign_start(campaign_id=campaign.pk)
    campaign = wait_for_state(campaign, CampaignState.COMPLETED, engine=engine, timeout=180)

    assignments = Assignment.objects.filter(campaign=campaign)
    assert assignments.count() == 60
    assert not assignments.exclude(state=DeviceState.SUCCEEDED).exists()
    assert counters_match_table(campaign)
    from vendors.models import SimulatorRequest

    assert SimulatorRequest.objects.filter(status=429).exists() and SimulatorRequest.objects.filter(status__gte=500).exists()


def test_pause_stops_pushing_within_one_batch_and_resume_finishes_the_rollout(engine):
    from campaigns.services.lifecycle import campaign_pause, campaign_resume
    from tests.campaigns.engine_helpers import wait_for

    devices = 2048  # eight Huawei tasks of 256: far more than can be pushed while the test reacts
    huawei, tenant = make_account(engine, VendorKind.HUAWEI_IODM, devices=devices, knobs={"latency_ms": 150})
    campaign = make_campaign([huawei])
    campaign_start(campaign_id=campaign.pk)
    wait_for(lambda: Assignment.objects.filter(campaign=campaign, state=DeviceState.PUSHING).exists(), timeout=60,
             engine=engine, what="the first batch")
    campaign_pause(campaign_id=campaign.pk)
    claimed = Assignment.objects.filter(campaign=campaign).exclude(state=DeviceState.QUEUED)
    at_pause = claimed.count()  # pushed already, or in a batch in flight
    wait_for(lambda: not Assignment.objects.filter(campaign=campaign, state=DeviceState.PUSHING).exists(),
             timeout=60, engine=engine, what="the batch in flight to finish")
    import time

    time.sleep(4)  # several ticks: nothing more may be claimed while paused
    assert 0 < at_pause < devices
    # At most one batch claimed in the instant the pause was committing; nothing after it.
    assert claimed.count() - at_pause <= 256
    assert Assignment.objects.filter(campaign=campaign, state=DeviceState.QUEUED).count() >= devices - at_pause - 256

    campaign_resume(campaign_id=campaign.pk)
    wait_for_state(campaign, CampaignState.COMPLETED, engine=engine, timeout=150)
    assert not Assignment.objects.filter(campaign=campaign).exclude(state=DeviceState.SUCCEEDED).exists()


def test_cancel_withdraws_where_the_vendor_allows_and_says_where_it_cannot(engine):
    from campaigns.services.lifecycle import campaign_cancel
    from tests.campaigns.engine_helpers import wait_for

    slow = {"speed": 1, "step_seconds": 600}  # devices stay in progress for the length of the test
    knox, _ = make_account(engine, VendorKind.KNOX_EFOTA, devices=10, knobs=slow)
    huawei, _ = make_account(engine, VendorKind.HUAWEI_IODM, devices=10, knobs=slow)
    campaign = make_campaign([knox, huawei])
    campaign_start(campaign_id=campaign.pk)
    wait_for(lambda: Assignment.objects.filter(campaign=campaign, state=DeviceState.ASSIGNED).count() == 20,
             timeout=60, engine=engine, what="all devices at the vendors")

    campaign_cancel(campaign_id=campaign.pk)
    wait_for(lambda: Assignment.objects.filter(campaign=campaign, account=knox,
                                               state=DeviceState.CANCELLED).count() == 10,
             timeout=60, engine=engine, what="Knox devices withdrawn")
    assert Assignment.objects.filter(campaign=campaign, account=huawei, state=DeviceState.ASSIGNED).count() == 10
    note = CampaignEvent.objects.get(campaign=campaign, kind=EventKind.NOTE)
    assert "could not be withdrawn" in note.message and "Huawei IoDM v1.5.0" in note.message


def test_retry_failed_pushes_again_only_the_devices_that_failed(engine):
    from campaigns.services.lifecycle import campaign_retry_failed
    from vendors.models import SimulatorJobDevice
    from vendors.simulators.services import simulator_knobs_set

    enos, tenant = make_account(engine, VendorKind.ENOS, devices=30, knobs={"failure_rate": 0.3, "seed": 3})
    campaign = make_campaign([enos], gate_success_percent=0)
    campaign_start(campaign_id=campaign.pk)
    campaign = wait_for_state(campaign, CampaignState.COMPLETED, engine=engine)
    failed = set(Assignment.objects.filter(campaign=campaign, state=DeviceState.FAILED)
                 .values_list("device__external_id", flat=True))
    assert failed, "the seed should fail some devices"
    first_jobs = set(SimulatorJobDevice.objects.filter(job__tenant=tenant).values_list("job_id", flat=True))

    simulator_knobs_set(tenant=tenant, failure_rate=0.0)
    assert campaign_retry_failed(campaign_id=campaign.pk) == len(failed)
    campaign = wait_for_state(campaign, CampaignState.COMPLETED, engine=engine)

    repushed = set(SimulatorJobDevice.objects.filter(job__tenant=tenant).exclude(job_id__in=first_jobs)
                   .values_list("device_id", flat=True))
    assert repushed == failed
    assert not Assignment.objects.filter(campaign=campaign).exclude(state=DeviceState.SUCCEEDED).exists()
    assert Assignment.objects.filter(campaign=campaign, attempts=2).count() == len(failed)
