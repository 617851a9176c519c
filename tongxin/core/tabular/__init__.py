"""One import/export engine for every app: per-model column specs drive the template, validator, preview and export.

A kind is declared once, in the app's `imports.py`::

    from tongxin.core.tabular import CREATE, UPDATE, Column, ImportSpec, parsers as p, register_importer

    class OrganizationSpec(ImportSpec):
        name = "单位"
        columns = [
            Column("name", "单位名称", aliases=("名称", "单位"), required=True, parser=p.Text(200)),
            Column("credit_code", "统一社会信用代码", aliases=("信用代码",), parser=p.CreditCode()),
            Column("kind", "单位类型", parser=p.DictChoice("organization_type")),
            Column("region_id", "区划代码", parser=p.RegionCode(), export=lambda o: o.region_id),
        ]

        def plan(self, rows, context):          # a few queries per chunk, never per row
            codes = [r.data["credit_code"] for r in rows if r.data.get("credit_code")]
            existing = {o.credit_code: o for o in Organization.objects.filter(credit_code__in=codes)}
            for row in rows:
                row.target = existing.get(row.data.get("credit_code"))
                row.action = UPDATE if row.target else CREATE

        def write(self, rows, context):         # bulk, inside the import's transaction
            ...

    register_importer("organizations", OrganizationSpec, label="单位")

Then `run_import(file, OrganizationSpec(), ImportContext(user=..., region=...), dry_run=True)` previews,
`tongxin import organizations FILE --region 510903` imports, `OrganizationSpec().template_xlsx()` is the template
and `write_xlsx(queryset, OrganizationSpec(), response, masked=...)` exports with the same headers.

See spec.py (columns and hooks), parsers.py (cell types), engine.py (how an import runs), reader.py (which
files are accepted), writer.py (exports, templates, rejected rows) and command.py (`tongxin import`).
"""

from tongxin.core.tabular import parsers
from tongxin.core.tabular.engine import ImportResult, describe_errors, run_import, validate
from tongxin.core.tabular.reader import TabularError, open_tables
from tongxin.core.tabular.registry import get_importer, importers, register_importer
from tongxin.core.tabular.spec import CREATE, MERGE, SKIP, UPDATE, Column, ImportContext, ImportSpec, Row
from tongxin.core.tabular.writer import escape_formula, template_xlsx, write_csv, write_xlsx

__all__ = [
    "CREATE",
    "MERGE",
    "SKIP",
    "UPDATE",
    "Column",
    "ImportContext",
    "ImportResult",
    "ImportSpec",
    "Row",
    "TabularError",
    "describe_errors",
    "escape_formula",
    "get_importer",
    "importers",
    "open_tables",
    "parsers",
    "register_importer",
    "run_import",
    "template_xlsx",
    "validate",
    "write_csv",
    "write_xlsx",
]
