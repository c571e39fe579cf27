"""The demo behind ``make run``: one simulated account per vendor, a few thousand devices, fleets, one finished
campaign with decoded failures and one running across all four vendors whose progress moves while you watch.

Everything goes through the product's own paths: simulated vendor clouds over HTTP, the connectors, inventory sync
and the engine's services, so the demo shows what a real installation would.
"""

from __future__ import annotations

import logging
import time

import httpx
from django.db import transaction

from campaigns.choices import CampaignState
from campaigns.models import Campaign, CampaignFirmware
from campaigns.services.gates import campaign_evaluate
from campaigns.services.lifecycle import campaign_start
from campaigns.services.poll import account_poll
from campaigns.services.push import campaign_push
from devices.models import Device, Firmware, Fleet, Label
from devices.services import devices_sync
from vendors.choices import VendorKind
from vendors.models import VendorAccount
from vendors.simulators.accounts import izuma_versions, simulated_account_create
from vendors.simulators.services import simulator_knobs_set

logger = logging.getLogger("fota_portal.demo")

# (kind, account name, devices, models, versions)
ACCOUNTS = [
    (VendorKind.KNOX_EFOTA, "Knox E-FOTA (EU phones)", 900, ["SM-G991B", "SM-A525F"],
     ["G991BXXU5CVH7", "G991BXXU9EXA1"]),
    (VendorKind.HUAWEI_IODM, "Huawei IoDM (smart meters)", 600, ["NBM100", "NBM200"], ["1.4.2", "1.5.0"]),
    (VendorKind.IZUMA_DM, "Izuma DM (gateways)", 400, ["gw-edge-1"], izuma_versions(2)),
    (VendorKind.ENOS, "EnOS (inverters)", 600, ["PK-INV7", "PK-INV9"], ["3.1.0", "3.2.0"]),
]
FAST = {"speed": 3000, "step_seconds": 60}
WATCHABLE = {"speed": 10, "step_seconds": 30}  # a device takes a few real seconds per step


def _wait_for_web(server_url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{server_url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"The web process at {server_url} did not answer within {timeout:.0f} s.")


def _firmware_map(campaign: Campaign, accounts: list[VendorAccount]) -> None:
    for account in accounts:
        firmware = list(Firmware.objects.filter(account=account))
        for model in Device.objects.filter(account=account).order_by().values_list("model", flat=True).distinct():
            fitting = sorted((f for f in firmware if f.fits(model)), key=lambda f: f.version)
            if fitting:
                CampaignFirmware.objects.create(campaign=campaign, account=account, model=model, firmware=fitting[-1])


def _run_to_completion(campaign: Campaign, accounts: list[VendorAccount], timeout: float = 180) -> None:
    """Drive a campaign with the engine's services in this process (the worker helps along in parallel)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        campaign_push(campaign_id=campaign.pk)
        for account in accounts:
            account_poll(account_id=account.pk)
        if campaign_evaluate(campaign_id=campaign.pk) != CampaignState.RUNNING:
            return
        time.sleep(0.5)
    logger.warning("demo campaign %s did not finish within %s s", campaign.name, timeout)


def demo_load(*, server_url: str) -> bool:
    """Load the demo once; returns False when it is already there."""
    if VendorAccount.objects.filter(name=ACCOUNTS[0][1]).exists():
        return False
    _wait_for_web(server_url)
    accounts, tenants = [], []
    for kind, name, devices, models, versions in ACCOUNTS:
        account, tenant = simulated_account_create(
            kind=kind, name=name, server_url=server_url, devices=devices, models=models, versions=versions,
            knobs={**FAST, "seed": 42},
        )
        accounts.append(account)
        tenants.append(tenant)
    canary = Label.objects.get_or_create(name="canary")[0]
    for account in accounts:
        canary.devices.add(*Device.objects.filter(account=account).order_by("external_id")[:10])

    knox, huawei, izuma, enos = accounts
    pilot = Fleet.objects.create(name="Pilot group", description="Early adopters on Knox and EnOS.")
    pilot.members.set(list(Device.objects.filter(account=knox).order_by("external_id")[:120])
                      + list(Device.objects.filter(account=enos).order_by("external_id")[:80]))
    everything = Fleet.objects.create(name="All devices", description="Every device on every vendor account.",
                                      saved_filter={"account": [a.pk for a in accounts]})
    Fleet.objects.create(name="Smart meters", saved_filter={"vendor_kind": ["huawei_iodm"]})

    # A finished pilot with decoded failures: Knox devices fail on Wi-Fi-only downloads, EnOS ones time out.
    simulator_knobs_set(tenant=tenants[0], failure_rate=0.15, failure_code="503")
    simulator_knobs_set(tenant=tenants[3], failure_rate=0.1)
    with transaction.atomic():
        finished = Campaign.objects.create(
            name="Pilot: security patch", description="Pilot of the Q4 security patch on phones and inverters.",
            fleet=pilot, wave_plan=[{"percent": 20}, {"percent": 100}], gate_success_percent=70,
            failure_threshold_percent=40, gate_max_failure_percent=40,
            vendor_options={"knox_efota": {"from": "01:00", "to": "05:00", "batteryLevel": 30}},
        )
        _firmware_map(finished, [knox, enos])
    campaign_start(campaign_id=finished.pk)
    _run_to_completion(finished, [knox, enos])
    for account in accounts:
        devices_sync(account_id=account.pk)

    # The rollout that moves while you watch.
    for tenant in tenants:
        simulator_knobs_set(tenant=tenant, failure_rate=0.03 if tenant.kind == VendorKind.KNOX_EFOTA else 0.0,
                            **WATCHABLE)
    with transaction.atomic():
        running = Campaign.objects.create(
            name="Q4 firmware rollout", description="Every device on every vendor, in three gated waves.",
            fleet=everything, wave_plan=[{"percent": 5}, {"percent": 30}, {"percent": 100}],
            gate_success_percent=80, failure_threshold_percent=20, soak_minutes=0,
            vendor_options={"knox_efota": {"from": "00:00", "to": "23:59", "batteryLevel": 20},
                            "huawei_iodm": {"executeType": "now", "retryType": True, "retryTimes": 2},
                            "enos": {"upgradeTimeout": 7200}},
        )
        _firmware_map(running, accounts)
    campaign_start(campaign_id=running.pk)
    return True
