"""The EnOS Connection Service OTA API v2.1 connector: APIM tokens, signed calls, OTA jobs and their tasks."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import httpx

from campaigns.choices import DeviceState
from vendors.choices import ErrorCategory
from vendors.connector import CancelResult, Connector, DeviceInfo, DeviceStatus, FirmwareInfo, PushResult
from vendors.enos import endpoints
from vendors.enos.endpoints import Endpoint
from vendors.enos.expression import quote
from vendors.enos.signing import request_signature, token_encryption
from vendors.enos.statuses import STATUS_MAP, task_cancelled, task_state
from vendors.errors import OutcomeUnknown, VendorError
from vendors.services import error_decode
from vendors.shared_state import TokenStore

if TYPE_CHECKING:
    from vendors.http import VendorHTTP
    from vendors.models import VendorAccount

KIND = "enos"
TOKEN_HEADER = "apim-accesstoken"
# The gateway's envelope code for a missing, unknown or expired access token. EnOS does not document which code an
# expired token gets on an API call [U]; the gateway's generic "Unauthenticated" (401) is what the simulator sends,
# and the catalog files it under "auth", so the connector reads it as "token expired": refresh once, then give up.
TOKEN_REFUSED_CODE = "401"
TOKEN_LIFETIME_DEFAULT = 7200  # seconds [V]
# Refresh this long before the token expires (at most a quarter of its lifetime, for short-lived tokens).
TOKEN_REFRESH_MARGIN = 300.0
# EnOS recommends at most 50 a page for speed and allows 200; 100 halves the calls at a modest cost a page.
PAGE_SIZE = 100
# No documented maximum for upgradeScope.deviceKeys [U]: 1,000 keeps one job's body around 30 KB.
BATCH_LIMIT = 1000
# EnOS searches can lag writes by about 2 s (seeds/enos-search-device-upgrade.txt), so a reconcile waits this long
# before looking for a job whose create went unanswered.
RECONCILE_DELAY_SECONDS = 2.0
# Job body fields a campaign's EnOS options may set (JobCreate, VENDORS.md §4.2); scope and name are the portal's.
JOB_OPTION_FIELDS = (
    "upgradePolicy", "enableUpgradeRequest", "upgradeTimeout", "retryPolicy", "schedulePolicy", "maximumConcurrency",
)
CANCELLABLE_STATUSES = ("init", "published")
NOT_STARTED_REASON = (
    "The EnOS job has not been started, and EnOS cannot take single devices out of a job's scope (cancelTask "
    "answers 24617 Job not running). Cancel the whole push, or let the device update."
)


class EnosSigner(httpx.Auth):
    """Adds ``apim-timestamp`` and ``apim-signature`` to every call that carries an access token.

    It runs on the final request, so the signature covers exactly the query and body bytes that go out, and runs
    again when the HTTP layer resends a call with a refreshed token.
    """

    requires_request_body = True

    def __init__(self, connector: EnosConnector):
        self.connector = connector

    def auth_flow(self, request: httpx.Request):
        token = request.headers.get(TOKEN_HEADER)
        if token:
            timestamp = str(int(time.time() * 1000))
            request.headers["apim-timestamp"] = timestamp
            request.headers["apim-signature"] = request_signature(
                access_token=token, query=request.url.params.multi_items(), body=request.content.decode("utf-8"),
                timestamp=timestamp, app_secret=self.connector.app_secret,
            )
        yield request


class EnosConnector(Connector):
    """EnOS Connection Service v2.1: a push is an OTA job with ``deviceKeys`` (created, then started), per-device
    status comes from searchTask, and every call is signed with the APIM token and the app secret.

    Account ``settings``: ``org_id`` (required, the OU id sent as ``orgId``), ``page_size`` (optional, 1-200).
    """

    kind = KIND
    batch_limit = BATCH_LIMIT
    supports_cancel = True
    status_map = STATUS_MAP

    def __init__(self, account: VendorAccount, *, http: VendorHTTP | None = None):
        super().__init__(account, http=http)
        self.http.client.auth = EnosSigner(self)
        self.tokens = TokenStore(f"account-{account.pk}")
        self.reconcile_delay = RECONCILE_DELAY_SECONDS
        self._credentials: dict | None = None
        self._token: str | None = None
        self._creating = False

    # --- account settings ---------------------------------------------------------------------------------------

    def _credential(self, name: str) -> str:
        if self._credentials is None:
            self._credentials = self.account.credentials
        value = self._credentials.get(name, "")
        if not value:
            raise VendorError(
                f"The EnOS account {self.account.name!r} has no {name}; enter the app's access key and secret key.",
                vendor_kind=KIND, transient=False, category=ErrorCategory.AUTH,
            )
        return value

    @property
    def app_key(self) -> str:
        return self._credential("app_key")

    @property
    def app_secret(self) -> str:
        return self._credential("app_secret")

    @property
    def org_id(self) -> str:
        org_id = (self.account.settings or {}).get("org_id", "")
        if not org_id:
            raise VendorError(
                f"The EnOS account {self.account.name!r} has no org_id in its settings; every EnOS call names the "
                "organization (OU) id, which the EnOS console shows.",
                vendor_kind=KIND, transient=False, category=ErrorCategory.VALIDATION,
            )
        return org_id

    @property
    def page_size(self) -> int:
        try:
            size = int((self.account.settings or {}).get("page_size", PAGE_SIZE))
        except (TypeError, ValueError):
            size = PAGE_SIZE
        return max(1, min(size, endpoints.PAGE_SIZE_MAX))

    # --- hooks the HTTP layer calls -------------------------------------------------------------------------------

    def authenticate(self, *, force: bool = False) -> dict[str, str]:
        """The ``apim-accesstoken`` header; the signer adds timestamp and signature per call."""
        stale = self._token if force else None
        cached = self.tokens.get()
        lifetime = float((cached or {}).get("lifetime", TOKEN_LIFETIME_DEFAULT))
        data = self.tokens.fresh(
            lambda previous: self._token_fetch(previous, stale=stale),
            margin=min(TOKEN_REFRESH_MARGIN, lifetime / 4),
            stale=stale,
        )
        self._token = data["access_token"]
        return {TOKEN_HEADER: self._token}

    def _token_fetch(self, previous: dict | None, *, stale: str | None) -> dict:
        # A token still valid but near its end is refreshed; one the gateway refused cannot be, so get a new one.
        if previous and previous.get("access_token") != stale and previous.get("expires_at", 0) > time.time():
            with contextlib.suppress(VendorError):
                return self._token_request(endpoints.TOKEN_REFRESH, access_token=previous["access_token"])
        return self._token_request(endpoints.TOKEN_GET)

    def _token_request(self, endpoint: Endpoint, *, access_token: str = "") -> dict:
        app_key, app_secret = self.app_key, self.app_secret
        timestamp = int(time.time() * 1000)
        body: dict = {
            "appKey": app_key,
            "encryption": token_encryption(app_key=app_key, timestamp=timestamp, app_secret=app_secret),
            "timestamp": timestamp,
        }
        if access_token:
            body["accessToken"] = access_token
        # Asking for a token changes nothing at EnOS (a valid one is returned again), so retrying it is safe.
        response = self.http.request(endpoint.method, endpoint.path, json=body, authenticate=False, idempotent=True)
        data = response.json().get("data") or {}
        if not data.get("accessToken"):
            raise VendorError("The EnOS token service answered without an access token.", vendor_kind=KIND,
                              transient=True, category=ErrorCategory.SERVER)
        lifetime = int(data.get("expire") or TOKEN_LIFETIME_DEFAULT)
        return {"access_token": data["accessToken"], "expires_at": time.time() + lifetime, "lifetime": lifetime}

    def error_from_response(self, response: httpx.Response) -> VendorError | None:
        """EnOS answers errors in its envelope, usually with HTTP 200: a non-zero ``code`` (``status`` from the
        token service). Throttling is envelope or HTTP 429; outages are HTTP 5xx or envelope 500/503/504."""
        try:
            body = response.json()
        except ValueError:
            body = None
        token_service = isinstance(body, dict) and "code" not in body and ("status" in body or "stauts" in body)
        if not isinstance(body, dict):
            if response.is_success:
                return VendorError("EnOS answered with something that is not JSON.", vendor_kind=KIND,
                                   http_status=response.status_code, transient=False)
            code, message = str(response.status_code), response.reason_phrase
        else:
            # "stauts" is how the token service's own documentation sample spells it.
            raw = body.get("status", body.get("stauts")) if token_service else body.get("code")
            if str(raw) == "0" and response.is_success:
                return None
            code = str(raw) if raw not in (None, "", 0, "0") else str(response.status_code)
            message = str(body.get("msg") or "")
        decoded = error_decode(vendor_kind=KIND, code=code, http_status=response.status_code, vendor_message=message)
        category = ErrorCategory.AUTH_EXPIRED if code == TOKEN_REFUSED_CODE and not token_service else None
        retry_after = None
        with contextlib.suppress(TypeError, ValueError):
            retry_after = float(response.headers.get("Retry-After"))
        error = VendorError(
            f"EnOS refused the call with code {code}" + (f": {message}" if message else "") + ".",
            vendor_kind=KIND, code=code, http_status=response.status_code, vendor_message=message,
            decoded=decoded, category=category, retry_after=retry_after,
        )
        if self._creating and error.category == ErrorCategory.SERVER and response.status_code < 500:
            # An envelope 5xx on HTTP 200 during a create: the HTTP layer judges by the HTTP status alone and would
            # resend the create. The job may exist, so stop here (permanent for the layer) and let push reconcile.
            return OutcomeUnknown(str(error), vendor_kind=KIND, code=code, http_status=response.status_code,
                                  vendor_message=message, decoded=decoded, transient=False)
        return error

    # --- calls --------------------------------------------------------------------------------------------------

    def _call(self, endpoint: Endpoint, *, query: dict | None = None, body: dict | None = None,
              read: bool = False) -> dict:
        params = {"action": endpoint.action, "orgId": self.org_id, **(query or {})}
        response = self.http.request(
            endpoint.method, endpoint.path, params=params, json=body, idempotent=True if read else None
        )
        return response.json()

    def _search(self, endpoint: Endpoint, *, expression: str = "", page_size: int | None = None) -> Iterator[dict]:
        """Every item of an EnOS search, page by page (1-based ``pageNo``) until ``totalSize`` is reached."""
        page_size = page_size or self.page_size
        page_no = 1
        while True:
            body: dict = {"pagination": {"pageNo": page_no, "pageSize": page_size}}
            if expression:
                body["expression"] = expression
            answer = self._call(endpoint, body=body, read=True)
            items = answer.get("data") or []
            yield from items
            total = (answer.get("pagination") or {}).get("totalSize")
            if len(items) < page_size or (total is not None and page_no * page_size >= int(total)):
                return
            page_no += 1

    def _job(self, job_id: str) -> dict:
        return self._call(endpoints.JOB_GET, query={"jobId": job_id}, read=True).get("data") or {}

    # --- operations -----------------------------------------------------------------------------------------------

    def test_connection(self) -> None:
        self.authenticate()
        self._call(endpoints.FIRMWARE_SEARCH, body={"pagination": {"pageNo": 1, "pageSize": 1}}, read=True)

    def list_devices(self) -> Iterator[DeviceInfo]:
        """The org's devices from searchDeviceUpgrade: deviceKey is the id, productKey the model."""
        for item in self._search(endpoints.DEVICE_UPGRADE_SEARCH):
            yield DeviceInfo(
                external_id=item.get("deviceKey", ""),
                model=item.get("productKey", ""),
                firmware_version=item.get("firmwareVersion") or "",
                attributes={
                    "assetId": item.get("assetId", ""),
                    "productKey": item.get("productKey", ""),
                    "isUpgrading": bool(item.get("isUpgrading")),
                },
            )

    def list_firmware(self) -> list[FirmwareInfo]:
        firmware = []
        for item in self._search(endpoints.FIRMWARE_SEARCH):
            name = item.get("name")
            firmware.append(
                FirmwareInfo(
                    vendor_ref=item.get("firmwareId", ""),
                    version=item.get("version", ""),
                    models=(item["productKey"],) if item.get("productKey") else (),
                    name=(name.get("defaultValue", "") if isinstance(name, dict) else str(name or "")),
                )
            )
        return firmware

    def _job_body(self, *, name: str, device_keys: list[str], options: dict) -> dict:
        body: dict = {
            "name": {"defaultValue": name, "i18nValue": {}},
            "type": "upgrade",
            "upgradeScope": {"type": "partial", "deviceKeys": list(device_keys)},
            "upgradePolicy": "snapshot",
            # The portal decides when a device updates; a device asking for the upgrade itself would bypass waves.
            "enableUpgradeRequest": False,
        }
        body.update({key: options[key] for key in JOB_OPTION_FIELDS if key in options})
        if options.get("versionNumbers"):
            body["upgradeScope"]["versionNumbers"] = list(options["versionNumbers"])
        return body

    @contextlib.contextmanager
    def _create_in_progress(self) -> Iterator[None]:
        self._creating = True
        try:
            yield
        finally:
            self._creating = False

    def _create_job(self, *, name: str, firmware: FirmwareInfo, device_keys: list[str], options: dict) -> PushResult:
        body = self._job_body(name=name, device_keys=device_keys, options=options)
        for _attempt in range(2):
            try:
                with self._create_in_progress():
                    answer = self._call(endpoints.JOB_CREATE, query={"firmwareId": firmware.vendor_ref}, body=body)
                return PushResult(vendor_ref=answer["data"]["jobId"], device_ids=list(device_keys), started=False)
            except OutcomeUnknown:
                # The job may exist: find it by its name and exact device set before creating it again.
                time.sleep(self.reconcile_delay)
                for found in self.find_push(name=name, device_ids=[]):
                    if set(found.device_ids) == set(device_keys):
                        return found
        raise OutcomeUnknown(
            f"EnOS did not confirm creating the OTA job {name!r} twice, and no job with that name and these devices "
            "can be found yet. Reconcile again before pushing.",
            vendor_kind=KIND,
        )

    def push(self, *, name: str, firmware: FirmwareInfo, device_ids: list[str], options: dict) -> list[PushResult]:
        """Create one OTA job per batch (type upgrade, partial scope with the deviceKeys, named ``name``).

        EnOS separates create and start, so the results are not started; ``start`` starts each job.
        """
        return [
            self._create_job(name=name, firmware=firmware, device_keys=batch, options=options or {})
            for batch in self.batches(list(device_ids))
        ]

    def start(self, *, vendor_ref: str) -> None:
        """Start the job; one already started (an earlier unanswered start took effect) counts as started."""
        try:
            self._call(endpoints.JOB_START, query={"jobId": vendor_ref})
        except OutcomeUnknown:
            if self._job(vendor_ref).get("status") != endpoints.JOB_STATUS_STARTED:
                self._start_again(vendor_ref)
        except VendorError as exc:
            if exc.code != "24615" or self._job(vendor_ref).get("status") != endpoints.JOB_STATUS_STARTED:
                raise

    def _start_again(self, vendor_ref: str) -> None:
        try:
            self._call(endpoints.JOB_START, query={"jobId": vendor_ref})
        except VendorError as exc:
            if exc.code != "24615":
                raise

    def _task_status(self, task: dict) -> DeviceStatus:
        status = str(task.get("status") or "")
        progress = task.get("progress")
        desc = str(task.get("desc") or "")
        state = task_state(status=status, progress=progress, desc=desc)
        error = None
        if state == DeviceState.FAILED:
            # A failed task carries a negative progress (the failing step) and a desc; neither is in the catalog,
            # so the decode keeps them raw and the dashboard shows EnOS's own words.
            code = str(progress) if isinstance(progress, int | float) and progress < 0 else ""
            decoded = error_decode(vendor_kind=KIND, code=code, vendor_message=desc)
            error = VendorError(
                f"The device's upgrade failed at EnOS: {desc or 'no reason given'}"
                + (f" (progress {progress})." if code else "."),
                vendor_kind=KIND, code=code, vendor_message=desc, decoded=decoded,
                transient=False, category=ErrorCategory.DEVICE,
            )
        detail = desc
        if status == "upgrading" and progress is not None:
            detail = f"{progress}%" + (f" {desc}" if desc else "")
        return DeviceStatus(
            external_id=str(task.get("deviceKey", "")), vendor_status=status, state=state, error=error,
            sub_ref=str(task.get("taskId", "")), detail=detail,
        )

    def statuses(self, *, vendor_ref: str) -> Iterator[DeviceStatus]:
        """Every task of the job from searchTask. A device EnOS made no task for (not in the firmware's product or
        version scope) does not appear; the campaign's device timeout catches it."""
        for task in self._search(endpoints.TASK_SEARCH, expression=f"jobId = {quote(vendor_ref)}"):
            yield self._task_status(task)

    def _tasks_of(self, job_id: str, device_keys: list[str]) -> dict[str, dict]:
        tasks = {}
        for start in range(0, len(device_keys), endpoints.PAGE_SIZE_MAX):
            chunk = device_keys[start : start + endpoints.PAGE_SIZE_MAX]
            expression = f"jobId = {quote(job_id)} and deviceKey in ({','.join(quote(key) for key in chunk)})"
            for task in self._search(endpoints.TASK_SEARCH, expression=expression, page_size=endpoints.PAGE_SIZE_MAX):
                tasks[task.get("deviceKey", "")] = task
        return tasks

    def _cancel_tasks(self, job_id: str, device_keys: list[str]) -> None:
        for start in range(0, len(device_keys), self.batch_limit):
            self._call(endpoints.TASK_CANCEL, query={"jobId": job_id},
                       body={"deviceKeys": device_keys[start : start + self.batch_limit]})

    def _stop(self, job_id: str) -> None:
        try:
            self._call(endpoints.JOB_STOP, query={"jobId": job_id})
        except VendorError as exc:
            if exc.code != "24616":  # already stopped is what we wanted
                raise

    def cancel(self, *, vendor_ref: str, device_ids: list[str]) -> CancelResult:
        """cancelTask for devices whose task is ``init`` or ``published``; devices already upgrading or done are
        reported in ``not_withdrawn`` with EnOS's 24620 reason. With no devices named, or every device of the job,
        the job is also stopped so it dispatches nothing more."""
        job = self._job(vendor_ref)
        scope = list((job.get("upgradeScope") or {}).get("deviceKeys") or [])
        wanted = list(device_ids) or scope
        whole = not device_ids or set(scope) <= set(device_ids)
        status = job.get("status")
        result = CancelResult()
        if status not in (endpoints.JOB_STATUS_STARTED, endpoints.JOB_STATUS_STOPPED):
            if whole:
                self._stop(vendor_ref)
                result.withdrawn = wanted
            else:
                result.not_withdrawn = {key: NOT_STARTED_REASON for key in wanted}
            return result

        tasks = self._tasks_of(vendor_ref, wanted)
        cancellable = []
        for key in wanted:
            task = tasks.get(key)
            if task is None or task_cancelled(status=task.get("status", ""), desc=task.get("desc", "")):
                result.withdrawn.append(key)  # no task will be dispatched to it
            elif task.get("status") in CANCELLABLE_STATUSES:
                if status == endpoints.JOB_STATUS_STOPPED:
                    result.withdrawn.append(key)  # a stopped job dispatches nothing more [U]
                else:
                    cancellable.append(key)
            else:
                result.not_withdrawn[key] = self._not_cancellable_reason(task)
        if cancellable:
            try:
                self._cancel_tasks(vendor_ref, cancellable)
            except VendorError as exc:
                if exc.code != "24620":
                    raise
                # Some task moved on between reading and cancelling: read again and cancel what still can be.
                tasks = self._tasks_of(vendor_ref, cancellable)
                cancellable = [key for key in cancellable if tasks.get(key, {}).get("status") in CANCELLABLE_STATUSES]
                for key in set(tasks) - set(cancellable):
                    if not task_cancelled(status=tasks[key].get("status", ""), desc=tasks[key].get("desc", "")):
                        result.not_withdrawn[key] = self._not_cancellable_reason(tasks[key])
                if cancellable:
                    self._cancel_tasks(vendor_ref, cancellable)
            result.withdrawn.extend(key for key in cancellable if key not in result.not_withdrawn)
        if whole and status == endpoints.JOB_STATUS_STARTED:
            self._stop(vendor_ref)
        return result

    @staticmethod
    def _not_cancellable_reason(task: dict) -> str:
        return (
            f"The device's EnOS task is {task.get('status') or 'unknown'}: only init or published tasks can be "
            "canceled (EnOS 24620)."
        )

    def find_push(self, *, name: str, device_ids: list[str]) -> list[PushResult]:
        """Jobs named exactly ``name`` (searched with ``name like``, which also matches longer names)."""
        wanted = set(device_ids)
        results = []
        for job in self._search(endpoints.JOB_SEARCH, expression=f"name like {quote(name)}"):
            job_name = job.get("name")
            if (job_name.get("defaultValue") if isinstance(job_name, dict) else job_name) != name:
                continue
            if "upgradeScope" not in job:
                job = self._job(job["jobId"])
            keys = list((job.get("upgradeScope") or {}).get("deviceKeys") or [])
            if wanted:
                keys = [key for key in keys if key in wanted]
                if not keys:
                    continue
            results.append(
                PushResult(
                    vendor_ref=job["jobId"], device_ids=keys,
                    started=job.get("status") in (endpoints.JOB_STATUS_STARTED, endpoints.JOB_STATUS_STOPPED),
                )
            )
        return results
