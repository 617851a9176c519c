from tongxin.core.tabular.command import ImportCommand
from tongxin.core.tabular.registry import get_importer, importers


class Command(ImportCommand):
    help = "导入数据：tongxin import <类型> FILE --region CODE [--dry-run] [--skip-invalid] [--format json]"

    def add_arguments(self, parser):
        kinds = "、".join(importers()) or "（暂无）"
        parser.add_argument("kind", metavar="KIND", help=f"导入类型：{kinds}")
        super().add_arguments(parser)

    def get_spec(self, options):
        importer = get_importer(options["kind"])
        if importer is None:
            kinds = "、".join(importers()) or "（暂无）"
            self.fail(f"未知的导入类型“{options['kind']}”，可用的类型：{kinds}")
        return importer.spec()
