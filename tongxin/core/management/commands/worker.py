"""`tongxin worker [--once]`: run background jobs from the database in the foreground (beside gunicorn)."""

import signal

from django.core.management.base import BaseCommand

from tongxin.core.jobs import POLL_SECONDS, Worker, discover_handlers, run_pending


class Command(BaseCommand):
    help = (
        "在前台执行后台任务（导入、导出、报表生成、密钥轮换）：每秒查询一次数据库中的任务队列。"
        "生产环境与 gunicorn 并列运行，并给 Web 进程设置 TONGXIN_WORKER=off。"
        "--once 执行完当前排队的任务后退出。收到 SIGTERM/SIGINT 时先完成正在执行的任务再退出。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="执行完排队中的任务后退出")
        parser.add_argument("--poll", type=float, default=POLL_SECONDS, help="空闲时查询间隔（秒）")

    def handle(self, *args, **options):
        discover_handlers()
        if options["once"]:
            ran = run_pending()
            self.stdout.write(f"已执行 {ran} 个任务。")
            return
        worker = Worker(poll_seconds=max(0.1, options["poll"]))

        def stop(signum, frame):
            if worker.stopping.is_set():
                raise SystemExit(1)  # asked twice: leave now; the interrupted job is re-queued on restart
            self.stdout.write("正在停止：完成当前任务后退出（再按一次 Ctrl+C 立即退出）……")
            worker.stop()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(self.style.SUCCESS("后台任务执行进程已启动（Ctrl+C 停止）。"))
        worker.run_forever()
        self.stdout.write("后台任务执行进程已停止。")
