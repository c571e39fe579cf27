"""Campaign pages: the list and its filters, the detail page with its live fragment, top errors, device table and
CSV export, the actions each role sees with their confirmations, and no query that grows with the fleet."""

from __future__ import annotations

import csv
import io

import pytest

from campaigns.choices import CampaignState, DeviceState, WaveState
from campaigns.models import Campaign, CampaignEvent
from campaigns.services.lifecycle import campaign_pause
from tests.factories import CampaignFactory
from tests.ui.conftest import KNOX_DEVICE_ERROR, build_portal, fail_devices

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def hx(target: str) -> dict:
    return {**HX, "HTTP_HX_TARGET": target}


def actions_of(content: bytes) -> set[str]:
    text = content.decode()
    return {name for name in ("start", "pause", "resume", "cancel", "retry", "approve")
            if f'data-action="{name}"' in text}


# --- list --------------------------------------------------------------------------------------------------------


def test_the_list_shows_each_campaign_with_its_progress_and_failure_share(as_carol, portal):
    page = as_carol.get("/campaigns/").content.decode()
    assert "Running rollout" in page and "Draft rollout" in page
    assert 'class="badge campaign-running"' in page
    assert 'role="progressbar"' in page
    # 3 of 50 eligible devices failed in the running campaign.
    assert "6.0 %" in page


def test_the_list_filters_by_state_vendor_and_firmware(as_carol, portal):
    by_state = as_carol.get("/campaigns/?state=draft").content.decode()
    assert "Draft rollout" in by_state and "Running rollout" not in by_state
    by_vendor = as_carol.get("/campaigns/?vendor=huawei_iodm").content.decode()
    assert "Running rollout" in by_vendor and "Draft rollout" not in by_vendor
    by_firmware = as_carol.get("/campaigns/?firmware=NB-2").content.decode()
    assert "Running rollout" in by_firmware and "Draft rollout" not in by_firmware


def test_the_list_filters_answer_htmx_with_the_table_only(as_carol, portal):
    response = as_carol.get("/campaigns/?state=running", **hx("campaign-table"))
    text = response.content.decode()
    assert text.lstrip().startswith('<div id="campaign-table">') and "<html" not in text


def test_the_list_reads_progress_for_all_rows_at_once(as_carol, portal, django_assert_max_num_queries):
    for n in range(15):
        CampaignFactory(name=f"extra-{n}", fleet=portal.fleet)
    with django_assert_max_num_queries(12):
        assert as_carol.get("/campaigns/").status_code == 200


# --- detail ------------------------------------------------------------------------------------------------------


def test_the_detail_page_shows_state_waves_chart_errors_timeline_and_devices(as_carol, portal):
    page = as_carol.get(f"/campaigns/{portal.running.pk}/").content.decode()
    assert 'data-testid="campaign-state">Running' in page
    assert 'data-wave="1"' in page and 'data-wave="2"' in page
    assert "Gate: passes at" in page
    assert 'id="chart-data"' in page and "progress-chart" in page
    assert 'data-testid="top-error"' in page and f"<code>{KNOX_DEVICE_ERROR}</code>" in page
    assert "What to do:" in page
    assert "Started:" in page  # the event timeline
    assert 'id="device-table"' in page and 'class="badge device-failed"' in page


def test_the_top_error_links_to_exactly_the_devices_that_carry_it(as_carol, portal):
    page = as_carol.get(f"/campaigns/{portal.running.pk}/").content.decode()
    link = f"?state=failed&amp;vendor=knox_efota&amp;error={KNOX_DEVICE_ERROR}#devices"
    assert link in page
    table = as_carol.get(f"/campaigns/{portal.running.pk}/?state=failed&vendor=knox_efota&error={KNOX_DEVICE_ERROR}",
                         **hx("device-table")).content.decode()
    assert table.count('class="badge device-failed"') == 3
    assert 'class="badge device-succeeded"' not in table
    assert "E-FOTA client" in table  # the decoded explanation beside the code


def test_a_running_campaign_polls_itself_and_a_finished_one_does_not(as_carol, portal):
    live = as_carol.get(f"/campaigns/{portal.running.pk}/", **hx("campaign-live")).content.decode()
    assert live.lstrip().startswith('<div id="campaign-live"') and 'hx-trigger="every' in live
    draft = as_carol.get(f"/campaigns/{portal.draft.pk}/").content.decode()
    assert 'hx-trigger="every' not in draft
    Campaign.objects.filter(pk=portal.running.pk).update(state=CampaignState.COMPLETED)
    done = as_carol.get(f"/campaigns/{portal.running.pk}/", **hx("campaign-live")).content.decode()
    assert 'hx-trigger="every' not in done


