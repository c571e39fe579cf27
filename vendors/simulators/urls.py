"""Mounts each vendor's simulator under ``/simulators/<kind>/`` (only when SIMULATORS_ENABLED)."""

from __future__ import annotations

from django.urls import include, path

urlpatterns = [
    path("knox_efota/", include("vendors.knox_efota.simulator")),
    path("huawei_iodm/", include("vendors.huawei_iodm.simulator")),
    path("izuma_dm/", include("vendors.izuma_dm.simulator")),
    path("enos/", include("vendors.enos.simulator")),
]
