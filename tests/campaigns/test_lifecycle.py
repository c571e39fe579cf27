"""Starting, pausing, resuming, cancelling and retrying: legal transitions work, illegal ones are refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Count
from django.utils import timezone

from campaigns.choices import CampaignState, DeviceState, EventKind, WaveState
from campaigns.models import Assignment, CampaignEvent
from campaigns.services import CampaignRuleViolation, CampaignTransitionError
from campaigns.services.lifecycle import (
    campaign_approve_wave,
    campaign_cancel,
    campaign_pause,
    campaign_resume,
    campaign_retry_failed,
    campaign_start,
)
from campaigns.services.progress import campaign_counts, campaign_progress
from campaigns.services.transitions import assignments_transition

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture(autouse=True)
def _no_celery(no_celery):
    """These tests exercise the services; the tasks they enqueue after commit are covered by the worker tests."""


def _counts_from_table(campaign) -> dict:
    rows = Assignment.objects.filter(campaign=campaign).values("wave__number", "state").annotate(n=Count("id"))
    return {(r["wave__number"] or 0, r["state"]): r["n"] for r in rows}


def _counts_from_counters(campaign) -> dict:
    return {(w, s): n for w, states in campaign_counts(campaign=campaign).items() for s, n in states.items() if n}


def test_start_snapshots_the_fleet_into_assignments_and_opens_wave_one(fleet_campaign, bob):
    campaign_start(campaign_id=fleet_campaign.pk, actor=bob)
    fleet_campaign.refresh_from_db()
    assert fleet_campaign.state == CampaignState.RUNNING
    assert Assignment.objects.filter(campaign=fleet_campaign).count() == 100
    assert Assignment.objects.filter(campaign=fleet_campaign, state=DeviceState.SKIPPED).count() == 10
    skipped = Assignment.objects.get(campaign=fleet_campaign, device__model="SM-A525F", device__id=Assignment.objects
                                     .filter(campaign=fleet_campaign, device__model="SM-A525F")
                                     .values("device_id")[:1])
    assert skipped.skip_reason == "No firmware for model SM-A525F on Knox EU" and skipped.wave is None
    waves = list(fleet_campaign.waves.order_by("number"))
    assert [w.planned_count for w in waves] == [9, 36, 45]
    assert waves[0].state == WaveState.OPEN and waves[1].state == WaveState.PENDING
    assert Assignment.objects.filter(wave=waves[0], state=DeviceState.QUEUED).count() == 9
    assert _counts_from_counters(fleet_campaign) == _counts_from_table(fleet_campaign)
    assert CampaignEvent.objects.filter(campaign=fleet_campaign, kind=EventKind.STARTED, actor=bob).exists()


def test_canary_devices_go_first(fleet_campaign):
    campaign_start(campaign_id=fleet_campaign.pk)
    first_wave = set(Assignment.objects.filter(campaign=fleet_campaign, wave__number=1).values_list("device_id",
                                                                                                  flat=True))
    assert {d.pk for d in fleet_campaign.canary_devices} <= first_wave


def test_the_wave_spread_is_deterministic(fleet_campaign, knox):
    from campaigns.models import Campaign

    campaign_start(campaign_id=fleet_campaign.pk)
    twin = Campaign.objects.get(pk=fleet_campaign.pk)
    twin.pk, twin.name, twin.state = None, "twin", CampaignState.DRAFT
    twin.save()
    for line in fleet_campaign.firmware_map.all():
        line.pk, line.campaign = None, twin
        line.save()
    campaign_start(campaign_id=twin.pk)
    waves_of = lambda c: dict(Assignment.objects.filter(campaign=c).values_list("device_id", "wave__number"))  # noqa: E731
    assert waves_of(fleet_campaign) == waves_of(twin)


def test_start_refuses_a_campaign_that_breaks_vendor_rules_and_sends_nothing(fleet_campaign):
    fleet_campaign.vendor_options = {"knox_efota": {"from": "09:00", "to": "10:00"}}
    fleet_campaign.save()
    with pytest.raises(CampaignRuleViolation) as refused:
        campaign_start(campaign_id=fleet_campaign.pk)
    assert "at least 3 hours" in str(refused.value)
    assert [p.rule for p in refused.value.problems] == ["knox.install_window"]
    assert not Assignment.objects.exists()


def test_a_campaign_scheduled_for_later_waits(fleet_campaign):
    fleet_campaign.schedule_start = timezone.now() + dt.timedelta(hours=2)
    fleet_campaign.save()
    campaign_start(campaign_id=fleet_campaign.pk)
    fleet_campaign.refresh_from_db()
    assert fleet_campaign.state == CampaignState.SCHEDULED
    assert not Assignment.objects.filter(campaign=fleet_campaign, state=DeviceState.QUEUED).exists()


def test_illegal_transitions_are_refused_with_a_reason(fleet_campaign):
    with pytest.raises(CampaignTransitionError, match="while it is draft; that is possible only when it is paused"):
        campaign_resume(campaign_id=fleet_campaign.pk)
    with pytest.raises(CampaignTransitionError, match="only when it is running or scheduled"):
        campaign_pause(campaign_id=fleet_campaign.pk)
    campaign_start(campaign_id=fleet_campaign.pk)
    with pytest.raises(CampaignTransitionError, match="only when it is draft"):
        campaign_start(campaign_id=fleet_campaign.pk)
    with pytest.raises(CampaignTransitionError, match="No wave .* is waiting for approval"):
        campaign_approve_wave(campaign_id=fleet_campaign.pk)
    with pytest.raises(CampaignTransitionError, match="No failed device can be retried"):
        campaign_retry_failed(campaign_id=fleet_campaign.pk)
    campaign_cancel(campaign_id=fleet_campaign.pk)
    with pytest.raises(CampaignTransitionError, match="while it is cancelled"):
        campaign_pause(campaign_id=fleet_campaign.pk)


def test_pause_and_resume_record_events_and_acknowledge_failures(fleet_campaign, bob):
    campaign_start(campaign_id=fleet_campaign.pk)
    campaign_pause(campaign_id=fleet_campaign.pk, actor=bob)
    fleet_campaign.refresh_from_db()
    assert fleet_campaign.state == CampaignState.PAUSED and "Paused by bob" in fleet_campaign.state_reason
    ids = list(Assignment.objects.filter(campaign=fleet_campaign, state=DeviceState.QUEUED)
               .values_list("id", flat=True)[:2])
    assignments_transition(campaign_id=fleet_campaign.pk, from_states=[DeviceState.QUEUED],
                           to_state=DeviceState.FAILED, where=f"id IN ({ids[0]}, {ids[1]})")
    campaign_resume(campaign_id=fleet_campaign.pk, actor=bob)
    fleet_campaign.refresh_from_db()
    assert fleet_campaign.state == CampaignState.RUNNING and fleet_campaign.failures_acknowledged == 2
    assert list(CampaignEvent.objects.filter(campaign=fleet_campaign).values_list("kind", flat=True)[:2]) == [
        EventKind.RESUMED, EventKind.PAUSED]


def test_cancel_cancels_waiting_devices(fleet_campaign):
    campaign_start(campaign_id=fleet_campaign.pk)
    campaign_cancel(campaign_id=fleet_campaign.pk)
    assert Assignment.objects.filter(campaign=fleet_campaign, state=DeviceState.CANCELLED).count() == 90
    assert _counts_from_counters(fleet_campaign) == _counts_from_table(fleet_campaign)


def test_retry_failed_requeues_only_failed_devices_under_the_attempt_limit(fleet_campaign):
    campaign_start(campaign_id=fleet_campaign.pk)
    wave_one = Assignment.objects.filter(campaign=fleet_campaign, wave__number=1)
    ids = list(wave_one.values_list("id", flat=True))
    marks = ",".join(map(str, ids))
    assignments_transition(campaign_id=fleet_campaign.pk, from_states=[DeviceState.QUEUED],
                           to_state=DeviceState.FAILED, where=f"id IN ({marks})",
                           set_sql="attempts = 1, error_code = '03002'")
    Assignment.objects.filter(id=ids[0]).update(attempts=fleet_campaign.max_attempts)
    queued = campaign_retry_failed(campaign_id=fleet_campaign.pk)
    assert queued == len(ids) - 1
    assert Assignment.objects.get(id=ids[0]).state == DeviceState.FAILED
    retried = Assignment.objects.get(id=ids[1])
    assert retried.state == DeviceState.QUEUED and retried.error_code == ""
    assert _counts_from_counters(fleet_campaign) == _counts_from_table(fleet_campaign)


def test_progress_comes_from_the_counters(fleet_campaign, django_assert_max_num_queries):
    campaign_start(campaign_id=fleet_campaign.pk)
    with django_assert_max_num_queries(4):
        progress = campaign_progress(campaign=fleet_campaign)
    assert progress["total"] == 100 and progress["eligible"] == 90
    assert progress["counts"]["queued"] == 9 and progress["counts"]["skipped"] == 10
    assert [w["planned"] for w in progress["waves"]] == [9, 36, 45]
