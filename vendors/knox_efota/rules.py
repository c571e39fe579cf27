"""Knox E-FOTA request rules and the exact error rows Knox answers with when one is broken.

Field names, limits, codes, ``errorKey`` and ``errorMessage`` texts are the vendor's own, from its error-code page
(``seeds/knox-efota-error-codes.txt``). Value formats the page does not give (date and time formats, the
``downloadNetwork`` values, the shapes of the SSID settings, the gradual-rollout switch) are marked [U]. The simulator
enforces these rules; the connector builds its campaign bodies so that they pass them.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass


@dataclass(frozen=True)
class KnoxError:
    """One row of Knox's error table, as the response body carries it."""

    code: str
    message: str
    error_key: str
    error_message: str
    http_status: int = 400

    def body(self) -> dict[str, str]:
        return {
            "code": self.code,
            "message": self.message,
            "errorKey": self.error_key,
            "errorMessage": self.error_message,
        }


def _param(key: str, text: str) -> KnoxError:
    return KnoxError("00001", "RESOURCE_INVALID_PARAM", key, text)


def _campaign(key: str, text: str) -> KnoxError:
    return KnoxError("03002", "CAMPAIGN_INVALID_REQUEST_DATA", key, text)


def bad_request(key: str, text: str) -> KnoxError:
    """A request Knox cannot read at all (unknown field, wrong type): the plain HTTP 400 of its HTTP table [U body]."""
    return KnoxError("400", "BAD_REQUEST", key, text)


# --- Access, tokens, throttling, outages ------------------------------------------------------------------------
UNAUTHORIZED = KnoxError(
    "401", "UNAUTHORIZED", "",
    "Authorization for the API is required, but the request has not been authenticated.", http_status=401,
)
# The seed lists 4032251 under "Get license list"; every business call answers it for an expired token.
TOKEN_EXPIRED = KnoxError("4032251", "ACCESS_TOKEN_EXPIRED", "", "ACCESS_TOKEN_EXPIRED", http_status=401)
WRONG_ACCESS = KnoxError("4030001", "WRONG_ACCESS", "", "No entry found", http_status=403)
# Knox documents 25 calls a second but not the throttled answer; 429 is the Knox-wide convention [U].
THROTTLED = KnoxError("429", "TOO_MANY_REQUESTS", "", "Too many requests. Slow down and try again.", http_status=429)
SERVER_ERROR = KnoxError(
    "500", "INTERNAL_SERVER_ERROR", "", "An error has occurred on the server. Please try again later.", http_status=500
)

# --- Campaigns ------------------------------------------------------------------------------------------------------
CAMPAIGN_NAME_DUPLICATE = KnoxError(
    "03001", "CAMPAIGN_NAME_DUPLICATE_FOUND", "name", "This campaign name already exists—choose another one."
)
CAMPAIGN_NOT_FOUND = KnoxError(
    "03003", "CAMPAIGN_NOT_FOUND", "campaignId", "Make sure you entered the correct campaign ID."
)
CANCEL_WRONG_ID = _campaign("campaignId", "Make sure you entered the correct campaign ID.")
NO_CAMPAIGNS = _param("", "We couldn't find any campaigns.")
EMPTY_SEARCH = _campaign("search", "Enter a search query, like a campaign name.")
LIST_PAGE_NUM = _param("pageNum", "The lowest page number you can enter is 0.")
LIST_PAGE_SIZE_LOW = _param("pageSize", "Make sure you're displaying at least 1 entry per page.")
LIST_PAGE_SIZE_HIGH = _param("pageSize", "Make sure you're displaying less than 100 entries per page.")
LIST_SORT_BY = _param(
    "sortBy", "You can only sort by start date, end date, modified date, device count, or campaign name."
)
LIST_SORT_ORDER = _param("sortOrder", "You can only sort in either ascending or descending order.")
LIST_STATUS = _param("status", "A campaign's status can only be active, scheduled, cancelled, or expired.")
LIST_MODIFIED_FROM = _param(
    "modifiedTimeFrom", "You need to enter a valid Unix timestamp to search for campaigns from a specific date."
)
LIST_SORT_FIELDS = ("status", "startDate", "endDate", "modified", "deviceCount", "campaignName")
LIST_SORT_ORDERS = ("ASC", "DESC")  # parameter name ``sortOrder`` [U]
CAMPAIGN_STATUSES = ("Scheduled", "Active", "Cancelled", "Expired")

