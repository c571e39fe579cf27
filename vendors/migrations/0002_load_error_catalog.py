"""Loads the vendor error catalog so it is there on a fresh install."""

from django.db import migrations


def load(apps, schema_editor):
    from vendors.error_catalog import catalog_sync

    catalog_sync(apps.get_model("vendors", "ErrorCatalogEntry"))


def unload(apps, schema_editor):
    apps.get_model("vendors", "ErrorCatalogEntry").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("vendors", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
