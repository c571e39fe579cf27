"""Vendor accounts: everyone with a role reads them, only admins change them; credentials go in and never come out."""

from __future__ import annotations

import pytest

from tests.api.conftest import assert_error
from tests.factories import DeviceFactory, VendorAccountFactory
from vendors.choices import AccountHealth, VendorKind
from vendors.errors import VendorError
from vendors.models import VendorAccount
from vendors.services import error_decode

pytestmark = pytest.mark.django_db

NEW = {
    "name": "Knox test",
    "kind": "knox_efota",
    "base_url": "http://127.0.0.1:8000/simulators/knox_efota",
    "credentials": {"client_id": "portal", "client_secret": "s3cret"},
}


@pytest.mark.parametrize("role, status", [
    ("anonymous", 401), ("outsider", 403), ("viewer", 200), ("operator", 200), ("admin", 200),
])
def test_every_role_reads_vendor_accounts(clients, knox, role, status):
    assert clients[role].get("/api/v1/vendor-accounts/").status_code == status
    assert clients[role].get(f"/api/v1/vendor-accounts/{knox.pk}/").status_code == status


@pytest.mark.parametrize("role, status", [
    ("anonymous", 401), ("outsider", 403), ("viewer", 403), ("operator", 403), ("admin", 201),
])
def test_only_admins_create_vendor_accounts(clients, role, status):
    assert clients[role].post("/api/v1/vendor-accounts/", NEW, format="json").status_code == status


@pytest.mark.parametrize("role, status", [("viewer", 403), ("operator", 403), ("admin", 200)])
def test_only_admins_change_vendor_accounts(clients, knox, role, status):
    response = clients[role].patch(f"/api/v1/vendor-accounts/{knox.pk}/", {"enabled": False}, format="json")
    assert response.status_code == status


@pytest.mark.parametrize("role, status", [("operator", 403), ("admin", 204)])
def test_only_admins_delete_vendor_accounts(clients, knox, role, status):
    assert clients[role].delete(f"/api/v1/vendor-accounts/{knox.pk}/").status_code == status


def test_credentials_are_stored_encrypted_and_never_returned(as_alice):
    created = as_alice.post("/api/v1/vendor-accounts/", NEW, format="json").json()
    assert "credentials" not in created and created["has_credentials"] is True
    assert created["credential_fields"] == ["client_id", "client_secret"]
    account = VendorAccount.objects.get(pk=created["id"])
    assert account.credentials == NEW["credentials"] and "s3cret" not in account.credentials_encrypted
    shown = as_alice.get(f"/api/v1/vendor-accounts/{account.pk}/")
    listed = as_alice.get("/api/v1/vendor-accounts/")
    assert "credentials" not in shown.json() and "credentials" not in listed.json()["data"][0]
    assert b"s3cret" not in shown.content + listed.content


def test_the_vendors_documented_rate_limit_is_the_default(as_alice):
    created = as_alice.post("/api/v1/vendor-accounts/", NEW, format="json").json()
    assert (created["rate_limit_calls"], created["rate_limit_period_seconds"]) == (25, 1)


def test_create_names_each_missing_or_foreign_credential(as_alice):
    payload = {**NEW, "credentials": {"client_id": "x", "api_key": "y"}}
    assert_error(as_alice.post("/api/v1/vendor-accounts/", payload, format="json"), 400, "validation_error",
                 fields=["credentials.client_secret", "credentials.api_key"])


def test_create_without_credentials_is_refused(as_alice):
    payload = {k: v for k, v in NEW.items() if k != "credentials"}
    assert_error(as_alice.post("/api/v1/vendor-accounts/", payload, format="json"), 400, fields=["credentials"])


def test_create_validates_every_field(as_alice):
    payload = {"name": "", "kind": "nokia", "base_url": "not a url", "rate_limit_calls": 0, "settings": []}
    assert_error(as_alice.post("/api/v1/vendor-accounts/", payload, format="json"), 400, "validation_error",
                 fields=["name", "kind", "base_url", "rate_limit_calls", "settings"])


