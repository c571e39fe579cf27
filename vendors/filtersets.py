"""Filters for vendor accounts and the error catalog, shared by the dashboard's lists and the API's."""

from __future__ import annotations

from fota_portal.api.filters import SuffixFilterSet
from vendors.models import ErrorCatalogEntry, VendorAccount


class VendorAccountFilterSet(SuffixFilterSet):
    filter_fields = {
        "id": "id",
        "name": "name",
        "kind": "kind",
        "enabled": "enabled",
        "health": "health",
        "created_at": "created_at",
    }

    class Meta:
        model = VendorAccount
        fields: list[str] = []


class ErrorCatalogFilterSet(SuffixFilterSet):
    filter_fields = {
        "id": "id",
        "vendor": "vendor_kind",
        "code": "code",
        "http_status": "http_status",
        "symbol": "symbol",
        "field": "field",
        "category": "category",
        "transient": "transient",
    }

    class Meta:
        model = ErrorCatalogEntry
        fields: list[str] = []
