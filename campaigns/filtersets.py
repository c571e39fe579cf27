"""Filters for campaigns, their assignments, events and progress series, shared by the dashboard and the API."""

from __future__ import annotations

from campaigns.models import Assignment, Campaign, CampaignEvent, ProgressSnapshot
from fota_portal.api.filters import SuffixFilterSet


class CampaignFilterSet(SuffixFilterSet):
    filter_fields = {
        "id": "id",
        "name": "name",
        "state": "state",
        "fleet": "fleet",
        "created_at": "created_at",
        "started_at": "started_at",
        "finished_at": "finished_at",
    }

    class Meta:
        model = Campaign
        fields: list[str] = []


class AssignmentFilterSet(SuffixFilterSet):
    filter_fields = {
        "id": "id",
        "state": "state",
        "wave": "wave__number",
        "account": "account",
        "vendor_kind": "account__kind",
        "model": "device__model",
        "external_id": "device__external_id",
        "error_code": "error_code",
        "vendor_status": "vendor_status",
        "attempts": "attempts",
        "updated_at": "updated_at",
    }

    class Meta:
        model = Assignment
        fields: list[str] = []


class CampaignEventFilterSet(SuffixFilterSet):
    filter_fields = {"id": "id", "kind": "kind", "actor_label": "actor_label", "created_at": "created_at"}

    class Meta:
        model = CampaignEvent
        fields: list[str] = []


class ProgressSnapshotFilterSet(SuffixFilterSet):
    filter_fields = {"id": "id", "at": "at"}

    class Meta:
        model = ProgressSnapshot
        fields: list[str] = []
