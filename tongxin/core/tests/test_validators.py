"""Tests for tongxin.core.validators.

Expected values were computed independently of the module (see `_reference_id_check`), and the published
examples ("11010519491231002X", "91350100M000100Y43") are used verbatim.
"""

from datetime import date

import pytest

from tongxin.core.validators import (
    CREDIT_CODE_CHARSET,
    PROVINCE_CODES,
    IdNumberInfo,
    ValidationError,
    check_credit_code,
    check_id_number,
    check_phone,
    is_mobile,
    is_valid_id_number,
    make_credit_code,
    make_id_number,
    normalize_digits,
    normalize_text,
)

TODAY = date(2025, 6, 15)


def _reference_id_check(first17: str) -> str:
    """The check digit by the alternative textbook formula (12 - S mod 11) mod 11, not the module's lookup table."""
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    r = (12 - sum(int(c) * w for c, w in zip(first17, weights, strict=True)) % 11) % 11
    return "X" if r == 10 else str(r)


def _reference_credit_check(first17: str) -> str:
    weights = [3**i % 31 for i in range(17)]
    total = sum(CREDIT_CODE_CHARSET.index(c) * w for c, w in zip(first17, weights, strict=True))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


# --------------------------------------------------------------------------------------------------------------
# normalization
# --------------------------------------------------------------------------------------------------------------


class TestNormalizeText:
    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("ＡＢＣ１２３", "ABC123"),
            ("ａｂｃ", "abc"),
            ("  hello   world  ", "hello world"),
            ("\u3000张\u3000\u3000三\u3000", "张 三"),
            ("a\t\nb", "a b"),
            ("（０８２５）", "(0825)"),
            ("！～", "!~"),
            ("中文不变", "中文不变"),
            ("", ""),
            ("   ", ""),
            ("a\xa0b", "a b"),
        ],
    )
    def test_cases(self, raw, expected):
        assert normalize_text(raw) == expected

    def test_none_is_empty(self):
        assert normalize_text(None) == ""

    def test_idempotent(self):
        once = normalize_text(" ＡＢ　 ｃ ")
        assert normalize_text(once) == once


class TestNormalizeDigits:
    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("138 0000 1234", "13800001234"),
            ("138-0000-1234", "13800001234"),
            ("510903 19850301 123x", "51090319850301123X"),
            ("51090319850301123x", "51090319850301123X"),
            ("５１０９０３１９８５０３０１１２３ｘ", "51090319850301123X"),
            ("５１０９０３－１９８５０３０１－１２３Ｘ", "51090319850301123X"),
            ("510903\u201419850301\u2013123X", "51090319850301123X"),
            ("\u3000１３８\u3000", "138"),
            ("x", "X"),
            ("", ""),
        ],
    )
    def test_cases(self, raw, expected):
        assert normalize_digits(raw) == expected

    def test_only_trailing_x_is_upper_cased(self):
        assert normalize_digits("x12x") == "x12X"

    def test_non_string(self):
        assert normalize_digits(13800001234) == "13800001234"
        assert normalize_digits(None) == ""


# --------------------------------------------------------------------------------------------------------------
# ID numbers
# --------------------------------------------------------------------------------------------------------------


