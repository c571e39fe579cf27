"""Fixtures for the dashboard view tests: a small fleet across two vendors, a draft and a running campaign with some
devices succeeded and some failed with a decoded Knox error, and clients logged in as each named user."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client
from django.utils import timezone

from campaigns.choices import DeviceState
from campaigns.models import Assignment, Campaign
from campaigns.services.lifecycle import campaign_start
from campaigns.services.progress import campaign_snapshot
from campaigns.services.transitions import assignments_transition
from tests.factories import (
    CampaignFactory,
    CampaignFirmwareFactory,
    DeviceFactory,
    FirmwareFactory,
    FleetFactory,
    LabelFactory,
    VendorAccountFactory,
)
from vendors.choices import VendorKind

# A Knox device error the seed catalog explains (the E-FOTA client reported a campaign error).
KNOX_DEVICE_ERROR = "361"


@pytest.fixture(autouse=True)
def _no_celery(monkeypatch):
    """Views call the services; the Celery work they enqueue after commit is the engine tests' business."""
    from campaigns import tasks

    monkeypatch.setattr(tasks.push_campaign, "delay", lambda *a, **k: None)
    monkeypatch.setattr(tasks.withdraw_campaign, "delay", lambda *a, **k: None)


@pytest.fixture(autouse=True)
def _fresh_fleet_totals():
    """The home page caches fleet totals for a minute; each test starts from its own data."""
    from django.core.cache import cache

    from fota_portal.views import FLEET_TOTALS_CACHE_KEY

    cache.delete(FLEET_TOTALS_CACHE_KEY)


@dataclass
class Portal:
    knox: object
    huawei: object
    fleet: object
    draft: Campaign
    running: Campaign


def fail_devices(campaign: Campaign, count: int, code: str = KNOX_DEVICE_ERROR) -> int:
    """Move ``count`` queued devices of the campaign to failed with a decoded vendor error, as an ingest would."""
    from vendors.services import error_decode

    entry = error_decode(vendor_kind=VendorKind.KNOX_EFOTA, code=code).entry
    ids = list(Assignment.objects.filter(campaign=campaign, state=DeviceState.QUEUED, account__kind="knox_efota")
               .values_list("id", flat=True)[:count])
    return assignments_transition(
        campaign_id=campaign.pk, from_states=[DeviceState.QUEUED], to_state=DeviceState.FAILED,
        where="id = ANY(%s)", params=[ids],
        set_sql="error_code = %s, error_entry_id = %s, vendor_status = %s, attempts = 1, finished_at = %s",
        set_params=[code, entry.pk if entry else None, "CAMPAIGN_ERROR", timezone.now()],
    )


def succeed_devices(campaign: Campaign, count: int) -> int:
    ids = list(Assignment.objects.filter(campaign=campaign, state=DeviceState.QUEUED).values_list("id", flat=True)
               [:count])
    return assignments_transition(
        campaign_id=campaign.pk, from_states=[DeviceState.QUEUED], to_state=DeviceState.SUCCEEDED,
        where="id = ANY(%s)", params=[ids],
        set_sql="vendor_status = %s, attempts = 1, finished_at = %s", set_params=["UPDATED", timezone.now()],
    )


def build_portal(devices: int = 40) -> Portal:
    knox = VendorAccountFactory(name="Knox EU", kind=VendorKind.KNOX_EFOTA)
    huawei = VendorAccountFactory(name="Huawei NB", kind=VendorKind.HUAWEI_IODM, base_url="https://iodm.example",
                                  credentials={"app_id": "app", "secret": "s"})
    knox_fw = FirmwareFactory(account=knox, version="G991BXXU9", models_fitted=["SM-G991B"])
    huawei_fw = FirmwareFactory(account=huawei, version="NB-2.0", models_fitted=["BC95"], vendor_ref="file-2")
    fleet = FleetFactory(name="Europe")
    members = DeviceFactory.create_batch(devices, account=knox, model="SM-G991B", firmware_version="G991BXXU1")
    members += DeviceFactory.create_batch(devices // 4, account=huawei, model="BC95", firmware_version="NB-1.0")
    canary = LabelFactory(name="canary")
    for device in members[:2]:
        device.labels.add(canary)
    fleet.members.set(members)
    draft = CampaignFactory(name="Draft rollout", fleet=fleet, wave_plan=[{"percent": 10}, {"percent": 100}])
    CampaignFirmwareFactory(campaign=draft, account=knox, model="SM-G991B", firmware=knox_fw)
    running = CampaignFactory(name="Running rollout", fleet=fleet, wave_plan=[{"percent": 50}, {"percent": 100}],
                              gate_max_failure_percent=100, failure_threshold_percent=100)
    CampaignFirmwareFactory(campaign=running, account=knox, model="SM-G991B", firmware=knox_fw)
    CampaignFirmwareFactory(campaign=running, account=huawei, model="BC95", firmware=huawei_fw)
    campaign_start(campaign_id=running.pk)
    succeed_devices(running, 8)
    fail_devices(running, 3)
    campaign_snapshot(campaign=running)
    running.refresh_from_db()
    return Portal(knox=knox, huawei=huawei, fleet=fleet, draft=draft, running=running)


@pytest.fixture
def portal(db, catalog) -> Portal:
    return build_portal()


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def as_alice(alice):
    return _client_for(alice)


@pytest.fixture
def as_bob(bob):
    return _client_for(bob)


@pytest.fixture
def as_carol(carol):
    return _client_for(carol)


@pytest.fixture
def as_dave(dave):
    return _client_for(dave)
