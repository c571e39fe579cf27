"""Services to set up simulated vendor accounts: tenants, their knobs, devices and firmware."""

from __future__ import annotations

from vendors.models import SimulatorDevice, SimulatorFirmware, SimulatorTenant


def simulator_tenant_ensure(*, kind: str, tenant_key: str, secret: str = "", knobs: dict | None = None) -> SimulatorTenant:
    """Create the simulated account, or update its secret and knobs."""
    tenant, created = SimulatorTenant.objects.get_or_create(
        kind=kind, tenant_key=tenant_key, defaults={"secret": secret, "knobs": knobs or {}}
    )
    if not created and (tenant.secret != secret or (knobs is not None and tenant.knobs != knobs)):
        tenant.secret = secret
        if knobs is not None:
            tenant.knobs = knobs
        tenant.save(update_fields=["secret", "knobs", "updated_at"])
    return tenant


def simulator_knobs_set(*, tenant: SimulatorTenant, **knobs) -> SimulatorTenant:
    """Change some knobs (failure_rate, throttle_limit, outage_rate, ...) and keep the others."""
    tenant.knobs = {**(tenant.knobs or {}), **knobs}
    tenant.save(update_fields=["knobs", "updated_at"])
    return tenant


def simulator_devices_add(*, tenant: SimulatorTenant, devices: list[dict]) -> int:
    """Add devices: each ``{"device_id", "model", "firmware_version", "data"?}``. Existing ids are left alone."""
    rows = [
        SimulatorDevice(
            tenant=tenant,
            device_id=d["device_id"],
            model=d.get("model", ""),
            firmware_version=d.get("firmware_version", ""),
            data=d.get("data", {}),
        )
        for d in devices
    ]
    return len(SimulatorDevice.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000))


def simulator_firmware_add(
    *, tenant: SimulatorTenant, firmware_id: str, version: str, models: list[str], data: dict | None = None
) -> SimulatorFirmware:
    firmware, _ = SimulatorFirmware.objects.update_or_create(
        tenant=tenant,
        firmware_id=firmware_id,
        defaults={"version": version, "models_fitted": models, "data": data or {}},
    )
    return firmware