class TestCheckIdNumber:
    def test_published_example(self):
        info = check_id_number("11010519491231002X", today=TODAY)
        assert info == IdNumberInfo(
            number="11010519491231002X", birth_date=date(1949, 12, 31), gender="F", region_prefix="110105"
        )

    def test_reference_checksum_agrees_with_example(self):
        assert _reference_id_check("11010519491231002") == "X"

    @pytest.mark.parametrize(
        "raw",
        [
            "11010519491231002x",
            " 11010519491231002X ",
            "110105 19491231 002X",
            "110105-19491231-002x",
            "１１０１０５１９４９１２３１００２Ｘ",
            "１１０１０５\u3000１９４９１２３１\u3000００２ｘ",
        ],
    )
    def test_messy_input_normalized(self, raw):
        assert check_id_number(raw, today=TODAY).number == "11010519491231002X"

    @pytest.mark.parametrize(
        ("number", "birth", "gender"),
        [
            ("510903198503011233", date(1985, 3, 1), "M"),
            ("510903198503011225", date(1985, 3, 1), "F"),
            ("440304200002290014", date(2000, 2, 29), "M"),
            ("710000199001010015", date(1990, 1, 1), "M"),
            ("810000199001010019", date(1990, 1, 1), "M"),
        ],
    )
    def test_valid_numbers(self, number, birth, gender):
        info = check_id_number(number, today=TODAY)
        assert (info.number, info.birth_date, info.gender, info.region_prefix) == (
            number,
            birth,
            gender,
            number[:6],
        )

    def test_year_1900_accepted_when_within_age_limit(self):
        assert check_id_number("11010519000101001X", today=date(2020, 1, 1)).birth_date == date(1900, 1, 1)
        with pytest.raises(ValidationError, match="出生日期无效"):
            check_id_number("11010519000101001X", today=TODAY)

    def test_info_is_frozen(self):
        info = check_id_number("11010519491231002X", today=TODAY)
        with pytest.raises(AttributeError):
            info.gender = "M"

    def test_wrong_check_char(self):
        with pytest.raises(ValidationError) as exc:
            check_id_number("110105194912310021", today=TODAY)
        assert exc.value.message == "身份证号校验码错误"
        assert exc.value.code == "id_checksum"

    @pytest.mark.parametrize("last", [c for c in "0123456789X" if c != "X"])
    def test_every_other_check_char_rejected(self, last):
        with pytest.raises(ValidationError, match="校验码错误"):
            check_id_number("11010519491231002" + last, today=TODAY)

    def test_single_digit_typo_detected(self):
        good = "510903198503011233"
        for i in range(17):
            for d in "0123456789":
                if d == good[i]:
                    continue
                assert not is_valid_id_number(good[:i] + d + good[i + 1 :])

    def test_adjacent_transposition_detected(self):
        good = "510903198503011233"
        for i in range(16):
            if good[i] != good[i + 1]:
                swapped = good[:i] + good[i + 1] + good[i] + good[i + 2 :]
                assert not is_valid_id_number(swapped)

    @pytest.mark.parametrize(
        "raw", ["", "1101051949123100", "11010519491231002X1", "110105491231002", "1" * 17, "1" * 19]
    )
    def test_length(self, raw):
        with pytest.raises(ValidationError) as exc:
            check_id_number(raw, today=TODAY)
        assert exc.value.message in ("身份证号应为18位", "身份证号不能为空")

    def test_length_message(self):
        with pytest.raises(ValidationError) as exc:
            check_id_number("110105491231002")
        assert exc.value.message == "身份证号应为18位"

    def test_empty_message(self):
        with pytest.raises(ValidationError, match="不能为空"):
            check_id_number("   ")
        with pytest.raises(ValidationError, match="不能为空"):
            check_id_number(None)

    @pytest.mark.parametrize(
        "raw", ["1101051949123100XX", "X1010519491231002X", "11010519491231A02X", "11010519491231002Y"]
    )
    def test_format(self, raw):
        with pytest.raises(ValidationError) as exc:
            check_id_number(raw, today=TODAY)
        assert exc.value.code == "id_format"

    @pytest.mark.parametrize("number", ["160105194912310010", "000000194912310019", "840105194912310012"])
    def test_invalid_province(self, number):
        with pytest.raises(ValidationError) as exc:
            check_id_number(number, today=TODAY)
        assert exc.value.message == "身份证号中的地区代码无效"

    def test_province_code_set(self):
        expected = (
            {str(n) for n in range(11, 16)}
            | {"21", "22", "23"}
            | {str(n) for n in range(31, 38)}
            | {str(n) for n in range(41, 47)}
            | {str(n) for n in range(50, 55)}
            | {str(n) for n in range(61, 66)}
            | {"71", "81", "82", "83"}
        )
        assert expected == PROVINCE_CODES

    @pytest.mark.parametrize(
        "number",
        [
            "440304198502290010",  # 29 Feb in a non-leap year
            "110105194913310013",  # month 13
            "110105194912000013",  # day 0
            "110105189912310015",  # before 1900
        ],
    )
    def test_impossible_birth_date(self, number):
        assert _reference_id_check(number[:17]) == number[17]
        with pytest.raises(ValidationError) as exc:
            check_id_number(number, today=TODAY)
        assert exc.value.message == "身份证号中的出生日期无效"

    def test_birth_date_in_future(self):
        number = "650102202401010029"
        assert check_id_number(number, today=date(2024, 1, 1)).birth_date == date(2024, 1, 1)
        with pytest.raises(ValidationError, match="出生日期无效"):
            check_id_number(number, today=date(2023, 12, 31))

    def test_age_limit(self):
        number = make_id_number("110105", date(1905, 6, 15), 1, "F")
        assert check_id_number(number, today=date(2026, 6, 14)).birth_date == date(1905, 6, 15)  # aged 120
        with pytest.raises(ValidationError, match="出生日期无效"):
            check_id_number(number, today=date(2026, 6, 15))  # 121st birthday

    def test_default_today_is_real_clock(self):
        assert check_id_number("11010519491231002X").birth_date.year == 1949
        assert not is_valid_id_number(make_id_number("110105", date(2999, 1, 1), 0, "M"))

    def test_validation_error_is_value_error(self):
        with pytest.raises(ValueError, match="校验码"):
            check_id_number("110105194912310021")

    def test_is_valid_id_number(self):
        assert is_valid_id_number("11010519491231002x")
        assert not is_valid_id_number("110105194912310021")
        assert not is_valid_id_number("")
        assert not is_valid_id_number(None)


