"""PostgreSQL only: drop the audit log's indexes that other indexes already answer.

A million-row import writes a million audit rows, and every index on the table costs each of them an insertion
(issue #3). These three answer nothing that another index of the table does not:

- core_auditentry_content_type_id_… (content_type_id): the leading column of audit_object_idx
  (content_type_id, object_id, -timestamp), which serves "entries of this object type" and the history of one
  object alike;
- core_auditentry_action_…_like (action varchar_pattern_ops): the action is a choice, only ever compared whole
  (the list's and the API's filter); the plain index answers that;
- core_auditentry_region_code_… (region_code, default operators): the scope and the region filter are prefix
  matches (LIKE 'code%'), answered by the varchar_pattern_ops twin, which answers equality (region_code = '', the
  system entries) too; nothing sorts or ranges on the audit log's region code.

The model keeps its fields' db_index (SQLite, which has no pattern twins, keeps its one index per column).
"""

from django.db import migrations

from tongxin.core.migration_ops import drop_postgres_indexes

# (table, column, suffix, opclass) of the indexes Django made for core_auditentry's columns
SURPLUS_INDEXES = (("core_auditentry", "content_type_id", "", ""),
                   ("core_auditentry", "action", "_like", "varchar_pattern_ops"),
                   ("core_auditentry", "region_code", "", ""))


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0002_attachment"),
    ]

    operations = [
        drop_postgres_indexes(SURPLUS_INDEXES),
    ]
