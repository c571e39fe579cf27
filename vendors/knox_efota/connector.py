"""The Samsung Knox E-FOTA connector: OAuth 2.0 client credentials, one campaign per push with its firmware policy,
devices assigned 1,000 ids a call, statuses read from the device list."""

from __future__ import annotations

import datetime as dt
import email.utils
import re
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from campaigns.choices import DEVICE_FINAL_STATES
from vendors.connector import CancelResult, Connector, DeviceInfo, DeviceStatus, FirmwareInfo, PushResult
from vendors.errors import OutcomeUnknown, VendorError
from vendors.knox_efota import rules
from vendors.knox_efota.endpoints import KnoxEndpoints
from vendors.knox_efota.statuses import KNOX_STATUS_MAP, status_word
from vendors.services import error_decode
from vendors.shared_state import TokenStore

if TYPE_CHECKING:
    import httpx

    from vendors.http import VendorHTTP
    from vendors.models import VendorAccount

PAGE_SIZE = rules.PAGE_SIZE_MAX
DEFAULT_SCOPE = "ke"
# What a campaign needs and the portal's options may leave out. The install window spans the whole day because
# the portal's own waves and windows decide when devices get an update; Wi-Fi only so no one pays for mobile data.
CAMPAIGN_DEFAULTS: dict[str, object] = {
    "timezone": "UTC",
    "from": "00:00",
    "to": "23:59",
    "downloadTime": "00:00",
    "downloadNetwork": "WIFIONLY",
    "downloadAvailableDuringRoamingNetwork": False,
    "switchtoWifi": 0,
    "postponeInstallation": 0,
    "postponeDuration": 0,
    "autoInstallTime": 0,
}
_INDEX = re.compile(r"\[\d+\]")


def firmware_ref(*, model: str, version: str, targets: list[tuple[str, str]]) -> str:
    """The ``vendor_ref`` of a Knox firmware: ``model|version|salesCode/csc,...``.

    Knox sets a campaign's firmware per model and sales code, so the reference carries every sales code (with its
    CSC) the version is released for; ``push`` turns it back into firmware-policy entries.
    """
    return f"{model}|{version}|" + ",".join(f"{sales_code}/{csc}" for sales_code, csc in targets)


def firmware_ref_parse(ref: str) -> tuple[str, str, list[tuple[str, str]]]:
    """``(model, version, [(salesCode, csc), ...])`` from a reference; a bare version has no model or targets."""
    parts = ref.split("|")
    if len(parts) != 3:
        return "", ref, []
    targets = []
    for target in filter(None, parts[2].split(",")):
        sales_code, _, csc = target.partition("/")
        targets.append((sales_code, csc))
    return parts[0], parts[1], targets


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        when = email.utils.parsedate_to_datetime(value) if value else None
        return max((when - dt.datetime.now(dt.UTC)).total_seconds(), 0.0) if when else None


