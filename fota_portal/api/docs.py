"""The schema and the interactive docs at /api/v1/schema/, /api/v1/docs/ (Swagger UI) and /api/v1/redoc/."""

from __future__ import annotations

from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from fota_portal.api.errors import JSONErrorsMixin


class SchemaView(JSONErrorsMixin, SpectacularAPIView):
    """The OpenAPI 3 schema (YAML, or JSON with ``?format=json`` or ``Accept: application/vnd.oai.openapi+json``)."""


class SwaggerView(JSONErrorsMixin, SpectacularSwaggerView):
    """Swagger UI, served from the installed sidecar package."""


class RedocView(JSONErrorsMixin, SpectacularRedocView):
    """Redoc, served from the installed sidecar package."""
