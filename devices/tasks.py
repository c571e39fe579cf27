"""Celery tasks for devices: inventory sync (beat, per vendor account) and large CSV imports."""

from __future__ import annotations

from celery import shared_task

from devices.services import devices_sync
from vendors.models import VendorAccount


@shared_task(name="devices.sync_account", queue="vendor_reads", ignore_result=True)
def sync_account(account_id: int) -> int:
    """Refresh one account's devices and the firmware it can install."""
    from devices.services import firmware_sync

    synced = devices_sync(account_id=account_id)
    firmware_sync(account_id=account_id)
    return synced


@shared_task(name="devices.sync_all", ignore_result=True)
def sync_all() -> int:
    ids = list(VendorAccount.objects.filter(enabled=True).values_list("pk", flat=True))
    for account_id in ids:
        sync_account.delay(account_id)
    return len(ids)


@shared_task(name="devices.import_devices", ignore_result=True)
def import_devices(import_id: int) -> int:
    """Import a large CSV file in the background; the DeviceImport row carries the progress."""
    from devices.imports import device_import_run

    return device_import_run(import_id=import_id).processed_rows
