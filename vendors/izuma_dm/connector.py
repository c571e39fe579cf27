"""The Izuma (Pelion) Device Management connector: update campaigns over the Update API v3."""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

import httpx

from vendors.connector import CancelResult, Connector, DeviceInfo, DeviceStatus, FirmwareInfo, PushResult
from vendors.errors import OutcomeUnknown, VendorError, VendorUnavailable
from vendors.izuma_dm import endpoints, statuses
from vendors.services import error_decode

if TYPE_CHECKING:
    from vendors.http import VendorHTTP
    from vendors.models import VendorAccount

logger = logging.getLogger("vendors.izuma_dm")

KIND = "izuma_dm"
MAX_PAGE_LIMIT = 1000  # the API's ceiling for ``limit`` (the seed document and the spec)
NAME_MAX_LENGTH = 128  # UpdateCampaignPostRequest.name
# How often push() creates a campaign whose answer was lost, after checking by name that it does not exist.
CREATE_ATTEMPTS = 3
# Campaign options a campaign may set for Izuma (UpdateCampaignPostRequest fields the portal lets through).
OPTION_FIELDS = ("autostop", "autostop_success_percent", "description")
# The general error types of the seed document, used when an error answer carries no readable ErrorResponse.
_TYPE_BY_STATUS = {400: "bad_request", 401: "invalid_auth", 403: "access_denied", 404: "not_found",
                   405: "method_not_supported", 409: "conflict", 429: "too_many_requests", 500: "internal_server_error"}
_HEX32 = re.compile(r"^[0-9a-f]{32}$")
_NOT_WITHDRAWN = {
    statuses.DEPLOYED: "Izuma had already deployed the update to this device.",
    statuses.FAILED_CONNECTOR_CHANNEL_UPDATE: "The update had already failed on this device.",
    statuses.DEREGISTERED: "The device was deregistered from Izuma Device Management during the campaign.",
}


def _bounded(value: int | str | None, *, default: int, low: int, high: int) -> int:
    if value in (None, ""):
        return default
    return min(max(int(value), low), high)


def device_class_key(value: str) -> str:
    """A device class as one string: manifests write it as a UUID, the device directory as 32 hex characters."""
    compact = (value or "").replace("-", "").lower()
    return compact if _HEX32.match(compact) else (value or "")


