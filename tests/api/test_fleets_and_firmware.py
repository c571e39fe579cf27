"""Fleets (members in bulk, saved filters and their preview) and firmware: viewers read, operators manage."""

from __future__ import annotations

import pytest

from devices.models import Fleet
from tests.api.conftest import assert_error
from tests.factories import (
    CampaignFactory,
    CampaignFirmwareFactory,
    DeviceFactory,
    FirmwareFactory,
    FleetFactory,
    VendorAccountFactory,
)
from vendors.choices import VendorKind

pytestmark = pytest.mark.django_db


# --- fleets -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role, read, write", [
    ("anonymous", 401, 401), ("outsider", 403, 403), ("viewer", 200, 403), ("operator", 200, 201),
    ("admin", 200, 201),
])
def test_viewers_read_fleets_and_operators_create_them(clients, role, read, write):
    assert clients[role].get("/api/v1/fleets/").status_code == read
    assert clients[role].post("/api/v1/fleets/", {"name": f"f-{role}"}, format="json").status_code == write


def test_a_fleet_is_created_with_a_saved_filter_and_its_creator(as_bob, bob, knox):
    body = as_bob.post("/api/v1/fleets/", {"name": "eu", "saved_filter": {"model": "SM-G991B", "account": [knox.pk]}},
                       format="json").json()
    assert body["saved_filter"] == {"model": ["SM-G991B"], "account": [knox.pk]}
    assert body["created_by"] == "bob" and body["member_count"] == 0
    assert Fleet.objects.get(pk=body["id"]).created_by == bob


@pytest.mark.parametrize("saved_filter, field", [
    ({"colour": ["red"]}, "saved_filter"),
    ({"account": ["Knox EU"]}, "saved_filter.account"),
    ({"model": [{"x": 1}]}, "saved_filter.model"),
    ([1, 2], "saved_filter"),
])
def test_a_bad_saved_filter_is_refused_naming_it(as_bob, saved_filter, field):
    response = as_bob.post("/api/v1/fleets/", {"name": "x", "saved_filter": saved_filter}, format="json")
    assert_error(response, 400, "validation_error", fields=[field])


def test_a_duplicate_fleet_name_is_refused_naming_it(as_bob):
    FleetFactory(name="eu")
    assert_error(as_bob.post("/api/v1/fleets/", {"name": "eu"}, format="json"), 400, fields=["name"])


def test_a_fleet_is_renamed_and_its_filter_replaced(as_bob):
    fleet = FleetFactory(name="old", saved_filter={"model": ["A"]})
    body = as_bob.patch(f"/api/v1/fleets/{fleet.pk}/", {"name": "new", "saved_filter": {}}, format="json").json()
    assert body["name"] == "new" and body["saved_filter"] == {}


def test_members_are_added_by_vendor_id_and_removed_by_device_id_in_bulk(as_bob, knox):
    fleet = FleetFactory()
    devices = DeviceFactory.create_batch(3, account=knox)
    added = as_bob.post(f"/api/v1/fleets/{fleet.pk}/members/add/",
                        {"external_ids": [d.external_id for d in devices] + ["nope"]}, format="json").json()
    assert added == {"fleet": fleet.pk, "changed": 3, "not_found": ["nope"], "ambiguous": [], "member_count": 3}
    removed = as_bob.post(f"/api/v1/fleets/{fleet.pk}/members/remove/",
                          {"device_ids": [devices[0].pk, 999_999]}, format="json").json()
    assert removed == {"fleet": fleet.pk, "changed": 1, "member_count": 2}
    members = as_bob.get(f"/api/v1/fleets/{fleet.pk}/members/").json()["data"]
    assert [m["id"] for m in members] == [devices[1].pk, devices[2].pk]


def test_an_id_known_on_two_accounts_needs_the_account(as_bob, knox):
    other = VendorAccountFactory(kind=VendorKind.IZUMA_DM, credentials={"api_key": "k"})
    fleet = FleetFactory()
    DeviceFactory(account=knox, external_id="dup")
    mine = DeviceFactory(account=other, external_id="dup")
    body = as_bob.post(f"/api/v1/fleets/{fleet.pk}/members/add/", {"external_ids": ["dup"]}, format="json").json()
    assert body["ambiguous"] == ["dup"] and body["changed"] == 0
    body = as_bob.post(f"/api/v1/fleets/{fleet.pk}/members/add/", {"external_ids": ["dup"], "account": other.pk},
                       format="json").json()
    assert body["changed"] == 1 and list(fleet.members.all()) == [mine]


