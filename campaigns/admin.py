"""Admin for campaigns, their waves, firmware map, assignments and events."""

from __future__ import annotations

from django.contrib import admin

from campaigns import models


class CampaignFirmwareInline(admin.TabularInline):
    model = models.CampaignFirmware
    extra = 0
    raw_id_fields = ["firmware"]


class WaveInline(admin.TabularInline):
    model = models.Wave
    extra = 0
    readonly_fields = ["state", "planned_count", "opened_at", "passed_at", "approved_by"]


@admin.register(models.Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "state", "fleet", "created_by", "started_at", "finished_at"]
    list_filter = ["state"]
    search_fields = ["name", "description", "state_reason"]
    list_select_related = ["fleet", "created_by"]
    inlines = [CampaignFirmwareInline, WaveInline]
    # State changes go through the engine's services so every change writes an event; not editable here.
    readonly_fields = ["state", "state_reason", "started_at", "finished_at", "created_at", "updated_at"]


@admin.register(models.Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["device", "campaign", "wave", "account", "state", "vendor_status", "error_code", "attempts"]
    list_filter = ["state", "account__kind", "campaign"]
    search_fields = ["device__external_id", "vendor_ref", "error_code"]
    list_select_related = ["device", "campaign", "wave", "account"]
    raw_id_fields = ["device", "firmware", "error_entry"]
    show_full_result_count = False


@admin.register(models.CampaignEvent)
class CampaignEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "campaign", "kind", "actor_label", "message"]
    list_filter = ["kind"]
    search_fields = ["message", "campaign__name", "request_id"]
    list_select_related = ["campaign"]


@admin.register(models.ProgressSnapshot)
class ProgressSnapshotAdmin(admin.ModelAdmin):
    list_display = ["campaign", "at", "succeeded", "failed", "in_flight", "total"]
    list_select_related = ["campaign"]
