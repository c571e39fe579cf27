"""Campaigns through the API: drafts, the plan, the lifecycle actions (409 with a reason when illegal, idempotent
with a key), progress, assignments with filters and CSV, and events."""

from __future__ import annotations

import csv
import io

import pytest

from campaigns.choices import CampaignState, DeviceState, EventKind, WaveState
from campaigns.models import Assignment, Campaign, CampaignEvent
from campaigns.services import lifecycle
from campaigns.services.progress import campaign_snapshot
from campaigns.services.transitions import assignments_transition
from tests.api.conftest import assert_error
from tests.factories import FirmwareFactory

pytestmark = pytest.mark.django_db


def _create_payload(draft) -> dict:
    line = draft.firmware_map.get()
    return {
        "name": "autumn update",
        "fleet": draft.fleet_id,
        "wave_plan": [{"percent": 10}, {"percent": 100}],
        "firmware_map": [{"account": line.account_id, "model": "SM-G991B", "firmware": line.firmware_id}],
        "vendor_options": {"knox_efota": {"batteryLevel": 30}},
        "auto_advance": False,
    }


# --- drafts -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role, read, write", [
    ("anonymous", 401, 401), ("outsider", 403, 403), ("viewer", 200, 403), ("operator", 200, 201),
    ("admin", 200, 201),
])
def test_viewers_read_campaigns_and_operators_create_drafts(clients, draft, role, read, write):
    assert clients[role].get("/api/v1/campaigns/").status_code == read
    assert clients[role].get(f"/api/v1/campaigns/{draft.pk}/").status_code == read
    assert clients[role].post("/api/v1/campaigns/", {**_create_payload(draft), "name": role},
                              format="json").status_code == write


def test_a_draft_is_created_with_its_firmware_map_and_vendor_options(as_bob, bob, draft):
    body = as_bob.post("/api/v1/campaigns/", _create_payload(draft), format="json").json()
    assert body["state"] == "draft" and body["created_by"] == "bob" and body["auto_advance"] is False
    assert body["vendor_options"] == {"knox_efota": {"batteryLevel": 30}}
    assert [(f["model"], f["firmware_version"]) for f in body["firmware_map"]] == [("SM-G991B", "G991BXXU9")]
    campaign = Campaign.objects.get(pk=body["id"])
    assert CampaignEvent.objects.filter(campaign=campaign, kind=EventKind.CREATED, actor=bob).exists()


@pytest.mark.parametrize("change, field", [
    ({"vendor_options": {"nokia": {}}}, "vendor_options.nokia"),
    ({"vendor_options": {"knox_efota": 5}}, "vendor_options.knox_efota"),
    ({"wave_plan": {"percent": 10}}, "wave_plan"),
    ({"wave_plan": [{"percent": "ten"}]}, "wave_plan"),
    ({"window": {"timezone": 5, "start": "22:00", "end": "04:00"}}, "window.timezone"),
    ({"gate_success_percent": 101}, "gate_success_percent"),
    ({"max_attempts": 0}, "max_attempts"),
    ({"schedule_start": "2030-01-02T00:00:00Z", "schedule_end": "2030-01-01T00:00:00Z"}, "schedule_end"),
    ({"fleet": 999_999}, "fleet"),
    ({"name": "spring update"}, "name"),
])
def test_a_bad_draft_is_refused_naming_the_field(as_bob, draft, change, field):
    response = as_bob.post("/api/v1/campaigns/", {**_create_payload(draft), **change}, format="json")
    assert_error(response, 400, "validation_error", fields=[field])


def test_a_firmware_map_naming_one_account_and_model_twice_is_refused(as_bob, draft):
    payload = _create_payload(draft)
    payload["firmware_map"] *= 2
    assert_error(as_bob.post("/api/v1/campaigns/", payload, format="json"), 400, fields=["firmware_map[1].model"])


def test_a_draft_is_edited_and_its_firmware_map_replaced(as_bob, bob, draft, knox):
    newer = FirmwareFactory(account=knox, version="G991BXXU10", models_fitted=["SM-G991B"])
    body = as_bob.patch(f"/api/v1/campaigns/{draft.pk}/", {
        "description": "now with 10", "firmware_map": [{"account": knox.pk, "model": "SM-G991B", "firmware": newer.pk}],
    }, format="json").json()
    assert body["description"] == "now with 10" and body["firmware_map"][0]["firmware_version"] == "G991BXXU10"
    event = CampaignEvent.objects.get(campaign=draft, kind=EventKind.UPDATED)
    assert event.actor == bob and set(event.data["changed"]) == {"description", "firmware_map"}


