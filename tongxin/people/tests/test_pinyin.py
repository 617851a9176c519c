import pytest

from tongxin.people.pinyin import name_keys


@pytest.mark.parametrize(("name", "full", "initials"), [
    ("张嘉骊", "zhangjiali", "zjl"),
    ("曾小贤", "zengxiaoxian", "zxx"),
    ("单田芳", "shantianfang", "stf"),
    ("解晓东", "xiexiaodong", "xxd"),
    ("欧阳修", "ouyangxiu", "oyx"),
    ("李 明", "liming", "lm"),
    ("Tom李", "tomli", "tl"),
    ("", "", ""),
])
def test_name_keys(name, full, initials):
    assert name_keys(name) == (full, initials)
