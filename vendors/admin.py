"""Admin for vendor accounts (credentials write-only), the error catalog and simulator state."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from vendors import models


class VendorAccountForm(forms.ModelForm):
    """Credentials are entered as ``name=value`` lines and never shown back; leave blank to keep them."""

    base_url = forms.URLField(max_length=300, assume_scheme="https")
    new_credentials = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
        help_text="One name=value per line (Knox: client_id, client_secret; Huawei: app_id, secret; "
        "Izuma: api_key; EnOS: app_key, app_secret). Leave blank to keep the stored credentials.",
    )

    class Meta:
        model = models.VendorAccount
        fields = ["name", "kind", "base_url", "settings", "rate_limit_calls", "rate_limit_period_seconds", "enabled"]

    def clean_new_credentials(self) -> dict | None:
        raw = self.cleaned_data["new_credentials"].strip()
        if not raw:
            return None
        parsed = {}
        for number, line in enumerate(raw.splitlines(), start=1):
            if "=" not in line:
                raise forms.ValidationError(f"Line {number} is not name=value.")
            name, value = line.split("=", 1)
            parsed[name.strip()] = value.strip()
        return parsed

    def save(self, commit: bool = True):
        account = super().save(commit=False)
        if self.cleaned_data.get("new_credentials"):
            account.set_credentials(self.cleaned_data["new_credentials"])
        if commit:
            account.save()
        return account


@admin.register(models.VendorAccount)
class VendorAccountAdmin(admin.ModelAdmin):
    form = VendorAccountForm
    list_display = ["name", "kind", "base_url", "enabled", "health", "rate_limit_calls", "rate_limit_period_seconds"]
    list_filter = ["kind", "enabled", "health"]
    search_fields = ["name", "base_url"]
    readonly_fields = ["health", "health_message", "health_checked_at", "created_at", "updated_at"]


@admin.register(models.ErrorCatalogEntry)
class ErrorCatalogEntryAdmin(admin.ModelAdmin):
    list_display = ["vendor_kind", "code", "symbol", "field", "http_status", "category", "transient", "operation"]
    list_filter = ["vendor_kind", "category", "transient", "http_status"]
    search_fields = ["code", "symbol", "field", "vendor_message", "explanation"]


@admin.register(models.SimulatorTenant)
class SimulatorTenantAdmin(admin.ModelAdmin):
    list_display = ["kind", "tenant_key", "created_at"]
    list_filter = ["kind"]
    search_fields = ["tenant_key"]


@admin.register(models.SimulatorJob)
class SimulatorJobAdmin(admin.ModelAdmin):
    list_display = ["job_id", "tenant", "status", "created_at", "started_at", "stopped_at"]
    list_filter = ["tenant__kind", "status"]
    search_fields = ["job_id"]


@admin.register(models.SimulatorJobDevice)
class SimulatorJobDeviceAdmin(admin.ModelAdmin):
    list_display = ["device_id", "job", "status", "error_code", "updated_at"]
    list_filter = ["job__tenant__kind", "status"]
    search_fields = ["device_id", "job__job_id"]
    list_select_related = ["job"]


@admin.register(models.SimulatorDevice)
class SimulatorDeviceAdmin(admin.ModelAdmin):
    list_display = ["device_id", "tenant", "model", "firmware_version"]
    list_filter = ["tenant__kind", "model"]
    search_fields = ["device_id"]
    list_select_related = ["tenant"]
