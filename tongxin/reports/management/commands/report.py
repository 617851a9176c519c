import json
import sys

from django.core.management.base import BaseCommand, CommandError

from tongxin.reports import services

FORMATS = ("json", "md", "xlsx")


class Command(BaseCommand):
    help = "按区划和期间生成统计报告：tongxin report --region 510903 --from 2024-01-01 --to 2024-12-31 --format json"

    def add_arguments(self, parser):
        parser.add_argument("--region", required=True, help="区划代码（510000、510900、510903 或更下级），包含所有下级")
        parser.add_argument("--from", dest="date_from", required=True, help="开始日期 YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", required=True, help="结束日期 YYYY-MM-DD")
        parser.add_argument("--format", default="json", choices=FORMATS, help="输出格式")
        parser.add_argument("--output", help="输出文件（默认输出到标准输出；xlsx 必须指定）")
        parser.add_argument("--metrics", help="只计算这些指标（逗号分隔的指标代码）")

    def handle(self, *args, **options):
        try:
            region = services.resolve_region(options["region"])
            start, end = services.parse_period(options["date_from"], options["date_to"])
            keys = [k.strip() for k in options["metrics"].split(",")] if options.get("metrics") else None
            report = services.build_report(region, start, end, keys)
        except (services.ReportError, KeyError) as exc:
            raise CommandError(str(exc)) from exc
        fmt = options["format"]
        if fmt == "json":
            payload = json.dumps(report, ensure_ascii=False, indent=2).encode()
        elif fmt == "md":
            payload = services.render_markdown(report).encode()
        else:
            if not options.get("output"):
                raise CommandError("xlsx 格式须用 --output 指定输出文件")
            payload = services.render_xlsx(report)
        if options.get("output"):
            with open(options["output"], "wb") as handle:
                handle.write(payload)
            self.stderr.write(f"已写入 {options['output']}")
        else:
            sys.stdout.buffer.write(payload + (b"\n" if not payload.endswith(b"\n") else b""))
            sys.stdout.flush()
