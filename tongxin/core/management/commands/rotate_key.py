"""`tongxin rotate_key [--retire-old]`: re-encrypt all personal data under a new field key."""

from django.core.management.base import BaseCommand, CommandError

from tongxin.core.context import acting_as
from tongxin.core.crypto import Keyring
from tongxin.core.keyrotation import DEFAULT_BATCH_SIZE, RotationError, rotate_key


class Command(BaseCommand):
    help = (
        "轮换字段加密密钥：生成新密钥放在密钥环最前面（旧密钥保留用于解密），按批重新加密所有加密字段并重算盲索引，"
        "然后逐条校验。中断后再次运行会继续上次的轮换而不会再生成新密钥。"
        "--retire-old 在校验通过后从密钥环中删除旧密钥（若上次轮换已完成、旧密钥尚未停用，则只校验并停用，不再生成新密钥）。轮换后请重启所有应用服务和后台任务进程。"
        "密钥来自环境变量 TONGXIN_FIELD_KEY 时，先用 --new-secret 生成新密钥并加在该变量最前面，重启后再运行。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--retire-old", action="store_true", help="校验通过后删除旧密钥，只保留当前密钥")
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE, help="每个事务处理的行数")
        parser.add_argument(
            "--new-secret", action="store_true",
            help="只输出一个新生成的密钥（供密钥放在环境变量中的部署使用），不改动任何数据",
        )

    def handle(self, *args, **options):
        if options["new_secret"]:
            self.stdout.write(Keyring.generate_secret())
            return
        if options["batch_size"] < 1:
            raise CommandError("--batch-size 必须是正整数")

        def progress(percent: int, message: str) -> None:
            if options["verbosity"] >= 2:
                self.stdout.write(f"[{percent:3d}%] {message}")

        with acting_as(None, source="cli"):
            try:
                outcome = rotate_key(
                    retire_old=options["retire_old"], batch_size=options["batch_size"], progress=progress,
                )
            except RotationError as exc:
                raise CommandError(str(exc)) from exc
        if outcome.resumed:
            self.stdout.write("继续上次中断的密钥轮换。")
        elif not outcome.generated:
            self.stdout.write("上次的密钥轮换已完成，本次只校验数据并停用旧密钥。")
        self.stdout.write(self.style.SUCCESS(
            f"密钥轮换完成：当前密钥 {outcome.new_key_id}，重新加密 {outcome.total_reencrypted} 条记录，"
            f"校验 {outcome.verified_rows} 条记录全部可解密且已使用新密钥。"
        ))
        for label, count in sorted(outcome.reencrypted.items()):
            self.stdout.write(f"  {label}：{count}")
        if outcome.retired_key_ids:
            self.stdout.write(f"已停用旧密钥：{'、'.join(outcome.retired_key_ids)}")
        elif outcome.retire_pending:
            self.stdout.write(self.style.WARNING(
                f"密钥来自环境变量：请把 TONGXIN_FIELD_KEY 改为只保留第一个密钥（编号 {outcome.new_key_id}），"
                "然后重启所有服务。"
            ))
        elif not options["retire_old"]:
            self.stdout.write(
                "旧密钥仍保留在密钥环中用于解密。重启所有服务后可运行 `tongxin rotate_key --retire-old` 停用。"
            )