def test_an_update_without_credentials_keeps_them(as_alice, knox):
    as_alice.patch(f"/api/v1/vendor-accounts/{knox.pk}/", {"name": "Knox renamed"}, format="json")
    knox.refresh_from_db()
    assert knox.name == "Knox renamed" and knox.credentials == {"client_id": "id", "client_secret": "secret"}


def test_changing_the_kind_needs_the_new_kinds_credentials(as_alice, knox):
    assert_error(as_alice.patch(f"/api/v1/vendor-accounts/{knox.pk}/", {"kind": "izuma_dm"}, format="json"),
                 400, fields=["credentials"])
    response = as_alice.patch(f"/api/v1/vendor-accounts/{knox.pk}/",
                              {"kind": "izuma_dm", "credentials": {"api_key": "ak_1"}}, format="json")
    assert response.status_code == 200
    knox.refresh_from_db()
    assert knox.credentials == {"api_key": "ak_1"}


def test_an_account_with_devices_cannot_be_deleted(as_alice, knox):
    DeviceFactory(account=knox)
    body = assert_error(as_alice.delete(f"/api/v1/vendor-accounts/{knox.pk}/"), 409, "conflict")
    assert "devices" in body["message"]


def test_accounts_filter_by_kind(as_carol, knox):
    izuma = VendorAccountFactory(kind=VendorKind.IZUMA_DM, credentials={"api_key": "k"})
    rows = as_carol.get("/api/v1/vendor-accounts/", {"kind__eq": "izuma_dm"}).json()["data"]
    assert [r["id"] for r in rows] == [izuma.pk]
    rows = as_carol.get("/api/v1/vendor-accounts/", {"kind__nin": "izuma_dm"}).json()["data"]
    assert [r["id"] for r in rows] == [knox.pk]


# --- test connection (the service, through the API) --------------------------------------------------------------


class _Connector:
    error: VendorError | None = None

    def __init__(self, account):
        self.account = account

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass

    def test_connection(self) -> None:
        if self.error is not None:
            raise self.error


@pytest.fixture
def connector(monkeypatch):
    """A connector whose test_connection succeeds or raises what the test sets (no vendor is called)."""
    monkeypatch.setattr("vendors.accounts.connector_for", _Connector)
    _Connector.error = None
    return _Connector


def test_a_successful_connection_test_marks_the_account_ok(as_alice, knox, connector):
    body = as_alice.post(f"/api/v1/vendor-accounts/{knox.pk}/test-connection/").json()
    assert body == {"ok": True, "health": "ok", "message": body["message"], "error": None}
    knox.refresh_from_db()
    assert knox.health == AccountHealth.OK and knox.health_checked_at is not None


def test_a_failed_connection_test_explains_the_vendor_error(as_alice, knox, connector, catalog):
    decoded = error_decode(vendor_kind="knox_efota", code="401")
    connector.error = VendorError("refused", vendor_kind="knox_efota", code="401", decoded=decoded)
    body = as_alice.post(f"/api/v1/vendor-accounts/{knox.pk}/test-connection/").json()
    assert body["ok"] is False and body["health"] == "failing"
    assert body["error"]["code"] == "401" and body["error"]["explanation"] == decoded.explanation
    knox.refresh_from_db()
    assert knox.health == AccountHealth.FAILING


def test_only_admins_test_connections(as_bob, knox, connector):
    assert_error(as_bob.post(f"/api/v1/vendor-accounts/{knox.pk}/test-connection/"), 403)


@pytest.mark.parametrize("role, status", [("viewer", 403), ("operator", 202), ("admin", 202)])
def test_operators_refresh_an_accounts_inventory_in_the_background(
    clients, knox, role, status, monkeypatch, django_capture_on_commit_callbacks
):
    from devices import tasks

    queued = []
    monkeypatch.setattr(tasks.sync_account, "delay", lambda pk: queued.append(("devices", pk)))
    with django_capture_on_commit_callbacks(execute=True):
        response = clients[role].post(f"/api/v1/vendor-accounts/{knox.pk}/sync/")
    assert response.status_code == status
    if status == 202:
        assert response.json() == {"account": knox.pk, "queued": ["devices", "firmware"]}
        assert queued == [("devices", knox.pk)]  # one task reads both devices and firmware
