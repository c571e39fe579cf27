"""Every state has one colour, the one its choices module names, and the stylesheet shows it in that colour."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from campaigns.choices import (
    CAMPAIGN_STATE_COLORS,
    DEVICE_STATE_COLORS,
    WAVE_STATE_COLORS,
    CampaignState,
    DeviceState,
    WaveState,
)
from vendors.choices import ACCOUNT_HEALTH_COLORS, AccountHealth

CSS = (Path(__file__).resolve().parents[2] / "static" / "css" / "portal.css").read_text()


def colour_in_css(prefix: str, state: str) -> str | None:
    match = re.search(rf"\.badge\.{prefix}-{re.escape(state)} \{{ background: var\(--c-(\w+)\); \}}", CSS)
    return match.group(1) if match else None


@pytest.mark.parametrize(("prefix", "choices", "colours"), [
    ("campaign", CampaignState, CAMPAIGN_STATE_COLORS),
    ("wave", WaveState, WAVE_STATE_COLORS),
    ("device", DeviceState, DEVICE_STATE_COLORS),
    ("health", AccountHealth, ACCOUNT_HEALTH_COLORS),
])
def test_each_state_badge_has_the_colour_its_choices_name(prefix, choices, colours):
    for state in choices:
        assert colour_in_css(prefix, state.value) == colours[state], f"{prefix} {state.value}"
        assert re.search(rf"--c-{colours[state]}: #[0-9a-f]{{6}};", CSS), f"palette lacks {colours[state]}"