class KnoxConnector(Connector):
    """Samsung Knox E-FOTA.

    A push is one Knox campaign named after the push (Knox keeps campaign names unique, which is what reconciles a
    push after a crash), its firmware policy, then the devices assigned in calls of at most 1,000 ids. One
    ``PushResult`` stands for the campaign, however many assign calls it took. A campaign runs from its start date,
    so there is no separate start. Statuses come from the device list filtered by campaign; cancel unassigns devices,
    or cancels the campaign when every device still on its way is to be withdrawn.
    """

    kind = "knox_efota"
    batch_limit = rules.ASSIGN_LIMIT
    supports_cancel = True
    status_map = KNOX_STATUS_MAP

    def __init__(self, account: VendorAccount, *, http: VendorHTTP | None = None):
        super().__init__(account, http=http)
        self.endpoints = KnoxEndpoints.for_account(account)
        self._token: dict | None = None

    # --- hooks the HTTP layer calls -------------------------------------------------------------------------------

    def authenticate(self, *, force: bool = False) -> dict[str, str]:
        token = self._token
        if force or token is None or token["expires_at"] - token.get("margin", 30.0) <= time.time():
            store = TokenStore(f"account-{self.account.pk}")
            stale = token["access_token"] if force and token else None
            cached = store.get() or token or {}
            token = store.fresh(self._token_fetch, margin=cached.get("margin", 30.0), stale=stale)
            self._token = token
        return {"Authorization": f"Bearer {token['access_token']}"}

    def _token_fetch(self, previous: dict | None = None) -> dict:
        credentials = self.account.credentials
        if not credentials.get("client_id") or not credentials.get("client_secret"):
            decoded = error_decode(vendor_kind=self.kind, code="401")
            raise VendorError(
                f"The Knox account {self.account.name} has no client ID or client secret: enter both from the Knox "
                "Developer Portal.",
                vendor_kind=self.kind, code="401", decoded=decoded,
            )
        response = self.http.request(
            "POST",
            self.endpoints.token,
            data={
                "grant_type": "client_credentials",
                "client_id": credentials["client_id"],
                "client_secret": credentials["client_secret"],
                "scope": (self.account.settings or {}).get("scope") or DEFAULT_SCOPE,
            },
            authenticate=False,
            idempotent=True,  # asking for a token twice is harmless: Knox tokens do not replace each other
        )
        body = response.json()
        lifetime = float(body.get("expires_in") or 600)
        # Refresh ahead of expiry: 30 s before it, or a fifth of the life of a short-lived token.
        return {
            "access_token": body["access_token"],
            "expires_at": time.time() + lifetime,
            "margin": min(30.0, lifetime / 5),
        }

    def error_from_response(self, response: httpx.Response) -> VendorError | None:
        if response.status_code < 400:
            return None
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            body = {}
        if body.get("code"):  # Knox's own body: {code, message, errorKey, errorMessage}
            code, field = str(body["code"]), str(body.get("errorKey") or "")
            vendor_message = str(body.get("errorMessage") or body.get("message") or "")
            symbol = str(body.get("message") or "")
        else:  # the token endpoint answers OAuth 2.0 errors; a gateway may answer with no body at all
            code, field, symbol = str(response.status_code), "", str(body.get("error") or "")
            vendor_message = str(body.get("error_description") or body.get("error") or response.reason_phrase)
        # Knox names list entries by index ("firmwares[2].model"); the catalog holds them once, as "firmwares[n]".
        decoded = error_decode(
            vendor_kind=self.kind, code=code, http_status=response.status_code,
            field=_INDEX.sub("[n]", field), vendor_message=_INDEX.sub("[n]", vendor_message),
        )
        label = symbol or (decoded.entry.symbol if decoded.entry else "") or code
        where = f" ({field})" if field else ""
        return VendorError(
            f"Knox E-FOTA {code} {label}{where}: {vendor_message or decoded.explanation}",
            vendor_kind=self.kind, code=code, http_status=response.status_code, field=field,
            vendor_message=vendor_message, decoded=decoded, retry_after=_retry_after(response),
        )

    # --- reads ----------------------------------------------------------------------------------------------------

    def test_connection(self) -> None:
        # A fresh token, not a cached one, so that changed credentials are really tried.
        token = self._token_fetch()
        TokenStore(f"account-{self.account.pk}").set(token)
        self._token = token
        self.http.request("POST", self.endpoints.devices_search, json={"pageNum": 0, "pageSize": 1}, idempotent=True)

    def _devices(self, campaign_id: str | None = None) -> Iterator[dict]:
        """Every device of the account (or of one campaign), page by page to the end."""
        page = 0
        while True:
            body: dict[str, object] = {"pageNum": page, "pageSize": PAGE_SIZE}
            if campaign_id is not None:
                body["campaignId"] = campaign_id
            data = self.http.request("POST", self.endpoints.devices_search, json=body, idempotent=True).json()
            devices = data.get("devices") or []
            yield from devices
            page += 1
            total = data.get("totalCount")
            if len(devices) < PAGE_SIZE or (isinstance(total, int) and page * PAGE_SIZE >= total):
                return

    def list_devices(self) -> Iterator[DeviceInfo]:
        for device in self._devices():
            attributes = {
                key: device[key]
                for key in ("salesCode", "csc", "campaignId", "operationStatus", "clientStatus")
                if device.get(key) not in (None, "")
            }
            yield DeviceInfo(
                external_id=device["deviceId"],
                model=device.get("model") or "",
                firmware_version=device.get("firmwareVersion") or "",
                attributes=attributes,
            )

    def list_firmware(self) -> list[FirmwareInfo]:
        """The released firmware for every (model, sales code, CSC) in the account's inventory.

        Knox lists firmware only for one model, carrier (sales) code and CSC at a time, so the combinations come from
        the device list; each version becomes one ``FirmwareInfo`` carrying all the sales codes it is released for.
        """
        combinations = sorted({
            (device.model, device.attributes.get("salesCode", ""), device.attributes.get("csc", ""))
            for device in self.list_devices()
        })
        found: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for model, sales_code, csc in combinations:
            if not (model and sales_code and csc):
                continue  # Knox refuses a firmware lookup without all three
            params = {"modelName": model, "carrierCode": sales_code, "csc": csc, "status": "OPENED"}
            answer = self.http.request("GET", self.endpoints.firmwares, params=params).json()
            for entry in answer.get("firmwares") or []:
                found.setdefault((model, entry["firmwareVersion"]), []).append((sales_code, csc))
        return [
            FirmwareInfo(
                vendor_ref=firmware_ref(model=model, version=version, targets=targets),
                version=version,
                models=(model,),
                name=f"{model} {version}",
            )
            for (model, version), targets in sorted(found.items())
        ]

    def statuses(self, *, vendor_ref: str) -> Iterator[DeviceStatus]:
        for device in self._devices(vendor_ref):
            yield self._device_status(device)

    def _device_status(self, device: dict) -> DeviceStatus:
        operation, client = device.get("operationStatus"), device.get("clientStatus")
        word = status_word(operation, client)
        agent = device.get("agentError") or {}
        error = None
        detail = f"operationStatus {operation}" if client else ""
        if agent.get("code") not in (None, ""):
            code, message = str(agent["code"]), str(agent.get("message") or "")
            decoded = error_decode(vendor_kind=self.kind, code=code, vendor_message=message)
            error = VendorError(
                f"Knox E-FOTA agent error {code}: {message or decoded.explanation}",
                vendor_kind=self.kind, code=code, vendor_message=message, decoded=decoded,
            )
            detail = ", ".join(filter(None, [detail, f"agent error {code} {message}".strip(), agent.get("date") or ""]))
        return DeviceStatus(
            external_id=device["deviceId"], vendor_status=word, state=self.map_status(word), error=error, detail=detail
        )

    # --- push and reconcile ---------------------------------------------------------------------------------------

    def campaign_body(self, *, name: str, options: dict) -> dict:
        """The create-campaign body: safe defaults, then the account's ``campaign_defaults``, then the campaign's
        vendor options; the name is always the push's."""
        merged = {**((self.account.settings or {}).get("campaign_defaults") or {}), **options}
        merged.pop("firmwares", None)
        body = {**CAMPAIGN_DEFAULTS, **merged, "name": name}
        today = rules.campaign_today(body)
        start = rules.parse_date(body.get("startDate"))
        # A later wave is pushed days after the campaign was planned: a start date in the past moves to today.
        if (start is None and "startDate" not in merged) or (start is not None and start < today):
            body["startDate"] = today.isoformat()
        return body

    def firmware_policy(self, *, firmware: FirmwareInfo, options: dict) -> list[dict]:
        """The campaign's firmware-policy entries: the ``firmwares`` vendor option as given, else one entry per sales
        code the firmware reference carries."""
        if options.get("firmwares") is not None:
            return list(options["firmwares"])
        model, version, targets = firmware_ref_parse(firmware.vendor_ref)
        if not targets:
            # Knox would refuse the policy with exactly this error; say so before creating anything.
            message = "firmwares[n].salesCode Campaign firmware sales code not defined"
            decoded = error_decode(vendor_kind=self.kind, code="00001", field="firmwares[n].salesCode",
                                   vendor_message=message)
            raise VendorError(
                f"Firmware {firmware.vendor_ref!r} names no Knox sales code: pick a firmware from the Knox firmware "
                "list, or give the Knox 'firmwares' policy in the campaign's vendor options.",
                vendor_kind=self.kind, code="00001", field="firmwares[n].salesCode", vendor_message=message,
                decoded=decoded,
            )
        models = [model] if model else list(firmware.models)
        return [
            {"model": m, "salesCode": sales_code, **({"csc": csc} if csc else {}), "firmwareVersion": version}
            for m in models
            for sales_code, csc in targets
        ]

    def push(self, *, name: str, firmware: FirmwareInfo, device_ids: list[str], options: dict) -> list[PushResult]:
        if not device_ids:
            return []
        body = self.campaign_body(name=name, options=options)
        policy = self.firmware_policy(firmware=firmware, options=options)
        campaign_id = self._campaign_create(name=name, body=body)
        self.http.request("PUT", self.endpoints.of("campaign_firmware_policy", campaign_id), json={"firmwares": policy})
        accepted: list[str] = []
        rejected: dict[str, VendorError] = {}
        for batch in self.batches(list(dict.fromkeys(device_ids))):
            batch_accepted, batch_rejected = self._assign(campaign_id, batch)
            accepted += batch_accepted
            rejected.update(batch_rejected)
        return [PushResult(vendor_ref=campaign_id, device_ids=accepted, rejected=rejected, started=True)]

    def _campaign_create(self, *, name: str, body: dict) -> str:
        """Create the campaign once: an unanswered create is looked up by name before it is sent again, and a name
        Knox already holds is an earlier attempt of this same push, adopted rather than duplicated."""
        for attempt in (1, 2):
            try:
                response = self.http.request("POST", self.endpoints.campaigns, json=body)
                return str(response.json()["campaignId"])
            except OutcomeUnknown:
                found = self._campaign_ids_named(name)
                if found:
                    return found[0]
                if attempt == 2:
                    raise
            except VendorError as error:
                found = self._campaign_ids_named(name) if error.code == rules.CAMPAIGN_NAME_DUPLICATE.code else []
                if not found:
                    raise
                return found[0]
        raise AssertionError("unreachable")

    def _assign(self, campaign_id: str, device_ids: list[str]) -> tuple[list[str], dict[str, VendorError]]:
        """Assign one batch. Knox refuses a whole call for one unknown or malformed id without saying which, so a
        refused batch is halved until the culprits stand alone; the rest is assigned."""
        try:
            # Assigning a device again to the same campaign changes nothing, so the call may be retried.
            self.http.request(
                "POST", self.endpoints.of("campaign_assign", campaign_id), json={"deviceIds": device_ids},
                idempotent=True,
            )
            return list(device_ids), {}
        except VendorError as error:
            names_a_device = error.code == rules.DEVICE_NOT_FOUND.code or (
                error.code == rules.INVALID_DEVICE_ID.code
                and error.vendor_message == rules.INVALID_DEVICE_ID.error_message
            )
            if not names_a_device:
                raise
            if len(device_ids) == 1:
                return [], {device_ids[0]: error}
            middle = len(device_ids) // 2
            first_accepted, first_rejected = self._assign(campaign_id, device_ids[:middle])
            second_accepted, second_rejected = self._assign(campaign_id, device_ids[middle:])
            return first_accepted + second_accepted, {**first_rejected, **second_rejected}

    def _campaign_ids_named(self, name: str) -> list[str]:
        """Ids of the campaigns named exactly ``name`` (Knox's search matches parts of names)."""
        found, page = [], 0
        while True:
            params = {"search": name, "pageNum": page, "pageSize": PAGE_SIZE}
            try:
                data = self.http.request("GET", self.endpoints.campaigns, params=params).json()
            except VendorError as error:
                # Knox answers an empty result with an error rather than an empty list.
                if error.code == rules.NO_CAMPAIGNS.code and error.vendor_message == rules.NO_CAMPAIGNS.error_message:
                    return found
                raise
            campaigns = data.get("campaigns") or []
            found += [str(c["campaignId"]) for c in campaigns if c.get("name") == name]
            page += 1
            total = data.get("totalCount")
            if len(campaigns) < PAGE_SIZE or (isinstance(total, int) and page * PAGE_SIZE >= total):
                return found

    def find_push(self, *, name: str, device_ids: list[str]) -> list[PushResult]:
        wanted = set(device_ids)
        results = []
        for campaign_id in self._campaign_ids_named(name):
            present = [d["deviceId"] for d in self._devices(campaign_id)]
            results.append(
                PushResult(
                    vendor_ref=campaign_id,
                    device_ids=[i for i in present if i in wanted] if wanted else present,
                    started=True,
                )
            )
        return results

    # --- cancel ---------------------------------------------------------------------------------------------------

    def _in_campaign(self, campaign_id: str) -> dict[str, str]:
        return {
            d["deviceId"]: status_word(d.get("operationStatus"), d.get("clientStatus"))
            for d in self._devices(campaign_id)
        }

    def cancel(self, *, vendor_ref: str, device_ids: list[str]) -> CancelResult:
        """Unassign ``device_ids`` from the campaign, or cancel the campaign when no ids are given or they cover
        every device still on its way. Devices already final, or not in the campaign, are reported as not
        withdrawn with the reason."""
        current = self._in_campaign(vendor_ref)
        in_flight = {i for i, word in current.items() if self.map_status(word) not in DEVICE_FINAL_STATES}
        requested = list(dict.fromkeys(device_ids)) or list(current)
        result = CancelResult()
        for device_id in requested:
            if device_id not in current:
                result.not_withdrawn[device_id] = "The device is not assigned to this Knox campaign."
            elif device_id not in in_flight:
                result.not_withdrawn[device_id] = f"The device already finished at Knox ({current[device_id]})."
        targets = [i for i in requested if i in in_flight]
        if not device_ids or set(targets) == in_flight:
            self.http.request("POST", self.endpoints.of("campaign_cancel", vendor_ref), idempotent=True)
            result.withdrawn = targets
            return result
        for batch in self.batches(targets):
            try:
                self.http.request("POST", self.endpoints.of("campaign_unassign", vendor_ref), json={"deviceIds": batch})
            except OutcomeUnknown:
                # Unassigning twice is refused (02003), so see what the lost call did before sending the rest again.
                still = self._in_campaign(vendor_ref)
                left = [i for i in batch if i in still]
                if left:
                    self.http.request(
                        "POST", self.endpoints.of("campaign_unassign", vendor_ref), json={"deviceIds": left}
                    )
            result.withdrawn += batch
        return result
