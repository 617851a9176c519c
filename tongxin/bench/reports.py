"""`tongxin bench reports`: the full-year report and the dashboard, measured on a synthetic city of N persons.

One run
1. migrates a fresh database (a temporary SQLite file, or a temporary PostgreSQL database dropped afterwards),
   loads the regions and creates a city-level user (遂宁市 5109);
2. builds a synthetic city with fast bulk inserts (executemany on SQLite, COPY on PostgreSQL — not the services):
   N persons (with their state-history rows) across the townships of 遂宁市; N/1000 associations with memberships
   for 15% of persons; N/500 pairings of five persons each; N/10 contacts; N/20 activities with 10 attendances each
   (10× attendances), each hosted by an association; N/100 proposals (a third adopted) — over the year under
   review and the year before it (the dashboard's previous period);
3. measures, for the city (510900) and for one county (船山区 510903), the median of `--repeat` runs of
   - the full-year JSON report (`tongxin.reports.services.render("json", …)`, what `tongxin report --format json`
     prints),
   - the baseline: one hand-written SQL aggregate per populated metric, in the same process,
   - the dashboard page (GET /reports/ through the Django test client, logged in as the city user): "ms" as it is
     served, from the figures snapshot (tongxin.reports.snapshots) that the first page computed, and "cold_ms"
     with no snapshot, every figure computed from the records (the first page after a day, or 立即刷新).

The result, on stdout and in `--output`::

    {"persons": N, "db": "sqlite|postgres",
     "report": {"city": {"seconds", "baseline_seconds", "ratio"}, "county": {...}},
     "dashboard": {"city": {"ms", "cold_ms"}, "county": {"ms", "cold_ms"}}}
"""

from __future__ import annotations

import datetime
import random
import statistics
import time

from tongxin.bench.common import BenchError, Databases, log, rounded, run_directory, run_worker

CITY, COUNTY = "510900", "510903"
USERNAME = "bench_reports"


def _year() -> int:
    """The year under review: the last whole calendar year."""
    return datetime.date.today().year - 1


# --- Bulk inserts -----------------------------------------------------------------------------------------------


