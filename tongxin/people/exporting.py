"""Moving the registry in and out as spreadsheets, through the one engine and the persons spec: the export of a
filtered list (masked unless the user may export full values — audited either way) and the import of an
uploaded ledger, run by a background job (or at once, for a small file) so both share one code path."""

from __future__ import annotations

import os
import tempfile

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.core import audit
from tongxin.core.jobs import JobError, job_handler
from tongxin.core.models import AuditEntry
from tongxin.core.scope import scope_prefix
from tongxin.core.tabular import (
    ImportContext,
    TabularError,
    describe_errors,
    run_import,
    write_csv,
    write_xlsx,
)
from tongxin.people.imports import PersonSpec

FORMATS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "csv": "text/csv; charset=utf-8"}
EXPORT_INLINE_MAX_ROWS = 5000
IMPORT_INLINE_MAX_BYTES = 2 * 1024 * 1024


def export_filename(fmt: str) -> str:
    return f"人士名册_{timezone.localtime():%Y%m%d_%H%M}.{fmt}"


def export_persons(queryset, *, fmt: str, full: bool, user, output, description: str = "") -> int:
    """Write the persons of `queryset` to `output` with the import headers; returns the row count.

    `full` (complete ID numbers and phones) needs core.export_sensitive; every export is in the audit log, and
    says whether full values left the system."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    if full and not user.has_perm("core.export_sensitive"):
        raise PermissionDenied(_("没有导出完整敏感信息的权限"))
    spec = PersonSpec()
    rows = spec.export_queryset(queryset).iterator(chunk_size=2000)
    writer = write_xlsx if fmt == "xlsx" else write_csv
    count = writer(rows, spec, output, masked=not full)
    what = _("含完整身份证号、手机号码") if full else _("身份证号、手机号码已脱敏")
    audit.log(AuditEntry.EXPORT, region_code=scope_prefix(user) or "", user=user,
              changes={"rows": [None, count], "format": [None, fmt], "full": [None, full]},
              message=_("导出人士 %(n)s 人（%(what)s）%(desc)s") % {"n": count, "what": what, "desc": description})
    return count


@job_handler("people_export")
def export_job(job, progress) -> dict:
    """params: {"query": the list's query string, "format": "xlsx"|"csv", "full": bool}."""
    from django.http import QueryDict

    from tongxin.people.filters import PersonFilterSet
    from tongxin.people.models import Person

    user = job.user
    if user is None:
        raise JobError(_("导出任务缺少提交人"))
    params = job.params
    request = type("JobRequest", (), {"user": user, "GET": QueryDict(params.get("query", ""))})()
    filterset = PersonFilterSet(request.GET, queryset=Person.objects.restrict(user), request=request)
    progress(5, _("正在导出"))
    fmt = params.get("format", "xlsx")
    handle, path = tempfile.mkstemp(suffix=f".{fmt}")
    os.close(handle)
    try:
        count = export_persons(filterset.qs, fmt=fmt, full=bool(params.get("full")), user=user, output=path,
                               description=_("（后台任务）"))
        with open(path, "rb") as stream:
            job.result_file.save(export_filename(fmt), File(stream), save=False)
    finally:
        os.unlink(path)
    return {"导出人数": count, "文件格式": fmt.upper(), "完整敏感信息": bool(params.get("full"))}


def import_persons(*, path: str, filename: str, region: str, user, skip_invalid: bool, dry_run: bool = False,
                   rejected_output=None, progress=None):
    """Run the persons import on a stored upload (`path` in the default storage)."""
    context = ImportContext(user=user, region=region, scope=region, source="web", filename=filename,
                            today=timezone.localdate())
    with default_storage.open(path, "rb") as handle:
        return run_import(handle, PersonSpec(), context, dry_run=dry_run, skip_invalid=skip_invalid, name=filename,
                          rejected_output=rejected_output if rejected_output is not None else False,
                          progress=progress)


@job_handler("people_import")
def import_job(job, progress) -> dict:
    """params: {"path", "filename", "region", "skip_invalid"}; the upload is deleted when the job ends."""
    params = job.params
    handle, rejected = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        try:
            result = import_persons(path=params["path"], filename=params["filename"], region=params["region"],
                                    user=job.user, skip_invalid=bool(params.get("skip_invalid")),
                                    rejected_output=rejected if params.get("skip_invalid") else False,
                                    progress=progress)
        except TabularError as exc:
            raise JobError(exc.message) from None
        if not result.committed:
            lines = describe_errors(result, 20)
            more = _("……共 %(n)s 处错误") % {"n": len(result.errors)} if len(result.errors) > 20 else ""
            raise JobError(_("有 %(r)s 行存在错误，按“全部成功才导入”的方式，没有写入任何数据。请修正后重新导入，或选择"
                             "“只导入正确的行”。\n%(lines)s%(more)s") % {
                "r": result.rejected, "lines": "\n".join(lines), "more": more})
        if result.rejected_path and os.path.getsize(rejected):
            name = os.path.splitext(params["filename"])[0]
            with open(rejected, "rb") as stream:
                job.result_file.save(f"{name}_未导入的行.xlsx", File(stream), save=False)
        return {
            "文件": params["filename"], "行数": result.rows, "新增": result.created, "更新": result.updated,
            "合并": result.merged, "未变化（跳过）": result.skipped, "有错误未导入": result.rejected,
            "错误示例": "；".join(describe_errors(result, 5)) or "—",
        }
    finally:
        if os.path.exists(rejected):
            os.unlink(rejected)
        if default_storage.exists(params["path"]):
            default_storage.delete(params["path"])
