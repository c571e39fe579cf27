"""Prepares a local embedded install: roles, demo users with generated passwords, and prints how to log in."""

from __future__ import annotations

import json
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from fota_portal.roles import Role, roles_sync, user_set_role


class Command(BaseCommand):
    help = "Create the role groups and one user per role for a local demo (passwords kept in var/)."

    def handle(self, *args, **options):
        roles_sync()
        path = settings.VAR_DIR / "demo-credentials.json"
        credentials = json.loads(path.read_text()) if path.exists() else {}
        User = get_user_model()
        for role in (Role.ADMIN, Role.OPERATOR, Role.VIEWER):
            username = role.value
            if username not in credentials:
                credentials[username] = secrets.token_urlsafe(9)
            user, created = User.objects.get_or_create(username=username)
            if created or not user.check_password(credentials[username]):
                user.set_password(credentials[username])
                user.save()
            user_set_role(user=user, role=role)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(credentials, indent=2))
        path.chmod(0o600)
        self.stdout.write("Log in at the address above with one of (kept in var/demo-credentials.json):")
        for username, password in credentials.items():
            self.stdout.write(f"  {username:<9} {password}")
