"""Scope declarations of the report pages for the all-URLs scope test (see tongxin.core.scope_registry).

Report pages show figures of a region: the walker requests them with no region (they must show only the walking
user's scope) and the records page with the other county's sample region (it must answer 404). The API's records
endpoint takes the region as a query parameter, which the walker cannot set; tongxin/reports/tests/test_api.py
checks that it answers 404 for a region outside the caller's scope.
"""

from tongxin.core import scope_registry
from tongxin.core.models import Region
from tongxin.reports import registry
from tongxin.reports.models import ReportTemplate


def _records_kwargs(samples: dict) -> dict:
    metrics = registry.all_metrics()
    return {"key": metrics[0].key if metrics else "people.total", "region": samples[Region].code}


scope_registry.register_global(ReportTemplate, "报告模板是全系统共用的文字，不含任何记录")
scope_registry.register_view("reports:records", Region, kwargs=_records_kwargs)
for _name in ("reports:dashboard", "reports:report", "reports:report_export", "reports:compare",
              "api:reports-report-list"):
    scope_registry.register_view(_name, Region)
scope_registry.exempt("api:reports-metric-list", "指标目录，只有指标代码和名称")
scope_registry.exempt("api:reports-records-detail",
                      "参数是指标代码；区划在查询参数中，越权区划返回404由 reports/tests/test_api.py 检查")
