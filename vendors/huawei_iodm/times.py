"""Huawei's time format, yyyyMMdd'T'HHmmss'Z' in UTC (e.g. 20151212T121212Z), both ways."""

from __future__ import annotations

import datetime as dt
import re

TIME_FORMAT = "%Y%m%dT%H%M%SZ"
# strptime alone accepts one-digit months and days; Huawei wants every digit.
_SHAPE = re.compile(r"\d{8}T\d{6}Z")


def huawei_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime(TIME_FORMAT)


def huawei_time_parse(value: object) -> dt.datetime | None:
    """The aware UTC datetime a Huawei time string names, or ``None`` when it is missing or malformed."""
    if not isinstance(value, str) or not _SHAPE.fullmatch(value):
        return None
    try:
        return dt.datetime.strptime(value, TIME_FORMAT).replace(tzinfo=dt.UTC)
    except ValueError:
        return None
