"""Fleet services: create and edit fleets, change their static members, and preview what a saved filter matches.
The dashboard and the API both call these."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count

from devices.models import Device, Fleet
from devices.selectors import fleet_device_ids, saved_filter_q

# Member changes name devices by external id; this many per call keeps one request's IN list reasonable.
MEMBER_CHANGE_LIMIT = 10_000


@dataclass
class MemberChange:
    """What a member change did: how many devices it added or removed, and which ids matched no device."""

    changed: int = 0
    not_found: list[str] = field(default_factory=list)
    ambiguous: list[str] = field(default_factory=list)


def saved_filter_clean(saved_filter: dict) -> dict:
    """Drop empty lookups; raises ``devices.selectors.SavedFilterError`` for keys the portal does not know."""
    cleaned = {key: value for key, value in (saved_filter or {}).items() if value not in (None, "", [])}
    saved_filter_q(cleaned)
    return cleaned


def saved_filter_count(*, saved_filter: dict) -> int:
    """How many devices a saved filter matches right now (the live preview while a filter is edited)."""
    q = saved_filter_q(saved_filter_clean(saved_filter))
    if q is None:
        return 0
    return Device.objects.filter(q).values("id").distinct().count()


def fleet_device_count(*, fleet: Fleet) -> int:
    """Every device in the fleet: static members plus saved-filter matches, each counted once."""
    return fleet_device_ids(fleet).count()


def fleet_targets(*, fleet: Fleet) -> list[dict]:
    """The (vendor account, model) pairs in a fleet with their device counts: the rows of a campaign's firmware map."""
    rows = (
        Device.objects.filter(id__in=fleet_device_ids(fleet))
        .values("account_id", "account__name", "account__kind", "model")
        .annotate(devices=Count("id"))
        .order_by("account__name", "model")
    )
    return [
        {"account_id": r["account_id"], "account": r["account__name"], "vendor_kind": r["account__kind"],
         "model": r["model"], "devices": r["devices"]}
        for r in rows
    ]


def fleet_create(*, name: str, description: str = "", saved_filter: dict | None = None, actor=None) -> Fleet:
    return Fleet.objects.create(
        name=name, description=description, saved_filter=saved_filter_clean(saved_filter or {}), created_by=actor
    )


def fleet_update(*, fleet_id: int, name: str, description: str = "", saved_filter: dict | None = None) -> Fleet:
    fleet = Fleet.objects.get(pk=fleet_id)
    fleet.name, fleet.description = name, description
    fleet.saved_filter = saved_filter_clean(saved_filter or {})
    fleet.save(update_fields=["name", "description", "saved_filter", "updated_at"])
    return fleet


def _devices_by_external_id(external_ids: list[str], account_id: int | None) -> tuple[dict[str, list[int]], list[str]]:
    wanted = list(dict.fromkeys(i.strip() for i in external_ids if i and i.strip()))[:MEMBER_CHANGE_LIMIT]
    devices = Device.objects.filter(external_id__in=wanted)
    if account_id is not None:
        devices = devices.filter(account_id=account_id)
    found: dict[str, list[int]] = {}
    for pk, external_id in devices.values_list("id", "external_id"):
        found.setdefault(external_id, []).append(pk)
    return found, [i for i in wanted if i not in found]


def fleet_members_add(*, fleet_id: int, external_ids: list[str], account_id: int | None = None) -> MemberChange:
    """Add devices (by the vendor's device id) as static members. An id known on several accounts is added only
    when ``account_id`` says which one is meant."""
    found, not_found = _devices_by_external_id(external_ids, account_id)
    ambiguous = sorted(i for i, pks in found.items() if len(pks) > 1)
    pks = [pks[0] for pks in found.values() if len(pks) == 1]
    with transaction.atomic():
        fleet = Fleet.objects.select_for_update().get(pk=fleet_id)
        through = Fleet.members.through
        existing = set(through.objects.filter(fleet=fleet, device_id__in=pks).values_list("device_id", flat=True))
        new = [through(fleet_id=fleet.pk, device_id=pk) for pk in pks if pk not in existing]
        through.objects.bulk_create(new, ignore_conflicts=True)
    return MemberChange(changed=len(new), not_found=not_found, ambiguous=ambiguous)


def fleet_members_remove(*, fleet_id: int, device_ids: list[int]) -> int:
    """Remove static members (by portal device id). Devices the saved filter matches stay in the fleet."""
    deleted, _ = Fleet.members.through.objects.filter(fleet_id=fleet_id, device_id__in=device_ids).delete()
    return deleted