class Inserter:
    """Inserts rows (dicts of column → value) into a model's table; every column not given gets its field's
    default (timestamps: now; nullable: NULL; text: ""). COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, connection):
        from django.utils import timezone

        self.connection = connection
        self.now = timezone.now()

    def _defaults(self, table_fields):
        defaults = {}
        for field in table_fields:
            if field.name in ("created_at", "updated_at"):
                value = self.now
            elif field.has_default():
                value = field.get_default()
            elif field.null:
                value = None
            elif field.get_internal_type() in ("CharField", "TextField"):
                value = ""
            else:
                value = None
            defaults[field.column] = value
        return defaults

    def insert(self, model, rows, given: list[str]) -> int:
        """`rows` yields tuples in the order of `given` (column names, "id" allowed)."""
        fields = [f for f in model._meta.concrete_fields if not (f.primary_key and f.column not in given)]
        defaults = self._defaults([f for f in fields if f.column not in given])
        columns = list(given) + list(defaults)
        tail = tuple(defaults.values())
        table = model._meta.db_table
        quote = self.connection.ops.quote_name
        count = 0
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                names = ", ".join(quote(c) for c in columns)
                with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row + tail)
                        count += 1
            else:
                sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - names from the model
                    quote(table), ", ".join(quote(c) for c in columns), ", ".join("?" * len(columns)))
                batch = []
                for row in rows:
                    batch.append(row + tail)
                    if len(batch) == 10_000:
                        cursor.executemany(sql, batch)
                        count += len(batch)
                        batch = []
                if batch:
                    cursor.executemany(sql, batch)
                    count += len(batch)
        return count


def _townships() -> list[str]:
    from tongxin.core.models import Region

    return list(Region.objects.filter(code__startswith="5109", level__gte=4).order_by("code")
                .values_list("code", flat=True)) or ["510903"]


def _codes(dict_code: str) -> list[str]:
    from tongxin.core.dictionaries import DICTIONARIES

    return [item[0] for item in DICTIONARIES[dict_code]["items"]]


def build_city(persons: int, seed: int = 510900) -> dict:
    """The synthetic city, inserted in bulk in one transaction; returns the row counts per table."""
    from django.db import connection, transaction

    from tongxin.liaison.models import Contact, ContactPerson, Pairing, PairingMember
    from tongxin.orgs.models import Association, Membership
    from tongxin.people.models import Person, PersonState

    rng = random.Random(seed)
    year = _year()
    start = datetime.date(year - 1, 1, 1)
    span = (datetime.date(year, 12, 31) - start).days + 1
    townships = _townships()
    counties = sorted({t[:6] for t in townships})
    inserter = Inserter(connection)
    counts = {}

    def day():
        return start + datetime.timedelta(days=rng.randrange(span))

    def added():
        # most persons entered the registry before the two years measured, some during them
        if rng.random() < 0.8:
            return datetime.date(2015, 1, 1) + datetime.timedelta(days=rng.randrange((start - datetime.date(2015, 1, 1)).days))
        return day()

    region_of = []
    added_of = []
    states = []  # the state-history rows, written after the persons (COPY cannot read while it writes)

    def person_rows():
        for i in range(1, persons + 1):
            region = rng.choice(townships)
            on = added()
            region_of.append(region)
            added_of.append(on)
            category = rng.choice("1111223344")
            representative = rng.random() < 0.03
            reserve = rng.random() < 0.02
            network = category in "34" and rng.random() < 0.3
            status = "active" if rng.random() < 0.96 else "moved"
            states.append((i, region, category, category + "01", status, representative, reserve,
                           on if reserve else None, network, on))
            yield (i, region, f"人士{i}", rng.choice("MF"), category, category + "01", representative, reserve,
                   on if reserve else None, network, status, on)

    with transaction.atomic():
        counts["persons"] = inserter.insert(Person, person_rows(), [
            "id", "region_code", "name", "gender", "category", "subcategory", "is_representative", "is_reserve",
            "reserve_since", "is_network_figure", "status", "added_on"])
    with transaction.atomic():
        counts["person_states"] = inserter.insert(PersonState, iter(states), [
            "person_id", "region_code", "category", "subcategory", "status", "is_representative", "is_reserve",
            "reserve_since", "is_network_figure", "valid_from"])
    states.clear()
    log(f"{persons:,} persons and their states")

    kinds, levels = _codes("association_kind"), _codes("association_level")
    n_assoc = max(len(counties), persons // 1000)
    assoc_region = [counties[i % len(counties)] if i < len(counties) else rng.choice(townships)
                    for i in range(n_assoc)]
    with transaction.atomic():
        counts["associations"] = inserter.insert(Association, (
            (i + 1, assoc_region[i], f"协会{i + 1}", rng.choice(kinds), rng.choice(levels),
             day() if rng.random() < 0.1 else datetime.date(2010, 1, 1), "active")
            for i in range(n_assoc)), ["id", "region_code", "name", "kind", "level", "founded_on", "status"])
        members = rng.sample(range(1, persons + 1), int(persons * 0.15))
        counts["memberships"] = inserter.insert(Membership, (
            (rng.randrange(1, n_assoc + 1), p, "admitted", added_of[p - 1], added_of[p - 1]) for p in members),
            ["association_id", "person_id", "status", "applied_on", "joined_on"])

        n_pair = max(1, persons // 500)
        counts["pairings"] = inserter.insert(Pairing, (
            (i + 1, region_of[(i * 5) % persons], persons - i, "county", start) for i in range(n_pair)),
            ["id", "region_code", "leader_person_id", "leader_level", "started_on"])
        counts["pairing_members"] = inserter.insert(PairingMember, (
            (i + 1, (i * 5 + k) % persons + 1, start) for i in range(n_pair) for k in range(5)),
            ["pairing_id", "person_id", "added_on"])

        n_contacts = max(1, persons // 10)
        contact_on = [day() for _ in range(n_contacts)]
        contact_person = [rng.randrange(1, persons + 1) for _ in range(n_contacts)]
        channels = ["face", "phone", "online"]
        counts["contacts"] = inserter.insert(Contact, (
            (i + 1, region_of[contact_person[i] - 1], persons - i % n_pair, contact_on[i], rng.choice(channels),
             "走访联系") for i in range(n_contacts)),
            ["id", "region_code", "by_person_id", "contacted_on", "channel", "topic"])
        counts["contact_persons"] = inserter.insert(ContactPerson, (
            (i + 1, contact_person[i], contact_on[i]) for i in range(n_contacts)),
            ["contact_id", "person_id", "contacted_on"])
    log("associations, memberships, pairings, contacts")

    counts.update(_activities(inserter, rng, persons, region_of, n_assoc, assoc_region, day))
    counts.update(_proposals(inserter, rng, persons, region_of, day))
    return counts


def _activities(inserter, rng, persons, region_of, n_assoc, assoc_region, day) -> dict:
    """N/20 activities hosted by associations, 10 attendances each."""
    from django.apps import apps
    from django.db import transaction

    if not apps.is_installed("tongxin.activities"):
        return {}
    try:
        from tongxin.activities.models import Activity, Attendance
    except ImportError:
        return {}
    types = _codes("activity_type")
    tz = datetime.timezone(datetime.timedelta(hours=8))
    n_act = max(1, persons // 20)
    counts = {}
    with transaction.atomic():
        def activity_rows():
            for i in range(n_act):
                on = day()
                host = rng.randrange(n_assoc)
                region = assoc_region[host] if len(assoc_region[host]) == 9 else region_of[rng.randrange(persons)]
                begins = datetime.datetime(on.year, on.month, on.day, 9, tzinfo=tz)
                yield (i + 1, region, f"活动{i + 1}", rng.choice(types), begins, begins + datetime.timedelta(hours=2),
                       on, False, rng.randrange(0, 200), f"bench{i + 1}")
        counts["activities"] = inserter.insert(Activity, activity_rows(), [
            "id", "region_code", "title", "type", "starts_at", "ends_at", "start_date", "is_cancelled",
            "beneficiaries", "checkin_token"])
        through = Activity.associations.through
        counts["activity_associations"] = inserter.insert(through, (
            (i + 1, rng.randrange(1, n_assoc + 1)) for i in range(n_act)), ["activity_id", "association_id"])
        counts["attendances"] = inserter.insert(Attendance, (
            (i + 1, (i * 10 + k) * 7919 % persons + 1, "staff") for i in range(n_act) for k in range(10)),
            ["activity_id", "person_id", "source"])
    log(f"{n_act:,} activities, {counts['attendances']:,} attendances")
    return counts


def _proposals(inserter, rng, persons, region_of, day) -> dict:
    """N/100 proposals by one person each, a third of them adopted."""
    from django.apps import apps
    from django.db import transaction

    if not apps.is_installed("tongxin.voice"):
        return {}
    try:
        from tongxin.voice.models import Proposal
    except ImportError:
        return {}
    n = max(1, persons // 100)
    authors = [rng.randrange(1, persons + 1) for _ in range(n)]
    topics = ["economy", "business", "governance", "livelihood"]
    counts = {}
    with transaction.atomic():
        def rows():
            for i in range(n):
                on = day()
                adopted = rng.random() < 0.33
                adopted_on = min(on + datetime.timedelta(days=30), datetime.date(_year(), 12, 31)) if adopted else None
                yield (i + 1, region_of[authors[i] - 1], f"建议{i + 1}", "内容", rng.choice(topics), "opinion", on,
                       "adopted" if adopted else "submitted", adopted_on, "staff")
        counts["proposals"] = inserter.insert(Proposal, rows(), [
            "id", "region_code", "title", "content", "topic", "channel", "submitted_on", "status", "adopted_on",
            "source"])
        counts["proposal_persons"] = inserter.insert(Proposal.persons.through, (
            (i + 1, authors[i]) for i in range(n)), ["proposal_id", "person_id"])
    log(f"{n:,} proposals")
    return counts


def _reset_sequences() -> None:
    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    models = [m for m in apps.get_models() if m._meta.app_label in ("people", "orgs", "liaison", "activities",
                                                                     "voice")]
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)
        cursor.execute("ANALYZE")


# --- The baseline: one hand-written SQL aggregate per populated metric -----------------------------------------

BASELINE_SQL = {
    "people.total": "SELECT COUNT(*) FROM people_personstate WHERE region_code LIKE %(p)s AND valid_from <= %(to)s "
                    "AND (valid_to IS NULL OR valid_to > %(to)s) AND status = 'active'",
    "people.by_category": "SELECT category, COUNT(*) FROM people_personstate WHERE region_code LIKE %(p)s "
                          "AND valid_from <= %(to)s AND (valid_to IS NULL OR valid_to > %(to)s) AND status = 'active' "
                          "GROUP BY category",
    "people.representatives": "SELECT COUNT(*) FROM people_personstate WHERE region_code LIKE %(p)s "
                              "AND valid_from <= %(to)s AND (valid_to IS NULL OR valid_to > %(to)s) "
                              "AND status = 'active' AND is_representative",
    "people.reserve": "SELECT COUNT(DISTINCT person_id) FROM people_personstate WHERE region_code LIKE %(p)s "
                      "AND is_reserve AND reserve_since BETWEEN %(from)s AND %(to)s AND valid_from <= %(to)s",
    "people.network_figures": "SELECT COUNT(*) FROM people_personstate WHERE region_code LIKE %(p)s "
                              "AND valid_from <= %(to)s AND (valid_to IS NULL OR valid_to > %(to)s) "
                              "AND status = 'active' AND is_network_figure",
    "people.new_in_period": "SELECT COUNT(DISTINCT s.person_id) FROM people_personstate s JOIN people_person p "
                            "ON p.id = s.person_id WHERE s.region_code LIKE %(p)s AND s.valid_from BETWEEN %(from)s "
                            "AND %(to)s AND s.valid_from = p.added_on",
    "orgs.associations": "SELECT level, COUNT(*) FROM orgs_association WHERE region_code LIKE %(p)s "
                         "AND founded_on <= %(to)s AND (dissolved_on IS NULL OR dissolved_on > %(to)s) GROUP BY level",
    "orgs.associations_new": "SELECT COUNT(*) FROM orgs_association WHERE region_code LIKE %(p)s "
                             "AND founded_on BETWEEN %(from)s AND %(to)s",
    "orgs.members": "SELECT COUNT(DISTINCT m.person_id) FROM orgs_membership m JOIN orgs_association a "
                    "ON a.id = m.association_id WHERE a.region_code LIKE %(p)s AND m.status = 'admitted' "
                    "AND m.joined_on <= %(to)s AND (m.left_on IS NULL OR m.left_on > %(to)s)",
    "pairing.leaders": "SELECT COUNT(DISTINCT p.id) FROM liaison_pairingmember m JOIN liaison_pairing p "
                       "ON p.id = m.pairing_id WHERE p.region_code LIKE %(p)s AND m.added_on <= %(to)s "
                       "AND (m.removed_on IS NULL OR m.removed_on > %(to)s) AND p.started_on <= %(to)s "
                       "AND (p.ended_on IS NULL OR p.ended_on > %(to)s)",
    "pairing.representatives": "SELECT COUNT(DISTINCT m.person_id) FROM liaison_pairingmember m JOIN "
                               "liaison_pairing p ON p.id = m.pairing_id WHERE p.region_code LIKE %(p)s "
                               "AND m.added_on <= %(to)s AND (m.removed_on IS NULL OR m.removed_on > %(to)s) "
                               "AND p.started_on <= %(to)s AND (p.ended_on IS NULL OR p.ended_on > %(to)s)",
    "contacts.count": "SELECT channel, COUNT(*) FROM liaison_contact WHERE region_code LIKE %(p)s "
                      "AND contacted_on BETWEEN %(from)s AND %(to)s GROUP BY channel",
    "activities.count": "SELECT type, COUNT(*) FROM activities_activity WHERE region_code LIKE %(p)s "
                        "AND NOT is_cancelled AND start_date BETWEEN %(from)s AND %(to)s GROUP BY type",
    "activities.attendance": "SELECT a.type, COUNT(*) FROM activities_attendance t JOIN activities_activity a "
                             "ON a.id = t.activity_id WHERE a.region_code LIKE %(p)s AND NOT a.is_cancelled "
                             "AND a.start_date BETWEEN %(from)s AND %(to)s GROUP BY a.type",
    "activities.beneficiaries": "SELECT SUM(beneficiaries) FROM activities_activity WHERE region_code LIKE %(p)s "
                                "AND NOT is_cancelled AND start_date BETWEEN %(from)s AND %(to)s",
    "proposals.submitted": "SELECT topic, COUNT(*) FROM voice_proposal WHERE region_code LIKE %(p)s "
                           "AND submitted_on BETWEEN %(from)s AND %(to)s GROUP BY topic",
    "proposals.adopted": "SELECT COUNT(*) FROM voice_proposal WHERE region_code LIKE %(p)s "
                         "AND adopted_on BETWEEN %(from)s AND %(to)s",
}


def baseline(prefix: str, date_from: datetime.date, date_to: datetime.date) -> float:
    """Seconds for the hand-written aggregates of the metrics the synthetic city populates."""
    from django.db import connection

    from tongxin.reports import registry

    params = {"p": prefix + "%", "from": date_from, "to": date_to}
    if connection.vendor == "sqlite":
        params = {k: v.isoformat() if isinstance(v, datetime.date) else v for k, v in params.items()}
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for key, sql in BASELINE_SQL.items():
            if registry.exists(key):
                cursor.execute(sql, params)
                cursor.fetchall()
    return time.perf_counter() - started


# --- Workers ----------------------------------------------------------------------------------------------------


def setup_worker(persons: int, seed: int) -> dict:
    from django.core.management import call_command

    from tongxin.core.keys import keyring
    from tongxin.core.services import create_user, load_regions

    keyring()
    call_command("migrate", interactive=False, verbosity=0)
    load_regions()
    create_user(username=USERNAME, password="Bench-2024-only", role="admin", scope_code=CITY[:4])  # noqa: S106
    started = time.perf_counter()
    counts = build_city(persons, seed)
    _reset_sequences()
    counts["seconds"] = round(time.perf_counter() - started, 1)
    return counts


def _median_seconds(func, repeat: int) -> float:
    func()  # warm-up: caches, the first query plans
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def measure_worker(persons: int, repeat: int) -> dict:
    import json

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.urls import reverse

    from tongxin.core.models import User
    from tongxin.people.models import Person
    from tongxin.reports import services, snapshots

    if Person.objects.count() != persons:
        raise BenchError("the synthetic city does not hold the persons asked for")
    year = _year()
    date_from, date_to = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    user = User.objects.get(username=USERNAME)
    client = Client()
    client.force_login(user)
    result = {"report": {}, "dashboard": {}}
    from django.conf import settings

    # the page as served, but with static URLs that need no collected manifest (the run has none)
    storages = {**settings.STORAGES,
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    with override_settings(ALLOWED_HOSTS=["*"], STORAGES=storages):
        for name, code in (("city", CITY), ("county", COUNTY)):
            region = services.resolve_region(code)
            payload = json.loads(services.render("json", region, date_from, date_to))
            total = payload["metrics"].get("people.total")
            if not total:
                raise BenchError(f"the {name} report counts no persons")
            seconds = _median_seconds(lambda r=region: services.render("json", r, date_from, date_to), repeat)
            base = _median_seconds(lambda r=region: baseline(r.code, date_from, date_to), repeat)
            result["report"][name] = {"seconds": rounded(seconds, 4), "baseline_seconds": rounded(base, 6),
                                      "ratio": rounded(seconds / base if base else 0, 2)}
            url = reverse("reports:dashboard") + f"?region={region.code}&period=custom&from={date_from}&to={date_to}"

            def page(u=url):
                response = client.get(u)
                if response.status_code != 200:
                    raise BenchError(f"dashboard answered {response.status_code}")
            # as served: the figures snapshot is fresh (the warm-up computed it), as on any page within
            # TONGXIN_FIGURES_MAX_AGE of the last computation; "cold": no snapshot, every figure computed
            served = _median_seconds(page, repeat)

            def cold(u=url):
                snapshots.forget()
                page(u)
            result["dashboard"][name] = {"ms": rounded(served * 1000, 1),
                                         "cold_ms": rounded(_median_seconds(cold, repeat) * 1000, 1)}
            with CaptureQueriesContext(connection) as report_queries:
                services.render("json", region, date_from, date_to)
            with CaptureQueriesContext(connection) as page_queries:
                page()
            log(f"{name}: {len(report_queries)} report queries, {len(page_queries)} dashboard queries")
            log(f"{name}: {result['report'][name]}, dashboard {result['dashboard'][name]}")
    return result


# --- The run ----------------------------------------------------------------------------------------------------


def run(persons: int, db: str, *, admin_url: str | None = None, seed: int = 510900, repeat: int = 3,
        keep: bool = False) -> dict:
    if persons < 100:
        raise BenchError("--persons must be at least 100")
    with run_directory(keep=keep) as directory:
        data_dir = directory / "data"
        data_dir.mkdir()
        databases = Databases(db, directory, admin_url)
        try:
            city = databases.create("reports")
            built = run_worker(f"{__name__}:setup_worker", database=city, data_dir=data_dir, persons=persons,
                               seed=seed).value
            log(f"synthetic city: {built}")
            measured = run_worker(f"{__name__}:measure_worker", database=city, data_dir=data_dir,
                                  persons=persons, repeat=repeat).value
        finally:
            if keep:
                log(f"database kept: {[d.url for d in databases.created]}")
            else:
                databases.drop_all()
    return {"persons": persons, "db": db, "report": measured["report"], "dashboard": measured["dashboard"]}


# --- `tongxin bench reports` ------------------------------------------------------------------------------------

HELP = "统计报告基准：生成 N 名人士的模拟城市，测量全年 JSON 报告（对比手写 SQL 基线）和驾驶舱页面（市、县两级）"


def add_arguments(parser) -> None:
    parser.add_argument("--persons", type=int, default=10_000, help="模拟城市的人士数（默认 10000）")
    parser.add_argument("--repeat", type=int, default=3, help="每项测量的次数，取中位数（默认 3，另有一次预热）")
    parser.add_argument("--seed", type=int, default=510900, help="生成数据的随机种子")


def run_options(options: dict) -> dict:
    return run(options["persons"], options["db"], admin_url=options.get("postgres_url"), seed=options["seed"],
               repeat=max(1, options["repeat"]), keep=options.get("keep", False))


def describe(result: dict) -> str:
    lines = [f"{result['persons']:,} 名人士，{result['db']}"]
    for name, label in (("city", "全市"), ("county", "县区")):
        r, d = result["report"][name], result["dashboard"][name]
        lines.append(f"{label}：全年报告 {r['seconds']} 秒（基线 {r['baseline_seconds']} 秒，倍数 {r['ratio']}），"
                     f"驾驶舱 {d['ms']} ms")
    return "\n".join(lines)