# --- Assign / unassign ------------------------------------------------------------------------------------------
ASSIGN_LIMIT = 1000
NO_BODY = _param("deviceIds", "You need to provide a request body.")
INVALID_DEVICE_ID = _param("deviceIds", "Make sure you're adding a valid device ID.")
DEVICE_NOT_FOUND = KnoxError(
    "02001", "DEVICE_NOT_FOUND", "", "Make sure you're entering the right device IMEIs or serial numbers."
)
DEVICE_NOT_ASSIGNED = KnoxError(
    "02003", "DEVICE_STATUS_NOT_VALID", "",
    "Make sure you're entering the right device IMEIs or serial numbers and they're assigned to a campaign.",
)
# A device id is an IMEI or a serial number; Knox's exact pattern is not published [U].
DEVICE_ID_PATTERN = re.compile(r"^[A-Za-z0-9]{8,20}$")


def too_many_devices(verb: str) -> KnoxError:
    return _param("deviceIds", f"You can only {verb} up to 1,000 devices per campaign.")


def resource_conflict(verb: str) -> KnoxError:
    return KnoxError(
        "00005", "RESOURCE_CONFLICT", "",
        f"Make sure you're entering the right campaign ID and that the devices you're {verb}ing are in your account.",
    )


# --- Firmware policy, device list, firmware list ----------------------------------------------------------------
POLICY_CAMPAIGN_UNDEFINED = _campaign("", "Campaign name is not defined")
POLICY_CAMPAIGN_NOT_FOUND = KnoxError("03003", "CAMPAIGN_NOT_FOUND", "", "Campaign not found")
POLICY_FIRMWARES_NULL = _param("firmwares", "firmwares must not be null")
POLICY_FIELDS = frozenset({"model", "salesCode", "csc", "firmwareVersion"})
DEVICE_PAGE_NUM = _param("pageNum", "pageNum must be greater than or equal to 0")
DEVICE_PAGE_SIZE_LOW = _param("pageSize", "pageSize must be greater than or equal to 1")
DEVICE_PAGE_SIZE_HIGH = _param("pageSize", "pageSize must be less than or equal to 100")
PAGE_SIZE_MAX = 100
FIRMWARE_STATUSES = ("ALL", "OPENED", "CLOSED")  # values of the firmware list's ``status`` [U]


def policy_entry_missing(index: int, field: str) -> KnoxError:
    """``firmwares[n].model`` / ``firmwares[n].salesCode`` not defined, with ``n`` the entry's index."""
    what = {"model": "model", "salesCode": "sales code"}[field]
    key = f"firmwares[{index}].{field}"
    return _param(key, f"{key} Campaign firmware {what} not defined")


def firmware_param_missing(name: str) -> KnoxError:
    verb = "must not be null" if name == "status" else "must not be blank"
    return _param(name, f"{name} {verb}")


FIRMWARE_OPENED_DATE = _param("openedDate", "openedDate pattern is invalid")