def test_a_started_campaign_can_no_longer_be_edited(as_bob, draft):
    lifecycle.campaign_start(campaign_id=draft.pk)
    body = assert_error(as_bob.patch(f"/api/v1/campaigns/{draft.pk}/", {"description": "x"}, format="json"), 409,
                        "conflict")
    assert "Only a draft can be edited" in body["message"]


def test_campaigns_filter_by_state(as_carol, draft):
    assert [c["id"] for c in as_carol.get("/api/v1/campaigns/", {"state__eq": "draft"}).json()["data"]] == [draft.pk]
    assert as_carol.get("/api/v1/campaigns/", {"state__in": "running,paused"}).json()["data"] == []


# --- plan -------------------------------------------------------------------------------------------------------


def test_the_plan_previews_waves_skips_and_vendor_calls_for_viewers(as_carol, draft):
    plan = as_carol.get(f"/api/v1/campaigns/{draft.pk}/plan/").json()
    assert (plan["total"], plan["eligible"]) == (20, 18)
    assert plan["waves"] == [{"number": 1, "devices": 9}, {"number": 2, "devices": 9}]
    assert plan["skipped"] == {"No firmware for model SM-A525F on Knox EU": 2} and plan["problems"] == []
    assert plan["accounts"][0]["vendor_kind"] == "knox_efota"


def test_the_plan_lists_each_preflight_problem_with_its_field(as_carol, draft):
    Campaign.objects.filter(pk=draft.pk).update(wave_plan=[{"percent": 50}, {"percent": 20}])
    problems = as_carol.get(f"/api/v1/campaigns/{draft.pk}/plan/").json()["problems"]
    assert [p["field"] for p in problems] == ["wave_plan[1].percent"]


def test_an_unsaved_draft_is_previewed_without_creating_it(as_carol, draft):
    plan = as_carol.post("/api/v1/campaigns/preview/", _create_payload(draft), format="json").json()
    assert plan["eligible"] == 18 and [w["devices"] for w in plan["waves"]] == [2, 16]
    assert not Campaign.objects.filter(name="autumn update").exists()


# --- actions ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role, status", [
    ("anonymous", 401), ("outsider", 403), ("viewer", 403), ("operator", 200), ("admin", 200),
])
def test_operators_start_campaigns(clients, draft, role, status):
    assert clients[role].post(f"/api/v1/campaigns/{draft.pk}/start/").status_code == status


def test_start_snapshots_the_fleet_and_opens_wave_one(as_bob, bob, draft):
    body = as_bob.post(f"/api/v1/campaigns/{draft.pk}/start/").json()
    assert body["object"] == "campaign_action" and body["action"] == "start"
    assert body["campaign"]["state"] == "running"
    assert [w["state"] for w in body["campaign"]["waves"]] == ["open", "pending"]
    assert Assignment.objects.filter(campaign=draft).count() == 20
    assert CampaignEvent.objects.filter(campaign=draft, kind=EventKind.STARTED, actor=bob).exists()


def test_an_illegal_transition_is_refused_with_409_and_the_reason(as_bob, draft):
    body = assert_error(as_bob.post(f"/api/v1/campaigns/{draft.pk}/resume/"), 409, "conflict")
    assert "Cannot resume" in body["message"] and "draft" in body["message"]
    as_bob.post(f"/api/v1/campaigns/{draft.pk}/start/")
    assert_error(as_bob.post(f"/api/v1/campaigns/{draft.pk}/start/"), 409, "conflict")
    body = assert_error(as_bob.post(f"/api/v1/campaigns/{draft.pk}/approve-wave/"), 409, "conflict")
    assert "waiting for approval" in body["message"]


def test_a_start_that_fails_preflight_is_refused_naming_each_field(as_bob, draft):
    Campaign.objects.filter(pk=draft.pk).update(
        wave_plan=[{"percent": 50}, {"percent": 20}], vendor_options={"knox_efota": {"batteryLevel": 5}}
    )
    body = assert_error(as_bob.post(f"/api/v1/campaigns/{draft.pk}/start/"), 409, "preflight_failed",
                        fields=["wave_plan[1].percent", "vendor_options.knox_efota.batteryLevel"])
    assert "cannot start" in body["message"]
    assert not Assignment.objects.filter(campaign=draft).exists()


def test_pause_resume_and_cancel_follow_the_lifecycle_and_keep_the_reason(as_bob, draft):
    as_bob.post(f"/api/v1/campaigns/{draft.pk}/start/")
    paused = as_bob.post(f"/api/v1/campaigns/{draft.pk}/pause/", {"reason": "night freeze"}, format="json").json()
    assert paused["campaign"]["state"] == "paused" and paused["campaign"]["state_reason"] == "night freeze"
    assert as_bob.post(f"/api/v1/campaigns/{draft.pk}/resume/").json()["campaign"]["state"] == "running"
    cancelled = as_bob.post(f"/api/v1/campaigns/{draft.pk}/cancel/", {"reason": "bad build"}, format="json").json()
    assert cancelled["campaign"]["state"] == "cancelled"
    assert_error(as_bob.post(f"/api/v1/campaigns/{draft.pk}/pause/"), 409, "conflict")