class TestMakeIdNumber:
    def test_known_value(self):
        assert make_id_number("510903", date(1985, 3, 1), 61, "M") == "510903198503011233"
        assert make_id_number("510903", date(1985, 3, 1), 61, "F") == "510903198503011225"
        assert make_id_number("110105", date(1949, 12, 31), 1, "F") == "11010519491231002X"

    @pytest.mark.parametrize("gender", ["M", "F"])
    def test_generated_numbers_validate(self, gender):
        seen = set()
        for seq in range(500):
            number = make_id_number("510903", date(1985, 3, 1), seq, gender)
            assert _reference_id_check(number[:17]) == number[17]
            info = check_id_number(number, today=TODAY)
            assert info.gender == gender
            assert info.birth_date == date(1985, 3, 1)
            seen.add(number)
        assert len(seen) == 500

    def test_distinct_across_gender(self):
        males = {make_id_number("510903", date(1990, 1, 1), s, "M") for s in range(500)}
        females = {make_id_number("510903", date(1990, 1, 1), s, "F") for s in range(500)}
        assert not males & females

    @pytest.mark.parametrize(
        ("region", "seq", "gender"),
        [
            ("51090", 0, "M"),
            ("5109031", 0, "M"),
            ("51090a", 0, "M"),
            ("510903", -1, "M"),
            ("510903", 500, "F"),
            ("510903", 0, "X"),
        ],
    )
    def test_bad_arguments(self, region, seq, gender):
        with pytest.raises(ValueError):
            make_id_number(region, date(1985, 3, 1), seq, gender)


# --------------------------------------------------------------------------------------------------------------
# Unified social credit codes
# --------------------------------------------------------------------------------------------------------------


class TestCheckCreditCode:
    @pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000600037341L"])
    def test_valid_examples(self, code):
        assert _reference_credit_check(code[:17]) == code[17]
        assert check_credit_code(code) == code

    @pytest.mark.parametrize(
        "raw",
        [
            "91350100m000100y43",
            " 91350100M000100Y43 ",
            "9135 0100 M000 100Y 43",
            "91350100-M000100Y4-3",
            "９１３５０１００Ｍ０００１００Ｙ４３",
            "９１３５０１００ｍ０００１００ｙ４３",
        ],
    )
    def test_messy_input_normalized(self, raw):
        assert check_credit_code(raw) == "91350100M000100Y43"

    @pytest.mark.parametrize("raw", ["91350100M000100Y4", "91350100M000100Y433", "913501"])
    def test_length(self, raw):
        with pytest.raises(ValidationError) as exc:
            check_credit_code(raw)
        assert exc.value.message == "统一社会信用代码应为18位"

    def test_empty(self):
        with pytest.raises(ValidationError, match="不能为空"):
            check_credit_code("")

    @pytest.mark.parametrize("bad", ["I", "O", "Z", "S", "V", "*", "中"])
    def test_illegal_characters(self, bad):
        with pytest.raises(ValidationError) as exc:
            check_credit_code("91350100" + bad + "000100Y43")
        assert exc.value.message == "统一社会信用代码含有非法字符"

    @pytest.mark.parametrize("last", [c for c in CREDIT_CODE_CHARSET if c != "3"])
    def test_wrong_final_check(self, last):
        with pytest.raises(ValidationError) as exc:
            check_credit_code("91350100M000100Y4" + last)
        assert exc.value.message == "统一社会信用代码校验位错误"

    def test_wrong_org_code_check_even_with_consistent_final_check(self):
        first17 = "91350100M000100Y5"  # the organisation code's check should be 4
        code = first17 + _reference_credit_check(first17)
        with pytest.raises(ValidationError) as exc:
            check_credit_code(code)
        assert exc.value.message == "统一社会信用代码校验位错误"
        assert exc.value.code == "credit_code_checksum"

    def test_single_character_typo_detected(self):
        good = "91350100M000100Y43"
        for i in range(18):
            for c in CREDIT_CODE_CHARSET:
                if c != good[i]:
                    with pytest.raises(ValidationError):
                        check_credit_code(good[:i] + c + good[i + 1 :])


