"""Vendor services: decoding vendor errors through the catalog, and keeping the catalog loaded."""

from __future__ import annotations

from dataclasses import dataclass

from vendors.choices import ErrorCategory
from vendors.error_catalog import catalog_sync
from vendors.models import ErrorCatalogEntry


@dataclass(frozen=True)
class DecodedError:
    """A vendor error with its catalog entry, or an explicit unknown that keeps the raw values."""

    vendor_kind: str
    code: str
    http_status: int | None
    field: str
    vendor_message: str
    entry: ErrorCatalogEntry | None

    @property
    def known(self) -> bool:
        return self.entry is not None

    @property
    def transient(self) -> bool:
        if self.entry is not None:
            return self.entry.transient
        # An unknown code is judged by its HTTP status alone: only throttling and server errors are worth retrying.
        return self.http_status is not None and (self.http_status == 429 or self.http_status >= 500)

    @property
    def category(self) -> str:
        return self.entry.category if self.entry is not None else ErrorCategory.OTHER

    @property
    def explanation(self) -> str:
        if self.entry is not None:
            return self.entry.explanation
        return (
            f"The vendor returned code {self.code!r}"
            + (f" (HTTP {self.http_status})" if self.http_status else "")
            + ", which is not in the error catalog."
            + (f" The vendor said: {self.vendor_message}" if self.vendor_message else "")
        )

    @property
    def action(self) -> str:
        if self.entry is not None:
            return self.entry.action
        return "Look the code up in the vendor's documentation, and add it to the catalog if it recurs."

    def as_dict(self) -> dict:
        return {
            "known": self.known,
            "vendor": self.vendor_kind,
            "code": self.code,
            "http_status": self.http_status,
            "field": self.field,
            "vendor_message": self.vendor_message,
            "symbol": self.entry.symbol if self.entry else "",
            "category": self.category,
            "transient": self.transient,
            "explanation": self.explanation,
            "action": self.action,
        }


def _score(entry: ErrorCatalogEntry, *, http_status: int | None, field: str, vendor_message: str) -> int:
    score = 0
    if field:
        score += 8 if entry.field == field else (-4 if entry.field else 0)
    elif not entry.field:
        score += 1
    if http_status is not None and entry.http_status == http_status:
        score += 4
    if vendor_message and entry.vendor_message.strip().lower() == vendor_message.strip().lower():
        score += 2
    return score


def error_decode(
    *, vendor_kind: str, code: str | int, http_status: int | None = None, field: str = "", vendor_message: str = ""
) -> DecodedError:
    """Find the catalog entry for a vendor error: by code, then the best match on field, status and message.

    Knox returns one code (03002) for dozens of problems told apart by ``errorKey``, so the field narrows the code
    down; an unknown code comes back with ``entry=None`` and the raw values kept.
    """
    code = str(code)
    candidates = list(ErrorCatalogEntry.objects.filter(vendor_kind=vendor_kind, code=code))
    best = None
    if candidates:
        best = max(
            candidates,
            key=lambda e: (_score(e, http_status=http_status, field=field, vendor_message=vendor_message), -e.pk),
        )
    return DecodedError(
        vendor_kind=vendor_kind,
        code=code,
        http_status=http_status,
        field=field or "",
        vendor_message=vendor_message or "",
        entry=best,
    )


def error_catalog_sync() -> int:
    """Load the catalog data files into the database; returns how many entries were created or changed."""
    return catalog_sync(ErrorCatalogEntry)


def account_health_record(*, account, error=None) -> None:
    """Note the outcome of the latest vendor call on the account: OK, degraded (transient trouble) or failing."""
    from django.utils import timezone

    from vendors.choices import AccountHealth

    if error is None:
        health, message = AccountHealth.OK, ""
    elif error.transient:
        health, message = AccountHealth.DEGRADED, f"{error.code or 'error'}: {error.explanation}"
    else:
        health, message = AccountHealth.FAILING, f"{error.code or 'error'}: {error.explanation}"
    if account.health == health and account.health_message == message:
        return
    type(account).objects.filter(pk=account.pk).update(
        health=health, health_message=message[:2000], health_checked_at=timezone.now()
    )
    account.health, account.health_message = health, message
