"""A large import reads and validates in a forked process (engine.pipelined) and precomputes the encryption in
whichever process has time: the result must be exactly the one-process result — same counts, same errors by row
and column, same stored values — and an error in the reading process must surface as the same refusal."""

import multiprocessing

import pytest
from django.db import connection

from tongxin.core.keys import keyring
from tongxin.core.models import AuditEntry
from tongxin.core.tabular import TabularError, engine, run_import
from tongxin.people import pinyin, services
from tongxin.people.imports import PersonSpec
from tongxin.people.models import Person

from .conftest import COUNTY_A
from .test_import import context, idn, write

pytestmark = pytest.mark.usefixtures("regions")


@pytest.fixture
def pipelined(monkeypatch):
    """Every import forks its reader, in chunks of 3 rows (so several chunks cross the pipe)."""
    calls = []
    real = engine.pipelined

    def spy(chunks, **kwargs):
        calls.append(kwargs)
        return real(chunks, **kwargs)

    monkeypatch.setattr(engine, "PARALLEL_FROM", 0)
    monkeypatch.setattr(engine, "pipelined", spy)
    monkeypatch.setattr(PersonSpec, "chunk_size", 3)
    return calls


def _ledger(tmp_path):
    lines = ["姓名,身份证号,手机号码,职务,人士类别,状态,状态变更原因,标签"]
    lines += [f"新人{i},{idn(100 + i)},1390000{i:04d},,1,,,新标签" for i in range(7)]
    lines += [
        f"李四,{idn(1)},,合伙人,2,,,法律服务团",      # row 9: update by ID number
        "王五,,13800001111,总经理,1,,,",               # row 10: merge by name + phone
        f"坏号,{idn(5)[:-1]}0,,,1,,,",                # row 11: bad check digit
        f"新人0,{idn(100)},,,1,,,",                   # row 12: same ID number as row 2
        "缺类别,,,,,,,",                               # row 13: category missing
    ]
    return write(tmp_path, "\n".join(lines) + "\n")


def test_pipelined_import_equals_the_one_process_result(tmp_path, make_person, pipelined):
    existing = make_person("李四", id_seq=1, job_title="律师")
    likely = make_person("王五", phone="13800001111", job_title="")
    path = _ledger(tmp_path)
    preview = run_import(path, PersonSpec(), context(), dry_run=True)
    assert (preview.rows, preview.created, preview.updated, preview.merged) == (12, 7, 1, 1)
    assert sorted((r, c) for r, c, _m in preview.errors) == [(11, "身份证号"), (12, "身份证号"), (13, "人士类别")]
    assert Person.objects.count() == 2

    result = run_import(path, PersonSpec(), context(), skip_invalid=True, rejected_output=False)
    assert pipelined and not multiprocessing.active_children()
    assert (result.created, result.updated, result.merged, result.rejected) == (7, 1, 1, 3)
    existing.refresh_from_db()
    likely.refresh_from_db()
    assert existing.job_title == "合伙人" and likely.job_title == "总经理"
    ring = keyring()
    for i in range(7):
        person = Person.objects.get(name=f"新人{i}")
        # precomputed in either process: tokens that open to the value, the blind indexes the model stores
        assert person.id_number == idn(100 + i) and person.phone == f"1390000{i:04d}"
        with connection.cursor() as cursor:  # the stored column, not the field's decrypted value
            cursor.execute("SELECT id_number, id_number_bidx, phone_bidx, name_pinyin, name_initials "
                           "FROM people_person WHERE id = %s", [person.pk])
            raw = cursor.fetchone()
        assert raw[0].startswith(f"sm4gcm1:{ring.active_key_id}:") and idn(100 + i) not in raw[0]
        assert raw[1] == services.blind_index_of("id_number", idn(100 + i))
        assert raw[2] == services.blind_index_of("phone", f"1390000{i:04d}")
        assert (raw[3], raw[4]) == pinyin.name_keys(f"新人{i}")
        assert list(person.tags.values_list("name", flat=True)) == ["新标签"]
    entry = AuditEntry.objects.get(action=AuditEntry.CREATE, object_repr="新人3")
    assert entry.changes == {"name": [None, "新人3"], "region": [None, COUNTY_A], "category": [None, "1"],
                             "source": [None, "导入：船山区台账2024.xlsx"], "id_number": [None, idn(103)[:6] + "********" + idn(103)[-4:]],
                             "phone": [None, "139****0003"]}
    # found again through the blind index: a second import of the same file creates nobody
    again = run_import(path, PersonSpec(), context(), skip_invalid=True, rejected_output=False)
    assert again.created == 0 and Person.objects.count() == 9


