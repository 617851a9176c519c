"""`tongxin refresh_figures`: compute the dashboards' figure snapshots now — run it at night (cron, or a systemd
timer) so that the first dashboard of the morning reads a snapshot instead of computing every figure."""

from django.core.management.base import BaseCommand, CommandError

from tongxin.core.models import Region
from tongxin.core.regions import LEVEL_COUNTY
from tongxin.reports import engine, services, snapshots


class Command(BaseCommand):
    help = "预先计算驾驶舱的统计快照（建议每晚定时运行）：默认为县级及以上各区划的本年数据"

    def add_arguments(self, parser):
        parser.add_argument("--region", action="append", default=[],
                            help="只计算这些区划（可重复；默认县级及以上的全部区划）")
        parser.add_argument("--from", dest="date_from", help="开始日期 YYYY-MM-DD（默认本年 1 月 1 日）")
        parser.add_argument("--to", dest="date_to", help="结束日期 YYYY-MM-DD（默认今天）")

    def handle(self, *args, **options):
        try:
            if options.get("date_from") or options.get("date_to"):
                start, end = services.parse_period(options.get("date_from"), options.get("date_to"))
            else:
                start, end = engine.preset_period("this_year")
            if options["region"]:
                regions = [services.resolve_region(code) for code in options["region"]]
            else:
                regions = list(Region.objects.filter(is_active=True, level__lte=LEVEL_COUNTY).order_by("code"))
        except services.ReportError as exc:
            raise CommandError(str(exc)) from exc
        if not snapshots.max_age():
            raise CommandError("TONGXIN_FIGURES_MAX_AGE 为 0：驾驶舱不使用统计快照，无需预先计算")
        dropped = snapshots.prune()
        if dropped:
            self.stdout.write(f"已清除一周未更新的统计快照 {dropped} 份")
        for region, seconds in snapshots.warm(regions, start, end):
            self.stdout.write(f"{region.official_code if region.code else '000000'} {region.name}：{seconds} 秒")
        self.stdout.write(f"已计算 {len(regions)} 个区划的驾驶舱（{start:%Y-%m-%d} 至 {end:%Y-%m-%d}）")
