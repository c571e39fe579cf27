"""Vendor pages: accounts with write-only credentials and a decoded connection test, simulator knobs, the error
catalog, and API tokens shown once."""

from __future__ import annotations

import pytest
from django.utils.html import escape

from fota_portal.models import APIToken
from fota_portal.services.tokens import api_token_authenticate, api_token_create
from vendors.choices import AccountHealth
from vendors.errors import VendorError
from vendors.models import SimulatorTenant, VendorAccount
from vendors.services import error_decode

pytestmark = pytest.mark.django_db


def hx(target: str) -> dict:
    return {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": target}


ACCOUNT = {"name": "Huawei China", "kind": "huawei_iodm", "base_url": "https://iodm.example.com:8743",
           "rate_limit_calls": "", "rate_limit_period_seconds": "", "enabled": "on", "settings": "{}"}


# --- accounts ----------------------------------------------------------------------------------------------------


def test_an_admin_adds_an_account_with_the_vendors_own_credential_fields(as_alice, db):
    page = as_alice.get("/vendors/accounts/new/").content.decode()
    for field in ("cred_knox_efota__client_secret", "cred_huawei_iodm__secret", "cred_izuma_dm__api_key",
                  "cred_enos__app_secret"):
        assert f'name="{field}"' in page
    response = as_alice.post("/vendors/accounts/new/", {**ACCOUNT, "cred_huawei_iodm__app_id": "app-1",
                                                       "cred_huawei_iodm__secret": "s3cret-value"})
    account = VendorAccount.objects.get(name="Huawei China")
    assert response.url == f"/vendors/accounts/{account.pk}/"
    assert account.credentials == {"app_id": "app-1", "secret": "s3cret-value"}
    assert (account.rate_limit_calls, account.rate_limit_period_seconds) == (100, 60)  # the vendor's default


def test_secrets_are_never_shown_back_and_an_empty_field_keeps_them(as_alice, db):
    as_alice.post("/vendors/accounts/new/", {**ACCOUNT, "cred_huawei_iodm__app_id": "app-1",
                                            "cred_huawei_iodm__secret": "s3cret-value"})
    account = VendorAccount.objects.get(name="Huawei China")
    for url in (f"/vendors/accounts/{account.pk}/", f"/vendors/accounts/{account.pk}/edit/"):
        assert b"s3cret-value" not in as_alice.get(url).content
    as_alice.post(f"/vendors/accounts/{account.pk}/edit/", {**ACCOUNT, "name": "Huawei CN",
                                                           "cred_huawei_iodm__app_id": "app-2"})
    account.refresh_from_db()
    assert account.name == "Huawei CN" and account.credentials == {"app_id": "app-2", "secret": "s3cret-value"}


def test_a_new_account_needs_every_credential_of_its_vendor(as_alice, db):
    response = as_alice.post("/vendors/accounts/new/", {**ACCOUNT, "cred_huawei_iodm__app_id": "app-1"})
    assert response.status_code == 200 and b"Required for this vendor." in response.content
    assert not VendorAccount.objects.exists()


def test_a_failed_connection_test_explains_the_vendor_error_and_marks_the_account(as_alice, portal, monkeypatch):
    decoded = error_decode(vendor_kind="knox_efota", code="4030001")

    class Refusing:
        def __init__(self, account):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def test_connection(self):
            raise VendorError("refused", vendor_kind="knox_efota", code="4030001", http_status=403, decoded=decoded)

    monkeypatch.setattr("vendors.accounts.connector_for", Refusing)
    text = as_alice.post(f"/vendors/accounts/{portal.knox.pk}/test/", **hx("test-result")).content.decode()
    assert "Connection to Knox EU failed" in text and "4030001" in text and escape(decoded.explanation) in text
    assert 'id="account-health"' in text and 'hx-swap-oob="true"' in text and "Failing" in text
    portal.knox.refresh_from_db()
    assert portal.knox.health == AccountHealth.FAILING


def test_a_working_connection_test_marks_the_account_healthy(as_alice, portal, monkeypatch):
    class Working:
        def __init__(self, account):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def test_connection(self):
            return None

    monkeypatch.setattr("vendors.accounts.connector_for", Working)
    response = as_alice.post(f"/vendors/accounts/{portal.knox.pk}/test/", follow=True)
    assert "the credentials work" in response.content.decode()
    portal.knox.refresh_from_db()
    assert portal.knox.health == AccountHealth.OK


def test_the_account_list_shows_health_devices_and_rate_limit(as_carol, portal):
    page = as_carol.get("/vendors/").content.decode()
    assert "Knox EU" in page and 'class="badge health-unknown"' in page and "/ 25" in page
    assert "Add vendor account" not in page


# --- simulator knobs ---------------------------------------------------------------------------------------------


def test_an_admin_turns_the_simulator_knobs(as_alice, db):
    tenant = SimulatorTenant.objects.create(kind="knox_efota", tenant_key="demo", knobs={"seed": 3})
    page = as_alice.get("/vendors/simulators/").content.decode()
    assert "demo" in page and f'name="t{tenant.pk}-failure_rate"' in page
    response = as_alice.post("/vendors/simulators/", {"tenant": tenant.pk, f"t{tenant.pk}-failure_rate": "0.2",
                                                      f"t{tenant.pk}-failure_code": "503",
                                                      f"t{tenant.pk}-seed": "3"})
    assert response.status_code == 302
    tenant.refresh_from_db()
    assert tenant.knobs["failure_rate"] == 0.2 and tenant.knobs["failure_code"] == "503"
    bad = as_alice.post("/vendors/simulators/", {"tenant": tenant.pk, f"t{tenant.pk}-failure_rate": "3"})
    assert b"A share between 0 and 1." in bad.content


def test_the_simulator_knobs_are_not_there_when_the_simulators_are_off(as_alice, db, settings):
    settings.SIMULATORS_ENABLED = False
    assert as_alice.get("/vendors/simulators/").status_code == 404


# --- error catalog -----------------------------------------------------------------------------------------------


def test_the_error_catalog_is_searched_by_code_or_words_and_filtered(as_carol, db, catalog):
    huawei = '<td class="small">Huawei OceanConnect IoDM</td>'
    by_code = as_carol.get("/vendors/errors/?q=1010009").content.decode()
    assert huawei in by_code and "<code>1010009</code>" in by_code
    by_words = as_carol.get("/vendors/errors/?q=wi-fi threshold&vendor=knox_efota").content.decode()
    assert "<code>503</code>" in by_words and huawei not in by_words
    transient = as_carol.get("/vendors/errors/?transient=yes", **hx("catalog-table")).content.decode()
    assert transient.lstrip().startswith('<div id="catalog-table">') and "permanent</span>" not in transient


def test_the_catalog_pages_through_every_entry(as_carol, db, catalog):
    first = as_carol.get("/vendors/errors/").content.decode()
    assert "Page 1 of" in first and "page=2" in first


# --- API tokens --------------------------------------------------------------------------------------------------


def test_a_new_token_is_shown_once_and_works(as_carol, carol):
    response = as_carol.post("/vendors/tokens/", {"name": "grafana"})
    text = response.content.decode()
    key = text.split('data-testid="new-token">')[1].split("<")[0]
    assert key.startswith("fp_") and response["Cache-Control"] == "no-store"
    assert api_token_authenticate(key=key).user == carol
    assert key not in as_carol.get("/vendors/tokens/").content.decode()
    assert "grafana" in as_carol.get("/vendors/tokens/").content.decode()


def test_a_token_is_revoked_by_its_owner_and_not_by_someone_else(as_carol, as_bob, carol):
    token, key = api_token_create(user=carol, name="ci")
    assert as_bob.post(f"/vendors/tokens/{token.pk}/revoke/").status_code == 404
    as_carol.post(f"/vendors/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None and api_token_authenticate(key=key) is None


def test_an_admin_sees_and_revokes_everyones_tokens(as_alice, carol):
    token, _ = api_token_create(user=carol, name="leaked")
    page = as_alice.get("/vendors/tokens/").content.decode()
    assert "Everyone else" in page and "leaked" in page
    as_alice.post(f"/vendors/tokens/{token.pk}/revoke/")
    assert APIToken.objects.get(pk=token.pk).revoked_at is not None


def test_an_admin_queues_an_inventory_sync(as_alice, as_bob, portal, monkeypatch,
                                           django_capture_on_commit_callbacks):
    from devices import tasks

    queued = []
    monkeypatch.setattr(tasks.sync_account, "delay", queued.append)
    assert as_bob.post(f"/vendors/accounts/{portal.knox.pk}/sync/").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = as_alice.post(f"/vendors/accounts/{portal.knox.pk}/sync/", follow=True)
    assert "Inventory sync of Knox EU queued" in response.content.decode()
    assert queued == [portal.knox.pk]