def test_a_reason_longer_than_500_characters_is_refused(as_bob, draft):
    assert_error(as_bob.post(f"/api/v1/campaigns/{draft.pk}/pause/", {"reason": "x" * 501}, format="json"), 400,
                 fields=["reason"])


def test_retry_failed_reports_how_many_were_queued(as_bob, draft):
    lifecycle.campaign_start(campaign_id=draft.pk)
    assignments_transition(campaign_id=draft.pk, from_states=[DeviceState.QUEUED], to_state=DeviceState.FAILED)
    body = as_bob.post(f"/api/v1/campaigns/{draft.pk}/retry-failed/").json()
    assert body["action"] == "retry-failed" and body["queued"] == 9 and body["wave"] is None


def test_approve_wave_opens_the_next_wave(as_bob, draft):
    lifecycle.campaign_start(campaign_id=draft.pk)
    draft.waves.filter(number=1).update(state=WaveState.AWAITING_APPROVAL)
    body = as_bob.post(f"/api/v1/campaigns/{draft.pk}/approve-wave/").json()
    assert body["wave"] == 1 and [w["state"] for w in body["campaign"]["waves"]] == ["passed", "open"]


@pytest.mark.parametrize("path, service, extra", [
    ("start", "campaign_start", {}),
    ("pause", "campaign_pause", {"reason": "why"}),
    ("resume", "campaign_resume", {}),
    ("cancel", "campaign_cancel", {"reason": "why"}),
    ("retry-failed", "campaign_retry_failed", {}),
    ("approve-wave", "campaign_approve_wave", {}),
])
def test_each_action_calls_the_lifecycle_service_the_dashboard_calls(monkeypatch, as_bob, bob, draft, path, service,
                                                                      extra):
    calls = []
    monkeypatch.setattr(lifecycle, service, lambda **kwargs: calls.append(kwargs) or 0)
    assert as_bob.post(f"/api/v1/campaigns/{draft.pk}/{path}/", extra, format="json").status_code == 200
    assert calls == [{"campaign_id": draft.pk, "actor": bob, **extra}]


# --- idempotency ------------------------------------------------------------------------------------------------


def test_the_same_idempotency_key_twice_starts_a_campaign_once(as_bob, draft):
    first = as_bob.post(f"/api/v1/campaigns/{draft.pk}/start/", HTTP_IDEMPOTENCY_KEY="start-spring-1")
    second = as_bob.post(f"/api/v1/campaigns/{draft.pk}/start/", HTTP_IDEMPOTENCY_KEY="start-spring-1")
    assert first.status_code == second.status_code == 200
    assert second.json() == first.json() and second["Idempotent-Replayed"] == "true"
    assert CampaignEvent.objects.filter(campaign=draft, kind=EventKind.STARTED).count() == 1
    assert Assignment.objects.filter(campaign=draft).count() == 20


