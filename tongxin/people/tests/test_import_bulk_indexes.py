"""A large PostgreSQL import into a registry smaller than the file builds the person table's list and search indexes,
and checks the person tables' foreign keys, once at the end instead of row by row (issue #3): inside the import's
transaction, so the indexes and keys are back, the same, when it commits, and untouched when it rolls back; and only
then — a big registry keeps them."""

import datetime

import pytest
from django.db import connection

from tongxin.core.tabular import ImportContext, run_import
from tongxin.people import imports
from tongxin.people.imports import PersonSpec
from tongxin.people.models import Person

from .test_import import context, idn, write

pytestmark = pytest.mark.usefixtures("regions")
pg_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only (SQLite keeps its indexes)")


def _indexes() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('people_person', "
                       "'people_personstate')")
        return dict(cursor.fetchall())


class _Seen(list):
    def __init__(self):
        super().__init__()
        self.keys = []


def _foreign_keys() -> dict[tuple[str, str], str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                       "WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)", [list(imports.BULK_CONSTRAINT_TABLES)])
        return {(table, name): definition for table, name, definition in cursor.fetchall()}


@pytest.fixture
def during_write(monkeypatch):
    """The person table's indexes as each chunk's write sees them (and, in `.keys`, the person tables' foreign
    keys); bulk from 3 rows, chunks of 2."""
    seen = _Seen()
    real = PersonSpec.write

    def spy(self, rows, ctx):
        result = real(self, rows, ctx)
        seen.append(set(_indexes()))
        seen.keys.append(set(_foreign_keys()))
        return result

    monkeypatch.setattr(PersonSpec, "write", spy)
    monkeypatch.setattr(PersonSpec, "chunk_size", 2)
    monkeypatch.setattr(imports, "BULK_INDEXES_FROM", 3)
    return seen


def _ledger(tmp_path, n=5, extra=()):
    lines = ["姓名,身份证号,手机号码,工作单位,人士类别"]
    lines += [f"批量{i},{idn(300 + i)},1370000{i:04d},遂宁批量公司{i % 2},1" for i in range(n)]
    lines += list(extra)
    return write(tmp_path, "\n".join(lines) + "\n")


@pg_only
def test_big_import_into_a_small_registry_builds_the_indexes_at_the_end(tmp_path, during_write):
    before, keys = _indexes(), _foreign_keys()
    assert ("people_person", "people_person_employer_id_7a14f3a1_fk_people_organization_id") in keys
    result = run_import(_ledger(tmp_path), PersonSpec(), context())
    assert result.committed and result.created == 5
    # while writing: no foreign keys on the person tables (checked once at the end) …
    assert all(not seen for seen in during_write.keys)
    # … the lookups' indexes and the constraints only
    dropped = set(before) - during_write[0]
    assert {"people_person_scope_idx", "people_person_initials_idx", "people_person_category_idx",
            "people_person_employer_idx"} <= dropped
    assert "people_person_pkey" in during_write[0]
    assert {"people_state_region_idx", "people_state_to_idx"} <= dropped  # the state history's too, but the
    assert "people_state_person_idx" in during_write[0]  # one that finds a person's states (for updates)
    # the lookups' own (the ID number's unique one too): the registry's few persons are looked up in memory
    assert {"people_person_id_number_unique", "people_person_name_idx"} <= dropped
    assert not any("phone_bidx" in name for name in during_write[0])
    assert all(seen == during_write[0] for seen in during_write)
    # after: every index and foreign key again, with the same definition
    assert _indexes() == before
    assert _foreign_keys() == keys
    assert Person.objects.filter(name__startswith="批量").count() == 5
    with connection.cursor() as cursor:  # the rebuilt pinyin index answers the search box's prefix
        cursor.execute("SELECT count(*) FROM people_person WHERE name_initials LIKE 'pl%%'")
        assert cursor.fetchone()[0] == 5


@pg_only
def test_rolled_back_import_leaves_every_index(tmp_path, during_write):
    before, keys = _indexes(), _foreign_keys()
    path = _ledger(tmp_path, extra=["缺类别,,,,"])  # last row rejected: all or nothing
    result = run_import(path, PersonSpec(), context())
    assert not result.committed and result.rejected == 1
    assert during_write and set(before) - during_write[0]  # they were dropped while writing …
    assert not during_write.keys[0]
    assert _indexes() == before  # … and the rollback brought them back
    assert _foreign_keys() == keys
    assert Person.objects.count() == 0


@pg_only
def test_foreign_keys_added_back_check_every_row(tmp_path, during_write, monkeypatch):
    """The foreign keys added back at the end check what was written while they were away: a row pointing
    nowhere fails the import, and nothing stays."""
    from django.db import IntegrityError

    real = imports.rebuild_indexes

    def break_one(deferred):
        with connection.cursor() as cursor:
            cursor.execute("UPDATE people_person SET employer_id = -1 WHERE id = (SELECT max(id) FROM people_person)")
        real(deferred)

    monkeypatch.setattr(imports, "rebuild_indexes", break_one)
    with pytest.raises(IntegrityError):
        run_import(_ledger(tmp_path), PersonSpec(), context())
    assert Person.objects.count() == 0


