"""The dashboard in a real browser, on the real engine: an admin builds a fleet and a campaign, is stopped by a Knox
rule while filling the form, fixes it, previews the plan, starts it, watches it progress without reloading, reads a
decoded vendor error, pauses, resumes, retries the failed devices and approves the next wave; a viewer finds no
action to take. Screenshots of the main pages go to docs/screenshots/."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from campaigns.models import Campaign
from devices.models import Firmware, Fleet
from tests.browser.conftest import screenshot
from vendors.choices import VendorKind
from vendors.simulators.accounts import simulated_account_create

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

LIVE = 60_000  # ms to wait for the engine to move something


def knox_account(live_server):
    """A simulated Knox account: 32 phones on the old version, a third of updates failing with 503 (not enough
    Wi-Fi), devices moving a status every quarter second."""
    account, _ = simulated_account_create(
        kind=VendorKind.KNOX_EFOTA, name="Knox EU", server_url=live_server.url, devices=32, models=["SM-G991B"],
        versions=["G991BXXU1AUA1", "G991BXXU9AUX9"],
        knobs={"speed": 120, "step_seconds": 30, "failure_rate": 0.35, "failure_code": "503", "seed": 11},
    )
    return account


def confirm(page, action: str, reason: str = "") -> None:
    """Click an action, read its confirmation dialog, and confirm."""
    page.click(f"a[data-action={action}]")
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("[data-testid=consequence]")).not_to_be_empty()
    if reason:
        dialog.locator("#id_reason").fill(reason)
    dialog.locator(f"button[data-confirm={action}]").click()
    page.wait_for_load_state("domcontentloaded")


def state_badge(page):
    return page.locator("[data-testid=campaign-state]")


def test_an_admin_runs_a_campaign_from_the_form_to_a_decoded_error_and_a_viewer_only_watches(
    engine, live_server, new_page, alice, carol
):
    account = knox_account(live_server)
    target = Firmware.objects.get(account=account, version="G991BXXU9AUX9")
    page = new_page("alice")

    # A fleet from a saved filter, with the live count of what it matches.
    page.goto("/devices/fleets/new/")
    page.fill("#id_name", "Knox phones")
    page.check(f"input[name=filter_account][value='{account.pk}']")
    expect(page.locator("[data-testid=filter-preview]")).to_contain_text("32 devices")
    page.click("text=Save fleet")
    expect(page.locator("[data-testid=fleet-total]")).to_have_text("32")
    fleet = Fleet.objects.get(name="Knox phones")

    # The campaign form: the Knox install window under 3 hours is flagged before saving.
    page.goto("/campaigns/new/")
    page.fill("#id_name", "Spring rollout")
    page.select_option("#id_fleet", str(fleet.pk))
    page.locator("#id_map-0-firmware").select_option(str(target.pk))
    page.fill("#id_wave_plan_text", "50%, 100%")
    page.fill("#id_gate_success_percent", "10")
    page.fill("#id_gate_max_failure_percent", "100")
    page.fill("#id_failure_threshold_percent", "100")
    page.uncheck("#id_auto_advance")
    page.click("#options-knox_efota summary")
    page.fill("#id_knox_efota-install_from", "22:00")
    page.fill("#id_knox_efota-install_to", "23:00")
    check = page.locator("#form-check")
    expect(check).to_contain_text("Knox requires at least 3 hours")
    expect(check.locator("[data-rule='knox.install_window']")).to_be_visible()
    screenshot(page, "campaign-form")

    # Fixed, the check passes and shows the plan; saved, the draft's page shows the plan too.
    page.fill("#id_knox_efota-install_to", "01:00")
    expect(check.locator("[data-testid=plan-ok]")).to_be_visible()
    expect(check).to_contain_text("Wave 2")
    page.click("text=Save as draft")
    expect(page.locator("#plan")).to_contain_text("Preflight passed")
    campaign = Campaign.objects.get(name="Spring rollout")
    assert campaign.vendor_options["knox_efota"]["to"] == "01:00"
    screenshot(page, "campaign-plan")

    # Start it, and watch it move without reloading the page.
    confirm(page, "start")
    expect(state_badge(page)).to_have_text("Running")
    page.evaluate("window.__sameDocument = true")
    page.wait_for_function(
        "() => Number(document.querySelector('[data-testid=count-succeeded]').textContent.replace(/,/g, '')) > 0",
        timeout=LIVE,
    )
    error = page.locator("[data-testid=top-error]").first
    expect(error).to_contain_text("503", timeout=LIVE)
    expect(error).to_contain_text("Wi-Fi")
    expect(error).to_contain_text("What to do")
    assert page.evaluate("window.__sameDocument") is True  # the numbers changed in place: no reload
    page.wait_for_timeout(1500)  # let the chart gather a few points
    screenshot(page, "campaign-running")

    # While it runs: the home page and the list show it with its progress and health.
    for path, name in (("/", "home"), ("/campaigns/", "campaigns")):
        page.goto(path)
        expect(page.locator("a", has_text="Spring rollout").first).to_be_visible()
        screenshot(page, name)
    page.goto(f"/campaigns/{campaign.pk}/")

    # Pause with a reason, then resume.
    confirm(page, "pause", reason="Checking the 503s with the help desk")
    expect(state_badge(page)).to_have_text("Paused")
    expect(page.locator("[data-testid=state-reason]")).to_have_text("Checking the 503s with the help desk")
    confirm(page, "resume")
    expect(state_badge(page)).to_have_text("Running")

    # Retry the failed devices.
    confirm(page, "retry")
    expect(page.locator(".messages")).to_contain_text("failed devices queued again")

    # Wave 1 passed its gate and waits for approval (auto-advance is off): approve wave 2.
    expect(page.locator("a[data-action=approve]")).to_be_visible(timeout=LIVE)
    confirm(page, "approve")
    expect(page.locator(".messages")).to_contain_text("Wave 1 approved")
    page.locator("[data-wave='2'] .badge").filter(has_text="Open").wait_for(timeout=LIVE)

    # The devices that failed, found from the top error's link, with the vendor's raw status beside the common one.
    page.click("[data-testid=top-error] a")
    expect(page.locator("#device-table .badge.device-failed").first).to_be_visible()
    page.locator("#device-table td a").first.click()
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("text=Campaigns this device was in")).to_be_visible()
    screenshot(page, "device")

    for path, name in ((f"/devices/fleets/{fleet.pk}/", "fleet"), ("/vendors/", "vendor-accounts"),
                       ("/vendors/errors/?q=throttl", "error-catalog")):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        screenshot(page, name)

    # A viewer sees the same campaign and no action at all.
    viewer = new_page("carol")
    viewer.goto(f"/campaigns/{campaign.pk}/")
    expect(state_badge(viewer)).to_be_visible()
    expect(viewer.locator("[data-action]")).to_have_count(0)
    expect(viewer.locator("text=Edit")).to_have_count(0)
    viewer.goto("/campaigns/")
    expect(viewer.locator("text=New campaign")).to_have_count(0)
    assert viewer.goto(f"/campaigns/{campaign.pk}/pause/").status == 403
