"""Dashboard URLs of the campaigns app."""

from __future__ import annotations

from django.urls import path

from campaigns import views

app_name = "campaigns"
urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_create, name="create"),
    path("<int:pk>/", views.campaign_detail, name="detail"),
    path("<int:pk>/edit/", views.campaign_edit, name="edit"),
    path("<int:pk>/devices.csv", views.campaign_devices_csv, name="devices_csv"),
    path("<int:pk>/<slug:action>/", views.campaign_action, name="action"),
]