@pg_only
def test_registry_bigger_than_the_file_keeps_its_indexes(tmp_path, during_write, make_person):
    for i in range(6):
        make_person(f"已有{i}")
    before = _indexes()
    result = run_import(_ledger(tmp_path, n=4), PersonSpec(), context())
    assert result.created == 4
    assert all(seen == set(before) for seen in during_write)
    assert _indexes() == before


@pg_only
def test_bulk_load_finds_the_registrys_persons_in_memory(tmp_path, during_write, make_person):
    """Without the blind indexes' indexes, rows after the first chunk still find the persons registered before
    the import: by ID number (update) and by name + phone (merge); a key the import itself changed no longer
    matches (a row with the old ID number is a new person)."""
    kept = make_person("批量2", id_seq=302, phone="13700009999")
    merged = make_person("批量3", phone="13700000003")
    moved = make_person("旧号", id_seq=390)
    lines = ["姓名,身份证号,手机号码,工作单位,人士类别,系统编号",
             f"批量0,{idn(300)},13700000000,遂宁批量公司,1,",
             f"批量1,{idn(301)},13700000001,遂宁批量公司,1,",
             f"批量2,{idn(302)},13700000002,遂宁批量公司,1,",  # chunk 2: the same ID number → update
             f"批量3,{idn(303)},13700000003,遂宁批量公司,1,",  # the same name and phone → merge
             f"旧号,{idn(391)},,,1,{moved.pk}",  # chunk 3: a new ID number for a registered person …
             f"批量5,{idn(305)},13700000005,遂宁批量公司,1,",
             f"新人,{idn(390)},,遂宁批量公司,1,"]  # chunk 4 … whose old one now belongs to nobody: new
    result = run_import(write(tmp_path, "\n".join(lines) + "\n"), PersonSpec(), context())
    assert result.committed, result.errors
    assert "people_person_id_number_unique" not in during_write[-1]  # looked up in memory
    assert (result.created, result.updated, result.merged) == (4, 2, 1)
    kept.refresh_from_db()
    merged.refresh_from_db()
    moved.refresh_from_db()
    assert kept.phone == "13700000002"
    assert merged.id_number == idn(303)
    assert moved.id_number == idn(391)
    assert Person.objects.get(name="新人").id_number == idn(390)
    assert Person.objects.count() == 7
    assert "people_person_id_number_unique" in _indexes()


@pg_only
def test_bulk_load_merges_by_name_birth_date_and_employer_in_memory(tmp_path, during_write, make_person):
    """The name + birth date + employer match without the name index: against a person registered before the
    import and against one the import itself wrote in an earlier chunk; a namesake born another day, or with
    another employer, is a new person."""
    from tongxin.people.models import Organization

    employer = Organization.objects.create(name="遂宁老字号公司", region_id="510903")
    registered = make_person("同名甲", birth_date=datetime.date(1980, 5, 6), employer=employer)
    lines = ["姓名,出生日期,工作单位,人士类别,职务",
             "同名乙,1990-01-02,遂宁新公司,1,",  # chunk 1: written …
             "其他,1991-01-01,遂宁新公司,1,",
             "同名乙,1990-01-02,遂宁新公司,1,经理",  # chunk 2 … found again: merged (fills the job title)
             "同名甲,1980-05-06,遂宁老字号公司,1,董事长",  # the registered one: merged
             "同名甲,1980-05-07,遂宁老字号公司,1,",  # chunk 3: born another day: new
             "同名乙,1990-01-02,遂宁别的公司,1,"]  # another employer: new
    result = run_import(write(tmp_path, "\n".join(lines) + "\n"), PersonSpec(), context())
    assert result.committed, result.errors
    assert "people_person_name_idx" not in during_write[-1]
    assert (result.created, result.merged) == (4, 2)
    registered.refresh_from_db()
    assert registered.job_title == "董事长"
    assert Person.objects.get(name="同名乙", employer__name="遂宁新公司").job_title == "经理"
    assert Person.objects.filter(name="同名甲").count() == 2
    assert Person.objects.filter(name="同名乙").count() == 2


@pg_only
def test_bigger_registry_keeps_the_blind_indexes_indexes(tmp_path, during_write, make_person, monkeypatch):
    monkeypatch.setattr(imports, "EXACT_KEYS_MAX", 1)
    for i in range(2):
        make_person(f"已有{i}")
    result = run_import(_ledger(tmp_path), PersonSpec(), context())
    assert result.created == 5
    assert {"people_person_id_number_unique", "people_person_name_idx"} <= during_write[0]
    assert any("phone_bidx" in name for name in during_write[0])
    assert "people_person_scope_idx" not in during_write[0]  # still a bulk load


