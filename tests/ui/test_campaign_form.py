"""The campaign draft form: firmware map rows drawn from the fleet, vendor rules checked as the form is filled in
(nothing saved), the plan preview, saving and editing drafts."""

from __future__ import annotations

import pytest

from campaigns.choices import CampaignState, EventKind
from campaigns.models import Campaign, CampaignEvent, CampaignFirmware
from devices.models import Firmware
from tests.factories import DeviceFactory, FleetFactory

pytestmark = pytest.mark.django_db


def hx(target: str) -> dict:
    return {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": target}


def form_data(portal, **changes) -> dict:
    knox_fw = Firmware.objects.get(account=portal.knox, version="G991BXXU9")
    data = {
        "name": "Spring update", "description": "", "fleet": portal.fleet.pk, "wave_plan_text": "10%, 100%",
        "canary_label": "canary", "gate_success_percent": 95, "gate_max_failure_percent": 5, "soak_minutes": 0,
        "auto_advance": "on", "failure_threshold_percent": 10, "device_timeout_minutes": 1440, "max_attempts": 3,
        "window_timezone": "UTC",
        "map-TOTAL_FORMS": 2, "map-INITIAL_FORMS": 0, "map-MIN_NUM_FORMS": 0, "map-MAX_NUM_FORMS": 1000,
        "map-0-account": portal.knox.pk, "map-0-model": "SM-G991B", "map-0-firmware": knox_fw.pk,
        "map-1-account": portal.huawei.pk, "map-1-model": "BC95", "map-1-firmware": "",
    }
    data.update(changes)
    return data


def test_the_new_campaign_form_maps_each_account_and_model_of_the_fleet(as_bob, portal):
    page = as_bob.get(f"/campaigns/new/?fleet={portal.fleet.pk}").content.decode()
    assert "Knox EU" in page and "SM-G991B" in page and "Huawei NB" in page and "BC95" in page
    assert "G991BXXU9" in page and "NB-2.0" in page
    assert "Samsung Knox E-FOTA settings" in page and "Huawei IoDM task policy" in page


def test_choosing_another_fleet_redraws_the_firmware_map(as_bob, portal):
    other = FleetFactory(name="Huawei only")
    other.members.set(DeviceFactory.create_batch(3, account=portal.huawei, model="BC95", firmware_version="NB-1.0"))
    response = as_bob.post("/campaigns/new/", form_data(portal, fleet=other.pk), **hx("firmware-map"))
    text = response.content.decode()
    assert text.lstrip().startswith('<div id="firmware-map">')
    assert "BC95" in text and "SM-G991B" not in text
    assert response["HX-Trigger"] == "campaign-form-changed"


def test_a_knox_install_window_under_three_hours_is_flagged_before_saving(as_bob, portal):
    before = Campaign.objects.count(), CampaignFirmware.objects.count()
    data = form_data(portal, **{"knox_efota-install_from": "22:00", "knox_efota-install_to": "23:00"})
    text = as_bob.post("/campaigns/new/", data, **hx("form-check")).content.decode()
    assert 'data-rule="knox.install_window"' in text
    assert "Knox requires at least 3 hours" in text
    assert "<html" not in text
    assert (Campaign.objects.count(), CampaignFirmware.objects.count()) == before


def test_a_fixed_window_passes_and_the_plan_preview_shows_waves_and_skips(as_bob, portal):
    data = form_data(portal, **{"knox_efota-install_from": "22:00", "knox_efota-install_to": "01:00"})
    text = as_bob.post("/campaigns/new/", data, **hx("form-check")).content.decode()
    assert 'data-testid="plan-ok"' in text
    assert "Wave 1" in text and "Wave 2" in text
    assert "No firmware for model BC95 on Huawei NB" in text  # the Huawei row was left unmapped
    assert "shortest push time" in text


def test_other_vendor_rules_are_checked_for_the_vendors_in_the_map(as_bob, portal):
    huawei_fw = Firmware.objects.get(account=portal.huawei)
    data = form_data(portal, **{"map-1-firmware": huawei_fw.pk, "huawei_iodm-retry": "on",
                                "huawei_iodm-retry_times": 9})
    text = as_bob.post("/campaigns/new/", data, **hx("form-check")).content.decode()
    assert 'data-rule="huawei.retry_times"' in text


def test_form_errors_show_in_the_check_before_any_rule(as_bob, portal):
    text = as_bob.post("/campaigns/new/", form_data(portal, wave_plan_text="10%, lots"),
                       **hx("form-check")).content.decode()
    assert "Fix the form first" in text and "lots" in text


def test_saving_creates_a_draft_with_its_map_and_vendor_options(as_bob, bob, portal):
    data = form_data(portal, **{"knox_efota-install_from": "22:00", "knox_efota-install_to": "01:00",
                                "knox_efota-battery_level": "30", "knox_efota-gradual_rollout": "10",
                                "window_enabled": "on", "window_start": "20:00", "window_end": "06:00",
                                "window_days": ["0", "1", "2"]})
    response = as_bob.post("/campaigns/new/", data)
    campaign = Campaign.objects.get(name="Spring update")
    assert response.status_code == 302 and response.url == f"/campaigns/{campaign.pk}/"
    assert campaign.state == CampaignState.DRAFT and campaign.created_by == bob
    assert campaign.wave_plan == [{"percent": 10}, {"percent": 100}]
    assert campaign.window == {"timezone": "UTC", "start": "20:00", "end": "06:00", "days": [0, 1, 2]}
    assert campaign.vendor_options == {"knox_efota": {"from": "22:00", "to": "01:00", "batteryLevel": 30,
                                                      "gradualRolloutNumber": 10, "gradualRollout": True}}
    assert list(campaign.firmware_map.values_list("model", flat=True)) == ["SM-G991B"]
    assert CampaignEvent.objects.filter(campaign=campaign, kind=EventKind.CREATED, actor=bob).exists()


def test_a_draft_saved_with_a_rule_problem_shows_it_on_its_page(as_bob, portal):
    data = form_data(portal, **{"knox_efota-install_from": "22:00", "knox_efota-install_to": "23:00"})
    page = as_bob.post("/campaigns/new/", data, follow=True).content.decode()
    assert "It cannot start until these are fixed" in page and "at least 3 hours" in page


def test_a_duplicate_name_is_a_form_error(as_bob, portal):
    text = as_bob.post("/campaigns/new/", form_data(portal, name="Draft rollout"), **hx("form-check")).content
    assert b"already exists" in text


def test_editing_a_draft_shows_its_values_and_saves_changes(as_bob, portal):
    portal.draft.vendor_options = {"knox_efota": {"from": "21:00", "to": "02:00", "postponeInstallation": 2}}
    portal.draft.save()
    page = as_bob.get(f"/campaigns/{portal.draft.pk}/edit/").content.decode()
    assert 'value="10%, 100%"' in page and 'value="21:00"' in page and 'value="2"' in page
    data = form_data(portal, name="Draft rollout", wave_plan_text="5, 100%")
    assert as_bob.post(f"/campaigns/{portal.draft.pk}/edit/", data).status_code == 302
    portal.draft.refresh_from_db()
    assert portal.draft.wave_plan == [{"count": 5}, {"percent": 100}]
    assert CampaignEvent.objects.filter(campaign=portal.draft, kind=EventKind.UPDATED).exists()


def test_a_started_campaign_cannot_be_edited(as_bob, portal):
    response = as_bob.get(f"/campaigns/{portal.running.pk}/edit/", follow=True)
    assert "Only a draft can be edited" in response.content.decode()
