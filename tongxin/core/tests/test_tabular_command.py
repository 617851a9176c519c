"""`tongxin import <kind> FILE …`: one command for every registered kind, with the JSON and exit codes of CONTRACTS."""

import io
import json

import pytest
from django.core.management import call_command

from tongxin.core.models import DictType
from tongxin.core.tabular import registry
from tongxin.core.tests.test_tabular_engine import BAD, GOOD, DictItemSpec, items

pytestmark = pytest.mark.django_db


@pytest.fixture
def kind(regions):
    from tongxin.core.services import ensure_roles

    ensure_roles()
    registry.register_importer("test_items", DictItemSpec, label="字典项")
    yield DictType.objects.create(code="test_kind", name="测试字典")
    registry._importers.pop("test_items", None)


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    status = 0
    try:
        call_command("import", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        status = exc.code
    return status, out.getvalue(), err.getvalue()


def write(tmp_path, text, name="items.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_json_and_exit_zero(tmp_path, kind):
    status, out, _err = run("test_items", write(tmp_path, GOOD), "--region", "510903", "--format", "json")
    assert status == 0
    assert json.loads(out) == {"rows": 3, "created": 3, "updated": 0, "merged": 0, "skipped": 0, "errors": [],
                               "ignored": ["序号", "备注"]}
    assert "\\u" not in out
    assert len(items(kind)) == 3


def test_rejected_rows_exit_one_and_write_nothing(tmp_path, kind):
    status, out, _err = run("test_items", write(tmp_path, BAD), "--region", "510903", "--format", "json")
    assert status == 1
    data = json.loads(out)
    assert data["errors"][0] == {"row": 3, "column": "名称", "message": "名称不能为空"}
    assert data["created"] == 0 and items(kind) == []


def test_skip_invalid_with_rejected_output(tmp_path, kind):
    rejected = tmp_path / "rejected.xlsx"
    status, out, _err = run("test_items", write(tmp_path, BAD), "--region", "510903", "--skip-invalid",
                            "--rejected-output", str(rejected))
    assert status == 1
    assert "新增 2" in out and "未导入的行已写入" in out and "第 3 行 名称：名称不能为空" in out
    assert rejected.exists() and len(items(kind)) == 2


def test_dry_run_text_summary(tmp_path, kind):
    status, out, _err = run("test_items", write(tmp_path, GOOD), "--region", "510903", "--dry-run")
    assert status == 0
    assert "试运行" in out and "新增 3" in out and "未识别的列（已忽略）：序号、备注" in out
    assert items(kind) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["test_items", "MISSING.csv", "--region", "510903"], "找不到文件"),
        (["test_items", "{bad}", "--region", "510903"], "文件内容与扩展名不符"),
        (["nothing", "{good}", "--region", "510903"], "未知的导入类型“nothing”"),
        (["test_items", "{good}", "--region", "510999"], "区划代码“510999”不存在"),
        (["test_items", "{good}", "--region", "51x"], "应由数字组成"),
        (["test_items", "{good}", "--region", "510903", "--user", "nobody"], "用户“nobody”不存在"),
    ],
)
def test_unreadable_file_or_bad_arguments_exit_two_with_one_line(tmp_path, kind, args, message):
    good = write(tmp_path, GOOD)
    bad = tmp_path / "fake.xlsx"
    bad.write_text("not a workbook", encoding="utf-8")
    args = [a.format(good=good, bad=bad) for a in args]
    status, out, err = run(*args)
    assert status == 2
    assert message in err and err.count("\n") <= 1
    assert "Traceback" not in err and out == ""


def test_user_scope_is_checked(tmp_path, kind, other_staff_user):
    status, _out, err = run("test_items", write(tmp_path, GOOD), "--region", "510903", "--user",
                            other_staff_user.username)
    assert status == 2 and "不在用户" in err
    status, _out, _err = run("test_items", write(tmp_path, GOOD), "--region", "510904", "--user",
                             other_staff_user.username)
    assert status == 0


def test_cli_entry_point(tmp_path, kind):
    """Through the real `tongxin` console script, as operators run it."""
    from tongxin.cli import main

    with pytest.raises(SystemExit) as info:
        main(["import", "test_items", write(tmp_path, "x"), "--region", "510903"])
    assert info.value.code == 2
