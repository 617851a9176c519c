from django.core.management.base import BaseCommand

from tongxin.core.services import load_regions


class Command(BaseCommand):
    help = "加载内置的全国行政区划（省、市、县、乡镇街道，国家统计局2023年统计用区划代码）；可重复执行。"

    def handle(self, *args, **options):
        created = load_regions()
        self.stdout.write(self.style.SUCCESS(f"行政区划已加载：新增 {created} 条。"))
