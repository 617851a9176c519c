"""Associations and memberships in and out as spreadsheets, through the one engine and the specs in `imports`:
exports of a filtered list (ID numbers and phones masked; audited) and the import of an uploaded file, run by a
background job (at once for a small file) so that the page, the job and `tongxin import` share one code path."""

from __future__ import annotations

import os
import tempfile

from django.core.files import File
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.core.jobs import JobError, job_handler
from tongxin.core.tabular import ImportContext, TabularError, describe_errors, run_import
from tongxin.orgs.imports import AssociationSpec, MembershipSpec

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IMPORT_INLINE_MAX_BYTES = 2 * 1024 * 1024
SPECS = {"associations": AssociationSpec, "memberships": MembershipSpec}
LABELS = {"associations": "联谊组织", "memberships": "会员名册"}


def run_stored_import(*, kind: str, path: str, filename: str, region: str, user, skip_invalid: bool,
                      dry_run: bool = False, options: dict | None = None, rejected_output=None, progress=None):
    """Run an import of `kind` on an upload kept in the default storage."""
    context = ImportContext(user=user, region=region, scope=region, source="web", filename=filename,
                            today=timezone.localdate(), options=dict(options or {}))
    if context.options.get("association_id"):
        from tongxin.orgs.models import Association

        context.options["association"] = Association.objects.filter(pk=context.options["association_id"]).first()
    with default_storage.open(path, "rb") as handle:
        return run_import(handle, SPECS[kind](), context, dry_run=dry_run, skip_invalid=skip_invalid, name=filename,
                          rejected_output=rejected_output if rejected_output is not None else False,
                          progress=progress)


@job_handler("orgs_import")
def import_job(job, progress) -> dict:
    """params: {"kind", "path", "filename", "region", "skip_invalid", "options"}; the upload is deleted after."""
    params = job.params
    handle, rejected = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        try:
            result = run_stored_import(kind=params["kind"], path=params["path"], filename=params["filename"],
                                       region=params["region"], user=job.user,
                                       skip_invalid=bool(params.get("skip_invalid")), options=params.get("options"),
                                       rejected_output=rejected if params.get("skip_invalid") else False,
                                       progress=progress)
        except TabularError as exc:
            raise JobError(exc.message) from None
        if not result.committed:
            lines = describe_errors(result, 20)
            more = _("……共 %(n)s 处错误") % {"n": len(result.errors)} if len(result.errors) > 20 else ""
            raise JobError(_("有 %(r)s 行存在错误，按“全部正确才导入”的方式，没有写入任何数据。请修正后重新导入，或选择"
                             "“只导入正确的行”。\n%(lines)s%(more)s") % {
                "r": result.rejected, "lines": "\n".join(lines), "more": more})
        if result.rejected_path and os.path.getsize(rejected):
            name = os.path.splitext(params["filename"])[0]
            with open(rejected, "rb") as stream:
                job.result_file.save(f"{name}_未导入的行.xlsx", File(stream), save=False)
        return {"文件": params["filename"], "行数": result.rows, "新增": result.created, "更新": result.updated,
                "未变化（跳过）": result.skipped, "有错误未导入": result.rejected,
                "错误示例": "；".join(describe_errors(result, 5)) or "—"}
    finally:
        if os.path.exists(rejected):
            os.unlink(rejected)
        if default_storage.exists(params["path"]):
            default_storage.delete(params["path"])
