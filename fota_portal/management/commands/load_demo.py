"""Loads the demo data (simulated vendor accounts, fleets, campaigns) once; ``make run`` calls it."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from fota_portal.demo import demo_load


class Command(BaseCommand):
    help = "Load the demo: one simulated account per vendor, devices, fleets, a finished and a running campaign."

    def add_arguments(self, parser):
        parser.add_argument("--server", default="http://127.0.0.1:8000", help="Where the web process answers.")

    def handle(self, *args, server: str, **options):
        if not settings.SIMULATORS_ENABLED:
            raise CommandError("The demo runs on the vendor simulators; set SIMULATORS_ENABLED=true.")
        if demo_load(server_url=server.rstrip("/")):
            self.stdout.write(self.style.SUCCESS("Demo loaded: open the dashboard and watch “Q4 firmware rollout”."))
        else:
            self.stdout.write("Demo data is already there.")