def test_a_paused_campaign_keeps_polling_while_devices_are_still_at_the_vendors(as_carol, portal):
    from campaigns.services.transitions import assignments_transition

    assignments_transition(campaign_id=portal.running.pk, from_states=[DeviceState.QUEUED],
                           to_state=DeviceState.DOWNLOADING)
    campaign_pause(campaign_id=portal.running.pk)
    live = as_carol.get(f"/campaigns/{portal.running.pk}/", **hx("campaign-live")).content.decode()
    assert 'hx-trigger="every' in live


def test_the_device_table_filters_by_state_wave_vendor_model_and_error(as_carol, portal):
    url = f"/campaigns/{portal.running.pk}/"

    def rows(query: str) -> int:
        return as_carol.get(url + query, **hx("device-table")).content.decode().count('<td><a href="/devices/')

    assert rows("?state=succeeded") == 8
    assert rows("?state=failed") == 3
    assert rows(f"?error={KNOX_DEVICE_ERROR}") == 3
    assert rows("?vendor=huawei_iodm") == 10
    assert rows("?model=BC95") == 10
    assert rows("?wave=2") == portal.running.waves.get(number=2).assignments.count() > 0
    assert rows("?wave=2&state=queued") == 0  # wave 2 has not opened


def test_the_device_table_pages_by_keyset_without_counting(as_carol, db, catalog):
    big = build_portal(devices=120).running
    first = as_carol.get(f"/campaigns/{big.pk}/", **hx("device-table")).content.decode()
    assert first.count('<td><a href="/devices/') == 50 and "Next 50" in first and "First page" not in first
    after = first.split("after=")[1].split('"')[0].split("#")[0].split("&")[0]
    second = as_carol.get(f"/campaigns/{big.pk}/?after={after}", **hx("device-table")).content.decode()
    assert second.count('<td><a href="/devices/') == 50 and "First page" in second
    third = as_carol.get(f"/campaigns/{big.pk}/?after={int(after) + 50}", **hx("device-table")).content.decode()
    assert "Next 50" not in third  # 150 devices: the third page is the last


def test_the_csv_export_has_every_filtered_device_with_its_decoded_error(as_carol, portal):
    response = as_carol.get(f"/campaigns/{portal.running.pk}/devices.csv?state=failed")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 3
    assert {r["error_code"] for r in rows} == {KNOX_DEVICE_ERROR}
    assert all("E-FOTA client" in r["error_explanation"] for r in rows)


def _running_campaign(devices: int, failed: int) -> Campaign:
    """A running single-wave Knox campaign over ``devices`` devices, ``failed`` of them failed with one code."""
    from campaigns.services.lifecycle import campaign_start
    from tests.factories import (
        CampaignFirmwareFactory,
        DeviceFactory,
        FirmwareFactory,
        FleetFactory,
        VendorAccountFactory,
    )

    knox = VendorAccountFactory(kind="knox_efota")
    firmware = FirmwareFactory(account=knox, version="G991BXXU9", models_fitted=["SM-G991B"])
    fleet = FleetFactory()
    fleet.members.set(DeviceFactory.create_batch(devices, account=knox, model="SM-G991B",
                                                 firmware_version="G991BXXU1"))
    campaign = CampaignFactory(fleet=fleet, wave_plan=[{"percent": 100}], gate_max_failure_percent=100,
                               failure_threshold_percent=100)
    CampaignFirmwareFactory(campaign=campaign, account=knox, model="SM-G991B", firmware=firmware)
    campaign_start(campaign_id=campaign.pk)
    fail_devices(campaign, failed)
    return campaign


def _queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_detail_page_reads_a_fixed_number_of_queries_whatever_the_fleet_size(as_carol, db, catalog):
    small = _running_campaign(devices=8, failed=2)
    big = _running_campaign(devices=400, failed=60)
    few = _queries(as_carol, f"/campaigns/{small.pk}/")
    assert _queries(as_carol, f"/campaigns/{big.pk}/") == few
    assert few <= 30
    assert _queries(as_carol, f"/campaigns/{big.pk}/") == _queries(as_carol, f"/campaigns/{small.pk}/")


