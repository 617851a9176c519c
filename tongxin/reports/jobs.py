"""Background job kinds of the reports (autodiscovered by tongxin.core.jobs): reports_export (.docx / .pdf) and
reports_snapshot (recomputing the dashboard's figures)."""

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from tongxin.core.jobs import JobError, job_handler
from tongxin.reports import engine, services, snapshots


@job_handler("reports_export")
def export_job(job, progress) -> dict:
    """params: {"region": official code, "from", "to", "format": "docx"|"pdf", "template": pk or None}. The region
    is checked against the submitter's scope again: the job runs as them, not as the worker."""
    params = job.params
    if job.user is None:
        raise JobError(_("报告任务缺少提交人"))
    try:
        region = services.region_for_user(job.user, params.get("region"))
        start, end = services.parse_period(params.get("from"), params.get("to"))
    except services.ReportError as exc:
        raise JobError(str(exc)) from exc
    fmt = params.get("format")
    if fmt not in ("docx", "pdf", "xlsx", "md", "json"):
        raise JobError(_("不支持的格式“%(f)s”") % {"f": fmt})
    progress(10, _("正在统计"))
    payload = services.render(fmt, region, start, end, template=services.get_template(params.get("template")))
    progress(90, _("正在保存文件"))
    job.result_file.save(services.filename(region, start, end, fmt), ContentFile(payload), save=False)
    return {_("区划"): region.full_name or region.name, _("期间"): engine.period_label(start, end),
            _("格式"): fmt.upper(), _("文件大小"): f"{len(payload) // 1024 + 1} KB"}


@job_handler(snapshots.JOB_KIND)
def snapshot_job(job, progress) -> dict:
    """params: {"kind", "region" (internal code, "" for the whole country), "from", "to"}. Figures only: the
    snapshot is read by pages that check the region against their user's scope."""
    result = snapshots.refresh_job(job.params)
    return {_("耗时（秒）"): result["seconds"]}
