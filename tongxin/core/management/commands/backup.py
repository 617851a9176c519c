"""`tongxin backup FILE`: a consistent snapshot of the database and the uploaded files."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from tongxin.core.backup import BackupError, create_backup


class Command(BaseCommand):
    help = (
        "把整个系统备份到一个 zip 文件：全部数据表（在同一个事务中读取，数据前后一致；加密字段保持密文）、"
        "上传的文件和清单（版本、迁移状态、各表行数、加密所用的密钥编号，不含密钥本身）。"
        "备份含密码哈希和密文，请像数据库一样妥善保管（文件权限 0600）。恢复时需要相同的字段密钥。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="备份文件路径（.zip）")
        parser.add_argument("--no-media", action="store_true", help="不备份上传的文件")

    def handle(self, *args, **options):
        def progress(percent: int, message: str) -> None:
            if options["verbosity"] >= 2:
                self.stdout.write(f"[{percent:3d}%] {message}")

        try:
            manifest = create_backup(options["file"], include_media=not options["no_media"], progress=progress)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        except (DatabaseError, OSError) as exc:
            raise CommandError(f"备份失败：{exc}") from exc
        rows = sum(t["rows"] for t in manifest["tables"])
        self.stdout.write(self.style.SUCCESS(
            f"备份完成：{options['file']}，{len(manifest['tables'])} 张表 {rows} 条记录，"
            f"{manifest['media']['files']} 个文件；加密密钥编号：{'、'.join(manifest['key_ids']) or '无'}"
        ))
