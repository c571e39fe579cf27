"""The vendor error catalog (list, filters, decode) and personal API tokens (create once, list, revoke)."""

from __future__ import annotations

import base64

import pytest
from rest_framework.test import APIClient

from fota_portal.models import APIToken
from tests.api.conftest import assert_error
from tests.conftest import PASSWORD
from vendors.models import ErrorCatalogEntry
from vendors.services import error_decode

pytestmark = pytest.mark.django_db


# --- the error catalog ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role, status", [
    ("anonymous", 401), ("outsider", 403), ("viewer", 200), ("operator", 200), ("admin", 200),
])
def test_every_role_reads_the_error_catalog(clients, role, status):
    assert clients[role].get("/api/v1/errors/").status_code == status
    assert clients[role].get("/api/v1/errors/decode/", {"vendor": "enos", "code": "404"}).status_code == status


def test_the_catalog_filters_by_vendor_code_and_transience(as_carol):
    body = as_carol.get("/api/v1/errors/", {"vendor__eq": "knox_efota", "code__eq": "03002",
                                            "include": "total_count"}).json()
    assert body["total_count"] == ErrorCatalogEntry.objects.filter(vendor_kind="knox_efota", code="03002").count()
    assert {row["vendor"] for row in body["data"]} == {"knox_efota"} and body["data"][0]["explanation"]
    transient = as_carol.get("/api/v1/errors/", {"transient__eq": "true", "limit": 1000}).json()["data"]
    assert transient and all(row["transient"] for row in transient)


def test_decode_returns_the_entry_the_field_narrows_down(as_carol):
    body = as_carol.get("/api/v1/errors/decode/", {"vendor": "knox_efota", "code": "03002", "status": 400,
                                                   "field": "batteryLevel"}).json()
    expected = error_decode(vendor_kind="knox_efota", code="03002", http_status=400, field="batteryLevel")
    assert body == {**expected.as_dict(), "http_status": 400}
    assert body["known"] is True and body["field"] == "batteryLevel"


def test_decode_of_an_unknown_code_is_an_explicit_unknown_with_the_raw_values(as_carol):
    body = as_carol.get("/api/v1/errors/decode/", {"vendor": "enos", "code": "99999", "status": 502}).json()
    assert body["known"] is False and body["code"] == "99999" and body["http_status"] == 502
    assert body["transient"] is True and "not in the error catalog" in body["explanation"]


@pytest.mark.parametrize("query, fields", [
    ({"code": "1"}, ["vendor"]),
    ({"vendor": "nokia", "code": "1"}, ["vendor"]),
    ({"vendor": "enos"}, ["code"]),
    ({"vendor": "enos", "code": "1", "status": 99}, ["status"]),
    ({"vendor": "enos", "code": "1", "colour": "red"}, ["colour"]),
])
def test_decode_names_each_bad_parameter(as_carol, query, fields):
    assert_error(as_carol.get("/api/v1/errors/decode/", query), 400, "validation_error", fields=fields)


# --- API tokens -------------------------------------------------------------------------------------------------


def test_a_tool_gets_its_first_token_with_a_password_and_then_uses_it(carol):
    client = APIClient()
    basic = base64.b64encode(f"carol:{PASSWORD}".encode()).decode()
    response = client.post("/api/v1/tokens/", {"name": "inventory tool"}, format="json",
                           HTTP_AUTHORIZATION=f"Basic {basic}")
    assert response.status_code == 201
    created = response.json()
    assert created["key"].startswith(created["prefix"] + "_") and created["name"] == "inventory tool"
    token = APIToken.objects.get(pk=created["id"])
    assert created["key"] not in (token.key_hash, token.prefix) and len(token.key_hash) == 64
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {created['key']}")
    assert client.get("/api/v1/devices/").status_code == 200


def test_the_key_is_shown_only_once(as_carol):
    created = as_carol.post("/api/v1/tokens/", {"name": "once"}, format="json").json()
    listed = as_carol.get("/api/v1/tokens/").json()["data"]
    shown = as_carol.get(f"/api/v1/tokens/{created['id']}/").json()
    assert all("key" not in row for row in listed) and "key" not in shown
    assert created["key"].encode() not in as_carol.get("/api/v1/tokens/").content


def test_a_user_sees_and_revokes_only_their_own_tokens(as_carol, as_bob):
    mine = as_carol.post("/api/v1/tokens/", {"name": "mine"}, format="json").json()
    theirs = as_bob.post("/api/v1/tokens/", {"name": "theirs"}, format="json").json()
    listed = {row["name"] for row in as_carol.get("/api/v1/tokens/").json()["data"]}
    assert "theirs" not in listed and "mine" in listed
    assert_error(as_carol.delete(f"/api/v1/tokens/{theirs['id']}/"), 404)
    assert as_carol.delete(f"/api/v1/tokens/{mine['id']}/").status_code == 204
    assert APIToken.objects.get(pk=mine["id"]).revoked_at is not None


def test_a_revoked_token_stops_working_at_once(as_carol):
    created = as_carol.post("/api/v1/tokens/", {"name": "short-lived"}, format="json").json()
    tool = APIClient()
    tool.credentials(HTTP_AUTHORIZATION=f"Bearer {created['key']}")
    assert tool.get("/api/v1/devices/").status_code == 200
    as_carol.delete(f"/api/v1/tokens/{created['id']}/")
    assert_error(tool.get("/api/v1/devices/"), 401, "invalid_token")


def test_a_token_needs_a_name_and_a_role(as_carol, as_dave, anonymous):
    assert_error(as_carol.post("/api/v1/tokens/", {}, format="json"), 400, fields=["name"])
    assert_error(as_dave.post("/api/v1/tokens/", {"name": "x"}, format="json"), 403)
    assert_error(anonymous.post("/api/v1/tokens/", {"name": "x"}, format="json"), 401)
