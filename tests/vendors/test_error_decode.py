"""Decoding vendor errors through the catalog: every seed code explained, unknown codes kept raw."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vendors.models import ErrorCatalogEntry
from vendors.services import error_decode

pytestmark = pytest.mark.django_db
SEED_CODES = json.loads((Path(__file__).resolve().parent.parent / "data" / "seed_error_codes.json").read_text())


def test_a_fresh_install_has_the_catalog_loaded_by_its_migration():
    assert ErrorCatalogEntry.objects.count() > 250
    assert set(ErrorCatalogEntry.objects.values_list("vendor_kind", flat=True)) == {
        "knox_efota", "huawei_iodm", "izuma_dm", "enos"
    }


@pytest.mark.parametrize("seed", SEED_CODES, ids=lambda s: f"{s['vendor_kind']}-{s['code']}-{s['field'] or '-'}")
def test_every_seed_code_decodes_to_a_written_explanation(seed):
    decoded = error_decode(vendor_kind=seed["vendor_kind"], code=seed["code"], field=seed["field"])
    assert decoded.known
    assert decoded.entry.field == seed["field"]
    assert len(decoded.explanation) > 20 and len(decoded.action) > 10


def test_the_field_picks_the_right_variant_of_a_shared_knox_code():
    battery = error_decode(vendor_kind="knox_efota", code="03002", http_status=400, field="batteryLevel")
    window = error_decode(vendor_kind="knox_efota", code="03002", http_status=400, field="to")
    assert "20" in battery.entry.vendor_message and "80" in battery.entry.vendor_message
    assert battery.entry != window.entry
    assert not battery.transient


def test_the_vendor_message_picks_between_variants_of_the_same_field():
    message = "Make sure there are at least 3 hours between when the firmware starts and finishes installing."
    decoded = error_decode(vendor_kind="knox_efota", code="03002", field="to", vendor_message=message)
    assert decoded.entry.vendor_message == message


def test_huawei_throttling_is_transient_and_not_an_auth_failure():
    decoded = error_decode(vendor_kind="huawei_iodm", code="1010009", http_status=403)
    assert decoded.transient and decoded.category == "throttled"


def test_an_unknown_code_is_returned_as_unknown_with_the_raw_values_kept():
    decoded = error_decode(
        vendor_kind="huawei_iodm", code="999999", http_status=400, field="fileId", vendor_message="brand new"
    )
    assert not decoded.known and decoded.entry is None
    assert decoded.as_dict()["code"] == "999999" and decoded.as_dict()["vendor_message"] == "brand new"
    assert "999999" in decoded.explanation and "not in the error catalog" in decoded.explanation
    assert not decoded.transient


def test_an_unknown_server_error_is_judged_transient_by_its_status():
    assert error_decode(vendor_kind="enos", code="77777", http_status=503).transient
