"""Devices: everyone with a role reads them, operators set labels and import CSV files (large ones in the
background, with a status to poll)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from devices.imports import device_import_create
from devices.models import Device, DeviceImport, Label
from tests.api.conftest import assert_error
from tests.factories import DeviceFactory, LabelFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role, status", [
    ("anonymous", 401), ("outsider", 403), ("viewer", 200), ("operator", 200), ("admin", 200),
])
def test_every_role_reads_devices(clients, knox, role, status):
    device = DeviceFactory(account=knox)
    assert clients[role].get("/api/v1/devices/").status_code == status
    assert clients[role].get(f"/api/v1/devices/{device.pk}/").status_code == status


def test_a_device_shows_its_account_kind_and_labels(as_carol, knox):
    device = DeviceFactory(account=knox)
    device.labels.add(LabelFactory(name="canary"))
    body = as_carol.get(f"/api/v1/devices/{device.pk}/").json()
    assert body["account"] == knox.pk and body["vendor_kind"] == "knox_efota" and body["labels"] == ["canary"]


@pytest.mark.parametrize("role, status", [("viewer", 403), ("operator", 200), ("admin", 200)])
def test_operators_set_labels(clients, knox, role, status):
    device = DeviceFactory(account=knox)
    response = clients[role].patch(f"/api/v1/devices/{device.pk}/", {"labels": ["canary", "eu-west"]}, format="json")
    assert response.status_code == status
    if status == 200:
        assert sorted(response.json()["labels"]) == ["canary", "eu-west"]
        assert set(device.labels.values_list("name", flat=True)) == {"canary", "eu-west"}


def test_setting_labels_replaces_the_old_ones(as_bob, knox):
    device = DeviceFactory(account=knox)
    device.labels.add(LabelFactory(name="old"))
    as_bob.patch(f"/api/v1/devices/{device.pk}/", {"labels": ["new"]}, format="json")
    assert list(device.labels.values_list("name", flat=True)) == ["new"]
    assert Label.objects.filter(name="old").exists()


def test_a_label_that_is_not_a_slug_is_refused_naming_it(as_bob, knox):
    device = DeviceFactory(account=knox)
    assert_error(as_bob.patch(f"/api/v1/devices/{device.pk}/", {"labels": ["ok", "not ok"]}, format="json"),
                 400, "validation_error", fields=["labels[1]"])


def test_only_labels_can_be_changed_and_devices_are_not_created_or_deleted_here(as_alice, knox):
    device = DeviceFactory(account=knox)
    assert_error(as_alice.patch(f"/api/v1/devices/{device.pk}/", {"model": "X"}, format="json"), 400,
                 fields=["labels"])
    assert_error(as_alice.post("/api/v1/devices/", {}, format="json"), 405)
    assert_error(as_alice.delete(f"/api/v1/devices/{device.pk}/"), 405)


def test_devices_filter_by_label_without_repeating_rows(as_carol, knox):
    tagged = DeviceFactory(account=knox)
    tagged.labels.add(LabelFactory(name="a"), LabelFactory(name="b"))
    DeviceFactory(account=knox)
    rows = as_carol.get("/api/v1/devices/", {"label__in": "a,b", "include": "total_count"}).json()
    assert [r["id"] for r in rows["data"]] == [tagged.pk] and rows["total_count"] == 1


# --- CSV import -------------------------------------------------------------------------------------------------

CSV = (
    "account,external_id,model,firmware_version,labels\n"
    "Knox EU,350000000000001,SM-G991B,G991BXXU1,canary;eu\n"
    "Nowhere,350000000000002,SM-G991B,G991BXXU1,\n"
    "Knox EU,,SM-G991B,,\n"
    "Knox EU,350000000000003,SM-G991B,G991BXXU1,bad label\n"
    "Knox EU,350000000000001,SM-G991B,G991BXXU2,\n"
    "Knox EU,350000000000004,SM-A525F,,\n"
)


def test_an_import_adds_valid_rows_and_reports_each_bad_row_by_line(as_bob, knox):
    upload = SimpleUploadedFile("devices.csv", CSV.encode(), content_type="text/csv")
    response = as_bob.post("/api/v1/devices/import/", {"file": upload}, format="multipart")
    assert response.status_code == 201
    body = response.json()
    assert body["state"] == "done" and body["filename"] == "devices.csv"
    assert (body["total_rows"], body["created_count"], body["error_count"]) == (6, 2, 4)
    assert {(e["line"], e["field"]) for e in body["errors"]} == {
        (3, "account"), (4, "external_id"), (5, "labels"), (6, "external_id"),
    }
    assert "line 2" in next(e["message"] for e in body["errors"] if e["line"] == 6)
    first = Device.objects.get(account=knox, external_id="350000000000001")
    assert set(first.labels.values_list("name", flat=True)) == {"canary", "eu"}


def test_an_import_can_be_sent_as_a_text_csv_body_and_updates_known_devices(as_bob, knox):
    device = DeviceFactory(account=knox, external_id="42", model="old", firmware_version="1")
    body = f"account,external_id,model,firmware_version\n{knox.pk},42,SM-G991B,\n".encode()
    response = as_bob.post("/api/v1/devices/import/", body, content_type="text/csv")
    assert response.status_code == 201 and response.json()["updated_count"] == 1
    device.refresh_from_db()
    assert (device.model, device.firmware_version) == ("SM-G991B", "1")


@pytest.mark.parametrize("content, message", [
    (b"external_id,model\n1,A\n", "account"),
    (b"", "Send the CSV"),
    (b"account,external_id,model\n", "no rows"),
    (b"\xff\xfe\x00bad", "UTF-8"),
    (b"account,external_id,model,colour\nx,1,A,red\n", "colour"),
])
def test_a_file_that_cannot_be_imported_is_refused_naming_the_file(as_bob, content, message):
    body = assert_error(as_bob.post("/api/v1/devices/import/", content, content_type="text/csv"), 400,
                        "validation_error", fields=["file"])
    assert message in body["message"]


def test_viewers_cannot_import(as_carol):
    assert_error(as_carol.post("/api/v1/devices/import/", b"a", content_type="text/csv"), 403)


def test_a_large_import_runs_in_the_background_with_a_status_to_poll(
    as_bob, knox, settings, django_capture_on_commit_callbacks
):
    settings.DEVICE_IMPORT_SYNC_MAX_ROWS = 2
    rows = "".join(f"Knox EU,9{n:05d},SM-G991B,G991BXXU1\n" for n in range(5))
    content = ("account,external_id,model,firmware_version\n" + rows).encode()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = as_bob.post("/api/v1/devices/import/", content, content_type="text/csv")
    assert response.status_code == 202
    queued = response.json()
    assert queued["state"] == "queued" and queued["total_rows"] == 5 and queued["processed_rows"] == 0
    assert len(callbacks) == 1

    from devices.tasks import import_devices

    import_devices(queued["id"])  # what the worker runs for the callback's task
    import_devices(queued["id"])  # a redelivered task imports nothing twice
    status = as_bob.get(f"/api/v1/device-imports/{queued['id']}/").json()
    assert (status["state"], status["processed_rows"], status["created_count"]) == ("done", 5, 5)
    assert DeviceImport.objects.get(pk=queued["id"]).content == ""


def test_imports_are_listed_for_every_role_and_filter_by_state(as_carol, as_bob, knox):
    done = device_import_create(content="account,external_id,model\nKnox EU,1,A\n", user=None)
    assert [r["id"] for r in as_carol.get("/api/v1/device-imports/", {"state__eq": "done"}).json()["data"]] == [
        done.pk
    ]
    assert as_carol.get("/api/v1/device-imports/", {"state__eq": "queued"}).json()["data"] == []
