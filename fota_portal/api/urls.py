"""URLs of the REST API under /api/v1/: one router for every app, the schema, the docs, and JSON 404s for the rest."""

from __future__ import annotations

from django.urls import include, path, re_path
from rest_framework.routers import SimpleRouter

from campaigns.api import views as campaigns
from devices import api as devices
from fota_portal.api.docs import RedocView, SchemaView, SwaggerView
from fota_portal.api.errors import api_not_found
from fota_portal.api.tokens import APITokenViewSet
from vendors import api as vendors

router = SimpleRouter()
router.register("vendor-accounts", vendors.VendorAccountViewSet, basename="vendor-account")
router.register("errors", vendors.ErrorCatalogViewSet, basename="error")
router.register("devices", devices.DeviceViewSet, basename="device")
router.register("device-imports", devices.DeviceImportViewSet, basename="device-import")
router.register("fleets", devices.FleetViewSet, basename="fleet")
router.register("firmware", devices.FirmwareViewSet, basename="firmware")
router.register("campaigns", campaigns.CampaignViewSet, basename="campaign")
router.register("tokens", APITokenViewSet, basename="token")

app_name = "api"
urlpatterns = [
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", SwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", RedocView.as_view(url_name="api:schema"), name="redoc"),
    path("fleets/<int:fleet_pk>/devices/", devices.FleetDevicesView.as_view(), name="fleet-devices"),
    path("fleets/<int:fleet_pk>/members/", devices.FleetMembersView.as_view(), name="fleet-members"),
    path("campaigns/<int:campaign_pk>/assignments/", campaigns.AssignmentListView.as_view(),
         name="campaign-assignments"),
    path("campaigns/<int:campaign_pk>/assignments/export/", campaigns.AssignmentExportView.as_view(),
         name="campaign-assignments-export"),
    path("campaigns/<int:campaign_pk>/events/", campaigns.CampaignEventListView.as_view(), name="campaign-events"),
    path("campaigns/<int:campaign_pk>/progress/series/", campaigns.ProgressSeriesView.as_view(),
         name="campaign-progress-series"),
    path("", include(router.urls)),
    re_path(r"^.*$", api_not_found),
]
