"""`tongxin restore FILE [--force]`: put a backup back onto an empty installation."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from tongxin.core.backup import BackupError, restore_backup
from tongxin.core.context import acting_as


class Command(BaseCommand):
    help = (
        "从 `tongxin backup` 生成的文件恢复全部数据和上传的文件。目标须是同一版本、已运行 `tongxin migrate` 的空数据库："
        "除安装时自动生成的内容（内容类型、权限、角色、行政区划、数据字典）外不能有任何数据，否则拒绝恢复；"
        "这些自动生成的内容会被备份中的替换。加 --force 则先删除目标中的现有全部数据再恢复（不可撤销）。"
        "备份中加密数据所用的密钥必须都在当前密钥环中。数据库部分在一个事务中恢复：要么全部成功，要么不做任何更改。"
        "恢复会清除所有登录会话。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="备份文件路径")
        parser.add_argument("--force", action="store_true", help="删除目标数据库中的现有数据后恢复")
        parser.add_argument("--no-media", action="store_true", help="不恢复上传的文件")

    def handle(self, *args, **options):
        def progress(percent: int, message: str) -> None:
            if options["verbosity"] >= 2:
                self.stdout.write(f"[{percent:3d}%] {message}")

        with acting_as(None, source="cli"):
            try:
                summary = restore_backup(
                    options["file"], force=options["force"], include_media=not options["no_media"],
                    progress=progress,
                )
            except BackupError as exc:
                raise CommandError(str(exc)) from exc
            except DatabaseError as exc:
                raise CommandError(f"恢复失败，数据库未做任何更改：{exc}") from exc
        self.stdout.write(self.style.SUCCESS(
            f"恢复完成：{len(summary['tables'])} 张表 {summary['rows']} 条记录，{summary['media_files']} 个文件。"
        ))
