"""`tongxin bench registry`: the registry's import and search, measured on N generated ledger rows.

One run
1. generates N realistic rows (the demo's name lists, valid ID numbers and phones, employers, the four categories,
   flags, specialties and tags, across the townships of 遂宁市) and writes them as persons.csv and persons.xlsx;
2. migrates a fresh database (a temporary SQLite file, or a temporary PostgreSQL database that is dropped
   afterwards) and loads the regions — the template every measurement starts from;
3. for each file, into an empty registry (a copy of the template):
   - the baseline: parse the file with the csv module / python-calamine and insert the same rows into the person
     table with the database's fastest plain path (COPY on PostgreSQL, executemany on SQLite) — no validation,
     dedupe, encryption, history or audit;
   - the import: `tongxin import persons FILE --region 5109 --format json` — the real path — in its own process,
     whose peak resident memory is taken from the kernel;
   and checks that the import created exactly N persons;
4. on the registry the CSV import produced, times the person list's query (`search_persons` + the list's
   keyset page of 50, as a city-level user sees it) for ~200 random existing targets per kind of search: name,
   pinyin (full and initials, alternately), phone and ID number; every query must find its target.

The result, on stdout and in `--output`::

    {"rows": N, "db": "sqlite|postgres",
     "import": {"csv": {"seconds", "rows_per_s", "baseline_seconds", "ratio", "peak_rss_mb"}, "xlsx": {...}},
     "search": {"name": {"p50_ms", "p95_ms"}, "pinyin": {...}, "phone": {...}, "id_number": {...}}}
"""

from __future__ import annotations

import csv
import datetime
import json
import random
import time
from pathlib import Path

from tongxin.bench.common import (
    BenchError,
    Databases,
    log,
    percentile,
    rounded,
    run_directory,
    run_worker,
)

CITY = "5109"  # 遂宁市: the import's region, and the search user's scope
USERNAME = "bench"
HEADER = ["姓名", "性别", "身份证号", "出生日期", "手机号码", "民族", "政治面貌", "学历", "工作单位", "职务", "人士类别",
          "细分类别", "代表人士", "储备人士", "网络人士", "专长", "标签", "区划代码"]
SEARCH_KINDS = ("name", "pinyin", "phone", "id_number")
WARMUP_QUERIES = 10


# --- Generating the ledger ------------------------------------------------------------------------------------


def _labels(code: str) -> dict[str, str]:
    from tongxin.core.dictionaries import DICTIONARIES

    return {item[0]: item[1] for item in DICTIONARIES[code]["items"]}


def _townships() -> list[str]:
    from tongxin.core.services import shipped_region_rows

    return sorted(code for code, _name, _parent in shipped_region_rows() if len(code) == 9 and code.startswith(CITY))


