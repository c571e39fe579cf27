"""An admin adds a vendor account in the browser: only the chosen vendor's credential fields show, the secret is
never shown back, and "Test connection" answers from the vendor (here its simulator), decoded when it fails."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from vendors.models import VendorAccount
from vendors.simulators.services import simulator_tenant_ensure

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_an_admin_adds_a_knox_account_and_tests_its_connection(simulators_url, new_page, alice):
    simulator_tenant_ensure(kind="knox_efota", tenant_key="ui-client", secret="ui-secret")
    page = new_page("alice")
    page.goto("/vendors/accounts/new/")
    page.fill("#id_name", "Knox UAT")
    page.select_option("#id_kind", "knox_efota")
    expect(page.locator("#id_cred_knox_efota__client_secret")).to_be_visible()
    expect(page.locator("#id_cred_huawei_iodm__secret")).to_be_hidden()
    page.select_option("#id_kind", "enos")
    expect(page.locator("#id_cred_enos__app_secret")).to_be_visible()
    expect(page.locator("#id_cred_knox_efota__client_secret")).to_be_hidden()
    page.select_option("#id_kind", "knox_efota")
    page.fill("#id_base_url", f"{simulators_url}/knox_efota")
    page.fill("#id_cred_knox_efota__client_id", "ui-client")
    page.fill("#id_cred_knox_efota__client_secret", "ui-secret")
    page.click("text=Save")

    account = VendorAccount.objects.get(name="Knox UAT")
    assert account.credentials == {"client_id": "ui-client", "client_secret": "ui-secret"}
    assert "ui-secret" not in page.content()
    page.click("text=Test connection")
    expect(page.locator("#test-result")).to_contain_text("the credentials work")
    expect(page.locator("[data-testid=account-health]")).to_have_text("OK")
    screenshot(page, "vendor-account")

    page.goto(f"/vendors/accounts/{account.pk}/edit/")
    assert "ui-secret" not in page.content()
    page.fill("#id_cred_knox_efota__client_secret", "wrong-secret")
    page.click("text=Save")
    page.click("text=Test connection")
    result = page.locator("#test-result .note.error")
    expect(result).to_contain_text("Connection to Knox UAT failed")
    expect(result).to_contain_text("What to do")
    expect(page.locator("[data-testid=account-health]")).to_have_text("Failing")
