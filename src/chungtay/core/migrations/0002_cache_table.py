"""The database cache's table (the shared API rate-limit counts when no Redis is configured) is created by
`migrate` itself, so no deployment step can forget it. Nothing is done where no database cache is set."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