@pg_only
def test_small_import_and_dry_run_keep_the_indexes(tmp_path, during_write, monkeypatch):
    before = _indexes()
    preview = run_import(_ledger(tmp_path), PersonSpec(), context(), dry_run=True)
    assert preview.created == 5 and not during_write
    monkeypatch.setattr(imports, "BULK_INDEXES_FROM", 100)
    result = run_import(_ledger(tmp_path), PersonSpec(), context())
    assert result.created == 5 and all(seen == set(before) for seen in during_write)


@pg_only
def test_lock_not_granted_in_time_means_row_by_row(tmp_path, during_write, monkeypatch):
    from django.db import OperationalError

    real_execute = connection.cursor().__class__.execute

    def refuse_drop(self, sql, params=None):
        if sql.startswith(("DROP INDEX", "ALTER TABLE")):
            raise OperationalError("canceling statement due to lock timeout")
        return real_execute(self, sql, params)

    monkeypatch.setattr(connection.cursor().__class__, "execute", refuse_drop)
    before = _indexes()
    keys = _foreign_keys()
    result = run_import(_ledger(tmp_path), PersonSpec(), context())
    assert result.committed and result.created == 5
    assert all(seen == set(before) for seen in during_write)
    assert all(seen == set(keys) for seen in during_write.keys)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('lock_timeout')")
        assert cursor.fetchone()[0] != imports.BULK_LOCK_TIMEOUT


@pg_only
def test_lookup_statistics_cover_the_lookup_columns_only(make_person):
    for i in range(3):
        make_person(f"统计{i}", phone=f"1380000{i:04d}")

    def analyzed(table="people_person"):
        with connection.cursor() as cursor:
            cursor.execute("SELECT attname FROM pg_stats WHERE tablename = %s", [table])
            return {row[0] for row in cursor.fetchall()}

    from tongxin.people.models import Organization

    Organization.objects.create(name="统计单位", region_id="510903")
    imports.refresh_statistics(lookups_only=True, persons=False)  # a bulk load's: the employers' only
    assert not analyzed()
    assert "name" in analyzed("people_organization")
    imports.refresh_statistics(lookups_only=True, with_name=False)
    columns = analyzed()
    assert {"phone_bidx", "birth_date", "region_code"} <= columns
    assert not columns & {"name", "name_pinyin", "note", "phone"}
    imports.refresh_statistics()
    assert {"name", "name_pinyin", "note", "phone"} <= analyzed()


def test_context_carries_the_file_size_hint(tmp_path, monkeypatch):
    seen = []
    real = PersonSpec.prepare

    def spy(self, ctx):
        seen.append(ctx.size_hint)
        return real(self, ctx)

    monkeypatch.setattr(PersonSpec, "prepare", spy)
    run_import(_ledger(tmp_path, n=4), PersonSpec(), ImportContext(region=context().region), dry_run=True)
    assert seen == [4]


@pg_only
def test_blind_index_columns_compare_bytes_and_still_find_persons(make_person):
    """Collation "C" on the digests (BlindIndexField; migration 0004 for older databases): the index a bulk load
    rebuilds sorts them twice as fast, and lookups by ID number and phone still find their person."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT a.attname, c.collname FROM pg_attribute a JOIN pg_collation c ON c.oid = a.attcollation "
                       "WHERE a.attrelid = 'people_person'::regclass AND a.attname LIKE %s", ["%_bidx"])
        assert dict(cursor.fetchall()) == {"id_number_bidx": "C", "phone_bidx": "C"}
    person = make_person("张嘉骊", id_seq=11, phone="13812345678")
    from tongxin.people.search import search_persons

    for query in (person.id_number, "138 1234 5678"):
        assert list(search_persons(Person.objects.all(), query)) == [person]


@pg_only
def test_pinyin_compares_bytes_with_one_index_that_answers_prefixes(make_person):
    """The pinyin column is "C" (AsciiKeyField; migration 0005) with one plain index and no LIKE-pattern twin: a
    pinyin prefix typed in the search box is still answered from that index, and persons still sort by pinyin."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT c.collname FROM pg_attribute a JOIN pg_collation c ON c.oid = a.attcollation "
                       "WHERE a.attrelid = 'people_person'::regclass AND a.attname = 'name_pinyin'")
        assert cursor.fetchone() == ("C",)
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'people_person' "
                       "AND indexdef LIKE %s", ["%(name_pinyin%"])
        (index,), = cursor.fetchall()
    from tongxin.people.search import search_persons

    zhang = make_person("张嘉骊", id_seq=11)
    make_person("李岚", id_seq=12)
    assert list(search_persons(Person.objects.all(), "zhangjia")) == [zhang]
    assert list(search_persons(Person.objects.all(), "zjl")) == [zhang]
    assert list(Person.objects.order_by("name_pinyin").values_list("name", flat=True)) == ["李岚", "张嘉骊"]
    query = search_persons(Person.objects.all(), "zhangjia").query
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert index in plan
