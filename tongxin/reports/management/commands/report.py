import sys

from django.core.management.base import BaseCommand, CommandError

from tongxin.reports import services


class Command(BaseCommand):
    help = "按区划和期间生成统计报告：tongxin report --region 510903 --from 2024-01-01 --to 2024-12-31 --format json"

    def add_arguments(self, parser):
        parser.add_argument("--region", required=True,
                            help="区划代码（510000、510900、510903 或更下级；000000 为全部），包含所有下级")
        parser.add_argument("--from", dest="date_from", required=True, help="开始日期 YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", required=True, help="结束日期 YYYY-MM-DD")
        parser.add_argument("--format", default="json", choices=services.FORMATS,
                            help="输出格式：json、md、xlsx、docx（工作总结）、pdf（工作总结）")
        parser.add_argument("--output", help="输出文件（默认输出到标准输出；xlsx、docx、pdf 必须指定）")
        parser.add_argument("--metrics", help="只计算这些指标（逗号分隔的指标代码）")
        parser.add_argument("--template", help="工作总结所用的报告模板名称（默认为默认模板）")

    def handle(self, *args, **options):
        fmt = options["format"]
        if fmt in services.BINARY_FORMATS and not options.get("output"):
            raise CommandError(f"{fmt} 格式须用 --output 指定输出文件")
        try:
            region = services.resolve_region(options["region"])
            start, end = services.parse_period(options["date_from"], options["date_to"])
            keys = [k.strip() for k in options["metrics"].split(",") if k.strip()] if options.get("metrics") else None
            unknown = [k for k in keys or [] if not services.registry.exists(k)]
            if unknown:
                raise services.ReportError(f"未登记的指标代码：{'、'.join(unknown)}")
            template = self.template(options.get("template"))
            payload = services.render(fmt, region, start, end, template=template, keys=keys)
        except services.ReportError as exc:
            raise CommandError(str(exc)) from exc
        if options.get("output"):
            with open(options["output"], "wb") as handle:
                handle.write(payload)
            self.stderr.write(f"已写入 {options['output']}")
        else:
            sys.stdout.buffer.write(payload + (b"\n" if not payload.endswith(b"\n") else b""))
            sys.stdout.flush()

    @staticmethod
    def template(name):
        from tongxin.reports.models import ReportTemplate

        if not name:
            return None
        found = ReportTemplate.objects.filter(name=name).first()
        if found is None:
            names = "、".join(ReportTemplate.objects.values_list("name", flat=True))
            raise services.ReportError(f"报告模板“{name}”不存在（现有：{names or '无'}）")
        return found
