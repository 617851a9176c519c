import datetime
import io
import json

import pytest
import xlsxwriter
from django.core.management import call_command
from django.utils import timezone

from tongxin.core import validators
from tongxin.core.models import AuditEntry
from tongxin.core.tabular import ImportContext, run_import, write_csv, write_xlsx
from tongxin.people.imports import PersonSpec
from tongxin.people.models import NetworkAccount, Organization, Person, PersonState

from .conftest import COUNTY_A, TOWNSHIP_A

D = datetime.date
TODAY = timezone.localdate()
pytestmark = pytest.mark.usefixtures("regions")


def idn(seq, birth=None, gender="M", region="510903"):
    return validators.make_id_number(region, birth or D(1985, 3, 1), seq, gender)


def context(**kwargs):
    kwargs.setdefault("region", COUNTY_A)
    kwargs.setdefault("filename", "船山区台账2024.xlsx")
    kwargs.setdefault("today", TODAY)
    return ImportContext(**kwargs)


def write(tmp_path, text, name="ledger.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def xlsx(tmp_path, rows, name="ledger.xlsx", title=True):
    path = tmp_path / name
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("台账")
    offset = 0
    if title:
        merged = book.add_format({"bold": True, "align": "center"})
        sheet.merge_range(0, 0, 0, len(rows[0]) - 1, "船山区新的社会阶层人士台账（2024年）", merged)
        sheet.merge_range(1, 0, 1, len(rows[0]) - 1, "填报单位：船山区委统战部", None)
        offset = 2
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, datetime.date):
                sheet.write_datetime(r + offset, c, datetime.datetime.combine(value, datetime.time()),
                                     book.add_format({"num_format": "yyyy-mm-dd"}))
            elif value is not None:
                sheet.write(r + offset, c, value)
    book.close()
    return path


HEADER = "序号,姓名,性别,身份证号码,联系电话,工作单位,职务,类别,细分类别,政治面貌,代表人士,储备,网络人士,专长,区划代码,备注"


def test_messy_gbk_ledger_with_titles_and_fullwidth(tmp_path):
    fullwidth_id = idn(1).translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    lower_x = next(idn(n) for n in range(500) if idn(n).endswith("X"))
    text = (
        "船山区新阶人士台账,,,,,\n"
        ",,,,,\n"
        f"{HEADER}\n"
        f"1,张嘉骊,女,{idn(2, D(1990, 5, 17), 'F')},13812345678,遂宁嘉禾文化传媒有限公司,主播,4,网络作家、主播等内容创作者,"
        "群众,否,否,是,直播带货、短视频制作,510903001000,\n"
        f"2,李 四,,{fullwidth_id},１３９ ０００１ ２３４５,四川凤栖律师事务所,律师,中介组织和社会组织从业人员,律师,中共党员,县级,,,"
        "法律咨询,,\n"
        f"3,王五,男,{lower_x.lower()},0825-2221234,,,3,,无党派人士,,是,,,510903,备注里有逗号\n"
        ",,,,,,,,,,,,,,,\n"
        "合计,3人,,,,,,,,,,,,,,\n"
        "填表人：李晓燕,,,,,,,,,,,,,,,\n"
    )
    path = write(tmp_path, text, encoding="gbk")
    result = run_import(path, PersonSpec(), context())
    assert result.errors == [], result.errors
    assert (result.rows, result.created, result.header_row) == (3, 3, 3)
    zhang = Person.objects.get(name="张嘉骊")
    assert (zhang.name_initials, zhang.birth_date, zhang.gender) == ("zjl", D(1990, 5, 17), "F")
    assert (zhang.region_id, zhang.category, zhang.subcategory) == (TOWNSHIP_A, "4", "43")
    assert zhang.is_network_figure and zhang.source == "导入：船山区台账2024.xlsx"
    assert sorted(zhang.specialties.values_list("name", flat=True)) == ["直播带货", "短视频制作"]
    assert zhang.employer.name == "遂宁嘉禾文化传媒有限公司" and zhang.employer.region_id == TOWNSHIP_A
    li = Person.objects.get(name="李四")
    assert li.id_number == idn(1) and li.phone == "13900012345" and li.category == "2" and li.subcategory == "21"
    assert li.is_representative and li.representative_level == "county"
    wang = Person.objects.get(name="王五")
    assert wang.id_number == lower_x and wang.phone == "0825-2221234" and wang.is_reserve and wang.note
    assert PersonState.objects.filter(person=wang, is_reserve=True).exists()
    assert AuditEntry.objects.filter(action=AuditEntry.IMPORT).count() == 1
    assert AuditEntry.objects.filter(action=AuditEntry.CREATE, object_id=str(li.pk)).exists()


