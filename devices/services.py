"""Device services: inventory sync from the vendors."""

from __future__ import annotations

from django.utils import timezone

from devices.models import Device
from vendors.connector import connector_for
from vendors.models import VendorAccount
from vendors.services import account_health_record

SYNC_CHUNK = 2000


def devices_sync(*, account_id: int) -> int:
    """Refresh one account's devices and their firmware versions from the vendor inventory (every page).
    New devices are added, known ones updated; returns how many devices the vendor listed."""
    account = VendorAccount.objects.get(pk=account_id)
    now = timezone.now()
    seen = 0
    batch: list[Device] = []

    def flush() -> None:
        Device.objects.bulk_create(
            batch, update_conflicts=True, unique_fields=["account", "external_id"],
            update_fields=["model", "firmware_version", "vendor_attributes", "last_seen_at", "updated_at"],
        )
        batch.clear()

    with connector_for(account) as connector:
        for info in connector.list_devices():
            seen += 1
            batch.append(Device(
                account=account, external_id=info.external_id, name=info.name, model=info.model,
                firmware_version=info.firmware_version, vendor_attributes=info.attributes, last_seen_at=now,
                created_at=now, updated_at=now,
            ))
            if len(batch) >= SYNC_CHUNK:
                flush()
    if batch:
        flush()
    account_health_record(account=account, error=None)
    return seen


def firmware_sync(*, account_id: int) -> int:
    """Refresh the firmware one account can install from the vendor; returns how many the vendor listed."""
    from devices.models import Firmware

    account = VendorAccount.objects.get(pk=account_id)
    with connector_for(account) as connector:
        listed = connector.list_firmware()
    now = timezone.now()
    Firmware.objects.bulk_create(
        [Firmware(account=account, version=f.version, name=f.name, models_fitted=list(f.models), vendor_ref=f.vendor_ref,
                  created_at=now, updated_at=now) for f in listed],
        update_conflicts=True, unique_fields=["account", "vendor_ref"],
        update_fields=["version", "name", "models_fitted", "updated_at"],
    )
    return len(listed)
