"""Fixtures for the engine tests: a fleet across vendors with a firmware map."""

from __future__ import annotations

import pytest

from tests.factories import CampaignFactory, CampaignFirmwareFactory, DeviceFactory, FirmwareFactory, FleetFactory
from tests.factories import LabelFactory, VendorAccountFactory
from vendors.choices import VendorKind


@pytest.fixture
def knox(db):
    return VendorAccountFactory(name="Knox EU", kind=VendorKind.KNOX_EFOTA)


@pytest.fixture
def fleet_campaign(knox):
    """A draft campaign over 100 Knox devices: 90 on the old version, 5 already updated, 5 of a model without
    firmware; 3 devices carry the canary label."""
    firmware = FirmwareFactory(account=knox, version="G991BXXU9", models_fitted=["SM-G991B"])
    fleet = FleetFactory()
    devices = DeviceFactory.create_batch(90, account=knox, model="SM-G991B", firmware_version="G991BXXU1")
    devices += DeviceFactory.create_batch(5, account=knox, model="SM-G991B", firmware_version="G991BXXU9")
    devices += DeviceFactory.create_batch(5, account=knox, model="SM-A525F", firmware_version="A525FXXU1")
    canary = LabelFactory(name="canary")
    for device in devices[40:43]:
        device.labels.add(canary)
    fleet.members.set(devices)
    campaign = CampaignFactory(fleet=fleet, wave_plan=[{"percent": 10}, {"percent": 50}, {"percent": 100}])
    CampaignFirmwareFactory(campaign=campaign, account=knox, model="SM-G991B", firmware=firmware)
    campaign.canary_devices = devices[40:43]
    return campaign