MISTAKES = [  # (cells after 姓名, expected column, message fragment) — one mistake per row
    ({"姓名": ""}, "姓名", "不能为空"),
    ({"身份证号码": "51090319850301001"}, "身份证号码", "18位"),
    ({"身份证号码": "510903198503010010"}, "身份证号码", "校验码"),
    ({"身份证号码": idn(0, D(2099, 1, 1))}, "身份证号码", "出生日期"),
    ({"联系电话": "12345"}, "联系电话", "格式不正确"),
    ({"联系电话": "2345678901234"}, "联系电话", "格式不正确"),
    ({"类别": "5"}, "类别", "不是可选值"),
    ({"类别": "工人"}, "类别", "不是可选值"),
    ({"类别": "", "细分类别": ""}, "人士类别", "不能为空"),
    ({"细分类别": "律师"}, "细分类别", "不属于"),
    ({"区划代码": "510904"}, "区划代码", "管辖范围"),
    ({"区划代码": "519999"}, "区划代码", "不存在"),
    ({"区划代码": "51090"}, "区划代码", "位数"),
    ({"政治面貌": "无"}, "政治面貌", "不是可选值"),
    ({"性别": "未知"}, "性别", "不是可选值"),
    ({"代表人士": "也许"}, "代表人士", "代表人士层级"),
    ({"储备": "可能"}, "储备", "是"),
    ({"出生日期": "1985-13-01"}, "出生日期", "不存在"),
    ({"出生日期": "2099-01-01"}, "出生日期", "晚于今天"),
    ({"身份证号码": idn(3), "性别": "女"}, "性别", "不一致"),
]


def test_twenty_kinds_of_mistakes_are_reported_by_row_and_column(tmp_path):
    headers = ["序号", "姓名", "性别", "身份证号码", "出生日期", "联系电话", "类别", "细分类别", "政治面貌", "代表人士",
               "储备", "区划代码"]
    good = {"姓名": "好人", "性别": "", "身份证号码": "", "出生日期": "", "联系电话": "", "类别": "1",
            "细分类别": "", "政治面貌": "群众", "代表人士": "", "储备": "", "区划代码": "510903"}
    rows = [headers]
    for i, (cells, _column, _message) in enumerate(MISTAKES):
        row = {**good, "姓名": f"人士{i}", **cells}
        rows.append([str(i + 1)] + [row[h] for h in headers[1:]])
    rows.append(["21"] + [good[h] for h in headers[1:]])
    path = xlsx(tmp_path, rows)
    output = tmp_path / "rejected.xlsx"
    result = run_import(path, PersonSpec(), context(scope=COUNTY_A))
    assert result.rows == 21 and result.rejected == 20 and not result.committed
    assert Person.objects.count() == 0 and Organization.objects.count() == 0
    by_row = {}
    for row, column, message in result.errors:
        by_row.setdefault(row, []).append((column, message))
    for i, (_cells, column, fragment) in enumerate(MISTAKES):
        errors = by_row[i + 4]  # two title rows, the header, then data from row 4
        assert len(errors) == 1 and errors[0][0] == column and fragment in errors[0][1], (i, errors)

    result = run_import(path, PersonSpec(), context(scope=COUNTY_A), skip_invalid=True, rejected_output=output)
    assert result.committed and result.created == 1 and result.rejected == 20
    assert list(Person.objects.values_list("name", flat=True)) == ["好人"]
    import python_calamine

    rejected = python_calamine.CalamineWorkbook.from_path(str(output)).get_sheet_by_index(0).to_python()
    assert len(rejected) == 21 and rejected[0][-2:] == ["错误说明", "原行号"]


