"""The Huawei OceanConnect IoDM northbound v1.5.0 connector."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from campaigns.choices import DeviceState
from vendors.connector import CancelResult, Connector, DeviceInfo, DeviceStatus, FirmwareInfo, PushResult
from vendors.errors import NotSupported, OutcomeUnknown, VendorError
from vendors.huawei_iodm import endpoints
from vendors.huawei_iodm.statuses import HUAWEI_STATUS_MAP
from vendors.huawei_iodm.times import huawei_time, huawei_time_parse
from vendors.services import error_decode
from vendors.shared_state import TokenStore

if TYPE_CHECKING:
    import httpx

    from vendors.http import VendorHTTP
    from vendors.models import VendorAccount

logger = logging.getLogger("vendors.huawei_iodm")

KIND = "huawei_iodm"
PAGE_SIZE = 100  # the most every paged Huawei query accepts (pageSize 1-100)
FIRMWARE_PACKAGE = "firmwarePackage"
FIRMWARE_UPGRADE = "firmware_upgrade"  # operationType / operateType of firmwareUpgrade tasks
POLICY_KEYS = ("executeType", "startTime", "endTime", "retryType", "retryTimes")
# Refresh this long before the access token expires (a quarter of its life when that is shorter), so a call never
# carries a token that dies on the way.
REFRESH_MARGIN_SECONDS = 300.0
# The REST reference gives refresh tokens 24 hours, the SDK guide a month: trust the shorter one.
REFRESH_TOKEN_LIFETIME_SECONDS = 24 * 3600
# How long a push's journal (file id, start time, tasks created) is kept for find_push.
JOURNAL_SECONDS = 14 * 24 * 3600
# Tasks created this long before a push's journal started still count as its own (clock skew with the platform).
CLOCK_SKEW_SECONDS = 300
CREATE_ATTEMPTS = 3
_CODE_LIKE = re.compile(r"[\w.-]{1,40}")


class HuaweiConnector(Connector):
    """Huawei OceanConnect IoDM v1.5.0: one firmwareUpgrade task per 256 devices, followed through its subtasks.

    Huawei allows one session per app: every login invalidates the previous token. The token therefore lives in the
    shared ``TokenStore`` and is replaced under its lock, once, by whichever worker first sees it refused (403
    1010005) or close to expiry; the refresh token is tried before a new login. Throttling comes as 403 1010009 and
    is backed off, never treated as an authentication failure. Tasks carry no name, so each push keeps a journal in
    the shared store and ``find_push`` matches tasks by their exact device set and package.
    """

    kind = KIND
    batch_limit = 256
    supports_cancel = False
    status_map = HUAWEI_STATUS_MAP

    def __init__(self, account: VendorAccount, *, http: VendorHTTP | None = None):
        super().__init__(account, http=http)
        credentials = account.credentials
        self.app_id: str = credentials.get("app_id", "")
        self.secret: str = credentials.get("secret", "")
        self.tokens = TokenStore(f"account-{account.pk}")
        self._token: str | None = None

    # --- hooks the HTTP layer calls -----------------------------------------------------------------------------

    def authenticate(self, *, force: bool = False) -> dict[str, str]:
        cached = self.tokens.get()
        lifetime = float(cached.get("expires_in", 3600)) if cached else 3600.0
        margin = min(REFRESH_MARGIN_SECONDS, lifetime / 4)
        # ``stale`` names the token Huawei just refused; if another worker already replaced it, that one is used.
        data = self.tokens.fresh(self._token_fetch, margin=margin, stale=self._token if force else None)
        self._token = data["access_token"]
        return {"app_key": self.app_id, "Authorization": f"Bearer {self._token}"}

    def error_from_response(self, response: httpx.Response) -> VendorError | None:
        if response.status_code < 400:
            return None
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            body = {}
        code = str(body.get("error_code") or "")
        desc = str(body.get("error_desc") or "")
        decoded = error_decode(vendor_kind=KIND, code=code, http_status=response.status_code, vendor_message=desc)
        retry_after = response.headers.get("Retry-After")
        return VendorError(
            f"Huawei IoDM answered HTTP {response.status_code}"
            + (f" with error {code}" if code else "")
            + f": {desc or decoded.explanation}",
            vendor_kind=KIND,
            code=code,
            http_status=response.status_code,
            vendor_message=desc,
            decoded=decoded,
            retry_after=float(retry_after) if retry_after and retry_after.isdigit() else None,
        )

    # --- operations ---------------------------------------------------------------------------------------------

    def test_connection(self) -> None:
        self._get(endpoints.CATEGORY, params={"fileType": FIRMWARE_PACKAGE, "pageNo": 0, "pageSize": 1})

    def list_devices(self) -> Iterator[DeviceInfo]:
        for item in self._pages(endpoints.DEVICES, params={"appId": self.app_id}, items_key="devices"):
            info = item.get("deviceInfo") or {}
            yield DeviceInfo(
                external_id=str(item.get("deviceId") or ""),
                model=str(info.get("model") or ""),
                firmware_version=str(info.get("fwVersion") or ""),
                name=str(info.get("name") or ""),
                attributes={
                    key: info[key]
                    for key in ("nodeId", "deviceType", "manufacturerName", "protocolType", "status")
                    if info.get(key)
                },
            )

    def list_firmware(self) -> list[FirmwareInfo]:
        return [
            FirmwareInfo(
                vendor_ref=str(item.get("fileId") or ""),
                version=str(item.get("version") or ""),
                models=(str(item["model"]),) if item.get("model") else (),
                name=str(item.get("name") or ""),
            )
            for item in self._pages(endpoints.CATEGORY, params={"fileType": FIRMWARE_PACKAGE}, items_key="data")
        ]

    def push(self, *, name: str, firmware: FirmwareInfo, device_ids: list[str], options: dict) -> list[PushResult]:
        """Create one firmwareUpgrade task per batch of at most 256 devices; the tasks start on their own.

        A batch Huawei refuses for good (e.g. 404 123002, a device unknown to the platform) comes back as rejected
        devices once another batch was accepted; when no batch is accepted the first refusal is raised. A transient
        failure is raised at once: the tasks already created are in the push journal, where ``find_push`` finds
        them. Pushing the same name again creates only what the first attempt did not, so a retried push is safe.
        """
        policy = self._policy(options or {})
        journal, resumed = self._journal_open(name, file_id=firmware.vendor_ref)
        done = {frozenset(devices): operation_id for operation_id, devices in journal["operations"].items()}
        results: list[PushResult] = []
        refused: list[tuple[list[str], VendorError]] = []
        for batch in self.batches(list(dict.fromkeys(device_ids))):
            try:
                # A retried push looks for its earlier tasks first: one may exist whose answer never arrived.
                operation_id = done.get(frozenset(batch)) or (
                    self._find_task(batch, file_id=firmware.vendor_ref, since=self._since(journal)) if resumed else None
                )
                if operation_id:
                    self._journal_record(name, journal, operation_id, batch)
                    results.append(PushResult(vendor_ref=operation_id, device_ids=list(batch)))
                    continue
                results.append(self._create_task(name, journal, firmware.vendor_ref, batch, policy))
            except VendorError as exc:
                if exc.transient:
                    raise
                refused.append((batch, exc))
        if refused and not results:
            raise refused[0][1]
        for batch, exc in refused:
            results.append(PushResult(vendor_ref="", device_ids=[], rejected=dict.fromkeys(batch, exc), started=False))
        return results

    def statuses(self, *, vendor_ref: str) -> Iterator[DeviceStatus]:
        for item in self._pages(endpoints.sub_operations(vendor_ref), params={}, items_key="data"):
            word = str(item.get("status") or "")
            detail = str(item.get("detailInfo") or "")
            state = self.map_status(word)
            yield DeviceStatus(
                external_id=str(item.get("deviceId") or ""),
                vendor_status=word,
                state=state,
                error=self._device_error(word, detail) if state == DeviceState.FAILED else None,
                sub_ref=str(item.get("subOperationId") or ""),
                detail=detail,
            )

    def cancel(self, *, vendor_ref: str, device_ids: list[str]) -> CancelResult:
        raise NotSupported(
            KIND,
            "cancel",
            "Huawei IoDM v1.5.0 has no API to stop a firmware upgrade task; stop it in the OceanConnect portal "
            f"(task {vendor_ref}).",
        )

    def find_push(self, *, name: str, device_ids: list[str]) -> list[PushResult]:
        """Find the tasks a push created: those its journal recorded, then, for batches the journal does not
        cover, a task listing by the batch's first device matching the exact device set (and the package, and not
        older than the push, when the journal says which and when)."""
        journal = self._journal_get(name)
        wanted = set(device_ids)
        results: list[PushResult] = []
        covered: set[str] = set()
        for operation_id, devices in (journal or {}).get("operations", {}).items():
            if set(devices) <= wanted:
                results.append(PushResult(vendor_ref=operation_id, device_ids=list(devices)))
                covered.update(devices)
        since = self._since(journal) if journal else None
        file_id = journal.get("file_id") if journal else None
        for batch in self.batches(list(dict.fromkeys(device_ids))):
            if covered.intersection(batch):
                continue
            operation_id = self._find_task(batch, file_id=file_id, since=since)
            if operation_id:
                results.append(PushResult(vendor_ref=operation_id, device_ids=batch))
        return results

    # --- authentication -----------------------------------------------------------------------------------------

    def _token_fetch(self, previous: dict | None) -> dict:
        """A new token: through the refresh token while it is valid (Huawei's intended path), else by login."""
        if previous and previous.get("refresh_token") and previous.get("refresh_expires_at", 0) > time.time():
            try:
                return self._token_call(
                    endpoints.REFRESH_TOKEN,
                    json={"appId": self.app_id, "secret": self.secret, "refreshToken": previous["refresh_token"]},
                )
            except VendorError as exc:
                if exc.http_status is None or exc.http_status >= 500:
                    raise
                # A refresh token dies with the session a later login replaced: log in instead.
                logger.info("Huawei refused the refresh token of %s (%s); logging in again", self.account, exc.code)
        return self._token_call(endpoints.LOGIN, data={"appId": self.app_id, "secret": self.secret})

    def _token_call(self, path: str, *, json: dict | None = None, data: dict | None = None) -> dict:
        # Logging in twice is harmless (the second session replaces the first), so it may be retried.
        response = self.http.request("POST", path, json=json, data=data, authenticate=False, idempotent=True)
        body = self._body(response)
        token = body.get("accessToken")
        if not token:
            raise VendorError(
                "Huawei answered the login without an access token.", vendor_kind=KIND, http_status=response.status_code
            )
        expires_in = int(body.get("expiresIn") or 3600)
        now = time.time()
        return {
            "access_token": token,
            "refresh_token": body.get("refreshToken") or "",
            "expires_in": expires_in,
            "expires_at": now + expires_in,
            "refresh_expires_at": now + REFRESH_TOKEN_LIFETIME_SECONDS,
        }

    # --- pushing ------------------------------------------------------------------------------------------------

    def _policy(self, options: dict) -> dict:
        unknown = sorted(set(options) - set(POLICY_KEYS))
        if unknown:
            raise ValueError(
                f"Unknown Huawei IoDM option(s) {', '.join(unknown)}; the task policy takes {', '.join(POLICY_KEYS)}."
            )
        policy: dict = {"executeType": options.get("executeType") or "now"}
        for key in ("startTime", "endTime"):
            value = options.get(key)
            if isinstance(value, dt.datetime):
                value = huawei_time(value)
            if value:
                policy[key] = value
        if options.get("retryType") is not None:
            policy["retryType"] = bool(options["retryType"])
        if options.get("retryTimes") is not None:
            policy["retryTimes"] = options["retryTimes"]
        return policy

    def _create_task(self, name: str, journal: dict, file_id: str, batch: list[str], policy: dict) -> PushResult:
        body = {"fileId": file_id, "targets": {"devices": batch}, "policy": policy}
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self.http.request("POST", endpoints.FIRMWARE_UPGRADE, json=body)
                operation_id = str(self._body(response).get("operationId") or "")
            except OutcomeUnknown:
                # The task may exist: look before creating again, or the devices would be upgraded twice.
                operation_id = self._find_task(batch, file_id=file_id, since=self._since(journal)) or ""
                if not operation_id:
                    if attempt >= CREATE_ATTEMPTS:
                        raise
                    logger.warning("No Huawei task for %d devices after a lost answer; creating it again", len(batch))
                    continue
            if not operation_id:
                raise OutcomeUnknown(
                    "Huawei accepted the firmware upgrade task but its answer named no operationId.", vendor_kind=KIND
                )
            self._journal_record(name, journal, operation_id, batch)
            return PushResult(vendor_ref=operation_id, device_ids=list(batch))

    def _find_task(self, batch: list[str], *, file_id: str | None, since: dt.datetime | None) -> str | None:
        """The newest firmware upgrade task whose devices are exactly ``batch`` (and package ``file_id``, created
        since ``since``), listed through the batch's first device."""
        wanted = set(batch)
        found: list[tuple[dt.datetime, str]] = []
        params = {"operationType": FIRMWARE_UPGRADE, "deviceId": batch[0]}
        for task in self._pages(endpoints.OPERATIONS, params=params, items_key="data"):
            if set((task.get("targets") or {}).get("devices") or []) != wanted:
                continue
            # extendPara.fileId is how the simulator (and, we assume, Huawei) names the package of a task [U].
            task_file = (task.get("extendPara") or {}).get("fileId")
            if file_id and task_file and task_file != file_id:
                continue
            created = huawei_time_parse(task.get("createTime"))
            # A time we cannot read does not rule a task out: missing a task would push its devices twice.
            if since and created and created < since - dt.timedelta(seconds=CLOCK_SKEW_SECONDS):
                continue
            found.append((created or dt.datetime.min.replace(tzinfo=dt.UTC), str(task.get("operationId"))))
        return max(found)[1] if found else None

    # A push's journal lives in the shared store, so a worker that picks up after a crash sees what was created.

    def _journal_store(self, name: str) -> TokenStore:
        digest = hashlib.sha256(name.encode()).hexdigest()[:32]
        return TokenStore(f"huawei-push-{self.account.pk}-{digest}")

    def _journal_open(self, name: str, *, file_id: str) -> tuple[dict, bool]:
        """The push's journal, and whether an earlier attempt with this name opened it already."""
        store = self._journal_store(name)
        journal = store.get()
        if journal and journal.get("file_id") == file_id:
            return journal, True
        journal = {
            "file_id": file_id,
            "started_at": time.time(),
            "operations": {},
            "expires_at": time.time() + JOURNAL_SECONDS,
        }
        store.set(journal)
        return journal, False

    @staticmethod
    def _since(journal: dict) -> dt.datetime:
        return dt.datetime.fromtimestamp(journal["started_at"], dt.UTC)

    def _journal_record(self, name: str, journal: dict, operation_id: str, batch: list[str]) -> None:
        journal["operations"][operation_id] = list(batch)
        self._journal_store(name).set(journal)

    def _journal_get(self, name: str) -> dict | None:
        return self._journal_store(name).get()

    # --- reading ------------------------------------------------------------------------------------------------

    def _device_error(self, word: str, detail: str) -> VendorError:
        # detailInfo is free text at Huawei; a code-like value (the simulator's failure_code) is decoded as a code.
        code = detail if _CODE_LIKE.fullmatch(detail) else word.lower()
        decoded = error_decode(vendor_kind=KIND, code=code, vendor_message=detail)
        return VendorError(
            f"Huawei reported the upgrade as {word}" + (f": {detail}" if detail else "."),
            vendor_kind=KIND,
            code=code,
            vendor_message=detail,
            decoded=decoded,
        )

    def _get(self, path: str, *, params: dict) -> dict:
        return self._body(self.http.request("GET", path, params=params))

    def _pages(self, path: str, *, params: dict, items_key: str) -> Iterator[dict]:
        """Every item of a paged Huawei query (pageNo from 0, pageSize up to 100, totalCount), to the last page."""
        page_no = 0
        seen = 0
        while True:
            body = self._get(path, params={**params, "pageNo": page_no, "pageSize": PAGE_SIZE})
            items = body.get(items_key) or []
            yield from items
            seen += len(items)
            total = body.get("totalCount")
            if not items or (isinstance(total, int) and seen >= total) or (total is None and len(items) < PAGE_SIZE):
                return
            page_no += 1

    @staticmethod
    def _body(response: httpx.Response) -> dict:
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            # Something answered that is not the platform (a proxy page): the call may or may not have been handled.
            raise OutcomeUnknown(
                f"Huawei answered HTTP {response.status_code} with a body that is not a JSON object.",
                vendor_kind=KIND,
                http_status=response.status_code,
            )
        return body
