"""Serializers of the campaigns API: campaigns with their firmware map, plans, actions, progress, assignments, events.

Write serializers check shape and types only (so every service gets values it can use); the rules a campaign must
pass to start are the plan's preflight, reported by ``/plan/`` and enforced by ``/start/``.
"""

from __future__ import annotations

import re

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from campaigns.choices import WaveState
from campaigns.models import Assignment, Campaign, CampaignEvent, ProgressSnapshot, Wave
from campaigns.services.drafts import DRAFT_FIELDS, FirmwareLine
from devices.models import Firmware
from fota_portal.api.fields import JSONListField, JSONObjectField
from vendors.choices import VendorKind
from vendors.models import VendorAccount

MAX_WAVES = 100
_CLOCK = re.compile(r"^\d{1,2}:\d{2}(:\d{2})?$")


class FirmwareLineSerializer(serializers.Serializer):
    """One line of the firmware map."""

    account = serializers.PrimaryKeyRelatedField(queryset=VendorAccount.objects.all())
    model = serializers.CharField(max_length=100)
    firmware = serializers.PrimaryKeyRelatedField(queryset=Firmware.objects.all())
    firmware_version = serializers.CharField(source="firmware.version", read_only=True)


class WaveSerializer(serializers.ModelSerializer):
    class Meta:
        model = Wave
        fields = ["number", "state", "planned_count", "opened_at", "passed_at"]


class WavePlanField(JSONListField):
    """The wave plan: a list of ``{"percent": n}`` (cumulative share) or ``{"count": n}`` objects."""

    def to_internal_value(self, data) -> list:
        plan = super().to_internal_value(data)
        if len(plan) > MAX_WAVES:
            raise ValidationError(f"At most {MAX_WAVES} waves.")
        for index, step in enumerate(plan):
            if not isinstance(step, dict):
                raise ValidationError(f"Wave {index + 1}: an object such as {{\"percent\": 10}} or {{\"count\": 50}}.")
            for key in ("percent", "count"):
                value = step.get(key)
                if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                          or abs(value) > 1e9):
                    raise ValidationError(f"Wave {index + 1}: {key} must be a number.")
        return plan


class WindowField(JSONObjectField):
    """``{"timezone": "Europe/Berlin", "days": [0-6], "start": "HH:MM", "end": "HH:MM"}``; empty for no window."""

    def to_internal_value(self, data) -> dict:
        window = super().to_internal_value(data)
        problems = {}
        timezone = window.get("timezone", "UTC")
        if not isinstance(timezone, str) or not 0 < len(timezone) <= 64:
            problems["timezone"] = ["A time zone name such as Europe/Berlin."]
        for key in ("start", "end"):
            if window and not (isinstance(window.get(key), str) and _CLOCK.match(window[key])):
                problems[key] = ["A time of day as HH:MM."]
        days = window.get("days")
        if days is not None and not (isinstance(days, list) and all(type(d) is int for d in days)):
            problems["days"] = ["A list of weekdays, 0 (Monday) to 6."]
        if problems:
            raise ValidationError(problems)
        return window


class VendorOptionsField(JSONObjectField):
    """Per-vendor options keyed by vendor kind, e.g. ``{"knox_efota": {"batteryLevel": 30}}``."""

    def to_internal_value(self, data) -> dict:
        options = super().to_internal_value(data)
        problems = {}
        for kind, value in options.items():
            if kind not in VendorKind.values:
                problems[kind] = [f"Not a vendor kind; use {', '.join(VendorKind.values)}."]
            elif not isinstance(value, dict):
                problems[kind] = ["An object of that vendor's options."]
        if problems:
            raise ValidationError(problems)
        return options