class LedgerGenerator:
    """Rows as a township ledger holds them: labels not codes, dates, full names of employers."""

    def __init__(self, seed: int = 510903):
        from tongxin.people import demo

        self.demo = demo
        self.rng = random.Random(seed)
        self.today = datetime.date.today()
        self.townships = _townships()
        if not self.townships:
            raise BenchError("no townships of 遂宁市 in the shipped region data")
        self.ethnicity, self.political, self.education = _labels("ethnicity"), _labels("political_affiliation"), \
            _labels("education")
        self.categories = _labels("person_category")
        self.ids: set[str] = set()
        self.keys: set[tuple] = set()
        self.employers: dict[str, list[tuple[str, str]]] = {}
        self.phone_offset = self.rng.randrange(10**8)

    def _weighted(self, pairs):
        return self.demo._weighted(self.rng, pairs)

    def _employer(self, org_type: str, n_rows: int) -> tuple[str, str] | None:
        """(name, township) from a pool of about one employer per eight persons."""
        pool = self.employers.setdefault(org_type, [])
        share = next((p[1] for p in self.demo.ORG_PLAN if p[0] == org_type), 0.05)
        wanted = max(5, int(n_rows / 8 * share))
        rng = self.rng
        if len(pool) < wanted and (not pool or rng.random() < 0.5):
            words = self.demo.COMPANY_WORDS
            word = rng.choice(words) + rng.choice(words)
            pattern = next((p[2] for p in self.demo.ORG_PLAN if p[0] == org_type), "遂宁{w}{i}{s}")
            township = rng.choice(self.townships)
            name = pattern.format(w=word, i=rng.choice(self.demo.INDUSTRIES), s=rng.choice(self.demo.SUFFIXES),
                                  o=rng.choice(self.demo.SOCIAL_ORGS), m=rng.choice(self.demo.MEDIA_SUFFIXES),
                                  place="遂宁市" + rng.choice(("船山区", "安居区", "射洪市", "蓬溪县", "大英县")))
            pool.append((name, township))
            return pool[-1]
        return rng.choice(pool)

    def rows(self, n: int):
        """N rows (lists of cell values: str or datetime.date), deterministic for a seed; unique ID numbers and
        phones, and no two rows that the importer would take for one person."""
        from tongxin.core import validators

        demo, rng = self.demo, self.rng
        plans = demo.CATEGORY_PLAN
        weights = [p[1] for p in plans]
        start, span = datetime.date(1961, 1, 1), (datetime.date(2002, 12, 31) - datetime.date(1961, 1, 1)).days
        prefixes = demo.MOBILE_PREFIXES
        for i in range(n):
            sub, _share, employer_types, titles, specialties = rng.choices(plans, weights=weights)[0]
            gender = rng.choice("MMMF" if sub[0] == "1" else "MF")
            employer_type = rng.choice(employer_types)
            employer = self._employer(employer_type, n) if employer_type else None
            township = employer[1] if employer else rng.choice(self.townships)
            while True:
                birth = start + datetime.timedelta(days=rng.randrange(span))
                pool = demo.GIVEN_MALE if gender == "M" else demo.GIVEN_FEMALE
                name = rng.choice(demo.SURNAMES) + "".join(rng.choice(pool) for _ in range(rng.choice((1, 2, 2, 2))))
                key = (name, birth, employer[0] if employer else "")
                if key not in self.keys:
                    self.keys.add(key)
                    break
            id_number = ""
            if rng.random() < 0.93:
                while True:
                    id_number = validators.make_id_number(township[:6], birth, rng.randrange(500), gender)
                    if id_number not in self.ids:
                        self.ids.add(id_number)
                        break
            phone = ""
            if rng.random() < 0.96:  # unique: i ↦ i·7919 + c is a bijection modulo 10^8
                phone = prefixes[i % len(prefixes)] + f"{(i * 7919 + self.phone_offset) % 10**8:08d}"
            representative = "否"
            if rng.random() < 0.03:
                representative = self._weighted([("县级", 70), ("市级", 22), ("省级", 7), ("全国", 1)])
            network = "是" if sub[0] in "34" and rng.random() < 0.3 else "否"
            specialty = rng.choice(specialties.split()) if rng.random() < 0.3 else ""
            tags = "新联会会员" if rng.random() < 0.15 else ""
            yield [
                name, "男" if gender == "M" else "女", id_number, birth, phone,
                self.ethnicity[self._weighted(demo.ETHNICITY)], self.political[self._weighted(demo.POLITICAL)],
                self.education[self._weighted(demo.EDUCATION)], employer[0] if employer else "",
                rng.choice(titles.split()), self.categories[sub[0]], self.categories[sub],
                representative, "是" if rng.random() < 0.02 else "否", network, specialty, tags, township,
            ]


