"""The home page: running campaigns with progress and health, recent events, vendor accounts with health and rate
limit use, and fleet totals by vendor and firmware version, in a fixed number of queries."""

from __future__ import annotations

import pytest

from campaigns.choices import WaveState
from campaigns.services.lifecycle import campaign_pause
from tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db


def test_home_shows_running_campaigns_events_accounts_and_fleet_totals(as_carol, portal):
    page = as_carol.get("/").content.decode()
    assert "Running rollout" in page and "On track." in page and 'role="progressbar"' in page
    assert "Started:" in page  # recent events
    assert "Knox EU" in page and "Huawei NB" in page and "/ 25" in page  # accounts with their rate limits
    assert "G991BXXU1" in page and "NB-1.0" in page  # fleet totals by firmware version
    assert "Draft rollout" in page  # recently drafted or finished


def test_home_says_why_a_campaign_is_paused_or_gated(as_carol, portal):
    portal.running.waves.filter(number=1).update(state=WaveState.AWAITING_APPROVAL)
    assert "Gated: wave 1 passed" in as_carol.get("/").content.decode()
    campaign_pause(campaign_id=portal.running.pk, reason="Waiting for the carrier's go")
    assert "Waiting for the carrier&#x27;s go" in as_carol.get("/").content.decode()


def test_home_reads_a_fixed_number_of_queries(as_carol, portal, django_assert_max_num_queries):
    for n in range(10):
        CampaignFactory(name=f"more-{n}", fleet=portal.fleet)
    with django_assert_max_num_queries(14):
        as_carol.get("/")
