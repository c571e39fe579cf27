"""Vendor rules a campaign's vendor options must follow, checked before anything is sent to a vendor.

Each rule is the vendor's own documented limit (the seed documents), so the portal refuses at preflight what the
vendor would refuse mid-rollout. Options are keyed by vendor kind in ``Campaign.vendor_options``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from campaigns.services.errors import Problem
from vendors.choices import VendorKind

KNOX_MIN_WINDOW = dt.timedelta(hours=3)
HUAWEI_TIME_FORMAT = "%Y%m%dT%H%M%SZ"
HUAWEI_EXECUTE_TYPES = ("now", "device_online", "custom")
HUAWEI_POLICY_KEYS = ("executeType", "startTime", "endTime", "retryType", "retryTimes")
ENOS_TIMEOUT_RANGE = (300, 172_800)


def _num(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _clock(value) -> dt.timedelta | None:
    try:
        hours, minutes = str(value).split(":")[:2]
        return dt.timedelta(hours=int(hours), minutes=int(minutes))
    except (TypeError, ValueError):
        return None


def _knox(options: dict) -> list[Problem]:
    kind, problems = VendorKind.KNOX_EFOTA, []

    def problem(rule: str, key: str, message: str) -> None:
        problems.append(Problem(rule=f"knox.{rule}", field=f"vendor_options.{kind}.{key}", vendor_kind=kind,
                                message=f"Knox E-FOTA: {message}"))

    start, end = options.get("from"), options.get("to")
    if start is not None or end is not None:
        start_at, end_at = _clock(start), _clock(end)
        if start_at is None or end_at is None:
            problem("install_window", "to", "the install window needs 'from' and 'to' as HH:MM.")
        else:
            length = (end_at - start_at) % dt.timedelta(days=1)
            if length < KNOX_MIN_WINDOW:
                problem("install_window", "to",
                        f"the install window {start}–{end} is {length.seconds // 60} minutes; Knox requires at least "
                        "3 hours between install start and end (error 03002, field 'to').")
    if "batteryLevel" in options:
        level = _num(options["batteryLevel"])
        if level is None or not 20 <= level <= 80:
            problem("battery_level", "batteryLevel",
                    f"minimum battery level {options['batteryLevel']!r} is outside 20–80 % (error 03002).")
    if options.get("gradualRolloutNumber") not in (None, ""):
        share = _num(options["gradualRolloutNumber"])
        if share is None or not 1 <= share <= 50:
            problem("gradual_rollout", "gradualRolloutNumber",
                    f"gradual rollout {options['gradualRolloutNumber']!r} % is outside 1–50 % (error 03002).")
    wifi_only = str(options.get("downloadNetwork", "")).upper() == "WIFIONLY"
    if wifi_only and options.get("downloadAvailableDuringRoamingNetwork"):
        problem("roaming_needs_mobile", "downloadAvailableDuringRoamingNetwork",
                "downloads while roaming need a mobile network, but the download network is Wi-Fi only.")
    if wifi_only and _num(options.get("switchtoWifi")) not in (None, 0.0):
        problem("switch_to_wifi", "switchtoWifi", "switchtoWifi must be 0 when the download network is Wi-Fi only.")
    if _num(options.get("postponeInstallation")) in (None, 0.0):
        for key in ("postponeDuration", "autoInstallTime"):
            if _num(options.get(key)) not in (None, 0.0):
                problem("postpone", key, f"{key} must be 0 when the device user may not postpone installation.")
    if "allowOrBlock" in options and options["allowOrBlock"] not in (0, 1, 2):
        problem("allow_or_block", "allowOrBlock", "allowOrBlock must be 0 (off), 1 (allowlist) or 2 (blocklist).")
    throttling = options.get("ssidThrottling") or {}
    ssids = throttling.get("ssidForThrottling", []) if isinstance(throttling, dict) else None
    if ssids is None or not isinstance(ssids, list):
        problem("ssid_throttling_shape", "ssidThrottling",
                "ssidThrottling must be an object with a list ssidForThrottling and a maxSpeedThrottling.")
        ssids = []
    for ssid in ssids:
        if len(str(ssid)) >= 50:
            problem("ssid_length", "ssidThrottling.ssidForThrottling", f"SSID {ssid!r} must be under 50 characters.")
    return problems


def _huawei(options: dict) -> list[Problem]:
    kind, problems = VendorKind.HUAWEI_IODM, []
    policy = options  # the task's OperatePolicy fields, as the connector sends them

    def problem(rule: str, key: str, message: str) -> None:
        problems.append(Problem(rule=f"huawei.{rule}", field=f"vendor_options.{kind}.{key}", vendor_kind=kind,
                                message=f"Huawei IoDM: {message}"))

    for key in sorted(set(policy) - set(HUAWEI_POLICY_KEYS)):
        problem("unknown_option", key, f"{key!r} is not a task policy field; use {', '.join(HUAWEI_POLICY_KEYS)}.")

    execute_type = policy.get("executeType", "now")
    if execute_type not in HUAWEI_EXECUTE_TYPES:
        problem("execute_type", "executeType",
                f"executeType {execute_type!r} must be one of {', '.join(HUAWEI_EXECUTE_TYPES)} (error 123025).")
    if policy.get("retryType"):
        retries = _num(policy.get("retryTimes"))
        if retries is None or not 1 <= retries <= 5 or retries != int(retries):
            problem("retry_times", "retryTimes",
                    f"retryTimes {policy.get('retryTimes')!r} must be a whole number from 1 to 5 (error 123028).")
    if execute_type == "custom":
        try:
            start = dt.datetime.strptime(policy.get("startTime", ""), HUAWEI_TIME_FORMAT)
            end = dt.datetime.strptime(policy.get("endTime", ""), HUAWEI_TIME_FORMAT)
        except (TypeError, ValueError):
            problem("custom_times", "startTime",
                    "a custom execution needs startTime and endTime as yyyyMMdd'T'HHmmss'Z' (error 123026).")
        else:
            if end - start < dt.timedelta(minutes=5):
                problem("end_after_start", "endTime",
                        "endTime must be at least 5 minutes after startTime (errors 123032 / 123034).")
    return problems


def _enos(options: dict) -> list[Problem]:
    kind, problems = VendorKind.ENOS, []

    def problem(rule: str, key: str, message: str) -> None:
        problems.append(Problem(rule=f"enos.{rule}", field=f"vendor_options.{kind}.{key}", vendor_kind=kind,
                                message=f"EnOS: {message}"))

    if "upgradeTimeout" in options:
        timeout = _num(options["upgradeTimeout"])
        low, high = ENOS_TIMEOUT_RANGE
        if timeout is None or not low <= timeout <= high:
            problem("upgrade_timeout", "upgradeTimeout",
                    f"upgradeTimeout {options['upgradeTimeout']!r} s is outside {low:,}–{high:,} s.")
    if "maximumConcurrency" in options:
        concurrency = _num(options["maximumConcurrency"])
        if concurrency is None or concurrency < 1:
            problem("maximum_concurrency", "maximumConcurrency", "maximumConcurrency must be at least 1.")
    if options.get("upgradePolicy", "snapshot") not in ("snapshot", "incremental"):
        problem("upgrade_policy", "upgradePolicy", "upgradePolicy must be snapshot or incremental.")
    return problems


def _izuma(options: dict) -> list[Problem]:
    kind, problems = VendorKind.IZUMA_DM, []
    if "autostop_success_percent" in options:
        share = _num(options["autostop_success_percent"])
        if share is None or not 0 <= share <= 100:
            problems.append(Problem(rule="izuma.autostop_success_percent", vendor_kind=kind,
                                    field=f"vendor_options.{kind}.autostop_success_percent",
                                    message="Izuma: autostop_success_percent must be between 0 and 100."))
    if options.get("campaign_strategy", "one-shot") not in ("one-shot", "continuous"):
        problems.append(Problem(rule="izuma.campaign_strategy", vendor_kind=kind,
                                field=f"vendor_options.{kind}.campaign_strategy",
                                message="Izuma: campaign_strategy must be one-shot or continuous."))
    return problems


RULES: dict[str, Callable[[dict], list[Problem]]] = {
    VendorKind.KNOX_EFOTA: _knox,
    VendorKind.HUAWEI_IODM: _huawei,
    VendorKind.ENOS: _enos,
    VendorKind.IZUMA_DM: _izuma,
}


def vendor_options_problems(*, kind: str, options: dict) -> list[Problem]:
    """Every rule of ``kind`` that ``options`` break (empty when they are fine)."""
    if not isinstance(options, dict):
        return [Problem(rule="options.shape", field=f"vendor_options.{kind}", vendor_kind=kind,
                        message=f"The {kind} options must be an object of vendor settings.")]
    return RULES[kind](options)