def test_member_changes_validate_their_lists(as_bob):
    fleet = FleetFactory()
    assert_error(as_bob.post(f"/api/v1/fleets/{fleet.pk}/members/add/", {"external_ids": []}, format="json"), 400,
                 fields=["external_ids"])
    assert_error(as_bob.post(f"/api/v1/fleets/{fleet.pk}/members/remove/", {"device_ids": ["a"]}, format="json"),
                 400, fields=["device_ids[0]"])


def test_viewers_cannot_change_members(as_carol):
    fleet = FleetFactory()
    assert_error(as_carol.post(f"/api/v1/fleets/{fleet.pk}/members/remove/", {"device_ids": [1]}, format="json"), 403)


def test_a_fleets_devices_are_its_members_and_its_filter_matches(as_carol, knox):
    member, matched, _other = (DeviceFactory(account=knox, model=m) for m in ("A", "B", "C"))
    fleet = FleetFactory(saved_filter={"model": ["B"]})
    fleet.members.add(member)
    rows = as_carol.get(f"/api/v1/fleets/{fleet.pk}/devices/", {"include": "total_count"}).json()
    assert [r["id"] for r in rows["data"]] == [member.pk, matched.pk] and rows["total_count"] == 2
    rows = as_carol.get(f"/api/v1/fleets/{fleet.pk}/devices/", {"model__eq": "B"}).json()
    assert [r["id"] for r in rows["data"]] == [matched.pk]
    assert_error(as_carol.get("/api/v1/fleets/999999/devices/"), 404)


def test_a_saved_filter_is_previewed_before_it_is_saved(as_carol, knox):
    devices = DeviceFactory.create_batch(3, account=knox, model="SM-G991B")
    DeviceFactory(account=knox, model="other")
    body = as_carol.post("/api/v1/fleets/preview/", {"saved_filter": {"model": ["SM-G991B"]}, "sample": 2},
                         format="json").json()
    assert body["count"] == 3 and [d["id"] for d in body["sample"]] == [d.pk for d in devices[:2]]
    assert as_carol.post("/api/v1/fleets/preview/", {"saved_filter": {}}, format="json").json() == {
        "count": 0, "sample": []
    }


def test_a_fleet_a_campaign_uses_cannot_be_deleted(as_bob):
    campaign = CampaignFactory()
    assert_error(as_bob.delete(f"/api/v1/fleets/{campaign.fleet.pk}/"), 409, "conflict")
    assert as_bob.delete(f"/api/v1/fleets/{FleetFactory().pk}/").status_code == 204


# --- firmware ---------------------------------------------------------------------------------------------------

FIRMWARE = {"version": "G991BXXU9", "models_fitted": ["SM-G991B"], "vendor_ref": "G991BXXU9"}


@pytest.mark.parametrize("role, read, write", [
    ("anonymous", 401, 401), ("outsider", 403, 403), ("viewer", 200, 403), ("operator", 200, 201),
    ("admin", 200, 201),
])
def test_viewers_read_firmware_and_operators_add_it(clients, knox, role, read, write):
    assert clients[role].get("/api/v1/firmware/").status_code == read
    response = clients[role].post("/api/v1/firmware/", {**FIRMWARE, "account": knox.pk}, format="json")
    assert response.status_code == write


def test_firmware_shows_its_vendor_kind_and_changes(as_bob, knox):
    created = as_bob.post("/api/v1/firmware/", {**FIRMWARE, "account": knox.pk}, format="json").json()
    assert created["vendor_kind"] == "knox_efota" and created["models_fitted"] == ["SM-G991B"]
    changed = as_bob.patch(f"/api/v1/firmware/{created['id']}/", {"notes": "security fixes"}, format="json").json()
    assert changed["notes"] == "security fixes"


def test_the_same_vendor_reference_twice_on_one_account_is_refused_naming_it(as_bob, knox):
    FirmwareFactory(account=knox, vendor_ref="G991BXXU9")
    assert_error(as_bob.post("/api/v1/firmware/", {**FIRMWARE, "account": knox.pk}, format="json"), 400,
                 "validation_error", fields=["vendor_ref"])


def test_firmware_in_a_campaigns_map_cannot_be_deleted(as_bob):
    line = CampaignFirmwareFactory()
    assert_error(as_bob.delete(f"/api/v1/firmware/{line.firmware.pk}/"), 409, "conflict")


def test_firmware_filters_by_vendor_kind_and_version(as_carol, knox):
    wanted = FirmwareFactory(account=knox, version="2.0")
    FirmwareFactory(account=knox, version="1.0")
    rows = as_carol.get("/api/v1/firmware/", {"vendor_kind__eq": "knox_efota", "version__in": "2.0,3.0"}).json()
    assert [r["id"] for r in rows["data"]] == [wanted.pk]
