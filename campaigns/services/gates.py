"""Gates and housekeeping after each ingest: open the next wave, wait for approval, halt on failures, time out
silent devices, complete finished campaigns."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from campaigns.choices import DEVICE_IN_FLIGHT_STATES, CampaignState, DeviceState, EventKind, WaveState
from campaigns.models import Assignment, Campaign
from campaigns.services.events import campaign_event_record
from campaigns.services.lifecycle import wave_open
from campaigns.services.progress import campaign_counts, progress_summary
from campaigns.services.transitions import assignments_transition
from vendors.services import error_decode

NOT_FINAL = (DeviceState.PENDING, DeviceState.QUEUED, *DEVICE_IN_FLIGHT_STATES)
TIMEOUT_CODE = "timeout"


def top_errors(*, campaign: Campaign, limit: int = 5) -> list[dict]:
    """The most frequent decoded errors among a campaign's failed devices."""
    rows = (
        Assignment.objects.filter(campaign=campaign, state=DeviceState.FAILED)
        .values("account__kind", "error_code", "error_field")
        .annotate(devices=Count("id"))
        .order_by("-devices")[:limit]
    )
    errors = []
    for row in rows:
        decoded = error_decode(vendor_kind=row["account__kind"], code=row["error_code"], field=row["error_field"])
        errors.append({
            "vendor": row["account__kind"], "code": row["error_code"], "field": row["error_field"],
            "devices": row["devices"], "known": decoded.known, "explanation": decoded.explanation,
            "action": decoded.action,
        })
    return errors


def _halt(campaign: Campaign, *, reason: str, data: dict) -> None:
    campaign.state = CampaignState.PAUSED
    campaign.state_reason = reason
    campaign.save(update_fields=["state", "state_reason", "updated_at"])
    campaign_event_record(campaign=campaign, kind=EventKind.AUTO_PAUSED, actor_label="engine: gate",
                          message=reason, data=data)


def _describe(errors: list[dict]) -> str:
    return "; ".join(f"{e['vendor']} {e['code']} ({e['devices']} devices): {e['explanation']}" for e in errors[:3])


def assignments_time_out(*, campaign: Campaign) -> int:
    """Devices in flight past the campaign's device timeout become failed (timeout)."""
    limit = timezone.now() - dt.timedelta(minutes=campaign.device_timeout_minutes)
    moved = assignments_transition(
        campaign_id=campaign.pk, from_states=[DeviceState.ASSIGNED, DeviceState.DOWNLOADING, DeviceState.INSTALLING],
        to_state=DeviceState.FAILED, where="pushed_at < %s", params=[limit],
        set_sql="error_code = %s, error_message = %s, finished_at = %s",
        set_params=[TIMEOUT_CODE, f"No final status within {campaign.device_timeout_minutes} minutes of the push.",
                    timezone.now()],
    )
    if moved:
        campaign_event_record(
            campaign=campaign, kind=EventKind.TIMED_OUT, actor_label="engine: timeout",
            message=f"{moved} devices reported no final status within {campaign.device_timeout_minutes} minutes "
            "and count as failed (timeout).", data={"devices": moved},
        )
    return moved


