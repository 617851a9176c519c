"""Cell parsers of the import engine: every form ledgers use, and a Chinese message for every mistake."""

import datetime
from decimal import Decimal

import pytest

from tongxin.core.tabular import ImportContext
from tongxin.core.tabular import parsers as p
from tongxin.core.validators import ValidationError, make_credit_code


def parse(parser, value, context=None):
    return parser.bind(context or ImportContext())(value)


def error_of(parser, value, context=None) -> str:
    with pytest.raises(ValidationError) as info:
        parse(parser, value, context)
    return info.value.message


class TestDate:
    @pytest.mark.parametrize(
        "value",
        [
            "1985-03-01", "1985/3/1", "1985.3.1", "1985年3月1日", "1985 年 3 月 1 日", "19850301", "1985-3-1 00:00:00",
            "1985-03-01T00:00:00", datetime.date(1985, 3, 1), datetime.datetime(1985, 3, 1, 8, 30), 31107, 31107.0,
            "31107", 19850301, 19850301.0,
        ],
    )
    def test_full_dates(self, value):
        assert parse(p.Date(), value) == datetime.date(1985, 3, 1)

    @pytest.mark.parametrize("value", ["1985年3月", "1985-03", "1985.3", "1985/03", 1985.03])
    def test_year_and_month_means_the_first(self, value):
        assert parse(p.Date(), value) == datetime.date(1985, 3, 1)

    def test_month_ten_typed_as_a_number(self):
        assert parse(p.Date(), 1985.12) == datetime.date(1985, 12, 1)
        assert "歧义" in error_of(p.Date(), 1985.1)

    @pytest.mark.parametrize(
        ("value", "fragment"),
        [("1985-02-30", "不存在"), ("1985-13-01", "不存在"), ("明年", "格式不正确"), ("1985", "格式不正确"),
         (1985, "只有年份"), ("1850-01-01", "超出范围"), (True, "格式不正确"), (-5, "格式不正确")],
    )
    def test_bad_dates(self, value, fragment):
        assert fragment in error_of(p.Date(), value)


class TestBoolean:
    @pytest.mark.parametrize("value", ["是", "Y", "y", "yes", "TRUE", "1", "√", "有", True, 1, 1.0])
    def test_true(self, value):
        assert parse(p.Boolean(), value) is True

    @pytest.mark.parametrize("value", ["否", "N", "no", "false", "0", "×", "无", False, 0])
    def test_false(self, value):
        assert parse(p.Boolean(), value) is False

    def test_other(self):
        assert "“是”或“否”" in error_of(p.Boolean(), "也许")
        assert "“是”或“否”" in error_of(p.Boolean(), 2)


class TestNumbers:
    def test_integer(self):
        assert parse(p.Integer(), "1,234") == 1234
        assert parse(p.Integer(), "12 345") == 12345
        assert parse(p.Integer(), 3.0) == 3
        assert parse(p.Integer(), "7.0") == 7
        assert "整数" in error_of(p.Integer(), "3.5")
        assert "整数" in error_of(p.Integer(), 3.5)
        assert "不能小于 0" in error_of(p.Integer(min_value=0), "-1")
        assert "不能大于 10" in error_of(p.Integer(max_value=10), 11)

    def test_money_is_decimal_never_float(self):
        assert parse(p.Money(), "1,234.5") == Decimal("1234.50")
        assert parse(p.Money(), "¥1 000元") == Decimal("1000.00")
        assert parse(p.Money(), 0.1 + 0.2) == Decimal("0.30")
        assert parse(p.Money(), 12) == Decimal("12.00")
        assert isinstance(parse(p.Money(), 12.5), Decimal)
        assert "最多 2 位小数" in error_of(p.Money(), "1.005")
        assert "金额" in error_of(p.Money(), "一千")
        assert "金额" in error_of(p.Money(), "NaN")
        assert "不能小于 0" in error_of(p.Money(min_value=0), "-3")


class TestText:
    def test_max_length(self):
        assert parse(p.Text(3), "张三") == "张三"
        assert error_of(p.Text(3), "欧阳娜娜娜") == "不能超过 3 个字符（现为 5 个）"

    def test_numbers_keep_their_digits(self):
        assert parse(p.Text(), 510903.0) == "510903"
        assert parse(p.Text(), datetime.date(2020, 1, 2)) == "2020-01-02"


