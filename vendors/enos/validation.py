"""How the EnOS simulator checks requests: the error it raises, paging, and the JobCreate body (seed document).

EnOS answers a bad parameter with the gateway's common codes in its envelope: 400 "Invalid Argument <param>" for
a missing, unknown or ill-typed parameter and 415 "Parameter Out Of Range" for a number outside its range [S: the
codes come from EnOS's SDK list; which one a given mistake gets is assumed, U].
"""

from __future__ import annotations

from vendors.enos import endpoints


class EnosFault(Exception):
    """An EnOS error answer: envelope ``code`` and ``msg`` (HTTP 200 unless ``http_status`` says otherwise)."""

    def __init__(self, code: int, msg: str, *, http_status: int = 200):
        super().__init__(msg)
        self.code = code
        self.msg = msg
        self.http_status = http_status


def invalid(param: str) -> EnosFault:
    return EnosFault(400, f"Invalid Argument {param}")


def out_of_range(param: str) -> EnosFault:
    return EnosFault(415, f"Parameter Out Of Range {param}")


def _integer(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_keys(body: dict, allowed: set[str] | tuple[str, ...], *, prefix: str = "") -> None:
    for key in body:
        if key not in allowed:
            raise invalid(f"{prefix}{key}")


def check_int(body: dict, key: str, *, low: int | None = None, high: int | None = None, prefix: str = "") -> None:
    if key not in body:
        return
    value = body[key]
    if not _integer(value):
        raise invalid(f"{prefix}{key}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise out_of_range(f"{prefix}{key}")


def check_bool(body: dict, key: str, *, required: bool = False, prefix: str = "") -> None:
    if key not in body:
        if required:
            raise invalid(f"{prefix}{key}")
        return
    if not isinstance(body[key], bool):
        raise invalid(f"{prefix}{key}")


def check_choice(body: dict, key: str, choices: tuple[str, ...], *, required: bool = False, prefix: str = "") -> None:
    if key not in body:
        if required:
            raise invalid(f"{prefix}{key}")
        return
    if body[key] not in choices:
        raise invalid(f"{prefix}{key}")


def check_strings(body: dict, key: str, *, required: bool = False, prefix: str = "") -> None:
    if key not in body:
        if required:
            raise invalid(f"{prefix}{key}")
        return
    value = body[key]
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise invalid(f"{prefix}{key}")
    if required and not value:
        raise invalid(f"{prefix}{key}")


def search_body(body: object, *, sorters: bool) -> tuple[str, int, int, list[dict]]:
    """Check a search body ``{expression, pagination{pageNo, pageSize, sorters}}``; returns the expression, page
    number, page size and sorters. ``sorters=False`` where EnOS does not sort (searchTask, searchDeviceUpgrade)."""
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise invalid("body")
    check_keys(body, ("expression", "pagination"))
    expression = body.get("expression", "")
    if not isinstance(expression, str):
        raise invalid("expression")
    pagination = body.get("pagination") or {}
    if not isinstance(pagination, dict):
        raise invalid("pagination")
    check_keys(pagination, ("pageNo", "pageSize", "sorters"), prefix="pagination.")
    check_int(pagination, "pageNo", low=1, prefix="pagination.")
    check_int(pagination, "pageSize", low=1, high=endpoints.PAGE_SIZE_MAX, prefix="pagination.")
    order = pagination.get("sorters") or []
    if order and not sorters:
        raise invalid("pagination.sorters")
    if not isinstance(order, list):
        raise invalid("pagination.sorters")
    for sorter in order:
        if not isinstance(sorter, dict) or not isinstance(sorter.get("field"), str):
            raise invalid("pagination.sorters")
        check_keys(sorter, ("field", "order"), prefix="pagination.sorters.")
        check_choice(sorter, "order", ("ASC", "DESC"), prefix="pagination.sorters.")
    return (
        expression,
        pagination.get("pageNo", 1),
        pagination.get("pageSize", endpoints.PAGE_SIZE_DEFAULT),
        order,
    )


def device_keys_body(body: object) -> list[str]:
    """The ``{"deviceKeys": [...]}`` body of cancelTask and retryTask."""
    if not isinstance(body, dict):
        raise invalid("body")
    check_keys(body, ("deviceKeys",))
    check_strings(body, "deviceKeys", required=True)
    return list(body["deviceKeys"])


# JobCreate fields by job type (seeds/enos-create-ota-job.txt). The seed's own request sample also sends
# startSchedule/endSchedule (seconds of the day), so EnOS accepts them on upgrade jobs.
UPGRADE_FIELDS = (
    "name", "type", "upgradeScope", "upgradePolicy", "enableUpgradeRequest", "upgradeTimeout", "retryPolicy",
    "schedulePolicy", "maximumConcurrency", "startSchedule", "endSchedule",
)
VERIFY_FIELDS = ("name", "type", "upgradeScope", "upgradeTimeout")
# The simulator targets devices by key only; attribute, tag and asset-tree scopes are not simulated.
SCOPE_FIELDS = ("type", "versionNumbers", "deviceKeys")
I18N_LOCALES = ("zh_CN", "en_US", "ja_JP", "es_ES")
UPGRADE_TIMEOUT_RANGE = (300, 172_800)
UPGRADE_TIMEOUT_DEFAULT = 7200
MAXIMUM_CONCURRENCY_DEFAULT = 300


def _name(value: object) -> dict:
    if not isinstance(value, dict):
        raise invalid("name")
    check_keys(value, ("defaultValue", "i18nValue"), prefix="name.")
    if not isinstance(value.get("defaultValue"), str):
        raise invalid("name.defaultValue")
    i18n = value.get("i18nValue", {})
    if not isinstance(i18n, dict):
        raise invalid("name.i18nValue")
    check_keys(i18n, I18N_LOCALES, prefix="name.i18nValue.")
    if not all(isinstance(text, str) for text in i18n.values()):
        raise invalid("name.i18nValue")
    return {"defaultValue": value["defaultValue"], "i18nValue": dict(i18n)}


def _scope(value: object) -> dict:
    if not isinstance(value, dict):
        raise invalid("upgradeScope")
    check_keys(value, SCOPE_FIELDS, prefix="upgradeScope.")
    check_choice(value, "type", ("total", "partial"), required=True, prefix="upgradeScope.")
    check_strings(value, "versionNumbers", prefix="upgradeScope.")
    check_strings(value, "deviceKeys", required=value["type"] == "partial", prefix="upgradeScope.")
    return {key: value[key] for key in SCOPE_FIELDS if key in value}


def _retry_policy(value: object) -> dict:
    if not isinstance(value, dict):
        raise invalid("retryPolicy")
    check_keys(value, ("enableRetry", "retryInterval", "retryCount"), prefix="retryPolicy.")
    check_bool(value, "enableRetry", required=True, prefix="retryPolicy.")
    check_int(value, "retryInterval", low=1, prefix="retryPolicy.")
    check_int(value, "retryCount", low=1, prefix="retryPolicy.")
    return dict(value)


def _schedule_policy(value: object) -> dict:
    if not isinstance(value, dict):
        raise invalid("schedulePolicy")
    check_keys(value, ("isRepeatDaily", "startTimestamp", "endTimestamp", "timezoneOffsetInMinutes"),
               prefix="schedulePolicy.")
    check_bool(value, "isRepeatDaily", prefix="schedulePolicy.")
    check_int(value, "startTimestamp", low=0, prefix="schedulePolicy.")
    check_int(value, "endTimestamp", low=0, prefix="schedulePolicy.")
    check_int(value, "timezoneOffsetInMinutes", low=-720, high=840, prefix="schedulePolicy.")
    if "startTimestamp" in value and "endTimestamp" in value and value["endTimestamp"] <= value["startTimestamp"]:
        raise invalid("schedulePolicy.endTimestamp")
    return dict(value)


def job_create_body(body: object, *, firmware: dict) -> dict:
    """Check a JobCreate body against the firmware it installs; returns the job as EnOS stores it.

    ``firmware`` carries ``enableVerification``, ``isVerified`` and ``maxAllowedForVerification``.
    """
    if not isinstance(body, dict):
        raise invalid("body")
    check_choice(body, "type", ("upgrade", "verify"), required=True)
    verify = body["type"] == "verify"
    check_keys(body, VERIFY_FIELDS if verify else UPGRADE_FIELDS)
    if "upgradeScope" not in body:
        raise invalid("upgradeScope")
    scope = _scope(body["upgradeScope"])
    check_int(body, "upgradeTimeout", low=UPGRADE_TIMEOUT_RANGE[0], high=UPGRADE_TIMEOUT_RANGE[1])
    job = {
        "name": _name(body["name"]) if "name" in body else {"defaultValue": "", "i18nValue": {}},
        "type": body["type"],
        "upgradeScope": scope,
        "upgradeTimeout": body.get("upgradeTimeout", UPGRADE_TIMEOUT_DEFAULT),
    }
    if verify:
        if scope["type"] == "total":
            raise EnosFault(24611, "upgradeScope type total is not allowed for verification task")
        limit = int(firmware.get("maxAllowedForVerification", 10))
        if len(scope["deviceKeys"]) > limit:
            raise EnosFault(24612, f"Exceeded max verification deviceKeys, max[{limit}]")
        return job
    check_choice(body, "upgradePolicy", ("snapshot", "incremental"), required=True)
    check_bool(body, "enableUpgradeRequest", required=True)
    check_int(body, "maximumConcurrency", low=1)
    check_int(body, "startSchedule", low=0, high=86_399)
    check_int(body, "endSchedule", low=0, high=86_399)
    if firmware.get("enableVerification") and not firmware.get("isVerified"):
        raise EnosFault(
            24610, "Not allowed to create job as firmware is not verified while enable verification is switched on"
        )
    job.update(
        upgradePolicy=body["upgradePolicy"],
        enableUpgradeRequest=body["enableUpgradeRequest"],
        maximumConcurrency=body.get("maximumConcurrency", MAXIMUM_CONCURRENCY_DEFAULT),
        retryPolicy=_retry_policy(body["retryPolicy"]) if "retryPolicy" in body else {"enableRetry": False},
        schedulePolicy=_schedule_policy(body["schedulePolicy"]) if "schedulePolicy" in body else {},
        startSchedule=body.get("startSchedule", 0),
        endSchedule=body.get("endSchedule", 86_399),
    )
    return job