def test_the_live_fragment_is_cheaper_than_the_page(as_carol, portal, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        as_carol.get(f"/campaigns/{portal.running.pk}/", **hx("campaign-live"))


# --- actions -----------------------------------------------------------------------------------------------------


def test_operators_and_admins_see_the_actions_the_state_allows_and_viewers_none(as_alice, as_bob, as_carol, portal):
    running = f"/campaigns/{portal.running.pk}/"
    draft = f"/campaigns/{portal.draft.pk}/"
    assert actions_of(as_bob.get(running).content) == {"pause", "cancel", "retry"}
    assert actions_of(as_alice.get(running).content) == {"pause", "cancel", "retry"}
    assert actions_of(as_bob.get(draft).content) == {"start", "cancel"}
    assert actions_of(as_carol.get(running).content) == set()
    assert actions_of(as_carol.get(draft).content) == set()
    assert "Edit</a>" in as_bob.get(draft).content.decode()
    assert "Edit</a>" not in as_carol.get(draft).content.decode()


def test_a_paused_campaign_offers_resume_and_a_gated_one_offers_approval(as_bob, portal):
    campaign_pause(campaign_id=portal.running.pk)
    assert actions_of(as_bob.get(f"/campaigns/{portal.running.pk}/").content) == {"resume", "cancel", "retry"}
    Campaign.objects.filter(pk=portal.running.pk).update(state=CampaignState.RUNNING)
    portal.running.waves.filter(number=1).update(state=WaveState.AWAITING_APPROVAL)
    assert "approve" in actions_of(as_bob.get(f"/campaigns/{portal.running.pk}/").content)


def test_each_confirmation_says_what_will_happen(as_bob, portal):
    pause = as_bob.get(f"/campaigns/{portal.running.pk}/pause/", **hx("confirm-dialog-body")).content.decode()
    assert "No new device is pushed" in pause and "<html" not in pause and 'data-confirm="pause"' in pause
    retry = as_bob.get(f"/campaigns/{portal.running.pk}/retry/").content.decode()
    assert "The 3 failed devices are queued" in retry and "<html" in retry  # without HTMX, a page of its own
    start = as_bob.get(f"/campaigns/{portal.draft.pk}/start/").content.decode()
    assert "devices are snapshotted into 2 waves" in start
    cancel = as_bob.get(f"/campaigns/{portal.running.pk}/cancel/").content.decode()
    assert "withdrawn where the vendor allows it" in cancel


def test_pausing_records_the_reason_and_says_what_happened(as_bob, bob, portal):
    response = as_bob.post(f"/campaigns/{portal.running.pk}/pause/", {"reason": "Helpdesk saw reboots"}, follow=True)
    portal.running.refresh_from_db()
    assert portal.running.state == CampaignState.PAUSED
    assert portal.running.state_reason == "Helpdesk saw reboots"
    assert CampaignEvent.objects.filter(campaign=portal.running, kind="paused", actor=bob).exists()
    assert b"Paused. Nothing new is pushed" in response.content


def test_an_illegal_transition_is_refused_with_the_services_reason(as_bob, portal):
    response = as_bob.post(f"/campaigns/{portal.running.pk}/resume/", follow=True)
    assert "Cannot resume campaign" in response.content.decode()
    portal.running.refresh_from_db()
    assert portal.running.state == CampaignState.RUNNING


def test_retry_failed_queues_the_failed_devices_again(as_bob, portal):
    response = as_bob.post(f"/campaigns/{portal.running.pk}/retry/", follow=True)
    assert b"3 failed devices queued again" in response.content
    assert not portal.running.assignments.filter(state=DeviceState.FAILED).exists()


def test_starting_a_draft_with_problems_shows_them_and_changes_nothing(as_bob, portal):
    portal.draft.vendor_options = {"knox_efota": {"from": "22:00", "to": "23:00"}}
    portal.draft.save()
    confirm = as_bob.get(f"/campaigns/{portal.draft.pk}/start/").content.decode()
    assert "It cannot start yet" in confirm and "at least 3 hours" in confirm and "data-confirm" not in confirm
    response = as_bob.post(f"/campaigns/{portal.draft.pk}/start/", follow=True)
    assert "Not started:" in response.content.decode()
    portal.draft.refresh_from_db()
    assert portal.draft.state == CampaignState.DRAFT


def test_starting_a_draft_runs_it(as_bob, portal):
    response = as_bob.post(f"/campaigns/{portal.draft.pk}/start/", follow=True)
    portal.draft.refresh_from_db()
    assert portal.draft.state == CampaignState.RUNNING
    assert "wave 1 is being pushed" in response.content.decode()


def test_an_unknown_action_is_not_found(as_bob, portal):
    assert as_bob.get(f"/campaigns/{portal.running.pk}/explode/").status_code == 404