def test_rejected_rows_workbook_keeps_the_raw_cells_when_pipelined(tmp_path, make_person, pipelined):
    """Rows rejected in the main process (row 12 repeats row 2's ID number) still come with their cells; without
    a workbook to write the cells stay in the reading process."""
    import openpyxl

    out = tmp_path / "rejected.xlsx"
    result = run_import(_ledger(tmp_path), PersonSpec(), context(), skip_invalid=True, rejected_output=str(out))
    assert pipelined[-1]["keep_cells"] is True and result.rejected == 3
    sheet = openpyxl.load_workbook(out).active
    rows = {row[-1]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows[12][:2] == ("新人0", idn(100)) and "第 2 行" in rows[12][-2]
    assert rows[13][0] == "缺类别"
    run_import(_ledger(tmp_path), PersonSpec(), context(), skip_invalid=True, rejected_output=False)
    assert pipelined[-1]["keep_cells"] is False


def test_all_or_nothing_still_writes_nothing_when_pipelined(tmp_path, pipelined):
    result = run_import(_ledger(tmp_path), PersonSpec(), context())
    assert pipelined and not result.committed and result.rejected == 3
    assert Person.objects.count() == 0
    assert not multiprocessing.active_children()


def test_refusal_in_the_reading_process_is_raised(tmp_path, pipelined):
    lines = ["姓名,人士类别"] + [f"人{i},1" for i in range(10)]
    with pytest.raises(TabularError) as caught:
        run_import(write(tmp_path, "\n".join(lines) + "\n"), PersonSpec(), context(), max_rows=5)
    assert caught.value.code == "too_many_rows" and "5" in caught.value.message
    assert Person.objects.count() == 0
    assert not multiprocessing.active_children()


def test_garbage_collector_paced_for_the_import_and_restored(tmp_path, monkeypatch):
    import gc

    seen = []
    real_write = PersonSpec.write

    def write_spy(self, rows, ctx):
        seen.append(gc.get_threshold()[0])
        return real_write(self, rows, ctx)

    monkeypatch.setattr(PersonSpec, "write", write_spy)
    before = gc.get_threshold()
    result = run_import(write(tmp_path, "姓名,人士类别\n甲,1\n"), PersonSpec(), context())
    assert result.created == 1 and seen == [max(before[0], engine.GC_THRESHOLD)]
    assert gc.get_threshold() == before


def test_filter_of_known_keys_still_finds_every_registered_person(tmp_path, make_person, pipelined, monkeypatch):
    """With the filter of known keys loaded from the first row (as a big import loads it), rows about registered
    persons are still found — by ID number, by name + phone, by name + birth date + employer — and a second import
    of the same file creates nobody."""
    from tongxin.people import imports

    monkeypatch.setattr(imports, "KNOWN_KEYS_FROM", 0)
    make_person("李四", id_seq=1, job_title="律师")
    make_person("王五", phone="13800001111", job_title="")
    first = run_import(write(tmp_path, "姓名,出生日期,工作单位,人士类别\n赵六,1980-01-02,遂宁过滤公司,1\n"),
                       PersonSpec(), context())
    assert first.created == 1
    lines = ["姓名,身份证号,手机号码,出生日期,工作单位,职务,人士类别"]
    lines += [f"新人{i},{idn(100 + i)},1390000{i:04d},,,,1" for i in range(5)]
    lines += [f"李四,{idn(1)},,,,合伙人,2", "王五,,13800001111,,,总经理,1", "赵六,,,1980-01-02,遂宁过滤公司,经理,1"]
    path = write(tmp_path, "\n".join(lines) + "\n")
    result = run_import(path, PersonSpec(), context())
    assert (result.created, result.updated, result.merged, result.rejected) == (5, 1, 2, 0)
    again = run_import(path, PersonSpec(), context())
    assert again.created == 0 and Person.objects.count() == 8
    known = imports.KnownKeys.load()
    assert known.may_have_bidx(services.blind_index_of("id_number", idn(100)))
    assert known.may_have_bidx(services.blind_index_of("phone", "13800001111"))
    assert not known.may_have_bidx(services.blind_index_of("phone", "13999999999"))


@pytest.mark.parametrize("slower", ["main", "reader"])
def test_precompute_runs_in_whichever_process_has_time(tmp_path, make_person, pipelined, monkeypatch, slower):
    """The encryption, blind indexes and pinyin are precomputed by the reading process while the main one still
    has chunks waiting, and by the main one when it has taken every chunk sent (a slow reader, as for .xlsx):
    either way the stored values are the same."""
    import os
    import time

    marker = "\x00precomputed_in"
    real_precompute, real_plan, real_clean = PersonSpec.precompute, PersonSpec.plan, PersonSpec.clean_row
    where = {}

    def precompute(self, rows, ctx):
        real_precompute(self, rows, ctx)
        for row in rows:
            row.data[marker] = os.getpid()

    def plan(self, rows, ctx):
        where.update((row.number, row.data.pop(marker, None)) for row in rows)
        if slower == "main":
            time.sleep(0.2)
        return real_plan(self, rows, ctx)

    def clean_row(self, row, ctx):
        if slower == "reader":
            time.sleep(0.05)
        return real_clean(self, row, ctx)

    monkeypatch.setattr(PersonSpec, "precompute", precompute)
    monkeypatch.setattr(PersonSpec, "plan", plan)
    monkeypatch.setattr(PersonSpec, "clean_row", clean_row)
    lines = ["姓名,身份证号,手机号码,人士类别"] + [f"新人{i},{idn(100 + i)},1390000{i:04d},1" for i in range(15)]
    result = run_import(write(tmp_path, "\n".join(lines) + "\n"), PersonSpec(), context())
    assert result.created == 15 and len(where) == 15 and None not in where.values()
    main = os.getpid()
    in_reader = sorted(number for number, pid in where.items() if pid != main)
    if slower == "main":  # the rows of the chunks that waited for the main process: the last ones
        assert in_reader and in_reader[-1] == 16
    else:
        assert in_reader == []
    ring = keyring()
    for i in range(15):
        person = Person.objects.get(name=f"新人{i}")
        assert person.id_number == idn(100 + i) and person.phone == f"1390000{i:04d}"
        with connection.cursor() as cursor:
            cursor.execute("SELECT id_number, id_number_bidx, phone_bidx, name_pinyin FROM people_person WHERE id = %s",
                           [person.pk])
            raw = cursor.fetchone()
        assert raw[0].startswith(f"sm4gcm1:{ring.active_key_id}:")
        assert raw[1] == services.blind_index_of("id_number", idn(100 + i))
        assert raw[2] == services.blind_index_of("phone", f"1390000{i:04d}")
        assert raw[3] == pinyin.name_keys(f"新人{i}")[0]
