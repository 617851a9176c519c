"""Reading files for import: encodings, layouts real ledgers have, and the refusals that keep the server safe."""

import datetime
import io
import struct
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from tongxin.core.tabular import Column, ImportSpec, TabularError, parsers, validate
from tongxin.core.tabular import reader as reader_module
from tongxin.core.tabular.reader import open_tables

DATA = Path(__file__).parent / "data"

SPEC = ImportSpec(
    [
        Column("name", "姓名", aliases=("名字", "人员姓名"), required=True, parser=parsers.Text(50)),
        Column("id_number", "身份证号", aliases=("身份证", "身份证号码", "公民身份号码"), parser=parsers.IdNumber()),
        Column("phone", "手机", aliases=("手机号", "手机号码", "联系电话", "电话"), parser=parsers.Phone()),
        Column("birth_date", "出生日期", aliases=("出生年月",), parser=parsers.Date()),
    ],
    name="测试",
)

ID_A, ID_B = "11010519491231002X", "510903198503010193"


def write_xlsx(path, rows, *, merge_title=None, date_cells=()):
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("台账")
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    if merge_title:
        sheet.merge_range(0, 0, 0, 4, merge_title)
    for r, row in enumerate(rows):
        for c, value in enumerate(row or ()):
            if value is None:
                continue
            if isinstance(value, datetime.date | datetime.datetime):
                sheet.write_datetime(r, c, value, date_format)
            elif isinstance(value, str):
                sheet.write_string(r, c, value)
            else:
                sheet.write(r, c, value)
    workbook.close()
    return path


def csv_bytes(text: str, encoding: str) -> bytes:
    return text.encode(encoding)


