"""PostgreSQL only: drop indexes that another index of the same table already answers (issue #3).

Each index costs every row of a million-row import an insertion. These answer nothing the remaining ones do not:

- people_person_region_code_… (region_code): the leading column of people_person_scope_idx (region_code, status,
  category), which answers equality, the person list's "ORDER BY region" and the region foreign key's checks; the
  data scope and the region filter (LIKE 'code%') use the varchar_pattern_ops twin, which stays;
- people_person_tags_person_id_… and people_person_specialties_person_id_… (person_id): the leading column of the
  tables' unique (person_id, tag_id) / (person_id, specialty_id) indexes.

The models keep their db_index (SQLite keeps these indexes; it has no twins to fall back on).
"""

from django.db import migrations

from tongxin.core.migration_ops import drop_postgres_indexes

# (table, column, suffix, opclass) of indexes Django made
SURPLUS_INDEXES = (
    ("people_person", "region_code", "", ""),
    ("people_person_tags", "person_id", "", ""),
    ("people_person_specialties", "person_id", "", ""),
)


class Migration(migrations.Migration):

    dependencies = [
        ("people", "0002_registry_indexes"),
    ]

    operations = [
        drop_postgres_indexes(SURPLUS_INDEXES),
    ]