def test_a_refusal_is_replayed_too(as_bob, draft):
    first = as_bob.post(f"/api/v1/campaigns/{draft.pk}/resume/", HTTP_IDEMPOTENCY_KEY="k1")
    lifecycle.campaign_start(campaign_id=draft.pk)
    lifecycle.campaign_pause(campaign_id=draft.pk)
    second = as_bob.post(f"/api/v1/campaigns/{draft.pk}/resume/", HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == second.status_code == 409 and second.json() == first.json()
    draft.refresh_from_db()
    assert draft.state == CampaignState.PAUSED


def test_a_key_reused_for_a_different_request_is_refused_with_422(as_bob, draft):
    as_bob.post(f"/api/v1/campaigns/{draft.pk}/pause/", {"reason": "a"}, format="json", HTTP_IDEMPOTENCY_KEY="k2")
    response = as_bob.post(f"/api/v1/campaigns/{draft.pk}/pause/", {"reason": "b"}, format="json",
                           HTTP_IDEMPOTENCY_KEY="k2")
    assert_error(response, 422, "idempotency_key_reused")


def test_keys_belong_to_their_user(as_bob, as_alice, draft):
    assert as_bob.post(f"/api/v1/campaigns/{draft.pk}/start/", HTTP_IDEMPOTENCY_KEY="same").status_code == 200
    assert_error(as_alice.post(f"/api/v1/campaigns/{draft.pk}/start/", HTTP_IDEMPOTENCY_KEY="same"), 409)


def test_a_malformed_idempotency_key_is_refused_naming_the_header(as_bob, draft):
    assert_error(as_bob.post(f"/api/v1/campaigns/{draft.pk}/start/", HTTP_IDEMPOTENCY_KEY="has spaces"), 400,
                 "validation_error", fields=["Idempotency-Key"])
    assert Campaign.objects.get(pk=draft.pk).state == CampaignState.DRAFT


# --- progress, assignments, events ------------------------------------------------------------------------------


@pytest.fixture
def running(draft):
    lifecycle.campaign_start(campaign_id=draft.pk)
    first = list(Assignment.objects.filter(campaign=draft, wave__number=1).order_by("id").values_list("id", flat=True))
    assignments_transition(campaign_id=draft.pk, from_states=[DeviceState.QUEUED], to_state=DeviceState.SUCCEEDED,
                           where="id = ANY(%s)", params=[first[:6]])
    assignments_transition(campaign_id=draft.pk, from_states=[DeviceState.QUEUED], to_state=DeviceState.FAILED,
                           where="id = ANY(%s)", params=[first[6:]], set_sql="error_code = %s",
                           set_params=["403"])
    campaign_snapshot(campaign=draft)
    campaign_snapshot(campaign=draft)
    return draft


def test_progress_counts_states_and_shares_per_campaign_and_wave(as_carol, running, catalog):
    body = as_carol.get(f"/api/v1/campaigns/{running.pk}/progress/").json()
    assert (body["succeeded"], body["failed"], body["eligible"]) == (6, 3, 18)
    assert body["counts"]["skipped"] == 2 and body["success_share"] == round(6 / 18, 4)
    assert [(w["number"], w["succeeded"], w["failed"], w["waiting"]) for w in body["waves"]] == [
        (1, 6, 3, 0), (2, 0, 0, 9)
    ]
    assert body["top_errors"][0]["code"] == "403" and body["top_errors"][0]["devices"] == 3


def test_the_progress_series_is_a_paged_list_of_snapshots(as_carol, running):
    body = as_carol.get(f"/api/v1/campaigns/{running.pk}/progress/series/").json()
    assert len(body["data"]) == 2 and body["data"][0]["succeeded"] == 6 and body["data"][0]["total"] == 18


@pytest.mark.parametrize("query, count", [
    ({"state__eq": "succeeded"}, 6),
    ({"state__in": "failed,skipped"}, 5),
    ({"wave__eq": 2}, 9),
    ({"model__neq": "SM-G991B"}, 2),
    ({"error_code__eq": "403"}, 3),
    ({"vendor_kind__eq": "izuma_dm"}, 0),
])
def test_assignments_filter_by_state_wave_model_account_and_error(as_carol, running, query, count):
    body = as_carol.get(f"/api/v1/campaigns/{running.pk}/assignments/", {**query, "include": "total_count"}).json()
    assert body["total_count"] == count


def test_assignments_filter_by_vendor_account(as_carol, running, knox):
    body = as_carol.get(f"/api/v1/campaigns/{running.pk}/assignments/", {"account__eq": knox.pk, "limit": 2}).json()
    assert len(body["data"]) == 2 and body["has_more"] and body["data"][0]["vendor_kind"] == "knox_efota"


def test_a_failed_assignment_carries_its_decoded_error(as_carol, running, catalog):
    row = as_carol.get(f"/api/v1/campaigns/{running.pk}/assignments/", {"state__eq": "failed"}).json()["data"][0]
    assert row["error"]["code"] == "403" and row["state"] == "failed"


def test_assignments_are_exported_as_csv_with_the_same_filters(as_carol, running):
    response = as_carol.get(f"/api/v1/campaigns/{running.pk}/assignments/export/", {"state__eq": "failed"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 3 and {r["error_code"] for r in rows} == {"403"} and rows[0]["wave"] == "1"


def test_a_bad_export_filter_is_a_json_error(as_carol, running):
    assert_error(as_carol.get(f"/api/v1/campaigns/{running.pk}/assignments/export/", {"state__eq": "x"},
                              HTTP_ACCEPT="text/csv"), 400, fields=["state__eq"])


def test_events_are_the_audit_trail_with_filters(as_carol, as_bob, draft):
    as_bob.post(f"/api/v1/campaigns/{draft.pk}/start/", HTTP_X_REQUEST_ID="start-req-1")
    events = as_carol.get(f"/api/v1/campaigns/{draft.pk}/events/", {"kind__eq": "started"}).json()["data"]
    assert len(events) == 1 and events[0]["actor_label"] == "bob" and events[0]["request_id"] == "start-req-1"


def test_lists_of_an_unknown_campaign_are_404(as_carol):
    for path in ("assignments", "assignments/export", "events", "progress/series"):
        assert_error(as_carol.get(f"/api/v1/campaigns/999999/{path}/"), 404, "not_found")
