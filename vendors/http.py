"""The one HTTP seam for every vendor call: timeouts, request ids, the shared rate limiter, token refresh, and
retries with backoff for transient failures only."""

from __future__ import annotations

import logging
import random
import time
from typing import TYPE_CHECKING

import httpx
from django.conf import settings

from fota_portal.request_id import request_id_get, request_id_new
from vendors.choices import ErrorCategory
from vendors.errors import OutcomeUnknown, VendorError, VendorUnavailable
from vendors.shared_state import RateLimiter

if TYPE_CHECKING:
    from vendors.connector import Connector
    from vendors.models import VendorAccount

logger = logging.getLogger("vendors.http")

_IDEMPOTENT_METHODS = {"GET", "HEAD", "PUT", "DELETE", "OPTIONS"}


def account_rate_limiter(account: VendorAccount) -> RateLimiter:
    """The limiter every process shares for one account (Knox counts per API key, Huawei per app: per account)."""
    return RateLimiter(
        f"account-{account.pk}", calls=account.rate_limit_calls, period=account.rate_limit_period_seconds
    )


class VendorHTTP:
    """Sends one vendor account's requests. Every connector call goes through ``request``."""

    def __init__(self, *, account: VendorAccount, connector: Connector, client: httpx.Client | None = None):
        self.account = account
        self.connector = connector
        self.limiter = account_rate_limiter(account)
        self.client = client or httpx.Client(
            base_url=account.base_url.rstrip("/"), timeout=settings.FOTA_VENDOR_TIMEOUT_SECONDS
        )
        self.max_attempts = settings.FOTA_VENDOR_MAX_ATTEMPTS
        self.backoff_base = settings.FOTA_VENDOR_BACKOFF_BASE_SECONDS
        self.backoff_cap = settings.FOTA_VENDOR_BACKOFF_CAP_SECONDS
        self.throttle_budget = settings.FOTA_VENDOR_THROTTLE_BUDGET_SECONDS

    def close(self) -> None:
        self.client.close()

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter, so retrying workers do not stampede together."""
        return min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict | None = None,
        json: object = None,
        data: dict | None = None,
        headers: dict | None = None,
        authenticate: bool = True,
        idempotent: bool | None = None,
    ) -> httpx.Response:
        """Send a request and return the vendor's successful response.

        Retries (with backoff, up to ``FOTA_VENDOR_MAX_ATTEMPTS``) connection failures, 5xx and timeouts when the
        call is ``idempotent`` (by default: GET, PUT, DELETE); keeps backing off while the vendor throttles, up to
        ``FOTA_VENDOR_THROTTLE_BUDGET_SECONDS``; refreshes the token once when the vendor says it expired; never
        retries a permanent error. Raises ``VendorError`` (decoded) or ``OutcomeUnknown`` when a state-changing
        call may have taken effect without an answer.
        """
        method = method.upper()
        if idempotent is None:
            idempotent = method in _IDEMPOTENT_METHODS
        request_id = request_id_get()
        if request_id == "-":
            request_id = request_id_new()
        attempt = 0
        throttled_for = 0.0
        refreshed = False
        while True:
            attempt += 1
            self.limiter.acquire(max_wait=max(self.throttle_budget, 60.0))
            call_headers = {"X-Request-ID": request_id, **(headers or {})}
            if authenticate:
                call_headers.update(self.connector.authenticate(force=False))
            started = time.monotonic()
            try:
                response = self.client.request(method, path, params=params, json=json, data=data, headers=call_headers)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                # Nothing reached the vendor: safe to retry whatever the method.
                error: VendorError = VendorUnavailable(
                    f"Could not reach {self.account.name}: {exc}", vendor_kind=self.account.kind
                )
                self._log(method, path, None, started, attempt, request_id, str(exc))
                if attempt < self.max_attempts:
                    time.sleep(self.backoff(attempt))
                    continue
                raise error from exc
            except httpx.TransportError as exc:
                self._log(method, path, None, started, attempt, request_id, str(exc))
                if idempotent and attempt < self.max_attempts:
                    time.sleep(self.backoff(attempt))
                    continue
                cls = VendorUnavailable if idempotent else OutcomeUnknown
                raise cls(f"{self.account.name} did not answer: {exc}", vendor_kind=self.account.kind) from exc

            error = self.connector.error_from_response(response)
            self._log(method, path, response.status_code, started, attempt, request_id, error)
            if error is None:
                return response
            if error.auth_expired and authenticate:
                if refreshed:
                    raise error  # a token refused right after a refresh will not get better by retrying
                refreshed = True
                attempt -= 1
                self.connector.authenticate(force=True)
                continue
            if error.throttled:
                wait = error.retry_after or self.backoff(min(attempt, 6))
                self.limiter.block(wait)
                throttled_for += wait
                if throttled_for <= self.throttle_budget:
                    attempt -= 1  # throttling is the vendor asking us to wait, not a failed attempt
                    time.sleep(wait)
                    continue
                raise error
            if error.transient:
                # EnOS reports server errors in an envelope on HTTP 200, so the category counts, not only the status.
                if not idempotent and (response.status_code >= 500 or error.category == ErrorCategory.SERVER):
                    raise OutcomeUnknown(
                        str(error), vendor_kind=error.vendor_kind, code=error.code, http_status=error.http_status,
                        vendor_message=error.vendor_message, decoded=error.decoded,
                    )
                if attempt < self.max_attempts:
                    time.sleep(self.backoff(attempt))
                    continue
            raise error

    def _log(self, method, path, status, started, attempt, request_id, error) -> None:
        logger.info(
            "%s %s %s %s -> %s in %.0f ms (attempt %d, request %s)%s",
            self.account.kind, self.account.name, method, path, status if status is not None else "no answer",
            (time.monotonic() - started) * 1000, attempt, request_id, f": {error!r}" if error else "",
        )