def campaign_evaluate(*, campaign_id: int) -> str:
    """Run a running campaign's gates once. Returns the campaign's state afterwards."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
        if campaign.state != CampaignState.RUNNING:
            return campaign.state
        assignments_time_out(campaign=campaign)
        per_wave = campaign_counts(campaign=campaign)
        waves = list(campaign.waves.order_by("number"))
        opened = [w for w in waves if w.state != WaveState.PENDING]

        # The campaign-wide threshold counts failures in opened waves, less those an operator acknowledged.
        eligible = sum(progress_summary(per_wave.get(w.number, {}))["eligible"] for w in opened)
        failed = sum(per_wave.get(w.number, {}).get(DeviceState.FAILED, 0) for w in opened)
        new_failures = max(failed - campaign.failures_acknowledged, 0)
        share = new_failures / eligible if eligible else 0.0
        if new_failures and share * 100 > campaign.failure_threshold_percent:
            errors = top_errors(campaign=campaign)
            _halt(campaign, reason=(
                f"Paused automatically: {new_failures} of {eligible} devices failed ({share:.1%}), above the "
                f"campaign's {campaign.failure_threshold_percent} % failure threshold. Top errors: {_describe(errors)}"
            ), data={"gate": "failure_threshold", "threshold_percent": campaign.failure_threshold_percent,
                     "failed": new_failures, "eligible": eligible, "share": round(share, 4), "top_errors": errors})
            return campaign.state

        for wave in (w for w in waves if w.state == WaveState.OPEN):
            shares = progress_summary(per_wave.get(wave.number, {}))
            waiting = shares["waiting"] + shares["in_flight"]
            if shares["eligible"] and shares["failure_share"] * 100 > campaign.gate_max_failure_percent and (
                shares["failed"] > campaign.failures_acknowledged
            ):
                wave.state = WaveState.HALTED
                wave.save(update_fields=["state", "updated_at"])
                errors = top_errors(campaign=campaign)
                _halt(campaign, reason=(
                    f"Paused automatically: wave {wave.number} has {shares['failed']} of {shares['eligible']} devices "
                    f"failed ({shares['failure_share']:.1%}), above its {campaign.gate_max_failure_percent} % gate. "
                    f"Top errors: {_describe(errors)}"
                ), data={"gate": "wave_failure", "wave": wave.number, **{k: shares[k] for k in (
                    "failed", "eligible", "failure_share")}, "top_errors": errors})
                return campaign.state
            soaked = wave.opened_at and timezone.now() - wave.opened_at >= dt.timedelta(minutes=campaign.soak_minutes)
            if shares["success_share"] * 100 >= campaign.gate_success_percent and soaked or (
                shares["eligible"] == 0 and soaked
            ):
                following = next((w for w in waves if w.number > wave.number and w.state == WaveState.PENDING), None)
                numbers = {"wave": wave.number, "success_share": shares["success_share"],
                           "gate_percent": campaign.gate_success_percent, "soak_minutes": campaign.soak_minutes}
                if following is not None and not campaign.auto_advance:
                    wave.state = WaveState.AWAITING_APPROVAL
                    wave.save(update_fields=["state", "updated_at"])
                    campaign_event_record(
                        campaign=campaign, kind=EventKind.WAVE_AWAITING_APPROVAL, actor_label="engine: gate",
                        message=f"Wave {wave.number} passed its gate ({shares['success_share']:.1%} succeeded); "
                        f"wave {following.number} waits for an operator's approval.", data=numbers)
                    continue
                wave.state, wave.passed_at = WaveState.PASSED, timezone.now()
                wave.save(update_fields=["state", "passed_at", "updated_at"])
                campaign_event_record(
                    campaign=campaign, kind=EventKind.WAVE_PASSED, actor_label="engine: gate",
                    message=f"Wave {wave.number} passed its gate: {shares['success_share']:.1%} succeeded "
                    f"(gate {campaign.gate_success_percent} %).", data=numbers)
                if following is not None:
                    wave_open(campaign=campaign, wave=following, reason=f"Wave {wave.number} passed its gate.")
            elif waiting == 0 and shares["eligible"]:
                wave.state = WaveState.HALTED
                wave.save(update_fields=["state", "updated_at"])
                _halt(campaign, reason=(
                    f"Paused automatically: wave {wave.number} finished with {shares['success_share']:.1%} "
                    f"succeeded, below its {campaign.gate_success_percent} % gate. Retry the failed devices or "
                    "resume to continue."
                ), data={"gate": "wave_success", "wave": wave.number, "success_share": shares["success_share"]})
                return campaign.state

        remaining = sum(per_wave.get(w.number, {}).get(s, 0) for w in waves for s in NOT_FINAL)
        all_opened = all(w.state in (WaveState.PASSED, WaveState.OPEN) for w in campaign.waves.all())
        if remaining == 0 and all_opened:
            campaign.state, campaign.finished_at = CampaignState.COMPLETED, timezone.now()
            campaign.state_reason = ""
            campaign.save(update_fields=["state", "state_reason", "finished_at", "updated_at"])
            campaign.waves.filter(state=WaveState.OPEN).update(state=WaveState.PASSED, passed_at=timezone.now())
            overall = {s: sum(per_wave.get(w.number, {}).get(s, 0) for w in waves) for s in DeviceState}
            totals = progress_summary(overall)
            campaign_event_record(
                campaign=campaign, kind=EventKind.COMPLETED, actor_label="engine",
                message=f"Completed: {totals['succeeded']} succeeded, {totals['failed']} failed.",
                data={k: totals[k] for k in ("succeeded", "failed", "eligible")},
            )
        return campaign.state
