"""Creates (or promotes) a user with the admin role from the command line."""

from __future__ import annotations

import getpass

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from fota_portal.roles import Role, user_set_role


class Command(BaseCommand):
    help = "Create the first admin (or give an existing user the admin role)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument("--password", help="Omit to be asked for it (safer than the command line).")
        parser.add_argument("--role", choices=Role.values, default=Role.ADMIN.value)

    def handle(self, *args, username: str, email: str, password: str | None, role: str, **options):
        User = get_user_model()
        user, created = User.objects.get_or_create(username=username, defaults={"email": email})
        if created or password:
            password = password or getpass.getpass(f"Password for {username}: ")
            try:
                validate_password(password, user)
            except ValidationError as exc:
                if created:
                    user.delete()
                raise CommandError(" ".join(exc.messages)) from None
            user.set_password(password)
            user.save()
        user_set_role(user=user, role=Role(role))
        verb = "Created" if created else "Updated"
        self.stdout.write(self.style.SUCCESS(f"{verb} {username} with the {role} role."))