def test_update_by_id_number_merge_by_name_and_phone_and_in_file_duplicates(tmp_path, make_person, make_org):
    existing = make_person("李四", id_seq=1, job_title="律师", added_on=D(2020, 1, 1))
    likely = make_person("王五", phone="13800001111", job_title="")
    text = (
        "姓名,身份证号,手机号码,职务,人士类别,状态,状态变更原因,标签\n"
        f"李四,{idn(1)},,合伙人,2,,,法律服务团\n"
        "王五,,13800001111,总经理,1,,,\n"
        f"赵六,{idn(5)},,,1,,,\n"
        f"赵六六,{idn(5)},,,1,,,\n"
        "钱七,,13900002222,,1,,,\n"
        "钱七,,13900002222,,1,,,\n"
    )
    path = write(tmp_path, text)
    preview = run_import(path, PersonSpec(), context(), dry_run=True)
    assert (preview.created, preview.updated, preview.merged) == (2, 1, 1)
    assert [(r, c) for r, c, _m in preview.errors] == [(5, "身份证号"), (7, "手机号码")]
    assert Person.objects.count() == 2
    result = run_import(path, PersonSpec(), context(), skip_invalid=True, rejected_output=False)
    assert (result.created, result.updated, result.merged) == (2, 1, 1)
    existing.refresh_from_db()
    likely.refresh_from_db()
    assert existing.job_title == "合伙人" and existing.category == "2"
    assert list(existing.tags.values_list("name", flat=True)) == ["法律服务团"]
    assert likely.job_title == "总经理"
    states = PersonState.objects.filter(person=existing).order_by("valid_from")
    assert [s.category for s in states] == ["1", "2"]
    again = run_import(write(tmp_path, "姓名,身份证号,状态\n李四," + idn(1) + ",迁出\n", "s.csv"), PersonSpec(),
                       context())
    assert again.errors == [(2, "状态变更原因", "变更状态须填写原因")]


def test_two_rows_about_one_registered_person_are_refused_not_applied_twice(tmp_path, make_person, make_org):
    """One row finds the person by ID number, another by name and phone (or name, birth date and employer):
    both would change the same person, the later over the earlier; the later is reported instead."""
    employer = make_org("遂宁宏达科技有限公司", TOWNSHIP_A)
    person = make_person("李四", id_seq=1, phone="13800001111", job_title="律师", employer=employer)
    other = make_person("王五", birth_date=D(1980, 5, 6), employer=employer, job_title="")
    text = (
        "姓名,身份证号,手机号码,出生日期,工作单位,职务,人士类别\n"
        f"李四,{idn(1)},,,,合伙人,2\n"
        "李四,,13800001111,,,主任,2\n"
        "王五,,,1980-05-06,遂宁宏达科技有限公司,经理,1\n"
        "王五,,,1980-05-06,遂宁宏达科技有限公司,总经理,1\n"
    )
    path = write(tmp_path, text)
    preview = run_import(path, PersonSpec(), context(), dry_run=True)
    assert preview.errors == [
        (3, "手机号码", "与第 2 行是同一位已登记的人士（李四），请合并为一行"),
        (5, "姓名", "与第 4 行是同一位已登记的人士（王五），请合并为一行"),
    ]
    result = run_import(path, PersonSpec(), context(), skip_invalid=True, rejected_output=False)
    assert (result.created, result.updated, result.merged, result.rejected) == (0, 1, 1, 2)
    person.refresh_from_db()
    other.refresh_from_db()
    assert (person.job_title, other.job_title) == ("合伙人", "经理")