LEDGER = (
    "船山区新的社会阶层人士台账\n"
    "\n"
    "序号,姓名,身份证号,联系电话,出生日期,备注\n"
    f"1,张三,{ID_A},138 0000 1234,1985.3.1,\n"
    "2,,,,,\n"
    f"3,李四,{ID_B},１３８００００１２３５,1985年3月,党外\n"
    ",,,,,\n"
    "填表人：王五（联系电话：13800001236）,,,,,\n"
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_csv_encodings(tmp_path, encoding):
    path = tmp_path / "台账.csv"
    text = LEDGER.replace(",", "\t") if encoding == "utf-16" else LEDGER
    path.write_bytes(csv_bytes(text, encoding))
    result = validate(path, SPEC)
    assert result.errors == []
    assert result.header_row == 3
    assert result.ignored == ["序号", "备注"]
    assert [(r.number, r.data["name"], r.data["phone"]) for r in result.valid_rows] == [
        (4, "张三", "13800001234"),
        (6, "李四", "13800001235"),
    ]
    assert result.valid_rows[1].data["birth_date"] == datetime.date(1985, 3, 1)


def test_gb18030_only_characters(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes("姓名,身份证号\n王𠀀,\n䶮,\n".encode("gb18030"))
    assert [r.data["name"] for r in validate(path, SPEC).valid_rows] == ["王𠀀", "䶮"]


def test_unknown_encoding_refused(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b"\x80\xff\xfe\x81" * 10)
    with pytest.raises(TabularError, match="编码无法识别"):
        validate(path, SPEC)


def test_csv_with_nul_bytes_is_not_text(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b"name,id\n\x00\x00\x01\x02")
    with pytest.raises(TabularError, match="不是文本"):
        validate(path, SPEC)


def test_xlsx_merged_title_dates_and_row_numbers(tmp_path):
    path = write_xlsx(
        tmp_path / "台账.xlsx",
        [
            None,  # the merged title row, written by merge_range
            [],
            ["序号", "姓 名", "身份证\n号码", "联系电话", "出生日期"],
            [1, "张三", ID_A, 13800001234, datetime.date(1985, 3, 1)],
            [],
            [2, "李四", ID_B, "13800001235", 31107],
            [3, "王五", "110105194912310021", "1380000", datetime.datetime(1985, 3, 1, 10, 0)],
            [None, "合计：3人"],
        ],
        merge_title="船山区新的社会阶层人士台账（2024年）",
    )
    result = validate(path, SPEC)
    assert result.header_row == 3
    assert result.sheet == "台账"
    assert [r.number for r in result.valid_rows] == [4, 6]
    assert all(r.data["birth_date"] == datetime.date(1985, 3, 1) for r in result.valid_rows)
    assert result.errors == [
        (7, "身份证号码", "身份证号校验码错误"),
        (7, "联系电话", "手机号码或电话号码格式不正确"),
    ]


def test_xls(tmp_path):
    result = validate(DATA / "tabular_ledger.xls", SPEC)
    assert result.header_row == 3
    assert [(r.number, r.data["name"], r.data["phone"], r.data["birth_date"]) for r in result.valid_rows] == [
        (4, "张三", "13800001234", datetime.date(1985, 3, 1)),
    ]
    assert result.errors == [(5, "身份证号", "身份证号校验码错误")]


def test_picks_the_sheet_with_the_header(tmp_path):
    path = tmp_path / "two.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    workbook.add_worksheet("说明").write_string(0, 0, "本表用于……")
    data = workbook.add_worksheet("名单")
    data.write_row(0, 0, ["姓名", "手机"])
    data.write_row(1, 0, ["张三", "13800001234"])
    workbook.close()
    result = validate(path, SPEC)
    assert result.sheet == "名单"
    assert result.valid_rows[0].data["name"] == "张三"


def test_no_header_found(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    with pytest.raises(TabularError, match="没有找到表头"):
        validate(path, SPEC)


# --- safety -----------------------------------------------------------------------------------------------------


def test_unsupported_extension(tmp_path):
    path = tmp_path / "a.docx"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(TabularError, match="不支持的文件类型"):
        validate(path, SPEC)


def test_size_limit(tmp_path, settings):
    settings.TONGXIN_MAX_UPLOAD_BYTES = 1024
    path = tmp_path / "a.csv"
    path.write_text("姓名,手机\n" + "张三,13800001234\n" * 200, encoding="utf-8")
    with pytest.raises(TabularError, match="文件过大") as info:
        validate(path, SPEC)
    assert info.value.code == "too_large"


def test_row_limit_before_reading(tmp_path, settings):
    settings.TONGXIN_MAX_IMPORT_ROWS = 5
    path = tmp_path / "a.csv"
    path.write_text("姓名,手机\n" + "张三,13800001234\n" * 6, encoding="utf-8")
    with pytest.raises(TabularError, match="行数超过上限"):
        validate(path, SPEC)
    path.write_text("姓名,手机\n" + "张三,13800001234\n" * 5, encoding="utf-8")
    assert validate(path, SPEC).rows == 5


def test_row_limit_while_reading(tmp_path, settings, monkeypatch):
    """A streamed sheet may not say its size up front; the count is enforced as rows come."""
    settings.TONGXIN_MAX_IMPORT_ROWS = 3
    monkeypatch.setattr(reader_module, "CALAMINE_MAX_SHEET_BYTES", 0)
    path = tmp_path / "a.xlsx"
    workbook = xlsxwriter.Workbook(str(path))  # xlsxwriter writes no <dimension> in constant_memory mode
    sheet = workbook.add_worksheet()
    for r, row in enumerate([["姓名", "手机"]] + [["张三", "13800001234"]] * 4):
        sheet.write_row(r, 0, row)
    workbook.close()
    with pytest.raises(TabularError, match="行数超过上限"):
        validate(path, SPEC)


def test_csv_renamed_to_xlsx(tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_text("姓名,手机\n张三,13800001234\n", encoding="utf-8")
    with pytest.raises(TabularError, match="文件内容与扩展名不符") as info:
        validate(path, SPEC)
    assert "文本文件" in info.value.message


def test_zip_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "a.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    with pytest.raises(TabularError, match="不是 Excel 工作簿"):
        validate(path, SPEC)


def test_encrypted_xlsx(tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_bytes(reader_module.OLE2_SIGNATURE + b"\x00" * 600)
    with pytest.raises(TabularError, match="已加密"):
        validate(path, SPEC)


@pytest.mark.parametrize(
    ("content", "what"),
    [(b"<html><table><tr><td>1</td></tr></table></html>", "网页"), (b"PK\x03\x04rest", ".xlsx"),
     ("姓名,手机\n".encode(), "文本文件")],
)
def test_fake_xls(tmp_path, content, what):
    path = tmp_path / "a.xls"
    path.write_bytes(content)
    with pytest.raises(TabularError, match="文件内容与扩展名不符") as info:
        validate(path, SPEC)
    assert what in info.value.message


def test_xlsx_renamed_to_csv(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", [["姓名", "手机"]])
    fake = tmp_path / "a.csv"
    fake.write_bytes(path.read_bytes())
    with pytest.raises(TabularError, match="文件内容与扩展名不符"):
        validate(fake, SPEC)


def _workbook_zip(path, sheet_bytes: bytes):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", sheet_bytes)
    return path


def test_zip_bomb_by_ratio(tmp_path):
    path = _workbook_zip(tmp_path / "bomb.xlsx", b"\x00" * (20 * 1024 * 1024))
    assert path.stat().st_size < 100_000
    with pytest.raises(TabularError) as info:
        validate(path, SPEC)
    assert info.value.message == "文件异常（疑似压缩炸弹），已拒绝导入"


def test_zip_bomb_by_total_size(tmp_path, settings, monkeypatch):
    monkeypatch.setattr(reader_module, "max_unpacked_bytes", lambda: 1_000_000)
    path = _workbook_zip(tmp_path / "big.xlsx", bytes(range(256)) * 8000)
    with pytest.raises(TabularError, match="压缩炸弹"):
        validate(path, SPEC)


def test_zip_that_lies_about_its_sizes(tmp_path):
    """Declared sizes say 100 bytes; the member really inflates to 5 MB."""
    path = _workbook_zip(tmp_path / "liar.xlsx", b"<row/>" * 900_000)
    data = bytearray(path.read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    local = data.find(b"PK\x03\x04")
    while local != -1:
        name_len = struct.unpack_from("<H", data, local + 26)[0]
        if data[local + 30:local + 30 + name_len] == name:
            struct.pack_into("<I", data, local + 22, 100)
        local = data.find(b"PK\x03\x04", local + 4)
    central = data.find(b"PK\x01\x02")
    while central != -1:
        name_len = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46:central + 46 + name_len] == name:
            struct.pack_into("<I", data, central + 24, 100)
        central = data.find(b"PK\x01\x02", central + 4)
    path.write_bytes(bytes(data))
    with pytest.raises(TabularError) as info:
        validate(path, SPEC)
    assert info.value.code in ("zip_bomb", "corrupt")


def test_empty_file(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b"")
    with pytest.raises(TabularError, match="空的"):
        validate(path, SPEC)


def test_accepts_uploaded_files_and_bytes(tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    content = "姓名,手机\n张三,13800001234\n".encode()
    upload = SimpleUploadedFile("台账.csv", content)
    assert validate(upload, SPEC).valid_rows[0].data["name"] == "张三"
    assert validate(io.BytesIO(content), SPEC, name="x.csv").rows == 1
    assert validate(content, SPEC, name="x.csv").rows == 1


# --- the streaming .xlsx reader gives what calamine gives --------------------------------------------------------


def _rows(path, monkeypatch, threshold):
    monkeypatch.setattr(reader_module, "CALAMINE_MAX_SHEET_BYTES", threshold)
    tables = open_tables(path)
    table = next(tables)
    rows = list(table.rows())
    tables.close()
    return [(n, list(cells)) for n, cells in rows]


def _normalized(rows):
    """Trailing empty cells differ (calamine pads to the sheet's width); values must not."""
    out = []
    for number, cells in rows:
        while cells and cells[-1] == "":
            cells = cells[:-1]
        out.append((number, cells))
    return out


def test_streaming_reader_matches_calamine_xlsxwriter(tmp_path, monkeypatch):
    path = tmp_path / "a.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    date_format = workbook.add_format({"num_format": "yyyy年m月d日"})
    time_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    sheet.merge_range(1, 0, 1, 3, "标题 & <说明>")
    sheet.write_row(3, 0, ["姓名", "身份证号", "数", "日期"])
    sheet.write_row(4, 0, ["张三", ID_A, 510903, None])
    sheet.write_datetime(4, 3, datetime.date(1985, 3, 1), date_format)
    sheet.write_row(6, 1, [True, 12.5])
    sheet.write_string(6, 3, "=not a formula")
    sheet.write_formula(7, 0, "=1+1", None, 2)
    sheet.write_datetime(7, 3, datetime.datetime(2020, 5, 6, 7, 8), time_format)
    sheet.write_string(9, 27, "AB列")
    workbook.close()
    streamed = _normalized(_rows(path, monkeypatch, 0))
    loaded = _normalized(_rows(path, monkeypatch, 1 << 40))
    assert streamed[0] == (2, ["标题 & <说明>"])
    assert streamed == loaded
    assert streamed[2] == (5, ["张三", ID_A, 510903.0, datetime.date(1985, 3, 1)])
    assert streamed[4][1][3] == datetime.datetime(2020, 5, 6, 7, 8)


def test_streaming_reader_matches_calamine_inline_strings(tmp_path, monkeypatch):
    """A streaming writer (xlsxwriter's constant-memory mode) writes every string inline; the texts the reader
    remembers between rows (a ledger's repeated labels) come out as calamine reads them, escapes included."""
    path = tmp_path / "a.xlsx"
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, ["姓名", "性别", "单位"])
    for r in range(1, 6):
        sheet.write_row(r, 0, [f"人{r}", "男" if r % 2 else "女", "A & B <公司>", "行\r尾" if r == 3 else "x_x0041_"])
    workbook.close()
    streamed = _normalized(_rows(path, monkeypatch, 0))
    assert streamed == _normalized(_rows(path, monkeypatch, 1 << 40))
    assert [cells[1:3] for _n, cells in streamed[1:3]] == [["男", "A & B <公司>"], ["女", "A & B <公司>"]]
    assert streamed[3][1][3] == "行\r尾" and streamed[4][1][3] == "x_x0041_"


def test_streaming_reader_matches_calamine_shared_strings(tmp_path, monkeypatch):
    openpyxl = pytest.importorskip("openpyxl")
    path = tmp_path / "a.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["B2"] = "姓名"
    sheet["C2"] = "出生日期"
    sheet["B3"] = "  张三 "
    sheet["C3"] = datetime.date(1985, 3, 1)
    sheet["B4"] = "李四\n"
    sheet["C4"] = 31107
    sheet["D5"] = "x"
    workbook.save(path)
    streamed = _rows(path, monkeypatch, 0)
    loaded = _rows(path, monkeypatch, 1 << 40)
    # calamine starts columns at the sheet's first used column; the stream at column A.
    assert [(n, [c for c in cells if c != ""]) for n, cells in streamed] == [
        (n, [c for c in cells if c != ""]) for n, cells in loaded
    ]
    assert streamed[1] == (3, ["", "  张三 ", datetime.date(1985, 3, 1)])


def test_streamed_import_equals_loaded_import(tmp_path, monkeypatch):
    path = write_xlsx(
        tmp_path / "a.xlsx",
        [[], ["序号", "姓名", "身份证号", "联系电话", "出生日期"], [1, "张三", ID_A, 13800001234, 31107],
         [2, "李四", "bad", "13800001235", datetime.date(1985, 3, 1)]],
        merge_title="标题",
    )
    monkeypatch.setattr(reader_module, "CALAMINE_MAX_SHEET_BYTES", 0)
    streamed = validate(path, SPEC)
    monkeypatch.setattr(reader_module, "CALAMINE_MAX_SHEET_BYTES", 1 << 40)
    loaded = validate(path, SPEC)
    assert streamed.errors == loaded.errors == [(4, "身份证号", "身份证号应为18位")]
    assert [r.data for r in streamed.valid_rows] == [r.data for r in loaded.valid_rows]
    assert streamed.valid_rows[0].number == 3
