"""Exports and templates come from the same spec the import reads: what is exported imports back unchanged."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
import python_calamine

from tongxin.core.tabular import (
    Column,
    ImportContext,
    ImportSpec,
    escape_formula,
    parsers,
    validate,
    write_csv,
    write_xlsx,
)

SPEC = ImportSpec(
    [
        Column("name", "姓名", aliases=("名字",), required=True, parser=parsers.Text(50), help="填写身份证上的姓名"),
        Column("gender", "性别", parser=parsers.Choice({"M": "男", "F": "女"})),
        Column("id_number", "身份证号", aliases=("身份证",), parser=parsers.IdNumber()),
        Column("phone", "手机", parser=parsers.Phone()),
        Column("birth_date", "出生日期", parser=parsers.Date()),
        Column("is_representative", "代表人士", parser=parsers.Boolean(), default=False),
        Column("income", "年收入", parser=parsers.Money()),
        Column("children", "子女数", parser=parsers.Integer(min_value=0)),
        Column("note", "说明", parser=parsers.Text(200)),
        Column("age", "年龄", export=lambda obj: 40, importable=False),
        Column("secret", "内部编号", export=False),
    ],
    name="人士",
)

RECORDS = [
    {"name": "张三", "gender": "M", "id_number": "11010519491231002X", "phone": "13800001234",
     "birth_date": datetime.date(1949, 12, 31), "is_representative": True, "income": Decimal("120000.50"),
     "children": 2, "note": "=HYPERLINK(\"http://evil\",\"点我\")", "secret": "S1"},
    {"name": "李四", "gender": "F", "id_number": "", "phone": "0825-2222333", "birth_date": None,
     "is_representative": False, "income": None, "children": None, "note": "+86 联系方式 -见附件 @某人", "secret": "S2"},
]
IMPORTED_KEYS = ("name", "gender", "id_number", "phone", "birth_date", "is_representative", "income", "children", "note")


def expected(record):
    out = {k: record[k] for k in IMPORTED_KEYS}
    out["id_number"] = out["id_number"] or ""
    return out


def test_escape_formula():
    assert escape_formula("=1+1") == "'=1+1"
    assert escape_formula("+86") == "'+86"
    assert escape_formula("-") == "'-"
    assert escape_formula("@SUM(A1)") == "'@SUM(A1)"
    assert escape_formula("\tx") == "'\tx"
    assert escape_formula("张三") == "张三"
    assert escape_formula(-5) == -5


def test_xlsx_export_round_trip(tmp_path):
    path = tmp_path / "人士.xlsx"
    assert write_xlsx(RECORDS, SPEC, path, masked=False) == 2
    rows = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert rows[0] == ["姓名", "性别", "身份证号", "手机", "出生日期", "代表人士", "年收入", "子女数", "说明", "年龄"]
    assert rows[1][1] == "男" and rows[1][5] == "是" and rows[1][8].startswith("'=HYPERLINK")
    result = validate(path, SPEC)
    assert result.errors == []
    assert result.ignored == ["年龄"]
    assert [r.data for r in result.valid_rows] == [expected(r) for r in RECORDS]


def test_csv_export_round_trip(tmp_path):
    path = tmp_path / "人士.csv"
    assert write_csv(RECORDS, SPEC, path, masked=False) == 2
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert lines[1][8] == "'=HYPERLINK(\"http://evil\",\"点我\")"
    assert lines[2][8] == "'+86 联系方式 -见附件 @某人"
    assert lines[1][4] == "1949-12-31" and lines[1][6] == "120000.50"
    result = validate(path, SPEC)
    assert result.errors == []
    assert [r.data for r in result.valid_rows] == [expected(r) for r in RECORDS]


def test_csv_to_binary_and_text_streams():
    binary = io.BytesIO()
    write_csv(RECORDS[:1], SPEC, binary)
    assert binary.getvalue().decode("utf-8-sig").startswith("姓名,性别")
    text = io.StringIO()
    write_csv(RECORDS[:1], SPEC, text)
    assert text.getvalue().startswith("姓名,性别")


def test_exports_are_masked_by_default(tmp_path):
    path = tmp_path / "masked.xlsx"
    write_xlsx(RECORDS, SPEC, path)
    rows = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert rows[1][2] == "110105********002X"
    assert rows[1][3] == "138****1234"
    assert rows[2][3] == "0825-***2333"
    text = io.StringIO()
    write_csv(RECORDS, SPEC, text)
    assert "11010519491231002X" not in text.getvalue() and "13800001234" not in text.getvalue()


def test_export_of_objects_reads_attributes(tmp_path):
    class Person:
        def __init__(self, **kw):
            self.__dict__.update(kw)

    path = tmp_path / "o.xlsx"
    write_xlsx([Person(**RECORDS[0])], SPEC, path, masked=False)
    assert validate(path, SPEC).valid_rows[0].data == expected(RECORDS[0])


def test_template(tmp_path):
    data = SPEC.template_xlsx()
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    assert sheet.title == "人士"
    headers = [c.value for c in sheet[1]]
    assert headers == ["姓名", "性别", "身份证号", "手机", "出生日期", "代表人士", "年收入", "子女数", "说明", "内部编号"]
    assert sheet["A1"].comment.text == "必填。填写身份证上的姓名"
    assert "18位" in sheet["C1"].comment.text
    assert sheet.max_row == 1
    guide = workbook["填写说明"]
    texts = [c.value for row in guide.iter_rows() for c in row if c.value]
    assert "也可写作：名字" in " ".join(str(t) for t in texts)
    assert "11010519491231002X" not in texts  # the example ID is the spec's, not a real person's

    # The user fills the template in Excel and imports it.
    sheet.append(["王五", "女", "11010519491231002X", "13800001234", datetime.date(1985, 3, 1), "否", 100, 1, "备注",
                  "N1"])
    filled = tmp_path / "filled.xlsx"
    workbook.save(filled)
    result = validate(filled, SPEC)
    assert result.errors == [] and result.ignored == []
    assert result.valid_rows[0].data["birth_date"] == datetime.date(1985, 3, 1)
    assert result.valid_rows[0].number == 2


def test_template_example_row_is_valid():
    """The example row on the guide sheet must itself pass the validator."""
    workbook = openpyxl.load_workbook(io.BytesIO(SPEC.template_xlsx()))
    guide = workbook["填写说明"]
    rows = [[c.value for c in row] for row in guide.iter_rows()]
    header_index = next(i for i, row in enumerate(rows) if row[0] == "姓名" and row[1] == "性别")
    example = dict(zip(rows[header_index], rows[header_index + 1], strict=False))
    bound = {c.header: c.parser.bind(ImportContext()) for c in SPEC.import_columns}
    for header, value in example.items():
        if header in bound and value not in (None, ""):
            bound[header](value)


@pytest.mark.django_db
def test_dictionary_export_imports_back_unchanged(tmp_path):
    from tongxin.core.models import DictItem, DictType
    from tongxin.core.tests.test_tabular_engine import DictItemSpec

    kind = DictType.objects.create(code="test_kind", name="测试字典")
    for i in range(5):
        DictItem.objects.create(dict_type=kind, code=f"c{i}", label=f"=名称{i}", sort=i, is_active=bool(i % 2))
    path = tmp_path / "items.xlsx"
    write_xlsx(DictItem.objects.filter(dict_type=kind), DictItemSpec(), path)
    from tongxin.core.tabular import run_import

    result = run_import(path, DictItemSpec(), ImportContext())
    assert (result.skipped, result.created, result.updated, result.errors) == (5, 0, 0, [])