def test_out_of_scope_id_number_is_refused(tmp_path, make_person):
    make_person("安居人", "510904", id_seq=9)
    path = write(tmp_path, f"姓名,身份证号,人士类别\n安居人,{idn(9, region='510904')},1\n")
    result = run_import(path, PersonSpec(), context(scope=COUNTY_A))
    assert result.errors and "其他区划" in result.errors[0][2]


@pytest.mark.parametrize("masked", [True, False])
def test_export_then_import_changes_nothing(tmp_path, make_person, make_org, masked):
    employer = make_org("四川凤栖律师事务所", TOWNSHIP_A)
    make_person("张嘉骊", TOWNSHIP_A, "4", id_seq=2, gender="F", phone="13812345678", subcategory="43",
                is_network_figure=True, network_since=D(2025, 1, 2), tags=["网络正能量"], specialties="直播带货",
                accounts=[{"platform": "douyin", "account_name": "嘉骊看遂宁", "follower_count": 128000}])
    make_person("李四", COUNTY_A, "2", subcategory="21", employer=employer, is_representative=True,
                representative_level="city", representative_since=D(2024, 3, 1), phone="0825-2221234",
                added_on=D(2021, 6, 1), lawful_basis="written_consent", consent_date=D(2021, 6, 1),
                note="=HYPERLINK(\"http://x\")")
    spec = PersonSpec()
    queryset = spec.export_queryset(Person.objects.all())
    out = tmp_path / "export.xlsx"
    assert write_xlsx(queryset, spec, str(out), masked=masked) == 2
    csv_out = io.BytesIO()
    write_csv(queryset, spec, csv_out, masked=masked)
    text = csv_out.getvalue().decode("utf-8-sig")
    assert ("13812345678" in text) is not masked and "'=HYPERLINK" in text
    before = list(Person.objects.order_by("pk").values())
    audits = AuditEntry.objects.count()
    for path in (out, write(tmp_path, text, "export.csv")):
        result = run_import(path, PersonSpec(), context())
        assert result.errors == [] and (result.created, result.updated, result.merged, result.skipped) == (0, 0, 0, 2)
    assert list(Person.objects.order_by("pk").values()) == before
    assert NetworkAccount.objects.count() == 1
    assert AuditEntry.objects.count() == audits + 2  # the two IMPORT entries only


def test_cli_json_contract(tmp_path, regions):
    path = write(tmp_path, f"姓名,身份证号,人士类别\n张三,{idn(1)},1\n李四,123,1\n")
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("import", "persons", str(path), "--region", "510903", "--format", "json", stdout=out)
    assert exit_info.value.code == 1
    data = json.loads(out.getvalue())
    assert data["rows"] == 2 and data["created"] == 0
    assert data["errors"] == [{"row": 3, "column": "身份证号", "message": "身份证号应为18位"}]
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("import", "persons", str(path), "--region", "510903", "--format", "json", "--skip-invalid",
                     stdout=out)
    assert json.loads(out.getvalue())["created"] == 1
    out = io.StringIO()
    call_command("import", "persons", str(write(tmp_path, "姓名,人士类别\n王五,自由职业\n", "ok.csv")), "--region",
                 "510903001000", "--format", "json", stdout=out)
    assert json.loads(out.getvalue())["created"] == 1
    assert Person.objects.get(name="王五").region_id == TOWNSHIP_A


def test_template_round_trips_through_the_spec():
    import python_calamine

    data = PersonSpec().template_xlsx()
    sheet = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert sheet[0][:4] == ["姓名", "性别", "身份证号", "出生日期"]
    assert "系统编号" in sheet[0]
