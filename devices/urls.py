"""Dashboard URLs of the devices app: devices, fleets and the CSV import."""

from __future__ import annotations

from django.urls import path

from devices import views

app_name = "devices"
urlpatterns = [
    path("", views.device_list, name="list"),
    path("<int:pk>/", views.device_detail, name="detail"),
    path("import/", views.device_import, name="import"),
    path("import/<int:pk>/", views.device_import_detail, name="import_detail"),
    path("fleets/", views.fleet_list, name="fleets"),
    path("fleets/new/", views.fleet_create_view, name="fleet_create"),
    path("fleets/<int:pk>/", views.fleet_detail, name="fleet"),
    path("fleets/<int:pk>/edit/", views.fleet_edit, name="fleet_edit"),
    path("fleets/<int:pk>/members/", views.fleet_members, name="fleet_members"),
]
