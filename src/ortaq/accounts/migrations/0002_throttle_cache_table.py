"""The table of the database cache that holds throttle counters (ortaq.lib.dbcache, alias "throttle").

A migration rather than a separate `createcachetable` step: every path that migrates (`ortaq serve`,
`ortaq worker`, `ortaq manage migrate`, the test databases on SQLite and PostgreSQL) then has it, and it
exists even where Redis holds the counters today, so switching back needs no extra command.
"""

import io

from django.db import migrations

TABLE = "ortaq_cache"  # ortaq.lib.dbcache.TABLE, written out: a migration must not change with the code


def create_cache_table(apps, schema_editor):
    from django.core.management.commands.createcachetable import Command

    command = Command(stdout=io.StringIO(), stderr=io.StringIO())
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, TABLE, dry_run=False)


def drop_cache_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(create_cache_table, drop_cache_table)]
