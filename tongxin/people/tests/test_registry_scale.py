"""The parts of the registry written for a million rows: the importer's plain-row writer, the filter of known
keys, and the indexed search box — each must give exactly what the slower, obvious path gives."""

import datetime

import pytest
from django.db import connection

from tongxin.core import audit, validators
from tongxin.core.keys import keyring
from tongxin.core.models import AuditEntry
from tongxin.core.tabular import ImportContext, run_import
from tongxin.people import imports, search, services
from tongxin.people.models import Organization, Person, PersonState, Tag

from .conftest import COUNTY_A, TOWNSHIP_A

D = datetime.date
pytestmark = pytest.mark.usefixtures("regions")

HEADER = "姓名,性别,身份证号码,出生日期,联系电话,工作单位,类别,细分类别,代表人士,储备,专长,标签,区划代码,状态,状态变更原因\n"


def _ledger(tmp_path, lines, name="ledger.csv"):
    path = tmp_path / name
    path.write_text(HEADER + "".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def _idn(seq, birth=None, gender="M"):
    return validators.make_id_number("510903", birth or D(1985, 3, 1), seq, gender)


def test_created_rows_match_what_the_services_would_store(tmp_path):
    path = _ledger(tmp_path, [
        f"张嘉骊,女,{_idn(1, gender='F')},,139 8250 1234,遂宁嘉禾文化传媒有限公司,4,43,市级,否,直播带货,新联会会员,"
        f"{TOWNSHIP_A},在册,",
        f"李四,,,1990-05-06,0825-2223333,,3,31,否,是,,,{COUNTY_A},迁出,工作调动",
    ])
    result = run_import(str(path), imports.PersonSpec(), ImportContext(region=COUNTY_A, filename="台账.csv"))
    assert result.errors == [] and result.created == 2
    zhang, li = Person.objects.get(name="张嘉骊"), Person.objects.get(name="李四")
    assert zhang.id_number == _idn(1, gender="F") and zhang.phone == "13982501234"
    assert zhang.id_number_bidx == services.blind_index_of("id_number", zhang.id_number)
    assert zhang.phone_bidx == services.blind_index_of("phone", "13982501234")
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM people_person WHERE id = %s", [zhang.pk])
        stored = cursor.fetchone()
    assert all(value.startswith("sm4gcm1:") for value in stored)  # never in clear in the database
    assert [keyring().decrypt(value) for value in stored] == [zhang.id_number, zhang.phone]
    assert (zhang.name_pinyin, zhang.name_initials) == ("zhangjiali", "zjl")
    assert zhang.birth_date == D(1985, 3, 1) and zhang.gender == "F"
    assert zhang.is_representative and zhang.representative_level == "city"
    assert zhang.employer.name == "遂宁嘉禾文化传媒有限公司" and zhang.employer.region_id == TOWNSHIP_A
    assert [t.name for t in zhang.tags.all()] == ["新联会会员"] and zhang.specialties.count() == 1
    assert zhang.source == "导入：台账.csv" and zhang.created_at is not None
    assert li.phone == "0825-2223333" and li.is_reserve and li.status == "moved"
    # the state history is the one services.initial_states computes
    for person in (zhang, li):
        stored = list(PersonState.objects.filter(person=person).order_by("valid_from", "id").values(
            "valid_from", "valid_to", *PersonState.STATE_FIELDS))
        expected = [{k: v for k, v in s.__dict__.items() if k in stored[0]} for s in services.initial_states(person)]
        assert stored == expected
    # one audit entry per person (and per new employer), masked, attributed like audit.log_bulk's
    entries = audit.history_for(zhang)
    assert [e.action for e in entries] == [AuditEntry.CREATE]
    assert entries[0].changes["phone"] == [None, "139****1234"] and entries[0].region_code == TOWNSHIP_A
    assert entries[0].object_repr == "张嘉骊" and entries[0].message == "导入：台账.csv"
    assert audit.history_for(zhang.employer).count() == 1


def test_sealer_tokens_are_keyring_tokens():
    seal = imports.sealer()
    assert seal.fast is not None
    token = seal("510903198503011234")
    assert token.startswith(f"sm4gcm1:{keyring().active_key_id}:")
    assert keyring().decrypt(token) == "510903198503011234"


def test_large_import_uses_known_keys_and_stays_exact(tmp_path, make_person, make_org, monkeypatch):
    """With the filter of known keys on from the first chunk, updates and likely duplicates are still found."""
    monkeypatch.setattr(imports, "KNOWN_KEYS_FROM", 0)
    monkeypatch.setattr(imports.PersonSpec, "chunk_size", 2)
    org = make_org("遂宁锦华食品有限公司")
    make_person("王五", id_seq=5, phone="13800000005")
    make_person("赵六", birth_date=D(1970, 1, 2), employer=org)
    lines = [f"新人{i},,{_idn(100 + i)},,,,1,11,否,否,,,{COUNTY_A},," for i in range(5)]
    lines += [
        f"王五,,{_idn(5)},,,,1,12,否,是,,,{COUNTY_A},,",                      # same ID number: update
        f"赵六,,,1970-01-02,,遂宁锦华食品有限公司,1,11,否,否,,,{COUNTY_A},,",  # name + birth + employer: merge
        f"新人9,,{_idn(100)},,,,1,11,否,否,,,{COUNTY_A},,",                    # repeats a row of this file
    ]
    result = run_import(str(_ledger(tmp_path, lines)), imports.PersonSpec(), ImportContext(region=COUNTY_A),
                        skip_invalid=True)
    assert (result.created, result.updated, result.merged) == (5, 1, 1)
    assert [(e[1], e[2][:3]) for e in result.errors] == [("身份证号", "与第 ")]
    assert Person.objects.get(name="王五").is_reserve


def test_employers_are_reused_across_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(imports.PersonSpec, "chunk_size", 2)
    lines = [f"人{i},,,,,遂宁同创科技有限公司,1,11,否,否,,,{COUNTY_A},," for i in range(5)]
    result = run_import(str(_ledger(tmp_path, lines)), imports.PersonSpec(), ImportContext(region=COUNTY_A))
    assert result.created == 5 and Organization.objects.filter(name="遂宁同创科技有限公司").count() == 1


def test_search_box_kinds(make_person, make_org):
    org = make_org("遂宁凤栖网络科技有限公司")
    zhang = make_person("张嘉骊", id_seq=1, phone="13982501234")
    worker = make_person("李明", employer=org)
    make_person("王嘉骊")
    everyone = Person.objects.all()

    def names(text):
        return sorted(p.name for p in search.search_persons(everyone, text))

    assert names("张") == names("张嘉") == names("张嘉骊") == ["张嘉骊"]
    assert names("嘉骊") == []  # names are matched from the start
    assert names("zjl") == names("zhangjiali") == ["张嘉骊"]
    assert names("139 8250 1234") == names(zhang.id_number) == ["张嘉骊"]
    assert names("凤栖") == names("遂宁凤栖网络科技有限公司") == [worker.name]
    assert names("没有这个人") == []
    make_person("凤栖梧")  # a name starting with the text wins over employers containing it
    assert names("凤栖") == ["凤栖梧"]


def test_search_with_many_matching_employers_falls_back_to_a_subquery(make_person, monkeypatch):
    monkeypatch.setattr(search, "EMPLOYER_MATCHES", 1)
    orgs = [Organization.objects.create(name=f"遂宁第{i}科技有限公司", region_id=COUNTY_A) for i in range(3)]
    for i, org in enumerate(orgs):
        make_person(f"员工{i}", employer=org)
    found = search.search_persons(Person.objects.all(), "科技")
    assert sorted(p.name for p in found) == ["员工0", "员工1", "员工2"]


def test_tags_of_new_persons_link_once(tmp_path):
    Tag.objects.create(name="新联会会员")
    lines = [f"人{i},,,,,,1,11,否,否,,新联会会员、新联会会员,{COUNTY_A},," for i in range(3)]
    run_import(str(_ledger(tmp_path, lines)), imports.PersonSpec(), ImportContext(region=COUNTY_A))
    assert Person.tags.through.objects.count() == 3
