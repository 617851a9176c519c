"""PostgreSQL only: the blind-index columns compare bytes (collation "C", see core.fields.BlindIndexField).

A database created from here on gets them so from the start (the field declares it); this sets it on a database
made before, rebuilding the columns' indexes (equal digests stay equal: nothing else changes). Unapplied, the
columns go back to the database's default collation.
"""

from django.db import migrations

COLUMNS = (("people_person", "id_number_bidx"), ("people_person", "phone_bidx"))


def _set(collation: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        quote = schema_editor.quote_name
        for table, column in COLUMNS:
            schema_editor.execute(
                f"ALTER TABLE {quote(table)} ALTER COLUMN {quote(column)} TYPE varchar(64) COLLATE {collation}")

    return run


class Migration(migrations.Migration):

    dependencies = [
        ("people", "0003_import_indexes"),
    ]

    operations = [
        migrations.RunPython(_set('"C"'), _set('"default"'), elidable=True),
    ]
