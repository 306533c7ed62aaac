"""Trigram indexes so that searching electors and people by part of a name or address is fast
on Postgres. Other databases skip this (the search falls back to a plain scan)."""

from django.db import migrations

INDEXES = [
    ("members_elector_surname_trgm", "members_elector", "surname"),
    ("members_elector_forenames_trgm", "members_elector", "forenames"),
    ("members_property_key_trgm", "members_property", "address_key"),
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (UPPER({column}::text) gin_trgm_ops)"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("members", "0003_imports_matching_suppression")]

    operations = [migrations.RunPython(forwards, backwards)]
