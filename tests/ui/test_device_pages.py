"""Device and fleet pages: search and filters, the device's history with raw vendor statuses, fleets with a saved
filter previewed live and static members, and the CSV import with its per-row error report."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from campaigns.choices import DeviceState
from campaigns.models import Assignment
from devices.models import Device, DeviceImport, Fleet
from tests.factories import DeviceFactory, LabelFactory

pytestmark = pytest.mark.django_db


def hx(target: str) -> dict:
    return {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": target}


def device_rows(content: bytes) -> int:
    return content.decode().count('<td><a class="mono" href="/devices/')


# --- devices -----------------------------------------------------------------------------------------------------


def test_the_device_list_filters_by_vendor_account_model_firmware_and_label(as_carol, portal):
    assert device_rows(as_carol.get("/devices/?vendor=huawei_iodm").content) == 10
    assert device_rows(as_carol.get(f"/devices/?account={portal.knox.pk}").content) == 40
    assert device_rows(as_carol.get("/devices/?model=BC95").content) == 10
    assert device_rows(as_carol.get("/devices/?firmware=NB-1.0").content) == 10
    assert device_rows(as_carol.get("/devices/?label=canary").content) == 2


def test_the_device_search_finds_by_id_prefix_or_name(as_carol, portal):
    device = Device.objects.filter(account=portal.knox).order_by("id").first()
    device.name = "Front desk tablet"
    device.save()
    assert device_rows(as_carol.get(f"/devices/?q={device.external_id}").content) == 1
    assert device_rows(as_carol.get("/devices/?q=front desk").content) == 1


def test_the_device_list_pages_by_keyset_and_answers_htmx_with_the_table(as_carol, portal):
    DeviceFactory.create_batch(5, account=portal.knox)
    first = as_carol.get("/devices/", **hx("device-list")).content.decode()
    assert first.lstrip().startswith('<div id="device-list">') and device_rows(first.encode()) == 50
    after = first.split("after=")[1].split('"')[0]
    second = as_carol.get(f"/devices/?after={after}").content
    assert device_rows(second) == 5 and b"Next 50" not in second


def test_the_device_list_query_count_does_not_grow_with_the_page(as_carol, portal, django_assert_max_num_queries):
    DeviceFactory.create_batch(60, account=portal.knox)
    with django_assert_max_num_queries(8):
        as_carol.get("/devices/")


def test_the_device_page_shows_each_campaign_with_raw_vendor_status_and_decoded_error(as_carol, portal):
    failed = Assignment.objects.filter(campaign=portal.running, state=DeviceState.FAILED).first()
    page = as_carol.get(f"/devices/{failed.device_id}/").content.decode()
    assert "Running rollout" in page
    assert 'class="badge device-failed"' in page and "CAMPAIGN_ERROR" in page
    assert "E-FOTA client" in page and "What to do" in page
    succeeded = Assignment.objects.filter(campaign=portal.running, state=DeviceState.SUCCEEDED).first()
    history = as_carol.get(f"/devices/{succeeded.device_id}/").content.decode()
    assert "Updated to <code>G991BXXU9</code>" in history


# --- fleets ------------------------------------------------------------------------------------------------------


def test_the_fleet_list_and_page_show_members_filter_and_campaigns(as_carol, portal):
    listing = as_carol.get("/devices/fleets/").content.decode()
    assert "Europe" in listing
    page = as_carol.get(f"/devices/fleets/{portal.fleet.pk}/").content.decode()
    assert 'data-testid="fleet-total">50<' in page
    assert "Running rollout" in page and "Draft rollout" in page
    assert "Add devices" not in page  # a viewer changes nothing


def test_the_saved_filter_preview_counts_matching_devices_live(as_bob, portal):
    response = as_bob.post("/devices/fleets/new/", {"name": "Huawei", "filter_vendor_kind": ["huawei_iodm"]},
                           **hx("filter-preview"))
    assert b"matches <strong>10</strong> devices" in response.content
    assert not Fleet.objects.filter(name="Huawei").exists()


def test_creating_a_fleet_saves_its_saved_filter(as_bob, bob, portal):
    LabelFactory(name="lobby")
    response = as_bob.post("/devices/fleets/new/", {
        "name": "Knox canaries", "filter_account": [portal.knox.pk], "filter_model": "SM-G991B, SM-A525F",
        "filter_labels": ["canary"],
    })
    fleet = Fleet.objects.get(name="Knox canaries")
    assert response.url == f"/devices/fleets/{fleet.pk}/"
    assert fleet.saved_filter == {"account": [portal.knox.pk], "model": ["SM-G991B", "SM-A525F"],
                                  "labels": ["canary"]}
    assert fleet.created_by == bob
    page = as_bob.get(f"/devices/fleets/{fleet.pk}/").content.decode()
    assert 'data-testid="fleet-total">2<' in page


def test_editing_a_fleet_keeps_its_filter_in_the_form(as_bob, portal):
    portal.fleet.saved_filter = {"vendor_kind": ["enos"], "firmware_version": ["1.0", "1.1"]}
    portal.fleet.save()
    page = as_bob.get(f"/devices/fleets/{portal.fleet.pk}/edit/").content.decode()
    assert re.search(r'value="enos"[^>]*checked', page)
    assert not re.search(r'value="knox_efota"[^>]*checked', page)
    assert 'value="1.0, 1.1"' in page


def test_static_members_are_added_by_device_id_and_removed_by_ticking(as_bob, portal):
    fleet = Fleet.objects.create(name="Picked")
    ids = list(Device.objects.filter(account=portal.knox).values_list("external_id", flat=True)[:3])
    response = as_bob.post(f"/devices/fleets/{fleet.pk}/members/",
                           {"external_ids": "\n".join(ids + ["no-such-device"])}, follow=True)
    text = response.content.decode()
    assert "3 devices added" in text and "No device has the id no-such-device" in text
    assert fleet.members.count() == 3
    remove = fleet.members.order_by("id").first()
    as_bob.post(f"/devices/fleets/{fleet.pk}/members/", {"remove": "1", "device": [remove.pk]})
    assert fleet.members.count() == 2


def test_a_viewer_cannot_change_members(as_carol, portal):
    assert as_carol.post(f"/devices/fleets/{portal.fleet.pk}/members/", {"external_ids": "x"}).status_code == 403


# --- CSV import --------------------------------------------------------------------------------------------------


def test_a_csv_import_adds_valid_rows_and_reports_each_bad_row_with_its_line(as_bob, portal):
    content = (
        b"account,external_id,model,firmware_version,labels\n"
        b"Knox EU,111111111111111,SM-G991B,G991BXXU1,new\n"
        b"Nowhere,222222222222222,SM-G991B,,\n"
        b"Knox EU,,SM-G991B,,\n"
    )
    response = as_bob.post("/devices/import/", {"file": SimpleUploadedFile("phones.csv", content, "text/csv")})
    job = DeviceImport.objects.get()
    assert response.url == f"/devices/import/{job.pk}/"
    page = as_bob.get(response.url).content.decode()
    assert 'data-testid="import-errors">2<' in page
    assert "No vendor account is named" in page and "Required." in page
    assert '<td class="num">3</td>' in page and '<td class="num">4</td>' in page  # the file's line numbers
    assert Device.objects.filter(external_id="111111111111111").exists()
    assert 'hx-trigger="every' not in page  # finished: no more polling


def test_an_import_still_running_polls_its_progress(as_bob, portal):
    job = DeviceImport.objects.create(filename="big.csv", total_rows=10_000, processed_rows=2_500,
                                      state=DeviceImport.State.RUNNING)
    fragment = as_bob.get(f"/devices/import/{job.pk}/", **hx("import-status")).content.decode()
    assert fragment.lstrip().startswith('<div id="import-status"') and 'hx-trigger="every' in fragment
    assert 'aria-valuenow="25"' in fragment


def test_a_file_that_cannot_be_imported_is_refused_with_the_reason(as_bob, portal):
    response = as_bob.post("/devices/import/", {"file": SimpleUploadedFile("x.csv", b"name\nfoo\n", "text/csv")})
    assert response.status_code == 200
    assert "lacks the column" in response.content.decode()
    assert not DeviceImport.objects.exists()


def test_the_device_list_filters_by_fleet_and_the_fleet_page_says_its_filter_in_words(as_carol, portal):
    fleet = Fleet.objects.create(name="Huawei by filter", saved_filter={"account": [portal.huawei.pk],
                                                                        "vendor_kind": ["huawei_iodm"]})
    assert device_rows(as_carol.get(f"/devices/?fleet={fleet.pk}").content) == 10
    page = as_carol.get(f"/devices/fleets/{fleet.pk}/").content.decode()
    assert "Account: <strong>Huawei NB</strong>" in page
    assert "Vendor: <strong>Huawei OceanConnect IoDM</strong>" in page
