"""Celery tasks for devices: inventory sync (beat, per vendor account)."""

from __future__ import annotations

from celery import shared_task

from devices.services import devices_sync
from vendors.models import VendorAccount


@shared_task(name="devices.sync_account", queue="vendor_reads", ignore_result=True)
def sync_account(account_id: int) -> int:
    return devices_sync(account_id=account_id)


@shared_task(name="devices.sync_all", ignore_result=True)
def sync_all() -> int:
    ids = list(VendorAccount.objects.filter(enabled=True).values_list("pk", flat=True))
    for account_id in ids:
        sync_account.delay(account_id)
    return len(ids)
