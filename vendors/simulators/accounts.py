"""Simulated vendor accounts: a simulator tenant with devices and firmware, and the portal account that talks to it.

Used by the demo behind ``make run`` and by the engine and browser tests, so every one of them runs on the same
path as a real account: the portal's connectors over HTTP to ``<server>/simulators/<kind>/``.
"""

from __future__ import annotations

import datetime as dt
import zlib

from devices.services import devices_sync, firmware_sync
from vendors.choices import VendorKind
from vendors.models import SimulatorTenant, VendorAccount
from vendors.simulators.services import simulator_knobs_set, simulator_tenant_ensure


def izuma_versions(count: int) -> list[str]:
    """Izuma versions firmware by manifest timestamp (RFC 3339)."""
    start = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    return [(start + dt.timedelta(days=30 * n)).strftime("%Y-%m-%dT%H:%M:%SZ") for n in range(count)]


def _tenant(kind: str, key: str, *, devices: int, models: list[str], versions: list[str]) -> tuple[
        SimulatorTenant, dict, dict]:
    """Create the simulated tenant and return it with the credentials and settings a portal account needs."""
    if kind == VendorKind.KNOX_EFOTA:
        from vendors.knox_efota.simulator import seed_demo

        tenant = simulator_tenant_ensure(kind=kind, tenant_key=key, secret=f"{key}-secret")
        seed_demo(tenant=tenant, devices=devices, models=models, versions=versions)
        return tenant, {"client_id": key, "client_secret": f"{key}-secret"}, {}
    if kind == VendorKind.HUAWEI_IODM:
        from vendors.huawei_iodm.simulator import seed_demo

        tenant = simulator_tenant_ensure(kind=kind, tenant_key=key, secret=f"{key}-secret")
        seed_demo(tenant, devices, models, versions)
        return tenant, {"app_id": key, "secret": f"{key}-secret"}, {}
    if kind == VendorKind.IZUMA_DM:
        from vendors.izuma_dm.simulator import seed_demo

        tenant = seed_demo(api_key=key, devices=devices, models=models, versions=versions)
        return tenant, {"api_key": key}, {}
    from vendors.enos.simulator import seed_demo, seed_tenant

    tenant = seed_tenant(app_key=key, app_secret=f"{key}-secret", org_id=f"o{key}")
    seed_demo(tenant, devices, models, versions)
    return tenant, {"app_key": key, "app_secret": f"{key}-secret"}, {"org_id": f"o{key}"}


def simulated_account_create(
    *,
    kind: str,
    name: str,
    server_url: str,
    devices: int,
    models: list[str],
    versions: list[str],
    knobs: dict | None = None,
    rate_limit: tuple[int, int] | None = None,
    key: str | None = None,
) -> tuple[VendorAccount, SimulatorTenant]:
    """Create a simulated tenant (devices on ``versions[0]``, firmware for the later versions) and a portal account
    pointing at it, then read its inventory and firmware through the connector, as for a real account."""
    key = key or f"{kind.replace('_', '')}{zlib.crc32(name.encode()) % 10**8:08d}"
    if kind == VendorKind.IZUMA_DM:
        key = f"ak_{key}"
    tenant, credentials, settings = _tenant(kind, key, devices=devices, models=models, versions=versions)
    if knobs:
        simulator_knobs_set(tenant=tenant, **knobs)
    account = VendorAccount(name=name, kind=kind, base_url=f"{server_url.rstrip('/')}/simulators/{kind}",
                            settings=settings, rate_limit_calls=0)
    if rate_limit:
        account.rate_limit_calls, account.rate_limit_period_seconds = rate_limit
    account.set_credentials(credentials)
    account.save()
    devices_sync(account_id=account.pk)
    firmware_sync(account_id=account.pk)
    return account, tenant
