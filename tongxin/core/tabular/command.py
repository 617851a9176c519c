"""The management-command side of the import engine: one argument set, one output format, one exit-code rule.

`tongxin import <kind> FILE --region CODE [--dry-run] [--skip-invalid] [--format json] [--rejected-output FILE]`
is `tongxin.core.management.commands.import`, which looks the kind up in the registry. A command of its own for
one kind subclasses `ImportCommand` and sets `spec_factory`.

Exit status: 0 when no row was rejected, 1 when rows (or required columns) were rejected, 2 with one Chinese
line on stderr when the file cannot be read or the arguments are wrong — never a traceback.
"""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand
from django.db import DatabaseError

from tongxin.core.tabular.engine import ImportResult, describe_errors, run_import
from tongxin.core.tabular.reader import TabularError
from tongxin.core.tabular.spec import ImportContext, ImportSpec

__all__ = ["ImportCommand"]

MAX_ERROR_LINES = 200


class ImportCommand(BaseCommand):
    help = "从 .xlsx、.xls 或 .csv 文件导入数据（全部成功才写入，或用 --skip-invalid 只导入正确的行）"
    spec_factory = None

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE", help="要导入的文件（.xlsx、.xls、.csv）")
        parser.add_argument("--region", required=True, metavar="CODE",
                            help="导入到的行政区划代码（如 510903）；各行的区划须在其范围内")
        parser.add_argument("--dry-run", action="store_true", help="只校验并预览，不写入")
        parser.add_argument("--skip-invalid", action="store_true", help="导入正确的行，跳过有错误的行")
        parser.add_argument("--format", choices=["text", "json"], default="text", help="输出格式")
        parser.add_argument("--rejected-output", metavar="FILE", help="把未导入的行及错误说明写入此 .xlsx 文件")
        parser.add_argument("--user", metavar="USERNAME", help="以此用户身份导入（记入审计日志，区划须在其数据范围内）")

    def get_spec(self, options) -> ImportSpec:
        if self.spec_factory is None:
            raise NotImplementedError("set spec_factory")
        return type(self).spec_factory()

    def fail(self, message: str, status: int = 2):
        self.stderr.write(str(message))
        raise SystemExit(status)

    def handle(self, *args, **options):
        from tongxin.core.context import acting_as

        try:
            spec = self.get_spec(options)
            context = self.build_context(options)
            with acting_as(context.user, source="cli"):
                result = run_import(
                    options["file"], spec, context, dry_run=options["dry_run"], skip_invalid=options["skip_invalid"],
                    rejected_output=options["rejected_output"] or False,
                )
        except TabularError as exc:
            self.fail(exc.message)
        except DatabaseError as exc:
            self.fail(f"写入数据库失败，已全部回滚：{str(exc).strip().splitlines()[0] if str(exc).strip() else exc!r}")
        if options["format"] == "json":
            self.stdout.write(json.dumps(result.to_json(), ensure_ascii=False))
        else:
            self.stdout.write(self.summary(result, options))
        if result.errors:
            sys.stdout.flush()
            raise SystemExit(1)

    def build_context(self, options) -> ImportContext:
        from tongxin.core import regions
        from tongxin.core.models import Region, User
        from tongxin.core.scope import in_scope

        try:
            prefix = regions.to_prefix(options["region"])
        except regions.RegionCodeError as exc:
            self.fail(str(exc))
        if not Region.objects.filter(code=prefix).exists():
            self.fail(f"区划代码“{options['region']}”不存在（请先运行 tongxin load_regions）")
        user = None
        if options.get("user"):
            user = User.objects.filter(username=options["user"], is_active=True).first()
            if user is None:
                self.fail(f"用户“{options['user']}”不存在或已停用")
            if not in_scope(user, prefix):
                self.fail(f"区划“{options['region']}”不在用户“{user.username}”的数据范围内")
        return ImportContext(user=user, region=prefix, scope=prefix, source="cli", filename=options["file"])

    def summary(self, result: ImportResult, options) -> str:
        lines = []
        if result.header_row:
            lines.append(f"工作表“{result.sheet}”，表头在第 {result.header_row} 行")
        lines.append(
            f"共 {result.rows} 行：新增 {result.created}，更新 {result.updated}，合并 {result.merged}，"
            f"跳过 {result.skipped}，有错误 {result.rejected} 行"
        )
        if result.ignored:
            lines.append("未识别的列（已忽略）：" + "、".join(result.ignored))
        if result.errors:
            lines.append(f"错误（{len(result.errors)} 处）：")
            lines.extend("  " + line for line in describe_errors(result, MAX_ERROR_LINES))
            if len(result.errors) > MAX_ERROR_LINES:
                lines.append(f"  ……另有 {len(result.errors) - MAX_ERROR_LINES} 处错误未列出（用 --format json 查看全部）")
        if result.dry_run:
            lines.append("试运行：没有写入任何数据")
        elif result.committed:
            lines.append("已导入" + ("正确的行" if result.errors else ""))
        else:
            lines.append("因有错误，全部未写入（修正后重新导入，或用 --skip-invalid 只导入正确的行）")
        if result.rejected_path:
            lines.append(f"未导入的行已写入：{result.rejected_path}")
        return "\n".join(lines)
