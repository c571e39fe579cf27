"""The plan previews a campaign without changing anything, and names every vendor rule it breaks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from campaigns.models import Assignment
from campaigns.services.plan import campaign_plan, wave_sizes
from tests.factories import CampaignFirmwareFactory, FirmwareFactory, VendorAccountFactory
from vendors.choices import VendorKind

pytestmark = pytest.mark.django_db


def test_wave_sizes_treat_percentages_as_cumulative_and_give_the_rest_to_the_last_wave():
    assert wave_sizes(wave_plan=[{"percent": 1}, {"percent": 10}, {"percent": 50}, {"percent": 100}], eligible=1000) \
        == [10, 90, 400, 500]
    assert wave_sizes(wave_plan=[{"count": 5}, {"count": 5}, {"percent": 100}], eligible=12) == [5, 5, 2]
    assert sum(wave_sizes(wave_plan=[{"percent": 33}, {"percent": 66}, {"percent": 100}], eligible=7)) == 7


def test_the_plan_counts_devices_per_wave_and_explains_each_skip(fleet_campaign):
    plan = campaign_plan(campaign=fleet_campaign)
    assert plan.total == 100 and plan.eligible == 90 and plan.canaries == 3
    assert plan.skipped == {"Already on G991BXXU9": 5, "No firmware for model SM-A525F on Knox EU": 5}
    assert [w["devices"] for w in plan.waves] == [9, 36, 45]
    assert plan.problems == []
    assert not Assignment.objects.exists()  # a preview changes nothing


def test_the_plan_estimates_vendor_calls_and_the_shortest_push_time(fleet_campaign):
    account = campaign_plan(campaign=fleet_campaign).accounts[0]
    assert account.devices == 90 and account.batches == 1
    assert account.shortest_push_seconds == pytest.approx(account.calls / 25)


def test_a_plan_names_every_vendor_rule_the_options_break(fleet_campaign):
    huawei = VendorAccountFactory(kind=VendorKind.HUAWEI_IODM, credentials={"app_id": "a", "secret": "s"})
    enos = VendorAccountFactory(kind=VendorKind.ENOS, credentials={"app_key": "k", "app_secret": "s"})
    CampaignFirmwareFactory(campaign=fleet_campaign, account=huawei, model="NB1",
                            firmware=FirmwareFactory(account=huawei, models_fitted=["NB1"]))
    CampaignFirmwareFactory(campaign=fleet_campaign, account=enos, model="PK1",
                            firmware=FirmwareFactory(account=enos, models_fitted=["PK1"]))
    fleet_campaign.vendor_options = {
        "knox_efota": {"from": "01:00", "to": "02:30", "batteryLevel": 90, "gradualRolloutNumber": 60},
        "huawei_iodm": {"retryType": True, "retryTimes": 9, "policy": {}},
        "enos": {"upgradeTimeout": 100},
    }
    fleet_campaign.schedule_start = timezone.now() + dt.timedelta(days=2)
    fleet_campaign.schedule_end = timezone.now() + dt.timedelta(days=1)
    rules = {p.rule for p in campaign_plan(campaign=fleet_campaign).problems}
    assert rules >= {"knox.install_window", "knox.battery_level", "knox.gradual_rollout", "huawei.retry_times",
                     "enos.upgrade_timeout", "schedule.order", "huawei.unknown_option"}


def test_a_knox_window_of_three_hours_or_more_passes_even_across_midnight(fleet_campaign):
    fleet_campaign.vendor_options = {"knox_efota": {"from": "22:00", "to": "01:00", "batteryLevel": 20}}
    assert campaign_plan(campaign=fleet_campaign).problems == []


def test_a_malformed_wave_plan_and_window_are_problems(fleet_campaign):
    fleet_campaign.wave_plan = [{"percent": 50}, {"percent": 20}, {"count": 0}]
    fleet_campaign.window = {"timezone": "Mars/Olympus", "start": "25:00", "end": "06:00", "days": [9]}
    rules = {p.rule for p in campaign_plan(campaign=fleet_campaign).problems}
    assert rules >= {"waves.percent", "waves.count", "window.timezone", "window.time", "window.days"}


def test_malformed_options_and_windows_are_problems_not_crashes(fleet_campaign):
    fleet_campaign.vendor_options = {"knox_efota": {"ssidThrottling": [1]}}
    fleet_campaign.window = {"timezone": 7, "start": "01:00", "end": "05:00"}
    rules = {p.rule for p in campaign_plan(campaign=fleet_campaign).problems}
    assert {"knox.ssid_throttling_shape", "window.timezone"} <= rules
