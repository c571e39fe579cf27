"""Maintained progress counters and the progress read model (cheap at any fleet size: no COUNT over assignments)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable

from django.db import connection
from django.utils import timezone

from campaigns.choices import DEVICE_FINAL_STATES, DEVICE_IN_FLIGHT_STATES, DeviceState
from campaigns.models import Campaign, ProgressCounter, ProgressSnapshot, Wave

StateDeltas = dict[tuple[int, str], int]


def counters_apply(*, campaign_id: int, deltas: StateDeltas | Counter) -> None:
    """Add ``deltas`` ({(wave_number, state): +n/-n}) to the counters, atomically, in the caller's transaction."""
    rows = [(campaign_id, wave, state, n) for (wave, state), n in deltas.items() if n]
    if not rows:
        return
    table = ProgressCounter._meta.db_table
    values = ", ".join(["(%s, %s, %s, %s)"] * len(rows))
    params = [value for row in rows for value in row]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (campaign_id, wave_number, state, count) VALUES {values} "
            f"ON CONFLICT (campaign_id, wave_number, state) DO UPDATE SET count = {table}.count + EXCLUDED.count",
            params,
        )


def counters_rebuild(*, campaign: Campaign) -> None:
    """Recount from the assignments (after start's bulk insert, or to repair); one GROUP BY."""
    ProgressCounter.objects.filter(campaign=campaign).delete()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {ProgressCounter._meta.db_table} (campaign_id, wave_number, state, count) "
            "SELECT a.campaign_id, COALESCE(w.number, 0), a.state, COUNT(*) FROM campaigns_assignment a "
            "LEFT JOIN campaigns_wave w ON w.id = a.wave_id WHERE a.campaign_id = %s "
            "GROUP BY a.campaign_id, COALESCE(w.number, 0), a.state",
            [campaign.pk],
        )


def progress_summary(counts: dict[str, int]) -> dict:
    """Totals, in-flight and waiting counts, and success and failure shares of eligible devices, from state counts."""
    total = sum(counts.values())
    eligible = total - counts.get(DeviceState.SKIPPED, 0) - counts.get(DeviceState.CANCELLED, 0)
    succeeded, failed = counts.get(DeviceState.SUCCEEDED, 0), counts.get(DeviceState.FAILED, 0)
    in_flight = sum(counts.get(s, 0) for s in DEVICE_IN_FLIGHT_STATES)
    waiting = counts.get(DeviceState.PENDING, 0) + counts.get(DeviceState.QUEUED, 0)
    return {
        "counts": {state.value: counts.get(state.value, 0) for state in DeviceState},
        "total": total,
        "eligible": eligible,
        "succeeded": succeeded,
        "failed": failed,
        "in_flight": in_flight,
        "waiting": waiting,
        "done": sum(counts.get(s, 0) for s in DEVICE_FINAL_STATES),
        "success_share": round(succeeded / eligible, 4) if eligible else 0.0,
        "failure_share": round(failed / eligible, 4) if eligible else 0.0,
    }


def campaign_counts(*, campaign: Campaign) -> dict[int, dict[str, int]]:
    """Counts per wave number and state, from the maintained counters."""
    per_wave: dict[int, dict[str, int]] = defaultdict(dict)
    for wave_number, state, count in ProgressCounter.objects.filter(campaign=campaign).values_list(
        "wave_number", "state", "count"
    ):
        per_wave[wave_number][state] = count
    return per_wave


def campaign_progress(*, campaign: Campaign) -> dict:
    """Counts per state, success and failure shares and an ETA, for the campaign and each wave."""
    per_wave = campaign_counts(campaign=campaign)
    overall: Counter = Counter()
    for counts in per_wave.values():
        overall.update(counts)
    waves = []
    for wave in Wave.objects.filter(campaign=campaign).order_by("number"):
        waves.append(
            {
                "number": wave.number,
                "state": wave.state,
                "planned": wave.planned_count,
                "opened_at": wave.opened_at,
                "passed_at": wave.passed_at,
                **progress_summary(per_wave.get(wave.number, {})),
            }
        )
    summary = progress_summary(dict(overall))
    summary["eta"] = campaign_eta(campaign=campaign, remaining=summary["eligible"] - summary["succeeded"] - summary["failed"])
    return {"campaign": campaign.pk, "state": campaign.state, **summary, "waves": waves}


def campaign_eta(*, campaign: Campaign, remaining: int) -> dt.datetime | None:
    """When the remaining devices should be done, at the rate devices finished over the last snapshots."""
    if remaining <= 0:
        return None
    recent = list(ProgressSnapshot.objects.filter(campaign=campaign).order_by("-at")[:10])
    if len(recent) < 2:
        return None
    newest, oldest = recent[0], recent[-1]
    finished = (newest.succeeded + newest.failed) - (oldest.succeeded + oldest.failed)
    seconds = (newest.at - oldest.at).total_seconds()
    if finished <= 0 or seconds <= 0:
        return None
    return timezone.now() + dt.timedelta(seconds=remaining * seconds / finished)


def campaign_snapshot(*, campaign: Campaign) -> ProgressSnapshot:
    """Add a point to the campaign's progress time series (from the counters)."""
    overall: Counter = Counter()
    for counts in campaign_counts(campaign=campaign).values():
        overall.update(counts)
    shares = progress_summary(dict(overall))
    return ProgressSnapshot.objects.create(
        campaign=campaign,
        at=timezone.now(),
        succeeded=shares["succeeded"],
        failed=shares["failed"],
        in_flight=shares["in_flight"],
        total=shares["eligible"],
    )


def deltas_for(transitions: Iterable[tuple[int, str, str]]) -> Counter:
    """Counter deltas for (wave_number, old_state, new_state) transitions."""
    deltas: Counter = Counter()
    for wave_number, old, new in transitions:
        if old != new:
            deltas[(wave_number, old)] -= 1
            deltas[(wave_number, new)] += 1
    return deltas
