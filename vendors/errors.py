"""Typed vendor errors: every failure a connector raises says whether it is transient or permanent."""

from __future__ import annotations

from vendors.choices import ErrorCategory


class VendorError(Exception):
    """A vendor call failed. ``transient`` says whether the same call later may succeed.

    ``decoded`` is the catalog entry (``vendors.services.DecodedError``) for the vendor's code, when the vendor sent
    one; its ``explanation`` and ``action`` are what the dashboard shows.
    """

    def __init__(
        self,
        message: str,
        *,
        vendor_kind: str,
        code: str = "",
        http_status: int | None = None,
        field: str = "",
        vendor_message: str = "",
        transient: bool | None = None,
        category: str | None = None,
        retry_after: float | None = None,
        decoded=None,
    ):
        super().__init__(message)
        self.vendor_kind = vendor_kind
        self.code = code
        self.http_status = http_status
        self.field = field
        self.vendor_message = vendor_message
        self.decoded = decoded
        self.retry_after = retry_after
        if transient is None:
            transient = decoded.transient if decoded is not None else False
        self.transient = transient
        if category is None:
            category = decoded.category if decoded is not None else ErrorCategory.OTHER
        self.category = category

    @property
    def permanent(self) -> bool:
        return not self.transient

    @property
    def throttled(self) -> bool:
        return self.category == ErrorCategory.THROTTLED

    @property
    def auth_expired(self) -> bool:
        return self.category == ErrorCategory.AUTH_EXPIRED

    @property
    def explanation(self) -> str:
        return self.decoded.explanation if self.decoded is not None else str(self)

    @property
    def action(self) -> str:
        return self.decoded.action if self.decoded is not None else ""

    def __repr__(self) -> str:
        kind = "transient" if self.transient else "permanent"
        return f"<VendorError {self.vendor_kind} {self.code or '-'} HTTP {self.http_status} {kind}: {self}>"


class VendorUnavailable(VendorError):
    """The vendor could not be reached or answered 5xx / timed out: always transient."""

    def __init__(self, message: str, **kwargs):
        kwargs.setdefault("transient", True)
        kwargs.setdefault("category", ErrorCategory.SERVER)
        super().__init__(message, **kwargs)


class OutcomeUnknown(VendorUnavailable):
    """A call that changes state at the vendor may or may not have taken effect (e.g. a timeout after sending).

    The caller must reconcile (``Connector.find_push``) before trying again, or a vendor that acts twice would
    upgrade a device twice.
    """


class NotSupported(Exception):
    """The vendor's API has no operation for this (e.g. stopping a Huawei IoDM v1.5.0 task)."""

    def __init__(self, vendor_kind: str, operation: str, detail: str = ""):
        self.vendor_kind = vendor_kind
        self.operation = operation
        super().__init__(detail or f"{operation} is not supported by this vendor's API.")