class IzumaConnector(Connector):
    """Izuma Device Management Update API v3 (formerly Pelion / Arm Mbed Cloud).

    Authentication is a static bearer API key (``Authorization: Bearer ak_...``): there is no token to exchange or
    refresh, so a 401 (``invalid_apikey`` / ``invalid_token``) is permanent. A push creates one update campaign per
    batch of at most ``batch_limit`` devices, targeted with the device filter ``id__in=<ids>`` and named after the
    push, in phase ``draft``; ``start`` starts it; ``statuses`` reads its campaign-device-metadata; ``cancel`` stops
    it (a draft is deleted instead). Settings (``VendorAccount.settings``): ``page_limit`` (2–1000, default 1000) and
    ``model_attribute`` (a custom attribute to read the model from instead of the device class).
    """

    kind = KIND
    #: A portal choice, not a vendor limit: the ids travel inside one device filter string (33 characters each), and
    #: Izuma bounds filter strings only by request length (saved device queries allow 1,000 characters).
    batch_limit = 100
    supports_cancel = True
    status_map = statuses.IZUMA_STATUS_MAP

    def __init__(self, account: VendorAccount, *, http: VendorHTTP | None = None):
        super().__init__(account, http=http)
        options = account.settings or {}
        self.page_limit = _bounded(options.get("page_limit"), default=MAX_PAGE_LIMIT, low=2, high=MAX_PAGE_LIMIT)
        self.model_attribute = str(options.get("model_attribute") or "")

    # --- hooks the HTTP layer calls -----------------------------------------------------------------------------

    def authenticate(self, *, force: bool = False) -> dict[str, str]:
        """The bearer header with the account's API key. ``force`` re-reads the key, in case it was just replaced."""
        if force and self.account.pk:
            self.account.refresh_from_db(fields=["credentials_encrypted"])
        api_key = (self.account.credentials or {}).get("api_key", "")
        if not api_key:
            decoded = error_decode(vendor_kind=KIND, code="invalid_apikey")
            raise VendorError(
                f"The Izuma account {self.account.name} has no API key: enter one (it starts with ak_).",
                vendor_kind=KIND, code="invalid_apikey", decoded=decoded,
            )
        return {"Authorization": f"Bearer {api_key}"}

    def error_from_response(self, response: httpx.Response) -> VendorError | None:
        """Read Izuma's ErrorResponse ``{code, type, message, fields[], request_id}``; ``type`` is the catalog code."""
        if response.status_code < 300:
            return None
        try:
            body = response.json()
        except ValueError:
            body = None
        body = body if isinstance(body, dict) else {}
        status = response.status_code
        error_type = str(body.get("type") or _TYPE_BY_STATUS.get(status) or status)
        message = str(body.get("message") or response.reason_phrase or "")
        fields = [f for f in body.get("fields") or [] if isinstance(f, dict)]
        field = str(fields[0].get("name", "")) if fields else ""
        vendor_message = message + "".join(f" {f.get('name')}: {f.get('message')}" for f in fields)
        request_id = body.get("request_id") or response.headers.get("X-Request-ID", "")
        retry_after = None
        with contextlib.suppress(ValueError):  # Izuma documents no Retry-After; a gateway in front may send one
            retry_after = float(response.headers["Retry-After"]) if "Retry-After" in response.headers else None
        decoded = error_decode(vendor_kind=KIND, code=error_type, http_status=status, field=field,
                               vendor_message=message)
        request = response.request
        text = (
            f"Izuma answered {request.method} {request.url.path} with HTTP {status} {error_type}: {vendor_message}"
            + (f" (request id {request_id})" if request_id else "")
        )
        return VendorError(text, vendor_kind=KIND, code=error_type, http_status=status, field=field,
                           vendor_message=vendor_message, decoded=decoded, retry_after=retry_after)

    # --- reading ----------------------------------------------------------------------------------------------------

    def _json(self, response: httpx.Response, *, created: bool = False) -> dict:
        """The JSON object a successful answer carries. After a create, an unreadable answer leaves the outcome
        unknown (the campaign may exist), so the caller reconciles rather than creating again."""
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or (created and not body.get("id")):
            error = OutcomeUnknown if created else VendorUnavailable
            raise error(
                f"Izuma answered {response.request.url.path} with HTTP {response.status_code} and a body that is "
                "not the expected JSON object.",
                vendor_kind=KIND, http_status=response.status_code,
            )
        return body

    def _pages(self, path: str, params: dict | None = None) -> Iterator[dict]:
        """Every item of a cursor-paged list: ``after`` = the last id of the previous page, until ``has_more`` ends."""
        after = ""
        seen: set[str] = set()
        while True:
            query = {**(params or {}), "limit": self.page_limit, "order": "ASC"}
            if after:
                query["after"] = after
            body = self._json(self.http.request("GET", path, params=query))
            data = body.get("data")
            if not isinstance(data, list):
                raise VendorUnavailable(f"Izuma's list {path} has no data array.", vendor_kind=KIND)
            yield from data
            if not body.get("has_more") or not data:
                return
            after = str(data[-1].get("id", ""))
            # A cursor that does not move would loop for ever: stop loudly instead.
            if not after or after in seen:
                raise VendorUnavailable(f"Izuma's list {path} repeated the page after {after!r}.", vendor_kind=KIND)
            seen.add(after)

    def test_connection(self) -> None:
        """One cheap read the portal needs rights for: the first page of update campaigns."""
        self.http.request("GET", endpoints.CAMPAIGNS, params={"limit": 2})

    def list_devices(self) -> Iterator[DeviceInfo]:
        for device in self._pages(endpoints.DEVICES):
            custom = device.get("custom_attributes") or {}
            model = custom.get(self.model_attribute, "") if self.model_attribute else ""
            yield DeviceInfo(
                external_id=device["id"],
                model=model or device_class_key(device.get("device_class", "")),
                # The spec calls manifest_timestamp "the timestamp of the current manifest version"; a manifest's
                # ``timestamp`` is its version, so the two compare.
                firmware_version=device.get("manifest_timestamp") or "",
                name=device.get("name") or device.get("endpoint_name") or "",
                attributes={
                    key: device[key]
                    for key in ("state", "lifecycle_status", "endpoint_name", "serial_number", "vendor_id",
                                "device_class", "firmware_checksum", "host_gateway", "custom_attributes")
                    if device.get(key) not in (None, "", {})
                },
            )

    def list_firmware(self) -> list[FirmwareInfo]:
        return [
            FirmwareInfo(
                vendor_ref=manifest["id"],
                version=manifest.get("timestamp") or manifest.get("created_at", ""),
                models=(device_class_key(manifest["device_class"]),) if manifest.get("device_class") else (),
                name=manifest.get("name", ""),
            )
            for manifest in self._pages(endpoints.FIRMWARE_MANIFESTS)
        ]

    # --- pushing ----------------------------------------------------------------------------------------------------

    def _batch_names(self, name: str, count: int) -> list[str]:
        """One campaign name per batch, deterministic so ``find_push`` can find them all again."""
        if count == 1:
            return [name[:NAME_MAX_LENGTH]]
        names = []
        for i in range(1, count + 1):
            suffix = f" ({i}/{count})"
            names.append(name[: NAME_MAX_LENGTH - len(suffix)] + suffix)
        return names

    def push(self, *, name: str, firmware: FirmwareInfo, device_ids: list[str], options: dict) -> list[PushResult]:
        """One draft campaign per batch (``started=False``: ``start`` sends it).

        Raises the ``VendorError`` of a batch the vendor refused; campaigns of earlier batches are already created
        and ``find_push(name=...)`` returns them.
        """
        bad = [d for d in device_ids if not d or any(c in d for c in ",&= ")]
        if bad:
            raise ValueError(f"Izuma device ids cannot contain ',', '&', '=' or spaces: {bad[:5]}")
        ignored = sorted(set(options or {}) - set(OPTION_FIELDS))
        if ignored:
            logger.warning("Izuma push %s ignores campaign options it does not know: %s", name, ", ".join(ignored))
        batches = self.batches(device_ids)
        results = []
        for vendor_name, batch in zip(self._batch_names(name, len(batches)), batches, strict=True):
            body = {
                "name": vendor_name,
                "description": str((options or {}).get("description") or f"FOTA Portal push {name}")[:2000],
                "device_filter": "id__in=" + ",".join(batch),
                "root_manifest_id": firmware.vendor_ref,
                "campaign_strategy": "one-shot",
            }
            for key in ("autostop", "autostop_success_percent"):
                if key in (options or {}):
                    body[key] = options[key]
            campaign = self._create(body)
            results.append(PushResult(vendor_ref=campaign["id"], device_ids=list(batch), started=False))
        return results

    def _create(self, body: dict) -> dict:
        """Create a campaign; when the answer is lost, look for it by name before creating it again."""
        last: OutcomeUnknown | None = None
        for _ in range(CREATE_ATTEMPTS):
            try:
                return self._json(self.http.request("POST", endpoints.CAMPAIGNS, json=body), created=True)
            except OutcomeUnknown as exc:
                last = exc
                try:
                    found = self._campaigns_named([body["name"]])
                except VendorError:
                    raise exc from None  # still unknown: the caller reconciles with find_push later
                if found:
                    logger.info("Izuma campaign %s was created although its answer was lost", body["name"])
                    return found[0]
        assert last is not None
        raise last

    def _campaigns_named(self, names: list[str]) -> list[dict]:
        """Campaigns whose name is one of ``names`` (``name__in``; names with a comma one by one, ``name__eq``)."""
        plain = [n for n in names if "," not in n]
        queries = [{"name__in": ",".join(plain[i : i + 20])} for i in range(0, len(plain), 20)]
        queries += [{"name__eq": n} for n in names if "," in n]
        wanted = set(names)
        found = []
        for query in queries:
            found += [c for c in self._pages(endpoints.CAMPAIGNS, query)
                      if c.get("name") in wanted and c.get("phase") != statuses.PHASE_DELETED]
        return found

    def start(self, *, vendor_ref: str) -> None:
        """POST .../start. Safe to repeat: a 409 on a campaign that is already under way counts as started."""
        try:
            self.http.request("POST", endpoints.campaign_start(vendor_ref), idempotent=True)
        except VendorError as exc:
            if exc.http_status != 409:
                raise
            phase = self._campaign(vendor_ref).get("phase")
            if phase not in statuses.STARTED_PHASES:
                raise
            logger.info("Izuma campaign %s was already started (phase %s)", vendor_ref, phase)

    def _campaign(self, vendor_ref: str) -> dict:
        return self._json(self.http.request("GET", endpoints.campaign(vendor_ref)))

    def find_push(self, *, name: str, device_ids: list[str]) -> list[PushResult]:
        names = self._batch_names(name, len(self.batches(device_ids)))
        if name[:NAME_MAX_LENGTH] not in names:
            names.append(name[:NAME_MAX_LENGTH])  # the push may have had a different number of batches
        by_name = {n: i for i, n in enumerate(names)}
        campaigns = sorted(self._campaigns_named(names), key=lambda c: (by_name[c["name"]], c.get("created_at", "")))
        return [
            PushResult(
                vendor_ref=c["id"],
                device_ids=self._filter_ids(c.get("device_filter", "")),
                started=c.get("phase") != statuses.PHASE_DRAFT,
            )
            for c in campaigns
        ]

    @staticmethod
    def _filter_ids(device_filter: str) -> list[str]:
        """The device ids an ``id__in=...`` (or ``id__eq=...``) device filter targets."""
        ids: list[str] = []
        for part in device_filter.split("&"):
            key, _, value = part.partition("=")
            if key in ("id__in", "id__eq", "id"):
                ids += [v for v in value.split(",") if v]
        return ids

    # --- following and cancelling -----------------------------------------------------------------------------------

    def statuses(self, *, vendor_ref: str) -> Iterator[DeviceStatus]:
        """Each device's ``deployment_state`` from campaign-device-metadata (every page).

        Izuma gives no per-device failure reason; the campaign's ``fail`` event types (statistics) name the
        codes. When there is one, it is every failed device's error; with several, the detail lists them.
        """
        failures: tuple[VendorError, str] | None = None
        for record in self._pages(endpoints.campaign_devices(vendor_ref)):
            word = str(record.get("deployment_state", ""))
            state = self.map_status(word)
            error, detail = None, ""
            if word == statuses.FAILED_CONNECTOR_CHANNEL_UPDATE:
                if failures is None:
                    failures = self._failure_reason(vendor_ref)
                error, detail = failures
            elif word == statuses.DEREGISTERED:
                error = self._device_error(word, _NOT_WITHDRAWN[word])
            yield DeviceStatus(external_id=str(record.get("device_id", "")), vendor_status=word, state=state,
                               error=error, sub_ref=str(record.get("id", "")), detail=detail)

    def _device_error(self, code: str, message: str) -> VendorError:
        decoded = error_decode(vendor_kind=KIND, code=code, vendor_message=message)
        return VendorError(f"Izuma: {code}: {message}", vendor_kind=KIND, code=code, vendor_message=message,
                           decoded=decoded)

    def _failure_reason(self, vendor_ref: str) -> tuple[VendorError, str]:
        response = self.http.request("GET", endpoints.campaign_event_types(vendor_ref, "fail"))
        events = [e for e in self._json(response).get("data") or [] if e.get("count")]
        detail = "; ".join(f"{e.get('event_type')} × {e.get('count')}: {e.get('description', '')}" for e in events)
        if len(events) == 1:
            event = events[0]
            return self._device_error(str(event.get("event_type")), str(event.get("description", ""))), detail
        message = "Izuma could not deliver or apply the update on the device."
        return self._device_error(statuses.FAILED_CONNECTOR_CHANNEL_UPDATE, message), detail

    def cancel(self, *, vendor_ref: str, device_ids: list[str]) -> CancelResult:
        """Stop the whole campaign (Izuma has no per-device cancel); a draft, which reached no device, is deleted.

        Every device of the campaign is reported: withdrawn unless its update had already ended (deployed, failed
        or deregistered), since a stop also halts devices the caller did not name.
        """
        try:
            phase = self._campaign(vendor_ref).get("phase")
        except VendorError as exc:
            if exc.code != "not_found":  # not "unrecognized_request", which is a wrong base URL
                raise
            return CancelResult(withdrawn=list(device_ids))  # gone already: it can send nothing more
        if phase == statuses.PHASE_DRAFT:
            try:
                self.http.request("DELETE", endpoints.campaign(vendor_ref))
                return CancelResult(withdrawn=list(device_ids))
            except VendorError as exc:
                if exc.code == "not_found":  # a retried delete whose first attempt went through
                    return CancelResult(withdrawn=list(device_ids))
                if exc.http_status != 409:
                    raise
            phase = self._campaign(vendor_ref).get("phase")  # started in the meantime: stop it instead
        if phase in statuses.STOPPABLE_PHASES:
            try:
                self.http.request("POST", endpoints.campaign_stop(vendor_ref), idempotent=True)
            except VendorError as exc:
                # A 409 after the campaign stopped on its own (or a repeated stop) leaves nothing to stop.
                if exc.http_status != 409:
                    raise
        states = {str(r.get("device_id")): str(r.get("deployment_state", ""))
                  for r in self._pages(endpoints.campaign_devices(vendor_ref))}
        result = CancelResult()
        for device_id in dict.fromkeys([*device_ids, *states]):
            word = states.get(device_id)
            if word is None or word in statuses.WITHDRAWABLE_DEPLOYMENT_STATES:
                result.withdrawn.append(device_id)
            else:
                result.not_withdrawn[device_id] = _NOT_WITHDRAWN.get(word, f"Its deployment state is {word}.")
        return result
