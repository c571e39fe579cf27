"""The plan: a preview of what starting a campaign would do, and the preflight rules it must pass."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import asdict, dataclass, field

from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from campaigns.models import Campaign
from campaigns.services.errors import Problem
from campaigns.services.schedule import window_problems
from devices.models import Device
from devices.selectors import SavedFilterError, fleet_device_ids
from vendors.connector import connector_class
from vendors.models import VendorAccount
from vendors.rules import vendor_options_problems


@dataclass
class AccountPlan:
    """What one vendor account will be asked to do, and how fast its rate limit lets it happen."""

    account_id: int
    account: str
    vendor_kind: str
    devices: int
    batches: int
    calls: int
    shortest_push_seconds: float


@dataclass
class Plan:
    """The preview of a campaign: devices per wave, per account and firmware, skips with reasons, problems."""

    total: int = 0
    eligible: int = 0
    canaries: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    waves: list[dict] = field(default_factory=list)
    lines: list[dict] = field(default_factory=list)
    accounts: list[AccountPlan] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def shortest_push_seconds(self) -> float:
        # Accounts are pushed in parallel, so the slowest account bounds the whole push.
        return max((a.shortest_push_seconds for a in self.accounts), default=0.0)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["problems"] = [p.as_dict() for p in self.problems]
        data["shortest_push_seconds"] = self.shortest_push_seconds
        return data


def wave_sizes(*, wave_plan: list[dict], eligible: int) -> list[int]:
    """Split ``eligible`` devices into waves: ``percent`` entries are cumulative shares, ``count`` entries fixed
    sizes; the last wave always takes the rest, so no device is left out."""
    plan = wave_plan or [{"percent": 100}]
    sizes: list[int] = []
    placed = 0
    for index, step in enumerate(plan):
        if index == len(plan) - 1:
            size = eligible - placed
        elif "percent" in step:
            size = max(math.ceil(eligible * float(step["percent"]) / 100) - placed, 0)
        else:
            size = int(step.get("count", 0))
        size = max(min(size, eligible - placed), 0)
        sizes.append(size)
        placed += size
    return sizes


def _wave_plan_problems(wave_plan: list[dict]) -> list[Problem]:
    problems = []
    last_percent = 0.0
    for number, step in enumerate(wave_plan or [], start=1):
        if not isinstance(step, dict) or len(step.keys() & {"percent", "count"}) != 1:
            problems.append(Problem(rule="waves.shape", field=f"wave_plan[{number - 1}]",
                                    message=f"Wave {number} needs exactly one of 'percent' or 'count'."))
            continue
        if "percent" in step:
            try:
                percent = float(step["percent"])
            except (TypeError, ValueError):
                percent = -1.0
            if not 0 < percent <= 100 or percent <= last_percent:
                problems.append(Problem(rule="waves.percent", field=f"wave_plan[{number - 1}].percent",
                                        message=f"Wave {number}: percent must grow from wave to wave and stay within "
                                        f"1–100 (cumulative), got {step['percent']!r}."))
            else:
                last_percent = percent
        elif not isinstance(step["count"], int) or step["count"] < 1:
            problems.append(Problem(rule="waves.count", field=f"wave_plan[{number - 1}].count",
                                    message=f"Wave {number}: count must be a whole number of at least 1."))
    return problems


def _schedule_problems(campaign: Campaign) -> list[Problem]:
    problems = []
    start, end = campaign.schedule_start, campaign.schedule_end
    if start and end and end <= start:
        problems.append(Problem(rule="schedule.order", field="schedule_end",
                                message="The schedule ends before it starts."))
    if end and end <= timezone.now():
        problems.append(Problem(rule="schedule.past", field="schedule_end", message="The schedule has already ended."))
    return problems


def campaign_plan(*, campaign: Campaign) -> Plan:
    """Preview a campaign without changing anything: who gets what, in which wave, what is skipped and why, how many
    vendor calls it takes and the shortest time the vendors' rate limits allow; plus every preflight problem."""
    plan = Plan()
    plan.problems += _wave_plan_problems(campaign.wave_plan)
    plan.problems += _schedule_problems(campaign)
    plan.problems += window_problems(campaign.window)
    firmware_map = {
        (line.account_id, line.model): line
        for line in campaign.firmware_map.select_related("firmware", "account")
    }
    kinds_in_map = {line.account.kind for line in firmware_map.values()}
    for kind in sorted(kinds_in_map):
        plan.problems += vendor_options_problems(kind=kind, options=campaign.vendor_options.get(kind, {}))
    for line in firmware_map.values():
        if line.firmware.account_id != line.account_id:
            plan.problems.append(Problem(rule="firmware.account", field="firmware_map",
                                         message=f"Firmware {line.firmware.version} belongs to another vendor account "
                                         f"than {line.account.name}."))
        elif not line.firmware.fits(line.model):
            plan.problems.append(Problem(rule="firmware.model", field="firmware_map",
                                         message=f"Firmware {line.firmware.version} does not list model {line.model}."))
    if campaign.fleet_id is None:
        plan.problems.append(Problem(rule="fleet.missing", field="fleet", message="Choose a fleet to roll out to."))
        return plan
    if not firmware_map:
        plan.problems.append(Problem(rule="firmware.missing", field="firmware_map",
                                     message="Map at least one vendor account and model to a firmware."))
    try:
        device_ids = fleet_device_ids(campaign.fleet)
    except SavedFilterError as exc:
        plan.problems.append(Problem(rule="fleet.filter", field="fleet", message=str(exc)))
        return plan

    canary = Device.labels.through.objects.filter(device_id=OuterRef("pk"), label__name=campaign.canary_label)
    groups = (
        Device.objects.filter(id__in=device_ids)
        .annotate(is_canary=Exists(canary))
        .values("account_id", "account__name", "account__kind", "account__enabled", "model", "firmware_version",
                "is_canary")
        .annotate(n=Count("id"))
        .order_by()
    )
    per_account: dict[int, dict] = {}
    per_line: dict[tuple, dict] = defaultdict(lambda: {"devices": 0})
    skipped: dict[str, int] = defaultdict(int)
    for group in groups:
        plan.total += group["n"]
        line = firmware_map.get((group["account_id"], group["model"]))
        if not group["account__enabled"]:
            skipped[f"Vendor account {group['account__name']} is disabled"] += group["n"]
        elif line is None:
            skipped[f"No firmware for model {group['model']} on {group['account__name']}"] += group["n"]
        elif group["firmware_version"] == line.firmware.version:
            skipped[f"Already on {line.firmware.version}"] += group["n"]
        else:
            plan.eligible += group["n"]
            plan.canaries += group["n"] if group["is_canary"] else 0
            account = per_account.setdefault(group["account_id"], {
                "name": group["account__name"], "kind": group["account__kind"], "devices": 0})
            account["devices"] += group["n"]
            key = (group["account__name"], group["account__kind"], group["model"], line.firmware.version)
            per_line[key]["devices"] += group["n"]
    plan.skipped = dict(skipped)
    plan.lines = [
        {"account": a, "vendor_kind": k, "model": m, "firmware": f, "devices": v["devices"]}
        for (a, k, m, f), v in sorted(per_line.items())
    ]
    for number, size in enumerate(wave_sizes(wave_plan=campaign.wave_plan, eligible=plan.eligible), start=1):
        plan.waves.append({"number": number, "devices": size})
    accounts = VendorAccount.objects.in_bulk(list(per_account))
    for account_id, info in sorted(per_account.items()):
        account = accounts[account_id]
        cls = connector_class(account.kind)
        batches = math.ceil(info["devices"] / (cls.batch_limit or info["devices"] or 1))
        calls = batches * getattr(cls, "calls_per_batch", 1)
        rate = account.rate_limit_calls / account.rate_limit_period_seconds
        plan.accounts.append(AccountPlan(
            account_id=account_id, account=info["name"], vendor_kind=info["kind"], devices=info["devices"],
            batches=batches, calls=calls, shortest_push_seconds=round(calls / rate, 2),
        ))
    if campaign.fleet_id and firmware_map and plan.eligible == 0:
        plan.problems.append(Problem(rule="devices.none", field="fleet",
                                     message="No device in the fleet needs an update with this firmware map."))
    return plan
