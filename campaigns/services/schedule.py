"""When a campaign may push: its schedule (start, end) and its window (days and times of day, in a time zone)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone

from campaigns.models import Campaign
from campaigns.services.errors import Problem


def _clock(value: str) -> dt.time:
    return dt.time.fromisoformat(value)


def window_problems(window: dict) -> list[Problem]:
    """What is wrong with a window definition (empty list when it is fine or absent)."""
    if not window:
        return []
    if not isinstance(window, dict):
        return [Problem(rule="window.shape", field="window", message="The window must be an object.")]
    problems = []
    try:
        ZoneInfo(str(window.get("timezone", "UTC")))
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(Problem(rule="window.timezone", field="window.timezone",
                                message=f"Unknown time zone {window.get('timezone')!r}."))
    for key in ("start", "end"):
        try:
            _clock(window.get(key, ""))
        except (TypeError, ValueError):
            problems.append(Problem(rule="window.time", field=f"window.{key}",
                                    message=f"The window {key} must be a time of day as HH:MM."))
    days = window.get("days")
    if days is not None and (not isinstance(days, list) or not days or any(d not in range(7) for d in days)):
        problems.append(Problem(rule="window.days", field="window.days",
                                message="Window days must be a non-empty list of weekdays, 0 (Monday) to 6."))
    return problems


def window_open(window: dict, now: dt.datetime) -> bool:
    """Whether ``now`` falls inside the window; a window may wrap past midnight (22:00–04:00)."""
    if not window:
        return True
    local = now.astimezone(ZoneInfo(window.get("timezone", "UTC")))
    days = window.get("days")
    if days is not None and local.weekday() not in days:
        return False
    start, end, current = _clock(window["start"]), _clock(window["end"]), local.time()
    if start <= end:
        return start <= current < end
    return current >= start or current < end


def campaign_may_push(*, campaign: Campaign, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    if campaign.schedule_start and now < campaign.schedule_start:
        return False
    if campaign.schedule_end and now >= campaign.schedule_end:
        return False
    return window_open(campaign.window, now)