def write_ledgers(n: int, directory: Path, *, seed: int = 510903, queries: int = 200,
                  formats: tuple[str, ...] = ("csv", "xlsx")) -> dict:
    """persons.csv (UTF-8 with BOM, as Excel saves it) and persons.xlsx (xlsxwriter, constant memory) with the
    same N rows; returns their paths and the search targets drawn from the rows."""
    import xlsxwriter

    from tongxin.people import pinyin

    generator = LedgerGenerator(seed)
    csv_path, xlsx_path = directory / "persons.csv", directory / "persons.xlsx"
    picks = random.Random(seed + 1)
    wanted = min(n, queries + WARMUP_QUERIES)
    chosen = set(picks.sample(range(n), wanted)) if n else set()
    samples = []
    with_xlsx = "xlsx" in formats  # the csv is always written: the rows and targets come from one pass
    workbook = xlsxwriter.Workbook(str(xlsx_path), {"constant_memory": True}) if with_xlsx else None
    sheet = workbook.add_worksheet("人士台账") if with_xlsx else None
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"}) if with_xlsx else None
    with open(csv_path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for col, text in enumerate(HEADER):
            if with_xlsx:
                sheet.write_string(0, col, text)
        for i, row in enumerate(generator.rows(n)):
            if i in chosen:
                samples.append(row)
            writer.writerow([v.isoformat() if isinstance(v, datetime.date) else v for v in row])
            r = i + 1
            for col, value in enumerate(row if with_xlsx else ()):
                if isinstance(value, datetime.date):
                    sheet.write_datetime(r, col, datetime.datetime(value.year, value.month, value.day), date_format)
                elif value:
                    sheet.write_string(r, col, value)
            if (i + 1) % 200_000 == 0:
                log(f"generated {i + 1:,} rows")
    if with_xlsx:
        workbook.close()
    picks.shuffle(samples)
    targets = {kind: [] for kind in SEARCH_KINDS}
    for j, row in enumerate(samples):
        name, id_number, phone = row[0], row[2], row[4]
        full, initials = pinyin.name_keys(name)
        targets["name"].append({"q": name, "name": name})
        targets["pinyin"].append({"q": full if j % 2 == 0 else initials, "name": name})
        if phone:
            targets["phone"].append({"q": phone, "name": name, "exact": True})
        if id_number:
            targets["id_number"].append({"q": id_number, "name": name, "exact": True})
    return {"csv": str(csv_path), "xlsx": str(xlsx_path), "targets": targets}


# --- Workers (run in their own process, with Django set up, against the run's database) ------------------------


def setup_worker() -> dict:
    """Migrate the empty database, load the regions and create the city-level user the searches run as."""
    from django.core.management import call_command

    from tongxin.core.keys import keyring
    from tongxin.core.services import create_user, load_regions

    keyring()
    call_command("migrate", interactive=False, verbosity=0)
    load_regions()
    create_user(username=USERNAME, password="Bench-2024-only", role="admin", scope_code=CITY)  # noqa: S106
    return {"ok": True}


def import_worker(path: str, expected: int) -> dict:
    """`tongxin import persons FILE --region 5109 --format json`, timed from the call to its return."""
    import io

    from django.core.management import call_command

    from tongxin.people.models import Person

    out = io.StringIO()
    started = time.perf_counter()
    try:
        call_command("import", "persons", path, "--region", CITY, "--format", "json", stdout=out)
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise BenchError(f"import failed: {out.getvalue()[:2000]}") from None
    seconds = time.perf_counter() - started
    result = json.loads(out.getvalue())
    count = Person.objects.count()
    if result["created"] != expected or result["errors"] or count != expected:
        raise BenchError(f"import of {expected} rows created {result['created']} ({count} in the table), "
                         f"errors: {result['errors'][:5]}")
    return {"seconds": seconds, "created": result["created"]}


def _baseline_columns():
    """The person table's columns, and for each either the ledger header it is filled from or a constant."""
    from django.utils import timezone

    from tongxin.people.models import Person

    from_file = {"name": "姓名", "gender": "性别", "id_number": "身份证号", "birth_date": "出生日期",
                 "phone": "手机号码", "ethnicity": "民族", "political_affiliation": "政治面貌", "education": "学历",
                 "job_title": "职务", "category": "人士类别", "subcategory": "细分类别", "region": "区划代码"}
    now, today = timezone.now(), timezone.localdate()
    columns = []
    for field in Person._meta.concrete_fields:
        if field.primary_key:
            continue
        header = from_file.get(field.name)
        if header is not None:
            text = field.get_internal_type() in ("CharField", "TextField")
            columns.append((field.column, header, (field.max_length if text else None, "" if text else None)))
            continue
        if field.name in ("created_at", "updated_at"):
            value = now
        elif field.name == "added_on":
            value = today
        elif field.null:
            value = None
        else:
            value = field.get_default()
        columns.append((field.column, None, value))
    return columns


def baseline_worker(path: str, fmt: str, expected: int) -> dict:
    """Parse the file with the csv module or python-calamine and insert its rows into the person table as they
    are (cut to the column widths), in one transaction: the floor the real import is compared with."""
    from django.db import connection, transaction

    columns = _baseline_columns()
    started = time.perf_counter()
    if fmt == "csv":
        handle = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115
        rows = csv.reader(handle)
    else:
        import python_calamine

        handle = python_calamine.CalamineWorkbook.from_path(path)
        rows = iter(handle.get_sheet_by_index(0).iter_rows())
    header = next(rows)
    plan = []
    for _column, source, extra in columns:
        if source is None:
            plan.append((None, extra, None, None))
        else:
            plan.append((header.index(source), None, *extra))

    def records():
        for cells in rows:
            record = []
            for index, constant, width, empty in plan:
                if index is None:
                    record.append(constant)
                    continue
                value = cells[index]
                if value == "":
                    value = empty
                elif width and value.__class__ is str:
                    value = value[:width]
                record.append(value)
            yield record

    names = [c[0] for c in columns]
    count = 0
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            quoted = ", ".join(connection.ops.quote_name(n) for n in names)
            with cursor.cursor.copy(f"COPY people_person ({quoted}) FROM STDIN") as copy:
                for record in records():
                    copy.write_row(record)
                    count += 1
        else:
            sql = "INSERT INTO people_person ({}) VALUES ({})".format(  # noqa: S608 - column names from the model
                ", ".join(connection.ops.quote_name(n) for n in names), ", ".join("?" * len(names)))
            batch = []
            for record in records():
                batch.append(record)
                if len(batch) == 5000:
                    cursor.executemany(sql, batch)
                    count += len(batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
                count += len(batch)
    seconds = time.perf_counter() - started
    if hasattr(handle, "close"):
        handle.close()
    if count != expected:
        raise BenchError(f"baseline inserted {count} rows, expected {expected}")
    return {"seconds": seconds}


def search_worker(targets: dict, per_kind: int) -> dict:
    """p50/p95 of the person list's query for each kind of search, after a few warm-up queries."""
    from tongxin.core.models import User
    from tongxin.core.paging import keyset_page
    from tongxin.people.models import Person
    from tongxin.people.search import search_persons
    from tongxin.people.views import PersonListView

    user = User.objects.get(username=USERNAME)
    view = PersonListView()
    base = view.base_queryset().restrict(user).filter(is_erased=False)
    ordering = list(view.default_ordering)
    result = {}
    for kind in SEARCH_KINDS:
        items = targets[kind]
        if not items:
            raise BenchError(f"no {kind} targets")
        for item in items[:WARMUP_QUERIES]:
            keyset_page(search_persons(base, item["q"]), ordering, None, view.page_size)
        timings = []
        measured = items[WARMUP_QUERIES:][:per_kind] or items[:per_kind]
        for item in measured:
            started = time.perf_counter()
            page = keyset_page(search_persons(base, item["q"]), ordering, None, view.page_size)
            timings.append((time.perf_counter() - started) * 1000)
            names = [p.name for p in page.rows]
            if item.get("exact") and item["name"] not in names:
                raise BenchError(f"{kind} search for {item['q']!r} did not find {item['name']}")
            if not names:
                raise BenchError(f"{kind} search for {item['q']!r} found nothing")
        result[kind] = {"p50_ms": rounded(percentile(timings, 50)), "p95_ms": rounded(percentile(timings, 95)),
                        "queries": len(timings)}
    result["persons"] = Person.objects.count()
    return result


# --- The run ----------------------------------------------------------------------------------------------------


def run(rows: int, db: str, *, admin_url: str | None = None, queries: int = 200, seed: int = 510903,
        keep: bool = False, formats: tuple[str, ...] = ("csv", "xlsx")) -> dict:
    """Generate, import, search; return the result object (see the module docstring)."""
    if rows < 1:
        raise BenchError("--rows must be at least 1")
    module = __name__
    with run_directory(keep=keep) as directory:
        log(f"generating {rows:,} rows in {directory}")
        started = time.perf_counter()
        ledgers = write_ledgers(rows, directory, seed=seed, queries=queries, formats=formats)
        log(f"generated in {time.perf_counter() - started:.1f}s")
        data_dir = directory / "data"
        data_dir.mkdir()
        # A million-row ledger is bigger than the upload limit meant for the web form; the command line has none.
        biggest = max(Path(ledgers[fmt]).stat().st_size for fmt in formats)
        limits = {"TONGXIN_MAX_UPLOAD_BYTES": str(max(biggest + (1 << 20), 200 * 1024 * 1024)),
                  "TONGXIN_MAX_IMPORT_ROWS": str(max(rows, 1_000_000))}
        databases = Databases(db, directory, admin_url)
        try:
            template = databases.create("template")
            run_worker(f"{module}:setup_worker", database=template, data_dir=data_dir)
            log("template database ready")
            imports = {}
            search_db = None
            for fmt in formats:
                path = ledgers[fmt]

                def baseline(when: str, path=path, fmt=fmt) -> float:
                    target = databases.create(f"baseline_{fmt}_{when}", template=template)
                    base = run_worker(f"{module}:baseline_worker", database=target, data_dir=data_dir, path=path,
                                      fmt=fmt, expected=rows)
                    databases.drop(target)
                    log(f"{fmt} baseline ({when}): {base.value['seconds']:.2f}s")
                    return base.value["seconds"]

                # The baseline is measured just before and just after the import and the two averaged: the
                # machine's speed drifts over minutes, and the import lies between the two.
                before = baseline("before")
                target = databases.create(f"import_{fmt}", template=template)
                done = run_worker(f"{module}:import_worker", database=target, data_dir=data_dir, env=limits,
                                  path=path, expected=rows)
                after = baseline("after")
                seconds, base_seconds = done.value["seconds"], (before + after) / 2
                imports[fmt] = {
                    "seconds": rounded(seconds), "rows_per_s": rounded(rows / seconds, 1),
                    "baseline_seconds": rounded(base_seconds), "ratio": rounded(seconds / base_seconds),
                    "peak_rss_mb": rounded(done.peak_rss_mb, 1),
                    "baseline_runs": [rounded(before), rounded(after)],
                }
                log(f"{fmt} import: {imports[fmt]}")
                if search_db is None:
                    search_db = target
                else:
                    databases.drop(target)
            found = run_worker(f"{module}:search_worker", database=search_db, data_dir=data_dir,
                               targets=ledgers["targets"], per_kind=queries).value
            log(f"search: {found}")
        finally:
            databases.drop_all()
    return {
        "rows": rows,
        "db": db,
        "import": imports,
        "search": {kind: {"p50_ms": found[kind]["p50_ms"], "p95_ms": found[kind]["p95_ms"]} for kind in SEARCH_KINDS},
    }


# --- `tongxin bench registry` -----------------------------------------------------------------------------------

HELP = "人士库基准：生成 N 行台账，测量 .csv/.xlsx 导入（对比直接批量写入的基线）、峰值内存和四类搜索的延迟"


def add_arguments(parser) -> None:
    parser.add_argument("--rows", type=int, default=10_000, help="生成的行数（默认 10000）")
    parser.add_argument("--queries", type=int, default=200, help="每类搜索的查询次数（默认 200）")
    parser.add_argument("--seed", type=int, default=510903, help="生成数据的随机种子")
    parser.add_argument("--formats", default="csv,xlsx",
                        help="测量哪些文件格式的导入，逗号分隔（默认 csv,xlsx；搜索在第一种格式导入的库上测）")


def run_options(options: dict) -> dict:
    formats = tuple(f.strip() for f in options.get("formats", "csv,xlsx").split(",") if f.strip())
    if not formats or set(formats) - {"csv", "xlsx"}:
        raise BenchError("--formats takes csv, xlsx or both")
    return run(options["rows"], options["db"], admin_url=options.get("postgres_url"), queries=options["queries"],
               seed=options["seed"], keep=options.get("keep", False), formats=formats)


def describe(result: dict) -> str:
    lines = [f"{result['rows']:,} 行，{result['db']}"]
    for fmt, item in result["import"].items():
        lines.append(f"导入 {fmt}：{item['seconds']} 秒，{item['rows_per_s']:,} 行/秒，基线 {item['baseline_seconds']} 秒，"
                     f"倍数 {item['ratio']}，峰值内存 {item['peak_rss_mb']} MB")
    for kind, item in result["search"].items():
        lines.append(f"搜索 {kind}：p50 {item['p50_ms']} ms，p95 {item['p95_ms']} ms")
    return "\n".join(lines)
