"""The campaign audit trail, written by services (never by signals) with actor and request id."""

from __future__ import annotations

from campaigns.models import Campaign, CampaignEvent
from fota_portal.request_id import request_id_get


def campaign_event_record(
    *, campaign: Campaign, kind: str, message: str, actor=None, actor_label: str = "", data: dict | None = None
) -> CampaignEvent:
    """Record who or what did what to a campaign, why, and the numbers behind it."""
    if not actor_label:
        actor_label = actor.get_username() if actor is not None else "engine"
    request_id = request_id_get()
    return CampaignEvent.objects.create(
        campaign=campaign,
        kind=kind,
        actor=actor,
        actor_label=actor_label,
        message=message,
        data=data or {},
        request_id="" if request_id == "-" else request_id,
    )