class TestIdentifiers:
    def test_id_number_tolerates_what_people_type(self):
        assert parse(p.IdNumber(), "11010519491231002x") == "11010519491231002X"
        assert parse(p.IdNumber(), "110105 19491231 002X") == "11010519491231002X"

    def test_id_number_errors(self):
        assert error_of(p.IdNumber(), "110105194912310021") == "身份证号校验码错误"
        assert "Excel 存成了数字" in error_of(p.IdNumber(), 1.1010519491231e17)

    def test_id_number_birth_date_judged_against_the_import_day(self):
        context = ImportContext(today=datetime.date(1940, 1, 1))
        assert "出生日期无效" in error_of(p.IdNumber(), "11010519491231002X", context)

    def test_phone(self):
        assert parse(p.Phone(), "138 0000 1234") == "13800001234"
        assert parse(p.Phone(), "+86 138-0000-1234") == "13800001234"
        assert parse(p.Phone(), 13800001234.0) == "13800001234"
        assert parse(p.Phone(), "(0825)2222333") == "0825-2222333"
        assert "格式不正确" in error_of(p.Phone(), "12345")

    def test_credit_code(self):
        code = make_credit_code(7)
        assert parse(p.CreditCode(), code.lower()) == code
        assert "校验位错误" in error_of(p.CreditCode(), code[:-1] + ("0" if code[-1] != "0" else "1"))


class TestChoice:
    def test_by_code_label_alias_any_case(self):
        gender = p.Choice({"M": "男", "F": "女"}, aliases={"男性": "M"})
        assert parse(gender, "男") == "M"
        assert parse(gender, "m") == "M"
        assert parse(gender, "男性") == "M"
        assert parse(gender, "F") == "F"
        assert error_of(gender, "未知") == "“未知”不是可选值（男、女）"

    def test_pairs_with_aliases(self):
        choice = p.Choice([("1", "甲类", "甲"), ("2", "乙类")])
        assert parse(choice, "甲") == "1"
        assert parse(choice, 2.0) == "2"
        assert choice.format("1") == "甲类"


@pytest.mark.django_db
class TestDictChoice:
    @pytest.fixture(autouse=True)
    def dictionaries(self):
        from tongxin.core.services import seed_dictionaries

        seed_dictionaries()

    def test_category_by_number_label_or_sub_type(self):
        category = p.DictChoice("person_category")
        assert parse(category, "2") == "2"
        assert parse(category, 2.0) == "2"
        assert parse(category, "中介组织和社会组织从业人员") == "2"
        assert parse(category, "律师") == "21"
        assert parse(category, "lawyer") == "21"
        assert "不是可选值" in error_of(category, "5")

    def test_top_level_only(self):
        category = p.DictChoice("person_category", top_level=True)
        assert parse(category, "律师") == "2"
        assert parse(category, "21") == "2"
        assert parse(category, "4") == "4"

    def test_format_writes_the_label(self):
        category = p.DictChoice("person_category")
        assert category.formatter(ImportContext())("2") == "中介组织和社会组织从业人员"


@pytest.mark.django_db
class TestRegionCode:
    def test_in_scope_any_form(self, regions):
        context = ImportContext(region="510903")
        parser = p.RegionCode()
        assert parse(parser, "510903", context) == "510903"
        assert parse(parser, 510903.0, context) == "510903"
        township = next(code for code, _name, _parent in regions if code.startswith("510903") and len(code) == 9)
        assert parse(parser, township + "000", context) == township
        assert parse(parser, township, context) == township

    def test_out_of_scope_and_missing(self, regions):
        context = ImportContext(region="510903")
        assert error_of(p.RegionCode(), "510904", context) == "区划代码不在您的管辖范围内"
        assert "不存在" in error_of(p.RegionCode(), "510999", context)
        assert "位数不正确" in error_of(p.RegionCode(), "5109031", context)
        assert "数字" in error_of(p.RegionCode(), "船山区", context)

    def test_explicit_scope(self, regions):
        assert parse(p.RegionCode(scope="5109"), "510904", ImportContext(region="510903")) == "510904"
