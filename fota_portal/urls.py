"""URL roots: dashboard, auth, admin, health, and the vendor simulators when enabled."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from fota_portal import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="auth/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("campaigns/", include("campaigns.urls")),
    path("devices/", include("devices.urls")),
    path("vendors/", include("vendors.urls")),
    path("api/v1/", include("fota_portal.api.urls")),
]

if settings.SIMULATORS_ENABLED:
    urlpatterns.append(path("simulators/", include("vendors.simulators.urls")))
