"""The import engine end to end, on a spec over data-dictionary items (a real model, written in bulk)."""

import datetime

import pytest
import python_calamine
import xlsxwriter

from tongxin.core.models import AuditEntry, DictItem, DictType
from tongxin.core.tabular import (
    CREATE,
    SKIP,
    UPDATE,
    Column,
    ImportContext,
    ImportSpec,
    describe_errors,
    parsers,
    run_import,
    validate,
)

pytestmark = pytest.mark.django_db


class DictItemSpec(ImportSpec):
    """Items of the dictionary "test_kind": matched by code; same values → skip, other values → update."""

    name = "字典项"
    columns = [
        Column("code", "代码", aliases=("编码", "项目代码"), required=True, parser=parsers.Text(20)),
        Column("label", "名称", aliases=("标签",), required=True, parser=parsers.Text(100)),
        Column("sort", "排序", parser=parsers.Integer(min_value=0), default=0),
        Column("is_active", "启用", parser=parsers.Boolean(), default=True),
    ]
    fields = ("label", "sort", "is_active")

    def prepare(self, context):
        context.state["dict_type"] = DictType.objects.get(code="test_kind")
        context.state["seen"] = {}

    def plan(self, rows, context):
        dict_type, seen = context.state["dict_type"], context.state["seen"]
        existing = {i.code: i for i in DictItem.objects.filter(dict_type=dict_type,
                                                                code__in=[r.data["code"] for r in rows])}
        for row in rows:
            code = row.data["code"]
            if code in seen:
                row.add_error("代码", f"与第 {seen[code]} 行重复")
                continue
            seen[code] = row.number
            item = existing.get(code)
            if item is None:
                row.action = CREATE
            elif all(getattr(item, f) == row.data[f] for f in self.fields if f in row.data):
                row.action = SKIP
            else:
                row.action, row.target = UPDATE, item

    def write(self, rows, context):
        dict_type = context.state["dict_type"]
        DictItem.objects.bulk_create([DictItem(dict_type=dict_type, **r.data) for r in rows if r.action == CREATE])
        fields = [f for f in self.fields if f in context.columns]
        updated = []
        for row in rows:
            if row.action == UPDATE:
                for f in fields:
                    setattr(row.target, f, row.data[f])
                updated.append(row.target)
        DictItem.objects.bulk_update(updated, fields)


@pytest.fixture
def kind():
    return DictType.objects.create(code="test_kind", name="测试字典")


def items(kind):
    return sorted(DictItem.objects.filter(dict_type=kind).values_list("code", "label", "sort", "is_active"))


