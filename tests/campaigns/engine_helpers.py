"""Helpers for the engine tests: simulated accounts, a campaign over them, waiting, and the vendors' truth."""

from __future__ import annotations

import time
from collections import Counter

from django.db.models import Count

from campaigns.choices import CampaignState
from campaigns.models import Assignment, Campaign, CampaignFirmware, ProgressCounter
from devices.models import Device, Firmware, Fleet
from vendors.choices import VendorKind
from vendors.connector import connector_for
from vendors.simulators.accounts import izuma_versions, simulated_account_create

FAST = {"speed": 600, "step_seconds": 30}  # a simulated step of 30 s passes in 0.05 s


def make_account(engine, kind: str, *, devices: int, knobs: dict | None = None, name: str | None = None,
                 rate_limit: tuple[int, int] | None = None):
    versions = izuma_versions(2) if kind == VendorKind.IZUMA_DM else ["1.0.0", "2.0.0"]
    if kind == VendorKind.KNOX_EFOTA:
        versions = ["G991BXXU1AUA1", "G991BXXU9AUX9"]
    models = {"knox_efota": ["SM-G991B"], "huawei_iodm": ["NBM100"], "izuma_dm": ["gw-1"], "enos": ["PK01"]}[kind]
    if kind == VendorKind.HUAWEI_IODM:
        # Huawei allows 100 calls a minute per app; the tests raise it on both sides to finish in seconds.
        knobs = {"throttle_limit": 2000, "throttle_period": 60, **(knobs or {})}
        rate_limit = rate_limit or (2000, 60)
    account, tenant = simulated_account_create(
        kind=kind, name=name or f"{kind} sim", server_url=engine.simulators_url.rsplit("/simulators", 1)[0],
        devices=devices, models=models, versions=versions, knobs={**FAST, **(knobs or {})}, rate_limit=rate_limit,
    )
    return account, tenant


def make_campaign(accounts, *, name: str = "rollout", **fields) -> Campaign:
    fleet = Fleet.objects.create(name=f"{name} fleet", saved_filter={"account": [a.pk for a in accounts]})
    defaults = dict(wave_plan=[{"percent": 100}], gate_success_percent=80, gate_max_failure_percent=100,
                    failure_threshold_percent=100, soak_minutes=0, device_timeout_minutes=60)
    campaign = Campaign.objects.create(name=name, fleet=fleet, **{**defaults, **fields})
    for account in accounts:
        firmware = list(Firmware.objects.filter(account=account))
        for model in Device.objects.filter(account=account).order_by().values_list("model", flat=True).distinct():
            fitting = sorted((f for f in firmware if f.fits(model)), key=lambda f: f.version)
            assert fitting, f"no firmware for {model} on {account}"
            CampaignFirmware.objects.create(campaign=campaign, account=account, model=model, firmware=fitting[-1])
    return campaign


def wait_for(predicate, *, timeout: float, engine, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{engine.log_tail()}")


def state_of(campaign: Campaign) -> str:
    return Campaign.objects.get(pk=campaign.pk).state


def wait_for_state(campaign: Campaign, state: str, *, engine, timeout: float = 120) -> Campaign:
    wait_for(lambda: state_of(campaign) == state, timeout=timeout, engine=engine,
             what=f"campaign {campaign.name} to be {state} (it is {state_of(campaign)})")
    return Campaign.objects.get(pk=campaign.pk)


def counters_match_table(campaign: Campaign) -> bool:
    table = Counter({(r["wave__number"] or 0, r["state"]): r["n"] for r in Assignment.objects.filter(
        campaign=campaign).values("wave__number", "state").annotate(n=Count("id"))})
    counters = Counter({(c.wave_number, c.state): c.count for c in ProgressCounter.objects.filter(
        campaign=campaign) if c.count})
    return table == counters


def vendor_truth(campaign: Campaign) -> dict[tuple[int, str], str | None]:
    """Every pushed device's common state as the vendor reports it now, read through the connector."""
    truth = {}
    pairs = Assignment.objects.filter(campaign=campaign).exclude(vendor_ref="").order_by().values_list(
        "account_id", "vendor_ref").distinct()
    for account_id, vendor_ref in pairs:
        account = Assignment.objects.filter(account_id=account_id).first().account
        with connector_for(account) as connector:
            for status in connector.statuses(vendor_ref=vendor_ref):
                truth[(account_id, status.external_id)] = status.state
    return truth


__all__ = ["CampaignState", "make_account", "make_campaign", "wait_for", "wait_for_state", "counters_match_table",
           "vendor_truth"]
