"""Checks on the vendor error catalog data (vendors/error_catalog/*.json) against the seed documents."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
CATALOG_DIR = REPO_ROOT / "vendors" / "error_catalog"
SEED_CODES_FILE = REPO_ROOT / "tests" / "data" / "seed_error_codes.json"
SHARED_SEEDS = REPO_ROOT.parent / "shared" / "seeds"

VENDOR_KINDS = ("knox_efota", "huawei_iodm", "izuma_dm", "enos")
CATEGORIES = {"validation", "auth", "auth_expired", "throttled", "not_found", "conflict", "server", "device",
              "license", "other"}
STRING_KEYS = ("key", "code", "symbol", "field", "operation", "vendor_message", "explanation", "action", "category",
               "source")
REQUIRED_KEYS = set(STRING_KEYS) | {"http_status", "transient"}
KEY_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def load_catalog(vendor_kind: str) -> list[dict]:
    return json.loads((CATALOG_DIR / f"{vendor_kind}.json").read_text(encoding="utf-8"))


def load_seed_codes() -> list[dict]:
    return json.loads(SEED_CODES_FILE.read_text(encoding="utf-8"))


def entries_for(vendor_kind: str, code: str) -> list[dict]:
    return [entry for entry in load_catalog(vendor_kind) if entry["code"] == code]


def seed_code_set(vendor_kind: str) -> set[str]:
    return {row["code"] for row in load_seed_codes() if row["vendor_kind"] == vendor_kind}


def require_shared_seeds() -> Path:
    if not SHARED_SEEDS.is_dir():
        pytest.skip(f"the vendor seed documents are not beside the repository ({SHARED_SEEDS} is missing)")
    return SHARED_SEEDS


@pytest.mark.parametrize("vendor_kind", VENDOR_KINDS)
def test_each_catalog_file_is_a_non_empty_list_of_objects(vendor_kind):
    catalog = load_catalog(vendor_kind)
    assert isinstance(catalog, list) and catalog
    assert all(isinstance(entry, dict) for entry in catalog)


def test_seed_error_codes_are_unique_triples_of_known_vendor_kinds():
    rows = load_seed_codes()
    assert rows
    triples = [(row["vendor_kind"], row["code"], row["field"]) for row in rows]
    assert len(triples) == len(set(triples))
    assert all(set(row) == {"vendor_kind", "code", "field"} for row in rows)
    assert {row["vendor_kind"] for row in rows} == set(VENDOR_KINDS)


def test_every_seed_error_code_has_a_catalog_entry_with_an_explanation_and_an_action():
    missing = []
    for row in load_seed_codes():
        matches = [
            entry for entry in load_catalog(row["vendor_kind"])
            if entry["code"] == row["code"] and entry["field"] == row["field"]
            and entry["explanation"].strip() and entry["action"].strip()
        ]
        if not matches:
            missing.append(row)
    assert not missing, f"seed codes without a complete catalog entry: {missing}"


@pytest.mark.parametrize("vendor_kind", VENDOR_KINDS)
def test_every_entry_has_exactly_the_required_keys_with_the_right_types(vendor_kind):
    for entry in load_catalog(vendor_kind):
        assert set(entry) == REQUIRED_KEYS, entry.get("key")
        for name in STRING_KEYS:
            assert isinstance(entry[name], str), (entry["key"], name)
        assert entry["http_status"] is None or (
            isinstance(entry["http_status"], int) and not isinstance(entry["http_status"], bool)
        ), entry["key"]
        assert isinstance(entry["transient"], bool), entry["key"]
        for name in ("code", "symbol", "operation", "explanation", "action", "source"):
            assert entry[name].strip(), (entry["key"], name)


@pytest.mark.parametrize("vendor_kind", VENDOR_KINDS)
def test_short_text_values_fit_the_catalog_table_columns(vendor_kind):
    limits = {"key": 120, "code": 40, "symbol": 100, "field": 100, "operation": 100, "source": 200}
    for entry in load_catalog(vendor_kind):
        too_long = {name: len(entry[name]) for name, limit in limits.items() if len(entry[name]) > limit}
        assert not too_long, (entry["key"], too_long)


@pytest.mark.parametrize("vendor_kind", VENDOR_KINDS)
def test_every_category_is_one_of_the_allowed_categories(vendor_kind):
    unknown = {entry["key"]: entry["category"] for entry in load_catalog(vendor_kind)
               if entry["category"] not in CATEGORIES}
    assert not unknown


@pytest.mark.parametrize("vendor_kind", VENDOR_KINDS)
def test_keys_are_unique_lowercase_slugs_within_a_vendor(vendor_kind):
    keys = [entry["key"] for entry in load_catalog(vendor_kind)]
    assert len(keys) == len(set(keys)), sorted({key for key in keys if keys.count(key) > 1})
    bad = [key for key in keys if not KEY_PATTERN.match(key) or len(key) > 120]
    assert not bad


@pytest.mark.parametrize("vendor_kind", VENDOR_KINDS)
def test_http_status_is_a_plausible_status_or_null(vendor_kind):
    for entry in load_catalog(vendor_kind):
        status = entry["http_status"]
        assert status is None or 100 <= status <= 599, entry["key"]


@pytest.mark.parametrize("vendor_kind", VENDOR_KINDS)
def test_explanations_are_written_for_admins_not_copied_from_the_vendor(vendor_kind):
    for entry in load_catalog(vendor_kind):
        assert entry["explanation"].strip() != entry["vendor_message"].strip(), entry["key"]
        assert entry["action"].strip() != entry["explanation"].strip(), entry["key"]


@pytest.mark.parametrize(
    ("vendor_kind", "code"),
    [("knox_efota", "429"), ("huawei_iodm", "1010009"), ("izuma_dm", "too_many_requests"), ("enos", "429")],
)
def test_throttling_entries_are_throttled_and_transient(vendor_kind, code):
    entries = entries_for(vendor_kind, code)
    assert entries
    for entry in entries:
        assert entry["category"] == "throttled", entry["key"]
        assert entry["transient"] is True, entry["key"]


def test_huawei_throttling_comes_as_http_403_but_is_not_an_auth_failure():
    (entry,) = entries_for("huawei_iodm", "1010009")
    assert entry["http_status"] == 403
    assert entry["category"] == "throttled"


@pytest.mark.parametrize(("vendor_kind", "code"), [("huawei_iodm", "1010005"), ("knox_efota", "4032251")])
def test_expired_or_replaced_tokens_are_auth_expired_and_transient(vendor_kind, code):
    entries = entries_for(vendor_kind, code)
    assert entries
    for entry in entries:
        assert entry["category"] == "auth_expired", entry["key"]
        assert entry["transient"] is True, entry["key"]


def test_knox_wrong_access_comes_as_http_403_and_other_business_errors_as_400():
    for entry in load_catalog("knox_efota"):
        if entry["source"] != "seeds/knox-efota-error-codes.txt" or not re.fullmatch(r"\d{5}|\d{7}", entry["code"]):
            continue
        expected = {"4030001": 403, "4032251": 401}.get(entry["code"], 400)
        assert entry["http_status"] == expected, entry["key"]


def test_every_knox_create_campaign_03002_variant_is_its_own_entry():
    variants = [entry for entry in entries_for("knox_efota", "03002") if entry["operation"] == "Create campaign"]
    assert len(variants) == len({entry["vendor_message"] + entry["field"] for entry in variants}) >= 39


def test_enos_envelope_errors_come_with_http_200():
    assert {entry["http_status"] for entry in load_catalog("enos")} == {200}


def test_knox_device_agent_errors_have_no_http_status():
    agent = [entry for entry in load_catalog("knox_efota") if entry["operation"] == "Device agent"]
    assert {entry["code"] for entry in agent} == {"361", "362", "364", "365", "921", "922", "501", "502", "503"}
    assert all(entry["category"] == "device" and entry["http_status"] is None for entry in agent)


def test_every_knox_seed_code_is_listed_in_seed_error_codes():
    seeds = require_shared_seeds()
    text = (seeds / "knox-efota-error-codes.txt").read_text(encoding="utf-8")
    codes = set(re.findall(r"^(\d{5}|\d{7}) \|", text, flags=re.MULTILINE))
    assert codes
    assert codes <= seed_code_set("knox_efota"), sorted(codes - seed_code_set("knox_efota"))


def test_every_huawei_seed_code_is_listed_in_seed_error_codes():
    seeds = require_shared_seeds()
    text = (seeds / "huawei-iot-create-firmware-upgrade-task.txt").read_text(encoding="utf-8")
    error_section = text[text.index("\nError Codes\n"):]
    codes = set(re.findall(r"^\s*\d{3}\s*\n\s*\n?\s*(\d{6,7})\s*$", error_section, flags=re.MULTILINE))
    assert len(codes) >= 17
    assert codes <= seed_code_set("huawei_iodm"), sorted(codes - seed_code_set("huawei_iodm"))


def test_every_izuma_and_enos_seed_code_is_listed_in_seed_error_codes():
    seeds = require_shared_seeds()
    izuma = (seeds / "izuma-device-management-using-the-apis.txt").read_text(encoding="utf-8")
    izuma_types = set(re.findall(r"^\d{3} ([a-z_]+) ", izuma, flags=re.MULTILINE))
    assert len(izuma_types) >= 14
    assert izuma_types <= seed_code_set("izuma_dm"), sorted(izuma_types - seed_code_set("izuma_dm"))
    enos = (seeds / "enos-create-ota-job.txt").read_text(encoding="utf-8")
    enos_codes = set(re.findall(r"^\s*(\d{5})\s*$", enos[enos.index("\nError Codes\n"):], flags=re.MULTILINE))
    assert enos_codes
    assert enos_codes <= seed_code_set("enos"), sorted(enos_codes - seed_code_set("enos"))