def csv_file(tmp_path, text, name="items.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


GOOD = "序号,代码,名称,排序,启用,备注\n1,a,甲,1,是,\n2,b,乙,2,否,x\n3,c,丙,,,\n"
BAD = "序号,代码,名称,排序,启用\n1,a,甲,1,是\n2,b,,2,否\n3,c,丙,-1,也许\n4,d,丁,4,是\n"


def test_all_good_rows_are_written(tmp_path, kind):
    result = run_import(csv_file(tmp_path, GOOD), DictItemSpec(), ImportContext(region="510903"))
    assert result.to_json() == {"rows": 3, "created": 3, "updated": 0, "merged": 0, "skipped": 0, "errors": [],
                                "ignored": ["序号", "备注"]}
    assert result.committed
    assert items(kind) == [("a", "甲", 1, True), ("b", "乙", 2, False), ("c", "丙", 0, True)]
    entry = AuditEntry.objects.filter(action=AuditEntry.IMPORT).latest("timestamp")
    assert "新增 3" in entry.message and entry.region_code == "510903"


def test_all_or_nothing_writes_nothing_on_error(tmp_path, kind):
    result = run_import(csv_file(tmp_path, BAD), DictItemSpec(chunk_size=1), ImportContext())
    assert result.errors == [(3, "名称", "名称不能为空"), (4, "排序", "不能小于 0"),
                             (4, "启用", "应填“是”或“否”（现为“也许”）")]
    assert (result.rows, result.rejected, result.created, result.committed) == (4, 2, 0, False)
    assert items(kind) == []
    assert not AuditEntry.objects.filter(action=AuditEntry.IMPORT).exists()
    assert describe_errors(result)[0] == "第 3 行 名称：名称不能为空"


def test_skip_invalid_imports_good_rows_and_returns_the_rejected(tmp_path, kind):
    output = tmp_path / "rejected.xlsx"
    result = run_import(csv_file(tmp_path, BAD), DictItemSpec(), ImportContext(), skip_invalid=True,
                        rejected_output=output)
    assert (result.created, result.rejected, result.committed) == (2, 2, True)
    assert items(kind) == [("a", "甲", 1, True), ("d", "丁", 4, True)]
    assert result.rejected_path == str(output)
    rows = python_calamine.CalamineWorkbook.from_path(str(output)).get_sheet_by_index(0).to_python()
    assert rows[0] == ["序号", "代码", "名称", "排序", "启用", "错误说明", "原行号"]
    assert rows[1][:5] == ["2", "b", "", "2", "否"]
    assert rows[1][5:] == ["名称：名称不能为空", 3.0]
    assert rows[2][5] == "排序：不能小于 0；启用：应填“是”或“否”（现为“也许”）"
    # The user fixes the rejected file and imports it as it is.
    assert result.to_json()["errors"][0] == {"row": 3, "column": "名称", "message": "名称不能为空"}


def test_skip_invalid_without_an_output_uses_a_temporary_file(tmp_path, kind):
    import os

    result = run_import(csv_file(tmp_path, BAD), DictItemSpec(), ImportContext(), skip_invalid=True)
    assert result.rejected_path and os.path.exists(result.rejected_path)
    os.unlink(result.rejected_path)
    good = run_import(csv_file(tmp_path, GOOD.replace("a,甲", "e,戊"), "g.csv"), DictItemSpec(), ImportContext(),
                      skip_invalid=True)
    assert good.rejected_path is None


def test_dry_run_plans_without_writing(tmp_path, kind):
    DictItem.objects.create(dict_type=kind, code="a", label="甲", sort=1, is_active=True)
    DictItem.objects.create(dict_type=kind, code="b", label="旧", sort=2, is_active=False)
    result = run_import(csv_file(tmp_path, GOOD), DictItemSpec(), ImportContext(), dry_run=True)
    assert (result.created, result.updated, result.skipped, result.committed) == (1, 1, 1, False)
    assert [r.number for r in result.samples[UPDATE]] == [3]
    assert items(kind) == [("a", "甲", 1, True), ("b", "旧", 2, False)]


def test_second_import_updates_and_skips(tmp_path, kind):
    run_import(csv_file(tmp_path, GOOD), DictItemSpec(), ImportContext())
    changed = GOOD.replace("2,b,乙,2,否", "2,b,乙二,2,否")
    result = run_import(csv_file(tmp_path, changed, "b.csv"), DictItemSpec(), ImportContext())
    assert (result.created, result.updated, result.skipped) == (0, 1, 2)
    assert ("b", "乙二", 2, False) in items(kind)


def test_plan_errors_across_chunks(tmp_path, kind):
    text = "代码,名称\na,甲\nb,乙\nc,丙\na,又一个甲\n"
    result = run_import(csv_file(tmp_path, text), DictItemSpec(chunk_size=2), ImportContext(), dry_run=True)
    assert result.errors == [(5, "代码", "与第 2 行重复")]


def test_missing_required_column(tmp_path, kind):
    result = run_import(csv_file(tmp_path, "\n标题\n代码,排序\na,1\n"), DictItemSpec(), ImportContext())
    assert result.errors == [(3, "名称", "缺少必填列：名称")]
    assert result.rows == 0 and items(kind) == []


def test_header_variants_and_priority(tmp_path, kind):
    text = "项目代码,标签,名称*,启  用：\na,别名列,正名列,Y\n"
    result = validate(csv_file(tmp_path, text), DictItemSpec())
    assert result.valid_rows[0].data == {"code": "a", "label": "正名列", "is_active": True}
    assert result.ignored == ["标签"]


def test_two_row_header(tmp_path, kind):
    path = tmp_path / "h.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    sheet.merge_range(0, 0, 0, 3, "字典项清单")
    sheet.write_row(1, 0, ["代码", "名称", "其他信息"])
    sheet.write_row(2, 2, ["排序", "启用"])
    sheet.write_row(3, 0, ["a", "甲", 3, "否"])
    workbook.close()
    result = validate(path, DictItemSpec())
    assert result.header_row == 2
    assert [(r.number, r.data) for r in result.valid_rows] == [
        (4, {"code": "a", "label": "甲", "sort": 3, "is_active": False})
    ]
    assert result.ignored == []  # the group header over 排序 and 启用 is not a column


def test_full_width_spaces_notes_and_repeated_headers(tmp_path, kind):
    text = (
        "代码,名称,排序\n"
        "ａ１,　甲　乙　,１２\n"
        ",,\n"
        "代码,名称,排序\n"
        "b, 乙 ,\"3 000\"\n"
        "合计,,2\n"
        "说明：排序越小越靠前,,\n"
        "以下空白,,\n"
    )
    result = validate(csv_file(tmp_path, text), DictItemSpec())
    assert result.errors == []
    assert [(r.number, r.data["code"], r.data["label"], r.data["sort"]) for r in result.valid_rows] == [
        (2, "a1", "甲 乙", 12), (5, "b", "乙", 3000)
    ]


def test_formula_escape_is_undone(tmp_path, kind):
    result = validate(csv_file(tmp_path, "代码,名称\n'=a,'+b\n"), DictItemSpec())
    assert result.valid_rows[0].data == {"code": "=a", "label": "+b"}


def test_a_row_with_only_ignored_cells_is_blank(tmp_path, kind):
    result = validate(csv_file(tmp_path, "序号,代码,名称\n1,a,甲\n2,,\n3,,\n"), DictItemSpec())
    assert result.rows == 1 and result.errors == []


def test_progress_is_reported(tmp_path, kind):
    calls = []
    text = "代码,名称\n" + "".join(f"c{i},名{i}\n" for i in range(10))
    run_import(csv_file(tmp_path, text), DictItemSpec(chunk_size=4), ImportContext(),
               progress=lambda pct, msg: calls.append((pct, msg)))
    assert [pct for pct, _msg in calls] == [40, 80, 99, 100]
    assert calls[0][1] == "已处理 4 行"


def test_queries_per_chunk_not_per_row(tmp_path, kind, django_assert_max_num_queries):
    text = "代码,名称\n" + "".join(f"c{i},名{i}\n" for i in range(1000))
    path = csv_file(tmp_path, text)
    with django_assert_max_num_queries(30):
        result = run_import(path, DictItemSpec(chunk_size=500), ImportContext())
    assert result.created == 1000


def test_clean_row_hook(tmp_path, kind):
    class Spec(DictItemSpec):
        def clean_row(self, row, context):
            if row.data["code"] == row.data["label"]:
                row.add_error("名称", "名称不能与代码相同")

    result = validate(csv_file(tmp_path, "代码,名称\na,a\nb,乙\n"), Spec())
    assert result.errors == [(2, "名称", "名称不能与代码相同")]
    assert [r.data["code"] for r in result.valid_rows] == ["b"]


PERSONS = ImportSpec(
    [
        Column("name", "姓名", aliases=("名字", "人员姓名"), required=True, parser=parsers.Text(20)),
        Column("gender", "性别", parser=parsers.Choice({"M": "男", "F": "女"})),
        Column("id_number", "身份证号", aliases=("身份证号码", "身份证", "公民身份号码"), parser=parsers.IdNumber()),
        Column("phone", "手机", aliases=("手机号", "手机号码", "联系电话", "电话"), parser=parsers.Phone()),
        Column("category", "类别", aliases=("人士类别", "所属类别", "人员类别"),
               parser=parsers.DictChoice("person_category", top_level=True)),
        Column("region", "区划代码", aliases=("所在区划代码", "行政区划代码"), parser=parsers.RegionCode()),
        Column("birth_date", "出生日期", aliases=("出生年月",), parser=parsers.Date()),
        Column("is_representative", "代表人士", parser=parsers.Boolean(), default=False),
        Column("income", "年收入", parser=parsers.Money()),
    ],
    name="人士",
)


def test_a_messy_ledger_reports_exactly_the_bad_cells(tmp_path, regions):
    from tongxin.core.services import seed_dictionaries

    seed_dictionaries()
    township = next(code for code, _n, _p in regions if code.startswith("510903") and len(code) == 9)
    rows = [
        ["船山区新的社会阶层人士花名册"],
        ["填报单位：船山区委统战部", None, None, None, "填报日期：2024年5月"],
        ["序号", "名字", "性别", "公民身份号码", "联系电话", "人士类别", "所在区划代码", "出生年月", "代表人士",
         "年收入", "备注"],
        [1, "张三", "男", "11010519491231002x", "138 0000 1234", "2", "510903", "1949.12", "是", "120,000", ""],
        [2, "李四", "女", "１１０１０５１９４９１２３１００２Ｘ", "+86 13900001111", "律师", township + "000",
         datetime.date(1949, 12, 31), "否", 8000.5, "党外"],
        [3, "", "男", "", "", "", "", "", "", "", "空姓名"],
        [4, "王五", "未知", "110105194912310021", "12345", "5", "510904", "1985-02-30", "也许", "一万", ""],
        [5, "赵六六六六六六六六六六六六六六六六六六六六", "", "", "", "", "510999", 1985, "", "", ""],
        [],
        [None, "合计：5人"],
        ["填表人：钱七", None, None, "审核人：孙八"],
    ]
    path = tmp_path / "花名册.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("花名册")
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, datetime.date):
                sheet.write_datetime(r, c, value, date_format)
            elif isinstance(value, str):
                sheet.write_string(r, c, value)
            elif value is not None:
                sheet.write_number(r, c, value)
    workbook.close()

    result = validate(path, PERSONS, ImportContext(region="510903", today=datetime.date(2025, 1, 1)))
    assert result.header_row == 3
    assert result.ignored == ["序号", "备注"]
    assert result.errors == [
        (6, "名字", "名字不能为空"),
        (7, "性别", "“未知”不是可选值（男、女）"),
        (7, "公民身份号码", "身份证号校验码错误"),
        (7, "联系电话", "手机号码或电话号码格式不正确"),
        (7, "人士类别", "“5”不是可选值（民营企业和外资企业管理技术人员、中介组织和社会组织从业人员、自由职业人员、新媒体从业人员）"),
        (7, "所在区划代码", "区划代码不在您的管辖范围内"),
        (7, "出生年月", "日期“1985-02-30”不存在"),
        (7, "代表人士", "应填“是”或“否”（现为“也许”）"),
        (7, "年收入", "应为金额数字（现为“一万”）"),
        (8, "名字", "不能超过 20 个字符（现为 21 个）"),
        (8, "所在区划代码", "区划代码“510999”不存在"),
        (8, "出生年月", "日期“1985”只有年份，请填写完整日期"),
    ]
    first, second = (r.data for r in result.valid_rows)
    assert first == {
        "name": "张三", "gender": "M", "id_number": "11010519491231002X", "phone": "13800001234", "category": "2",
        "region": "510903", "birth_date": datetime.date(1949, 12, 1), "is_representative": True,
        "income": __import__("decimal").Decimal("120000.00"),
    }
    assert second["id_number"] == "11010519491231002X"
    assert second["category"] == "2" and second["region"] == township
    assert str(second["income"]) == "8000.50"


