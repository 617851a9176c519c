"""Migration operations more than one app's migrations use. Migrations import them, so what each one does must
never change; a different need gets a new function."""

from django.db import migrations


def drop_postgres_indexes(indexes) -> migrations.RunPython:
    """PostgreSQL only: drop indexes Django made for single columns, given as (table, column, suffix, opclass) —
    suffix "_like" and opclass "varchar_pattern_ops" for a LIKE-pattern twin, "" and "" for the plain one;
    unapplied, they are made again. Other databases keep them."""

    def names(schema_editor):
        for table, column, suffix, opclass in indexes:
            yield table, column, opclass, schema_editor._create_index_name(table, [column], suffix=suffix)

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for _table, _column, _opclass, name in names(schema_editor):
            schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")

    def restore(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        quote = schema_editor.quote_name
        for table, column, opclass, name in names(schema_editor):
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {quote(name)} ON {quote(table)} ({quote(column)} {opclass})")

    return migrations.RunPython(drop, restore, elidable=True)
