import os
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from tongxin import conf


class Command(BaseCommand):
    help = "在 SQLite 上一键部署并填充演示数据，然后在 http://127.0.0.1:8000 提供服务；可重复执行。"

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="只部署和填充数据，不启动服务")
        parser.add_argument("--data-dir", help="数据目录（默认 ./var/ 或 $TONGXIN_DATA_DIR）")
        parser.add_argument("--bind", default="127.0.0.1:8000", help="监听地址（默认 127.0.0.1:8000）")
        parser.add_argument("--workers", type=int, default=2, help="Web 进程数")

    def handle(self, *args, **options):
        from tongxin.core import demo
        from tongxin.core.context import acting_as
        from tongxin.core.keys import keyring
        from tongxin.core.services import ensure_roles, load_regions, seed_dictionaries

        data_dir = conf.ensure_data_dir()
        self.stdout.write(f"数据目录：{data_dir}")
        keyring()
        call_command("migrate", interactive=False, verbosity=0)
        created = load_regions()
        self.stdout.write(f"行政区划：新增 {created} 条")
        ensure_roles()
        seed_dictionaries()
        call_command("collectstatic", interactive=False, verbosity=0)
        lines = []
        for seeder in demo.seeders():
            with acting_as(None, source="demo"), transaction.atomic():
                result = seeder.func()
            if seeder.name == "users":
                lines = result
            elif result:
                self.stdout.write(f"演示数据 {seeder.name}：{result}")
        self.stdout.write(self.style.SUCCESS("演示账号（用户名 / 密码 / 角色）："))
        for line in lines:
            self.stdout.write(line)
        if options["no_serve"]:
            return
        self.stdout.write(self.style.SUCCESS(f"服务已启动：http://{options['bind']}/  （Ctrl+C 停止）"))
        sys.stdout.flush()
        serve(options["bind"], options["workers"])


def serve(bind: str, workers: int) -> None:
    """Run the app under gunicorn (production-grade), with the job worker thread in each web process."""
    from gunicorn.app.base import BaseApplication

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongxin.settings")

    def post_worker_init(worker):
        from tongxin.core.jobs import start_worker_thread

        if not settings.TONGXIN_JOBS_INLINE and os.environ.get("TONGXIN_WORKER") != "off":
            start_worker_thread()

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", bind)
            self.cfg.set("workers", workers)
            self.cfg.set("threads", 4)
            self.cfg.set("timeout", 120)
            self.cfg.set("accesslog", "-")
            self.cfg.set("post_worker_init", post_worker_init)

        def load(self):
            from tongxin.wsgi import application

            return application

    Server().run()
