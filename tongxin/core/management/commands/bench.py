"""`tongxin bench <benchmark> [options]`: run one of the benchmarks in tongxin/bench/ and print its JSON result.

A benchmark is a module `tongxin.bench.<name>` defining `HELP`, `add_arguments(parser)` (its own options) and
`run_options(options) -> dict`; the options every benchmark has (--db, --format, --output, --keep,
--postgres-url) are added here. Adding `tongxin/bench/reports.py` with those three names makes `tongxin bench
reports …` exist. Every benchmark creates and drops its own databases; the installation's data is never touched.
"""

import importlib
import pkgutil
import sys

from django.core.management.base import BaseCommand, CommandError

import tongxin.bench
from tongxin.bench.common import BenchError, emit, log


def benchmarks() -> dict:
    found = {}
    for info in pkgutil.iter_modules(tongxin.bench.__path__):
        if info.name in ("common", "tests") or info.ispkg:
            continue
        module = importlib.import_module(f"tongxin.bench.{info.name}")
        if hasattr(module, "run_options") and hasattr(module, "add_arguments"):
            found[info.name] = module
    return found


class Command(BaseCommand):
    help = "性能基准：tongxin bench registry --rows N --db sqlite|postgres --format json [--output FILE]"

    def add_arguments(self, parser):
        subparsers = parser.add_subparsers(dest="benchmark", metavar="BENCHMARK", required=True)
        for name, module in benchmarks().items():
            sub = subparsers.add_parser(name, help=getattr(module, "HELP", name), description=getattr(module, "HELP", name))
            sub.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite",
                             help="在临时 SQLite 文件或临时 PostgreSQL 数据库上运行（结束后删除）")
            sub.add_argument("--format", choices=["json", "text"], default="json", help="输出格式")
            sub.add_argument("--output", metavar="FILE", help="同时把结果写入此文件（如 bench/results/registry.json）")
            sub.add_argument("--keep", action="store_true", help="保留生成的文件（调试用）")
            sub.add_argument("--postgres-url", metavar="URL",
                             help="用于创建临时数据库的 PostgreSQL 连接（默认 $BENCH_POSTGRES_URL 或 "
                                  "postgres://postgres@127.0.0.1:5432/postgres）")
            module.add_arguments(sub)

    def handle(self, *args, **options):
        module = benchmarks()[options["benchmark"]]
        try:
            result = module.run_options(options)
        except BenchError as exc:
            raise CommandError(str(exc)) from None
        if options["format"] == "json":
            emit(result, stdout=self.stdout, output=options.get("output"))
        else:
            emit(result, stdout=_Null(), output=options.get("output"))
            self.stdout.write(module.describe(result) if hasattr(module, "describe") else str(result))
        log("done")
        sys.stdout.flush()


class _Null:
    def write(self, text):
        pass
