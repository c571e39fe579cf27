"""App config for the project package, which owns roles, users and the shared API conventions."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_roles(sender, **kwargs) -> None:
    # Each app's permissions appear in its own post_migrate, so the roles are synced after the last app's, and
    # again after a test database flush re-creates them.
    from django.apps import apps

    if sender is [config for config in apps.get_app_configs() if config.models_module is not None][-1]:
        from fota_portal.roles import roles_sync

        roles_sync()


class FotaPortalConfig(AppConfig):
    name = "fota_portal"
    verbose_name = "FOTA Portal"

    def ready(self) -> None:
        post_migrate.connect(_sync_roles, dispatch_uid="fota_portal_sync_roles")
