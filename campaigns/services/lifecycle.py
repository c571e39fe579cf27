"""Campaign lifecycle: start, pause, resume, cancel, retry failed, approve the next wave.

Each service checks the transition is legal (``CampaignTransitionError`` with the reason otherwise), changes the
state under a row lock, writes a campaign event, and hands vendor work to Celery after commit.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone

from campaigns.choices import DEVICE_IN_FLIGHT_STATES, CampaignState, DeviceState, EventKind, WaveState
from campaigns.models import Assignment, Campaign, Wave
from campaigns.services.errors import CampaignRuleViolation, CampaignTransitionError
from campaigns.services.events import campaign_event_record
from campaigns.services.plan import campaign_plan, wave_sizes
from campaigns.services.progress import counters_rebuild
from campaigns.services.transitions import TABLE, assignments_transition
from devices.selectors import fleet_device_ids

# Knuth's multiplicative hash spreads devices across waves deterministically without a random() the database
# would evaluate differently on every run.
_SPREAD = "(d.id * 2654435761) %% 4294967296"  # %% : the SQL is run with parameters


def _locked(campaign_id: int) -> Campaign:
    return Campaign.objects.select_for_update().get(pk=campaign_id)


def _refuse(campaign: Campaign, action: str, allowed: tuple[str, ...]) -> None:
    if campaign.state not in allowed:
        names = " or ".join(CampaignState(s).label.lower() for s in allowed)
        raise CampaignTransitionError(
            f"Cannot {action} campaign “{campaign.name}” while it is {campaign.get_state_display().lower()}; "
            f"that is possible only when it is {names}."
        )


def _enqueue_push(campaign_id: int) -> None:
    from campaigns.tasks import push_campaign

    transaction.on_commit(lambda: push_campaign.delay(campaign_id))


def _snapshot_assignments(campaign: Campaign, sizes: list[int]) -> list[Wave]:
    """Create the waves, then one assignment per fleet device in a single INSERT … SELECT that also places each
    device in its wave: canary-labelled devices first, then a deterministic spread. What needs nothing is skipped
    with its reason and stays outside the waves. One pass over the fleet, one write per device."""
    waves = Wave.objects.bulk_create(
        [Wave(campaign=campaign, number=n, planned_count=size) for n, size in enumerate(sizes, start=1)]
    )
    now = timezone.now()
    fleet_sql, fleet_params = fleet_device_ids(campaign.fleet).query.sql_with_params()
    skip_case = (
        "CASE WHEN NOT va.enabled THEN 'Vendor account ' || va.name || ' is disabled' "
        "WHEN f.id IS NULL THEN 'No firmware for model ' || d.model || ' on ' || va.name "
        "WHEN d.firmware_version = f.version THEN 'Already on ' || f.version ELSE '' END"
    )
    canary = (
        "CASE WHEN EXISTS (SELECT 1 FROM devices_device_labels dl JOIN devices_label l ON l.id = dl.label_id "
        "WHERE dl.device_id = d.id AND l.name = %s) THEN 0 ELSE 1 END"
    )
    bound, cases, wave_params = 0, [], []
    for wave, size in zip(waves, sizes, strict=True):
        bound += size
        cases.append("WHEN x.rn <= %s THEN %s")
        wave_params += [bound, wave.pk]
    last_wave = waves[-1].pk if waves else None
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (campaign_id, device_id, account_id, firmware_id, wave_id, state, skip_reason, "
            "vendor_status, vendor_status_unmapped, vendor_ref, vendor_sub_ref, push_intent, attempts, error_code, "
            "error_field, error_message, state_changed_at, created_at, updated_at) "
            "SELECT %s, x.id, x.account_id, x.firmware_id, "
            f"CASE WHEN x.skip != '' THEN NULL {' '.join(cases)} ELSE %s END, "
            "CASE WHEN x.skip = '' THEN 'pending' ELSE 'skipped' END, x.skip, '', FALSE, '', '', '', 0, '', '', '', "
            "%s, %s, %s FROM ("
            f"SELECT d.id, d.account_id, f.id AS firmware_id, {skip_case} AS skip, ROW_NUMBER() OVER ("
            f"PARTITION BY ({skip_case}) = '' ORDER BY {canary}, {_SPREAD}, d.id"
            ") AS rn FROM devices_device d JOIN vendors_vendoraccount va ON va.id = d.account_id "
            "LEFT JOIN campaigns_campaignfirmware cf ON cf.campaign_id = %s AND cf.account_id = d.account_id "
            "AND cf.model = d.model LEFT JOIN devices_firmware f ON f.id = cf.firmware_id "
            f"WHERE d.id IN ({fleet_sql})) x",
            [campaign.pk, *wave_params, last_wave, now, now, now, campaign.canary_label, campaign.pk, *fleet_params],
        )
    return waves


def wave_open(*, campaign: Campaign, wave: Wave, actor=None, reason: str = "") -> int:
    """Open a wave: its pending devices are queued for push. Returns how many were queued."""
    queued = assignments_transition(
        campaign_id=campaign.pk, from_states=[DeviceState.PENDING], to_state=DeviceState.QUEUED,
        where="wave_id = %s", params=[wave.pk],
    )
    wave.state = WaveState.OPEN
    wave.opened_at = timezone.now()
    wave.save(update_fields=["state", "opened_at", "updated_at"])
    campaign_event_record(
        campaign=campaign, kind=EventKind.WAVE_OPENED, actor=actor,
        message=f"Wave {wave.number} opened: {queued} devices queued for push." + (f" {reason}" if reason else ""),
        data={"wave": wave.number, "queued": queued},
    )
    _enqueue_push(campaign.pk)
    return queued


def campaign_begin(*, campaign: Campaign, actor=None) -> None:
    """Move a campaign to running: reopen a wave its gate halted, or open wave 1 if no wave has opened yet.

    Later waves are opened by the gates, not here."""
    campaign.state = CampaignState.RUNNING
    campaign.state_reason = ""
    campaign.save(update_fields=["state", "state_reason", "updated_at"])
    campaign.waves.filter(state=WaveState.HALTED).update(state=WaveState.OPEN, updated_at=timezone.now())
    first = campaign.waves.order_by("number").first()
    if first is not None and not campaign.waves.exclude(state=WaveState.PENDING).exists():
        wave_open(campaign=campaign, wave=first, actor=actor)  # enqueues the push itself
    else:
        _enqueue_push(campaign.pk)


def campaign_start(*, campaign_id: int, actor=None) -> Campaign:
    """Start a draft campaign: preflight, snapshot the fleet into assignments, split waves, open wave 1 (or wait
    for the schedule). Raises ``CampaignRuleViolation`` with every problem before anything reaches a vendor."""
    with transaction.atomic():
        campaign = _locked(campaign_id)
        _refuse(campaign, "start", (CampaignState.DRAFT,))
        plan = campaign_plan(campaign=campaign)
        if plan.problems:
            raise CampaignRuleViolation(plan.problems)
        sizes = wave_sizes(wave_plan=campaign.wave_plan, eligible=plan.eligible)
        _snapshot_assignments(campaign, sizes)
        counters_rebuild(campaign=campaign)
        campaign.started_at = timezone.now()
        campaign.save(update_fields=["started_at", "updated_at"])
        campaign_event_record(
            campaign=campaign, kind=EventKind.STARTED, actor=actor,
            message=f"Started: {plan.eligible} devices in {len(sizes)} waves, {plan.total - plan.eligible} skipped.",
            data={"eligible": plan.eligible, "waves": sizes, "skipped": plan.skipped},
        )
        if campaign.schedule_start and campaign.schedule_start > timezone.now():
            campaign.state = CampaignState.SCHEDULED
            campaign.state_reason = f"Waiting for the schedule to start at {campaign.schedule_start:%Y-%m-%d %H:%M %Z}."
            campaign.save(update_fields=["state", "state_reason", "updated_at"])
            campaign_event_record(campaign=campaign, kind=EventKind.SCHEDULED, actor=actor,
                                  message=campaign.state_reason)
        else:
            campaign_begin(campaign=campaign, actor=actor)
    return campaign


def campaign_pause(*, campaign_id: int, actor=None, reason: str = "") -> Campaign:
    """Pause: no new pushes from now on (what is already at the vendor carries on and is still polled)."""
    with transaction.atomic():
        campaign = _locked(campaign_id)
        _refuse(campaign, "pause", (CampaignState.RUNNING, CampaignState.SCHEDULED))
        campaign.state = CampaignState.PAUSED
        campaign.state_reason = reason or f"Paused by {actor.get_username() if actor else 'the engine'}."
        campaign.save(update_fields=["state", "state_reason", "updated_at"])
        campaign_event_record(campaign=campaign, kind=EventKind.PAUSED, actor=actor, message=campaign.state_reason)
    return campaign


def campaign_resume(*, campaign_id: int, actor=None) -> Campaign:
    """Resume a paused campaign; the failures so far count as acknowledged, so the threshold measures new ones."""
    with transaction.atomic():
        campaign = _locked(campaign_id)
        _refuse(campaign, "resume", (CampaignState.PAUSED,))
        failed = Assignment.objects.filter(campaign=campaign, state=DeviceState.FAILED).count()
        campaign.failures_acknowledged = failed
        campaign.save(update_fields=["failures_acknowledged", "updated_at"])
        campaign_event_record(
            campaign=campaign, kind=EventKind.RESUMED, actor=actor,
            message=f"Resumed; {failed} failures so far acknowledged.", data={"failures_acknowledged": failed},
        )
        if campaign.schedule_start and campaign.schedule_start > timezone.now():
            campaign.state = CampaignState.SCHEDULED
            campaign.state_reason = "Waiting for the schedule to start."
            campaign.save(update_fields=["state", "state_reason", "updated_at"])
        else:
            campaign_begin(campaign=campaign, actor=actor)
    return campaign


def campaign_cancel(*, campaign_id: int, actor=None, reason: str = "") -> Campaign:
    """Cancel: nothing more is pushed, waiting devices are cancelled, and what the vendors allow is withdrawn."""
    from campaigns.tasks import withdraw_campaign

    with transaction.atomic():
        campaign = _locked(campaign_id)
        _refuse(campaign, "cancel",
                (CampaignState.DRAFT, CampaignState.SCHEDULED, CampaignState.RUNNING, CampaignState.PAUSED))
        cancelled = assignments_transition(
            campaign_id=campaign.pk, from_states=[DeviceState.PENDING, DeviceState.QUEUED],
            to_state=DeviceState.CANCELLED, set_sql="finished_at = %s", set_params=[timezone.now()],
        )
        in_flight = Assignment.objects.filter(campaign=campaign, state__in=DEVICE_IN_FLIGHT_STATES).exists()
        campaign.state = CampaignState.CANCELLED
        campaign.state_reason = reason or f"Cancelled by {actor.get_username() if actor else 'the engine'}."
        campaign.finished_at = timezone.now()
        campaign.save(update_fields=["state", "state_reason", "finished_at", "updated_at"])
        campaign_event_record(
            campaign=campaign, kind=EventKind.CANCELLED, actor=actor,
            message=f"{campaign.state_reason} {cancelled} waiting devices cancelled"
            + ("; withdrawing devices already at the vendors." if in_flight else "."),
            data={"cancelled": cancelled},
        )
        if in_flight:
            transaction.on_commit(lambda: withdraw_campaign.delay(campaign.pk))
    return campaign


def campaign_retry_failed(*, campaign_id: int, actor=None) -> int:
    """Queue failed devices again, up to the campaign's maximum attempts. Returns how many were queued."""
    with transaction.atomic():
        campaign = _locked(campaign_id)
        _refuse(campaign, "retry", (CampaignState.RUNNING, CampaignState.PAUSED, CampaignState.COMPLETED))
        over_limit = Assignment.objects.filter(
            campaign=campaign, state=DeviceState.FAILED, attempts__gte=campaign.max_attempts
        ).count()
        cleared = (
            "error_code = '', error_http_status = NULL, error_field = '', error_message = '', error_entry_id = NULL, "
            "finished_at = NULL, next_attempt_at = NULL, vendor_ref = '', vendor_sub_ref = '', push_intent = ''"
        )
        open_waves = "wave_id IN (SELECT id FROM campaigns_wave WHERE campaign_id = %s AND state != 'pending')"
        queued = assignments_transition(
            campaign_id=campaign.pk, from_states=[DeviceState.FAILED], to_state=DeviceState.QUEUED,
            where=f"attempts < %s AND {open_waves}", params=[campaign.max_attempts, campaign.pk], set_sql=cleared,
        )
        queued += assignments_transition(
            campaign_id=campaign.pk, from_states=[DeviceState.FAILED], to_state=DeviceState.PENDING,
            where="attempts < %s", params=[campaign.max_attempts], set_sql=cleared,
        )
        if queued == 0:
            raise CampaignTransitionError(
                "No failed device can be retried"
                + (f": all {over_limit} have used their {campaign.max_attempts} attempts." if over_limit else ".")
            )
        campaign_event_record(
            campaign=campaign, kind=EventKind.RETRIED, actor=actor,
            message=f"{queued} failed devices queued again"
            + (f"; {over_limit} left failed after {campaign.max_attempts} attempts." if over_limit else "."),
            data={"queued": queued, "over_limit": over_limit},
        )
        if campaign.state == CampaignState.COMPLETED:
            campaign.state, campaign.finished_at = CampaignState.RUNNING, None
            campaign.save(update_fields=["state", "finished_at", "updated_at"])
        if campaign.state == CampaignState.RUNNING:
            _enqueue_push(campaign.pk)
    return queued


def campaign_approve_wave(*, campaign_id: int, actor=None) -> Wave:
    """Approve the wave waiting at its gate and open the next one."""
    with transaction.atomic():
        campaign = _locked(campaign_id)
        _refuse(campaign, "approve a wave of", (CampaignState.RUNNING,))
        waiting = campaign.waves.filter(state=WaveState.AWAITING_APPROVAL).order_by("number").first()
        if waiting is None:
            raise CampaignTransitionError(f"No wave of “{campaign.name}” is waiting for approval.")
        waiting.state, waiting.passed_at, waiting.approved_by = WaveState.PASSED, timezone.now(), actor
        waiting.save(update_fields=["state", "passed_at", "approved_by", "updated_at"])
        campaign_event_record(campaign=campaign, kind=EventKind.WAVE_APPROVED, actor=actor,
                              message=f"Wave {waiting.number} approved.", data={"wave": waiting.number})
        following = campaign.waves.filter(number__gt=waiting.number, state=WaveState.PENDING).order_by("number").first()
        if following is not None:
            wave_open(campaign=campaign, wave=following, actor=actor, reason=f"Approved after wave {waiting.number}.")
        return waiting
