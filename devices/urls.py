"""Dashboard URLs of the devices app."""

from __future__ import annotations

app_name = "devices"
urlpatterns: list = []
