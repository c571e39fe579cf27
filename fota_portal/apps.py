"""App config for the project package, which owns roles, users and the shared API conventions."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_roles(sender, **kwargs) -> None:
    # Permissions exist only after every app has migrated, so roles are synced after migrate, not in a migration.
    from fota_portal.roles import roles_sync

    roles_sync()


class FotaPortalConfig(AppConfig):
    name = "fota_portal"
    verbose_name = "FOTA Portal"

    def ready(self) -> None:
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="fota_portal_sync_roles")
