"""App config for vendor accounts, connectors, the error catalog and the simulators."""

from django.apps import AppConfig


class VendorsConfig(AppConfig):
    name = "vendors"
    verbose_name = "Vendors"
