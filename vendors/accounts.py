"""Vendor account services shared by the dashboard and the API: test an account's connection, refresh its
inventory now."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from vendors.connector import connector_for
from vendors.errors import VendorError
from vendors.models import VendorAccount
from vendors.services import account_health_record


@dataclass(frozen=True)
class ConnectionTest:
    """The outcome of one connection test: ok, or the vendor's error explained."""

    ok: bool
    health: str
    message: str
    error: dict | None

    def as_dict(self) -> dict:
        return {"ok": self.ok, "health": self.health, "message": self.message, "error": self.error}


def account_connection_test(*, account: VendorAccount) -> ConnectionTest:
    """Log in to the vendor and make one cheap read; record the account's health either way."""
    try:
        with connector_for(account) as connector:
            connector.test_connection()
    except (LookupError, ImportError) as exc:
        return ConnectionTest(ok=False, health=account.health, error=None,
                              message=f"No connector can talk to {account.get_kind_display()} yet: {exc}")
    except VendorError as exc:
        account_health_record(account=account, error=exc)
        error = exc.decoded.as_dict() if exc.decoded is not None else {
            "known": False, "vendor": exc.vendor_kind, "code": exc.code, "http_status": exc.http_status,
            "field": exc.field, "vendor_message": exc.vendor_message, "symbol": "", "category": exc.category,
            "transient": exc.transient,
            "explanation": str(exc), "action": "Check the base URL and the credentials, then test again.",
        }
        VendorAccount.objects.filter(pk=account.pk).update(health_checked_at=timezone.now())
        return ConnectionTest(ok=False, health=account.health, message=exc.explanation, error=error)
    account_health_record(account=account, error=None)
    VendorAccount.objects.filter(pk=account.pk).update(health_checked_at=timezone.now())
    return ConnectionTest(ok=True, health=account.health, message="Connected: the vendor accepted the credentials.",
                          error=None)


def account_inventory_refresh(*, account: VendorAccount) -> None:
    """Read the account's devices and firmware from the vendor now, in the background (beat does it hourly)."""
    from devices.tasks import sync_account  # it refreshes the firmware too

    transaction.on_commit(lambda: sync_account.delay(account.pk))