# --- The campaign body ----------------------------------------------------------------------------------------------
CAMPAIGN_FIELDS = frozenset({
    "name", "description", "startDate", "endDate", "timezone", "from", "to", "downloadTime", "postponeInstallation",
    "postponeDuration", "autoInstallTime", "downloadNetwork", "downloadAvailableDuringRoamingNetwork", "switchtoWifi",
    "downloadSpeed", "batteryLevel", "emailAddress", "phoneNumber", "gradualRollout", "gradualRolloutNumber",
    "ssidThrottling", "allowOrBlock", "ssidsForRestriction",
})
DOWNLOAD_NETWORKS = ("WIFIONLY", "ALL")  # WIFIONLY is Knox's; the name of "any network" is assumed [U]
INSTALL_WINDOW_MINUTES = 180
BATTERY_RANGE = (20, 80)
GRADUAL_ROLLOUT_RANGE = (1, 50)
SSID_MAX = 50  # "under 50 characters"
DESCRIPTION_MAX = 500
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")  # startDate / endDate as YYYY-MM-DD [U]
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")  # from / to / downloadTime as HH:mm [U]
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{4,19}$")

NAME_MISSING = _campaign("name", "Enter a campaign name.")
START_MISSING = _campaign("startDate", "Choose a start date for the campaign.")
START_PAST = _campaign("startDate", "Make sure the campaign starts either today or on a future date.")
START_INVALID = _campaign("startDate", "Make sure the campaign's start date is valid.")
END_INVALID = _campaign("endDate", "Make sure the campaign's end date is valid.")
END_BEFORE_START = _campaign("endDate", "Make sure the campaign's end date is after its start date.")
END_PAST = _campaign("endDate", "Make sure the campaign's end date is either today or on a future date.")
TIMEZONE_MISSING = _campaign("timezone", "Choose a time zone for the campaign.")
TIMEZONE_INVALID = _campaign("timezone", "Make sure the campaign's time zone is valid.")
FROM_MISSING = _campaign("from", "Choose a time to begin installing the firmware")
FROM_INVALID = _campaign("from", "Make sure the firmware installation start time is valid.")
TO_MISSING = _campaign("to", "Choose a time for the firmware to finish installing by.")
TO_INVALID = _campaign("to", "Make sure the time for the firmware to finish installing by is valid.")
WINDOW_TOO_SHORT = _campaign(
    "to", "Make sure there are at least 3 hours between when the firmware starts and finishes installing."
)
DOWNLOAD_TIME_MISSING = _campaign("downloadTime", "Choose a time for the firmware to start downloading at.")
DOWNLOAD_TIME_INVALID = _campaign(
    "downloadTime", "Make sure the time for the firmware to start downloading at is valid."
)
POSTPONE_INVALID = _campaign(
    "postponeInstallation",
    "Make sure you enter the number of times the device user can postpone installation or leave it empty.",
)
POSTPONE_DURATION = _campaign(
    "postponeDuration",
    "You can only set a length of time to postpone the reminder if the device user can postpone installation.",
)
AUTO_INSTALL_TIME = _campaign(
    "autoInstallTime",
    "You can only set a length of time for the firmware to automatically start installing afterward if the device "
    "user can postpone installation.",
)
NETWORK_MISSING = _campaign("downloadNetwork", "Choose the networks you want the firmware to be downloaded through.")
NETWORK_INVALID = _campaign("downloadNetwork", "Make sure the network types you selected are valid.")
ROAMING = _campaign(
    "downloadAvailableDuringRoamingNetwork",
    "You can only allow downloads when roaming if firmware can be downloaded on a mobile network.",
)
SWITCH_TO_WIFI = _campaign(
    "switchtoWifi",
    "You can only set whether to switch downloads to Wi-Fi if firmware can also be downloaded on a mobile network.",
)
DOWNLOAD_SPEED = _campaign("downloadSpeed", "Make sure the download speed you entered is valid.")
BATTERY_LEVEL = _campaign("batteryLevel", "Make sure you entered a minimum battery level between 20% and 80%.")
EMAIL_MISSING = _campaign("emailAddress", "Enter an email address to be used as contact information.")
EMAIL_INVALID = _campaign("emailAddress", "Invalid email address.")
PHONE_MISSING = _campaign("phoneNumber", "Enter a phone number to be used as contact information.")
PHONE_INVALID = _campaign("phoneNumber", "Invalid phone number.")
GRADUAL_NOT_ENABLED = _campaign("gradualRolloutNumber", "Make sure you enable gradual rollout first.")
GRADUAL_RANGE = _campaign("gradualRolloutNumber", "Make sure you entered a percentage between 1 and 50%.")
THROTTLE_SSID_INVALID = _campaign("ssidThrottling.ssidForThrottling", "Make sure you entered a valid SSID.")
THROTTLE_SSID_LONG = _campaign("ssidThrottling.ssidForThrottling", "Make sure the SSID is under 50 characters.")
THROTTLE_SPEED = _campaign(
    "ssidThrottling.maxSpeedThrottling", "Make sure the maximum download speed is a possible value."
)
ALLOW_OR_BLOCK = _campaign("allowOrBlock", "You can only use 0, 1, or 2 for these values.")
ALLOW_OR_BLOCK_WITH_SSIDS = _campaign("allowOrBlock", "Make sure the values for allow or block is equal to 1 or 2.")
RESTRICT_SSID_INVALID = _campaign("ssidsForRestriction.ssidForRestriction", "Make sure you entered a valid SSID.")
RESTRICT_SSID_LONG = _campaign("ssidsForRestriction.ssidForRestriction", "Make sure the SSID is under 50 characters.")
RESTRICT_DESCRIPTION_LONG = _campaign(
    "ssidsForRestriction.descriptionRestriction", "Make sure the description is under 500 characters."
)


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _minutes(value: str) -> int:
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


