"""The table of Django's database cache, which holds the portal's rate-limit counters when no
REDIS_URL is set (tousu.envconf.cache_settings): created here so that `migrate` (make run, a
deployment, the tests) makes it, whatever CACHES says at the time."""

from django.core.management.commands.createcachetable import Command
from django.db import migrations

from tousu.envconf import CACHE_TABLE


def create_cache_table(apps, schema_editor):
    command = Command()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, CACHE_TABLE, dry_run=False)


def drop_cache_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(CACHE_TABLE)}")


class Migration(migrations.Migration):

    dependencies = [("portal", "0001_initial")]

    operations = [migrations.RunPython(create_cache_table, drop_cache_table)]