class CampaignSerializer(serializers.ModelSerializer):
    """A campaign. Only drafts can be written; ``firmware_map``, when sent, replaces the whole map."""

    firmware_map = FirmwareLineSerializer(many=True, required=False, max_length=1000)
    wave_plan = WavePlanField(required=False, help_text="Waves: [{\"percent\": 10}, {\"percent\": 100}] or counts.")
    window = WindowField(required=False)
    vendor_options = VendorOptionsField(required=False)
    waves = WaveSerializer(many=True, read_only=True)
    created_by = serializers.CharField(source="created_by.get_username", read_only=True, allow_null=True)

    class Meta:
        model = Campaign
        fields = [
            "id", "name", "description", "state", "state_reason", "fleet", "firmware_map", "wave_plan",
            "canary_label", "gate_success_percent", "gate_max_failure_percent", "soak_minutes", "auto_advance",
            "failure_threshold_percent", "device_timeout_minutes", "max_attempts", "schedule_start", "schedule_end",
            "window", "vendor_options", "waves", "created_by", "started_at", "finished_at", "created_at",
            "updated_at",
        ]
        read_only_fields = ["state", "state_reason", "started_at", "finished_at", "created_at", "updated_at"]
        # The model's check constraints, as validation (a constraint violation would be a database error).
        extra_kwargs = {
            "canary_label": {"allow_blank": True},
            "gate_success_percent": {"max_value": 100},
            "gate_max_failure_percent": {"max_value": 100},
            "failure_threshold_percent": {"max_value": 100},
            "max_attempts": {"min_value": 1},
        }

    def validate(self, attrs: dict) -> dict:
        start = attrs.get("schedule_start", getattr(self.instance, "schedule_start", None))
        end = attrs.get("schedule_end", getattr(self.instance, "schedule_end", None))
        if start and end and end <= start:
            raise ValidationError({"schedule_end": ["The schedule must end after it starts."]})
        lines = attrs.get("firmware_map") or []
        seen: dict[tuple, int] = {}
        problems = {}
        for index, line in enumerate(lines):
            key = (line["account"].pk, line["model"])
            if key in seen:
                problems[index] = {"model": [f"Line {seen[key] + 1} already maps this account and model."]}
            seen.setdefault(key, index)
        if problems:
            raise ValidationError({"firmware_map": [problems.get(i, {}) for i in range(len(lines))]})
        return attrs

    @staticmethod
    def split(validated_data: dict) -> tuple[dict, list[FirmwareLine] | None]:
        """The draft fields and the firmware map lines (``None``: keep the map), as the draft services take them."""
        lines = validated_data.pop("firmware_map", None)
        fields = {name: value for name, value in validated_data.items() if name in DRAFT_FIELDS}
        if lines is None:
            return fields, None
        return fields, [FirmwareLine(account_id=line["account"].pk, model=line["model"],
                                     firmware_id=line["firmware"].pk) for line in lines]


class ProblemSerializer(serializers.Serializer):
    rule = serializers.CharField()
    field = serializers.CharField(allow_blank=True)
    vendor = serializers.CharField(allow_blank=True)
    message = serializers.CharField()


class PlanSerializer(serializers.Serializer):
    """What starting the campaign would do, and every preflight problem (start refuses while there are any)."""

    class PlanWave(serializers.Serializer):
        number = serializers.IntegerField()
        devices = serializers.IntegerField()

    class PlanLine(serializers.Serializer):
        account = serializers.CharField()
        vendor_kind = serializers.CharField()
        model = serializers.CharField()
        firmware = serializers.CharField()
        devices = serializers.IntegerField()

    class PlanAccount(serializers.Serializer):
        account_id = serializers.IntegerField()
        account = serializers.CharField()
        vendor_kind = serializers.CharField()
        devices = serializers.IntegerField()
        batches = serializers.IntegerField()
        calls = serializers.IntegerField()
        shortest_push_seconds = serializers.FloatField()

    total = serializers.IntegerField()
    eligible = serializers.IntegerField()
    canaries = serializers.IntegerField()
    skipped = serializers.DictField(child=serializers.IntegerField(), help_text="Devices skipped, by reason.")
    waves = PlanWave(many=True)
    lines = PlanLine(many=True)
    accounts = PlanAccount(many=True)
    problems = ProblemSerializer(many=True)
    shortest_push_seconds = serializers.FloatField()


class ActionReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True,
                                   help_text="Why; shown on the campaign and in its events.")


class ActionResultSerializer(serializers.Serializer):
    """What an action did, with the campaign as it is now."""

    object = serializers.ChoiceField(choices=["campaign_action"])
    action = serializers.CharField()
    campaign = CampaignSerializer()
    queued = serializers.IntegerField(allow_null=True, help_text="retry-failed: devices queued again.")
    wave = serializers.IntegerField(allow_null=True, help_text="approve-wave: the wave approved.")


class ShareSerializer(serializers.Serializer):
    counts = serializers.DictField(child=serializers.IntegerField(), help_text="Devices per common state.")
    total = serializers.IntegerField()
    eligible = serializers.IntegerField()
    succeeded = serializers.IntegerField()
    failed = serializers.IntegerField()
    in_flight = serializers.IntegerField()
    waiting = serializers.IntegerField()
    done = serializers.IntegerField()
    success_share = serializers.FloatField()
    failure_share = serializers.FloatField()


class WaveProgressSerializer(ShareSerializer):
    number = serializers.IntegerField()
    state = serializers.ChoiceField(choices=WaveState.choices)
    planned = serializers.IntegerField()
    opened_at = serializers.DateTimeField(allow_null=True)
    passed_at = serializers.DateTimeField(allow_null=True)


class TopErrorSerializer(serializers.Serializer):
    vendor = serializers.CharField()
    code = serializers.CharField(allow_blank=True)
    field = serializers.CharField(allow_blank=True)
    devices = serializers.IntegerField()
    known = serializers.BooleanField()
    explanation = serializers.CharField()
    action = serializers.CharField()


class ProgressSerializer(ShareSerializer):
    """Counts per state, shares and ETA for the campaign and each wave, and the most frequent errors."""

    campaign = serializers.IntegerField()
    state = serializers.CharField()
    eta = serializers.DateTimeField(allow_null=True, help_text="When the remaining devices should be done.")
    waves = WaveProgressSerializer(many=True)
    top_errors = TopErrorSerializer(many=True)


class ProgressSnapshotSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProgressSnapshot
        fields = ["id", "at", "succeeded", "failed", "in_flight", "total"]


class AssignmentErrorSerializer(serializers.Serializer):
    """The vendor's error on a device, with the catalog's explanation when the code is known."""

    code = serializers.CharField(source="error_code")
    http_status = serializers.IntegerField(source="error_http_status", allow_null=True)
    field = serializers.CharField(source="error_field", allow_blank=True)
    message = serializers.CharField(source="error_message", allow_blank=True)
    explanation = serializers.CharField(source="error_entry.explanation", allow_null=True, default=None)
    action = serializers.CharField(source="error_entry.action", allow_null=True, default=None)


class AssignmentSerializer(serializers.ModelSerializer):
    """One device in the campaign: common state, the vendor's raw status and reference, and the decoded error."""

    external_id = serializers.CharField(source="device.external_id")
    device_name = serializers.CharField(source="device.name")
    model = serializers.CharField(source="device.model")
    vendor_kind = serializers.CharField(source="account.kind")
    wave = serializers.IntegerField(source="wave.number", allow_null=True, default=None)
    target_version = serializers.CharField(source="firmware.version", allow_null=True, default=None)
    error = serializers.SerializerMethodField()

    class Meta:
        model = Assignment
        fields = [
            "id", "device", "external_id", "device_name", "model", "account", "vendor_kind", "wave", "firmware",
            "target_version", "state", "vendor_status", "vendor_status_unmapped", "vendor_ref", "vendor_sub_ref",
            "attempts", "skip_reason", "error", "pushed_at", "state_changed_at", "finished_at", "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(AssignmentErrorSerializer(allow_null=True))
    def get_error(self, assignment: Assignment) -> dict | None:
        if not assignment.error_code:
            return None
        return AssignmentErrorSerializer(assignment).data


class CampaignEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = CampaignEvent
        fields = ["id", "kind", "actor_label", "message", "data", "request_id", "created_at"]
