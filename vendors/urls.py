"""Dashboard URLs of the vendors app."""

from __future__ import annotations

app_name = "vendors"
urlpatterns: list = []