class TestMakeCreditCode:
    def test_valid_and_distinct(self):
        codes = [make_credit_code(seed) for seed in range(2000)]
        assert len(set(codes)) == len(codes)
        for code in codes:
            assert check_credit_code(code) == code
            assert code.startswith("91510903")
            assert _reference_credit_check(code[:17]) == code[17]

    def test_deterministic(self):
        assert make_credit_code(42) == make_credit_code(42)

    def test_region_prefix(self):
        code = make_credit_code(7, region_prefix="110105")
        assert code[2:8] == "110105"
        assert check_credit_code(code) == code

    def test_org_check_x_and_0_paths(self):
        checks = {make_credit_code(seed)[16] for seed in range(2000)}
        assert {"X", "0"} <= checks

    @pytest.mark.parametrize("region", ["51090", "5109030", "51O903"])
    def test_bad_region(self, region):
        with pytest.raises(ValueError):
            make_credit_code(1, region_prefix=region)


# --------------------------------------------------------------------------------------------------------------
# phone numbers
# --------------------------------------------------------------------------------------------------------------


class TestCheckPhone:
    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("13812345678", "13812345678"),
            ("138 1234 5678", "13812345678"),
            ("138-1234-5678", "13812345678"),
            ("+86 138 1234 5678", "13812345678"),
            ("+8613812345678", "13812345678"),
            ("8613812345678", "13812345678"),
            ("0086 13812345678", "13812345678"),
            ("１３８１２３４５６７８", "13812345678"),
            ("19912345678", "19912345678"),
            ("0825-1234567", "0825-1234567"),
            ("08251234567", "0825-1234567"),
            ("0825 1234567", "0825-1234567"),
            ("(0825)1234567", "0825-1234567"),
            ("（０８２５）１２３４５６７", "0825-1234567"),
            ("０８２５－１２３４５６７", "0825-1234567"),
            ("0825\u20141234567", "0825-1234567"),
            ("010-12345678", "010-12345678"),
            ("01012345678", "010-12345678"),
            ("021 6123 4567", "021-61234567"),
            ("0755-86013388", "0755-86013388"),
            ("0825-1234567-801", "0825-1234567-801"),
            ("0825-1234567转801", "0825-1234567-801"),
            ("0825-1234567 ext. 12", "0825-1234567-12"),
            ("0825-1234567x12", "0825-1234567-12"),
            ("0825-1234567#12", "0825-1234567-12"),
        ],
    )
    def test_valid(self, raw, expected):
        assert check_phone(raw) == expected

    @pytest.mark.parametrize(
        "raw",
        [
            "",
            "abc",
            "12812345678",
            "10012345678",
            "1381234567",
            "138123456789",
            "+1 202 555 0123",
            "825-1234567",
            "0825-123456",
            "0825-123456789",
            "08-1234567",
            "08251-1234567",
            "0825-1234567-1234567",
            "0825-1234567转",
            "110",
        ],
    )
    def test_invalid(self, raw):
        with pytest.raises(ValidationError) as exc:
            check_phone(raw)
        assert exc.value.message == "手机号码或电话号码格式不正确"

    def test_none(self):
        with pytest.raises(ValidationError):
            check_phone(None)

    def test_idempotent(self):
        for raw in ["+86 138 1234 5678", "(0825)1234567", "0825-1234567转801", "01012345678"]:
            once = check_phone(raw)
            assert check_phone(once) == once

    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("13812345678", True),
            ("+86 138 1234 5678", True),
            ("0825-1234567", False),
            ("01012345678", False),
            ("12812345678", False),
            ("", False),
            (None, False),
        ],
    )
    def test_is_mobile(self, raw, expected):
        assert is_mobile(raw) is expected
