"""Mounts each vendor's simulator under ``/simulators/<kind>/`` (only when SIMULATORS_ENABLED)."""

from __future__ import annotations

urlpatterns: list = []
