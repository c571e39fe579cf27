"""Admin for devices, labels, fleets and firmware."""

from __future__ import annotations

from django.contrib import admin

from devices import models


@admin.register(models.Label)
class LabelAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]


@admin.register(models.Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ["external_id", "name", "account", "model", "firmware_version", "last_seen_at"]
    list_filter = ["account__kind", "account", "model", "labels"]
    search_fields = ["external_id", "name", "model", "firmware_version"]
    list_select_related = ["account"]
    autocomplete_fields = ["labels"]
    show_full_result_count = False


@admin.register(models.Fleet)
class FleetAdmin(admin.ModelAdmin):
    list_display = ["name", "created_by", "created_at"]
    search_fields = ["name", "description"]
    raw_id_fields = ["members"]


@admin.register(models.Firmware)
class FirmwareAdmin(admin.ModelAdmin):
    list_display = ["version", "name", "account", "vendor_ref", "created_at"]
    list_filter = ["account__kind", "account"]
    search_fields = ["version", "name", "vendor_ref"]
    list_select_related = ["account"]