def parse_date(value: object) -> dt.date | None:
    if not isinstance(value, str) or not _DATE.match(value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def zone_of(value: object) -> zoneinfo.ZoneInfo | None:
    """The IANA time zone a campaign names, or ``None`` when it names none Knox would accept."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def campaign_today(body: dict) -> dt.date:
    """Today in the campaign's time zone: Knox judges "today or later" there (UTC when the zone is unusable)."""
    return dt.datetime.now(zone_of(body.get("timezone")) or dt.UTC).date()


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def campaign_error(body: object) -> KnoxError | None:
    """The first rule a create-campaign body breaks, in the order of Knox's error table, or ``None``.

    The duplicate-name rule (03001) needs the tenant's campaigns and is checked by the caller.
    """
    if not isinstance(body, dict):
        return bad_request("", "Required request body is missing or is not a JSON object.")
    unknown = sorted(set(body) - CAMPAIGN_FIELDS)
    if unknown:
        return bad_request(unknown[0], f"Unrecognized field \"{unknown[0]}\".")
    for rule in (_name_and_dates, _time_zone_and_window, _postponing, _network, _limits_and_contact, _ssids):
        error = rule(body)
        if error is not None:
            return error
    return None


def _name_and_dates(body: dict) -> KnoxError | None:
    if not isinstance(body.get("name"), str) or _blank(body.get("name")):
        return NAME_MISSING
    today = campaign_today(body)
    if _blank(body.get("startDate")):
        return START_MISSING
    start = parse_date(body["startDate"])
    if start is None:
        return START_INVALID
    if start < today:
        return START_PAST
    if body.get("endDate") not in (None, ""):
        end = parse_date(body["endDate"])
        if end is None:
            return END_INVALID
        if end <= start:
            return END_BEFORE_START
        if end < today:
            return END_PAST
    return None


def _time_zone_and_window(body: dict) -> KnoxError | None:
    if _blank(body.get("timezone")):
        return TIMEZONE_MISSING
    if zone_of(body["timezone"]) is None:
        return TIMEZONE_INVALID
    for key, missing, invalid in (("from", FROM_MISSING, FROM_INVALID), ("to", TO_MISSING, TO_INVALID)):
        if _blank(body.get(key)):
            return missing
        if not isinstance(body[key], str) or not _TIME.match(body[key]):
            return invalid
    # The window may run past midnight (22:00 to 02:00 is four hours).
    if (_minutes(body["to"]) - _minutes(body["from"])) % (24 * 60) < INSTALL_WINDOW_MINUTES:
        return WINDOW_TOO_SHORT
    if _blank(body.get("downloadTime")):
        return DOWNLOAD_TIME_MISSING
    if not isinstance(body["downloadTime"], str) or not _TIME.match(body["downloadTime"]):
        return DOWNLOAD_TIME_INVALID
    return None


def _postponing(body: dict) -> KnoxError | None:
    postpone = body.get("postponeInstallation")
    if postpone is not None and (not is_int(postpone) or postpone < 0):
        return POSTPONE_INVALID
    for key, error in (("postponeDuration", POSTPONE_DURATION), ("autoInstallTime", AUTO_INSTALL_TIME)):
        value = body.get(key)
        if value is None:
            continue
        if not is_int(value) or value < 0 or (not postpone and value != 0):
            return error
    return None


def _network(body: dict) -> KnoxError | None:
    network = body.get("downloadNetwork")
    if _blank(network):
        return NETWORK_MISSING
    if network not in DOWNLOAD_NETWORKS:
        return NETWORK_INVALID
    roaming = body.get("downloadAvailableDuringRoamingNetwork")
    if roaming is not None and not isinstance(roaming, bool):
        return bad_request(
            "downloadAvailableDuringRoamingNetwork", "downloadAvailableDuringRoamingNetwork must be a boolean."
        )
    if roaming and network == "WIFIONLY":
        return ROAMING
    switch = body.get("switchtoWifi")
    if switch is not None and (not is_int(switch) or switch not in (0, 1)):
        return bad_request("switchtoWifi", "switchtoWifi must be 0 or 1.")
    if switch and network == "WIFIONLY":
        return SWITCH_TO_WIFI
    return None


def _limits_and_contact(body: dict) -> KnoxError | None:
    speed = body.get("downloadSpeed")
    if speed is not None and (not is_int(speed) or speed < 0):
        return DOWNLOAD_SPEED
    battery = body.get("batteryLevel")
    if battery is not None and (not is_int(battery) or not BATTERY_RANGE[0] <= battery <= BATTERY_RANGE[1]):
        return BATTERY_LEVEL
    # Contact details are optional since release 25.11, but when sent they must be usable.
    for key, missing, invalid, pattern in (
        ("emailAddress", EMAIL_MISSING, EMAIL_INVALID, _EMAIL),
        ("phoneNumber", PHONE_MISSING, PHONE_INVALID, _PHONE),
    ):
        if key in body:
            if _blank(body[key]):
                return missing
            if not isinstance(body[key], str) or not pattern.match(body[key]):
                return invalid
    enabled = body.get("gradualRollout")  # the switch's key is assumed [U]
    if enabled is not None and not isinstance(enabled, bool):
        return bad_request("gradualRollout", "gradualRollout must be a boolean.")
    number = body.get("gradualRolloutNumber")
    if number is not None:
        if not enabled:
            return GRADUAL_NOT_ENABLED
        if not is_int(number) or not GRADUAL_ROLLOUT_RANGE[0] <= number <= GRADUAL_ROLLOUT_RANGE[1]:
            return GRADUAL_RANGE
    return None


def _ssid_error(value: object, invalid: KnoxError, too_long: KnoxError) -> KnoxError | None:
    if not isinstance(value, str) or _blank(value):
        return invalid
    return too_long if len(value) >= SSID_MAX else None


def _ssids(body: dict) -> KnoxError | None:
    throttling = body.get("ssidThrottling")  # {ssidForThrottling, maxSpeedThrottling} [U shape]
    if throttling is not None:
        if not isinstance(throttling, dict) or set(throttling) - {"ssidForThrottling", "maxSpeedThrottling"}:
            return bad_request("ssidThrottling", "ssidThrottling must be {ssidForThrottling, maxSpeedThrottling}.")
        error = _ssid_error(throttling.get("ssidForThrottling"), THROTTLE_SSID_INVALID, THROTTLE_SSID_LONG)
        if error is not None:
            return error
        speed = throttling.get("maxSpeedThrottling")
        if not is_int(speed) or speed <= 0:
            return THROTTLE_SPEED
    allow = body.get("allowOrBlock")
    if allow is not None and (not is_int(allow) or allow not in (0, 1, 2)):
        return ALLOW_OR_BLOCK
    restrictions = body.get("ssidsForRestriction")  # [{ssidForRestriction, descriptionRestriction}] [U shape]
    if restrictions is None:
        return None
    if not isinstance(restrictions, list):
        return bad_request("ssidsForRestriction", "ssidsForRestriction must be a list.")
    if restrictions and allow not in (1, 2):
        return ALLOW_OR_BLOCK_WITH_SSIDS
    for item in restrictions:
        if not isinstance(item, dict) or set(item) - {"ssidForRestriction", "descriptionRestriction"}:
            return bad_request(
                "ssidsForRestriction",
                "Each ssidsForRestriction entry must be {ssidForRestriction, descriptionRestriction}.",
            )
        error = _ssid_error(item.get("ssidForRestriction"), RESTRICT_SSID_INVALID, RESTRICT_SSID_LONG)
        if error is not None:
            return error
        description = item.get("descriptionRestriction")
        if description is not None and (not isinstance(description, str) or len(description) >= DESCRIPTION_MAX):
            return RESTRICT_DESCRIPTION_LONG
    return None


def device_ids_error(body: object, *, verb: str) -> KnoxError | None:
    """The rule an assign / unassign body (``{"deviceIds": [...]}``) breaks, or ``None``."""
    if body is None:
        return NO_BODY
    if not isinstance(body, dict):
        return bad_request("", "The request body must be a JSON object.")
    unknown = sorted(set(body) - {"deviceIds"})
    if unknown:
        return bad_request(unknown[0], f"Unrecognized field \"{unknown[0]}\".")
    ids = body.get("deviceIds")
    if not isinstance(ids, list) or not ids:
        return INVALID_DEVICE_ID
    if len(ids) > ASSIGN_LIMIT:
        return too_many_devices(verb)
    if any(not isinstance(i, str) or not DEVICE_ID_PATTERN.match(i) for i in ids):
        return INVALID_DEVICE_ID
    return None


def firmware_policy_error(body: object) -> KnoxError | None:
    """The rule a firmware-policy body (``{"firmwares": [{model, salesCode, csc?, firmwareVersion?}]}``) breaks."""
    if not isinstance(body, dict):
        return POLICY_FIRMWARES_NULL
    unknown = sorted(set(body) - {"firmwares"})
    if unknown:
        return bad_request(unknown[0], f"Unrecognized field \"{unknown[0]}\".")
    firmwares = body.get("firmwares")
    if firmwares is None:
        return POLICY_FIRMWARES_NULL
    if not isinstance(firmwares, list):
        return bad_request("firmwares", "firmwares must be a list.")
    for index, entry in enumerate(firmwares):
        if not isinstance(entry, dict):
            return bad_request(f"firmwares[{index}]", "Each firmwares entry must be a JSON object.")
        unknown = sorted(set(entry) - POLICY_FIELDS)
        if unknown:
            return bad_request(f"firmwares[{index}].{unknown[0]}", f"Unrecognized field \"{unknown[0]}\".")
        for field in ("model", "salesCode"):
            if not isinstance(entry.get(field), str) or _blank(entry.get(field)):
                return policy_entry_missing(index, field)
        for field in ("csc", "firmwareVersion"):
            if entry.get(field) is not None and not isinstance(entry[field], str):
                return bad_request(f"firmwares[{index}].{field}", f"{field} must be a string.")
    return None