def test_repeating_columns_parse_each_text_once_and_report_every_bad_cell():
    """A date column repeats a few thousand texts down a long ledger: each is parsed once, and a bad text is still
    reported on every row that has it, with the same message."""
    from tongxin.core.tabular import engine
    from tongxin.core.validators import ValidationError

    calls = []
    date = parsers.Date()

    def counting(value):
        calls.append(value)
        return date.parse(value)

    parse = engine._remembering(counting)
    assert parse("1985.3.1") == parse("1985.3.1") == datetime.date(1985, 3, 1)
    assert calls == ["1985.3.1"]
    for _ in range(2):
        with pytest.raises(ValidationError) as caught:
            parse("1985-02-30")
        assert "不存在" in caught.value.message
    assert calls.count("1985-02-30") == 2
    assert parse(datetime.datetime(1990, 5, 6)) == datetime.date(1990, 5, 6)  # not text: parsed, not remembered
    limited = engine._remembering(counting, limit=1)
    calls.clear()
    limited("1990-01-01"), limited("1991-01-01"), limited("1991-01-01")
    assert calls == ["1990-01-01", "1991-01-01", "1991-01-01"]
    assert all(getattr(parsers, name).repeats for name in ("Date", "Boolean", "Choice", "DictChoice", "RegionCode"))
    assert not parsers.Text.repeats and not parsers.IdNumber.repeats


def test_a_repeated_cell_text_is_cleaned_and_parsed_once_per_import(tmp_path, kind, monkeypatch):
    """Down a ledger the same texts recur in a choice column: each text as read is cleaned and looked up once,
    yet a bad text is reported on every row, a blank cell stays blank, and a row of blanks is still no row."""
    from tongxin.core.tabular import engine

    seen, remembering = [], engine._remembering

    def counting(parse, limit=engine.REMEMBERED_TEXTS):
        remembered = remembering(parse, limit)

        def wrapper(value):
            seen.append(value)
            return remembered(value)

        return wrapper

    monkeypatch.setattr(engine, "_remembering", counting)
    text = "代码,名称,启用\na,甲,是\nb,乙, 是 \nc,丙,是\nd,丁,也许\ne,戊,也许\nf,己,\n,,\ng,庚,否\nh,辛, 是 \n"
    result = validate(csv_file(tmp_path, text), DictItemSpec())
    # "是" and " 是 " once each (as read they differ), the bad "也许" every time, "否" once; rows c and h not at all
    assert seen == ["是", "是", "也许", "也许", "否"]
    assert [(row, column) for row, column, _message in result.errors] == [(5, "启用"), (6, "启用")]
    assert result.rows == 8
