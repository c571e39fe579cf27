"""Campaign drafts: create and edit a campaign with its firmware map, and plan a draft as it would be saved without
saving it (so a form can show vendor-rule problems and the plan while it is being filled in)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db import transaction

from campaigns.choices import CampaignState, EventKind
from campaigns.models import Campaign, CampaignFirmware
from campaigns.services.errors import CampaignTransitionError
from campaigns.services.events import campaign_event_record
from campaigns.services.plan import Plan, campaign_plan

# The campaign fields a draft may set; state, timestamps and counters belong to the engine.
DRAFT_FIELDS = (
    "name", "description", "fleet", "wave_plan", "canary_label", "gate_success_percent", "gate_max_failure_percent",
    "soak_minutes", "auto_advance", "failure_threshold_percent", "device_timeout_minutes", "max_attempts",
    "schedule_start", "schedule_end", "window", "vendor_options",
)


@dataclass(frozen=True)
class FirmwareLine:
    """One line of a firmware map: devices of ``model`` on ``account_id`` get ``firmware_id``."""

    account_id: int
    model: str
    firmware_id: int


def _draft_fields(fields: dict) -> dict:
    unknown = set(fields) - set(DRAFT_FIELDS)
    if unknown:
        raise ValueError(f"A draft cannot set {', '.join(sorted(unknown))}; it may set {', '.join(DRAFT_FIELDS)}.")
    return fields


def _firmware_map_replace(campaign: Campaign, firmware_map: list[FirmwareLine]) -> None:
    CampaignFirmware.objects.filter(campaign=campaign).delete()
    CampaignFirmware.objects.bulk_create([
        CampaignFirmware(campaign=campaign, account_id=line.account_id, model=line.model, firmware_id=line.firmware_id)
        for line in firmware_map
    ])


def campaign_draft_create(*, fields: dict, firmware_map: list[FirmwareLine], actor=None) -> Campaign:
    """Create a draft campaign and its firmware map, and record who created it."""
    with transaction.atomic():
        campaign = Campaign(**_draft_fields(fields), state=CampaignState.DRAFT, created_by=actor)
        campaign.save()
        _firmware_map_replace(campaign, firmware_map)
        lines = len(firmware_map)
        campaign_event_record(
            campaign=campaign, kind=EventKind.CREATED, actor=actor,
            message=f"Created as a draft with {lines} firmware map line{'' if lines == 1 else 's'}.",
            data={"firmware_map": len(firmware_map)},
        )
    return campaign


def campaign_draft_update(
    *, campaign_id: int, fields: dict, firmware_map: list[FirmwareLine] | None = None, actor=None
) -> Campaign:
    """Change a draft (and replace its firmware map when one is given). Anything past draft is the engine's: a
    started campaign is refused with ``CampaignTransitionError``."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
        if campaign.state != CampaignState.DRAFT:
            raise CampaignTransitionError(
                f"Only a draft can be edited; “{campaign.name}” is {campaign.get_state_display().lower()}. "
                "Create a new campaign for a different rollout."
            )
        changed = [name for name, value in _draft_fields(fields).items() if getattr(campaign, name) != value]
        for name, value in fields.items():
            setattr(campaign, name, value)
        campaign.save()
        if firmware_map is not None:
            before = set(campaign.firmware_map.values_list("account_id", "model", "firmware_id"))
            after = {(line.account_id, line.model, line.firmware_id) for line in firmware_map}
            if before != after:
                _firmware_map_replace(campaign, firmware_map)
                changed.append("firmware_map")
        if changed:
            campaign_event_record(
                campaign=campaign, kind=EventKind.UPDATED, actor=actor,
                message=f"Draft edited: {', '.join(name.replace('_', ' ') for name in changed)}.",
                data={"changed": changed},
            )
    return campaign


def campaign_draft_preview(
    *, fields: dict, firmware_map: list[FirmwareLine], campaign_id: int | None = None
) -> Plan:
    """The plan (and every preflight problem) of a draft as it would be saved, without saving anything.

    The draft is written inside a transaction that is rolled back, so the preview runs exactly the preflight that
    ``campaign_start`` will run, rather than a copy of its rules."""
    with transaction.atomic():
        if campaign_id is not None:
            campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
            for name, value in _draft_fields(fields).items():
                setattr(campaign, name, value)
        else:
            campaign = Campaign(**_draft_fields(fields))
        # Name clashes are the form's to report; the preview must not trip over them.
        campaign.name = f"preview-{uuid.uuid4().hex}"
        campaign.save()
        _firmware_map_replace(campaign, firmware_map)
        plan = campaign_plan(campaign=campaign)
        transaction.set_rollback(True)
    return plan
