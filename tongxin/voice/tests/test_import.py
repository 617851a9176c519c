import io
import json

import pytest
from django.core.management import call_command

from tongxin.core.tabular import ImportContext, run_import, write_xlsx
from tongxin.voice.imports import ArrangementSpec, ProposalSpec
from tongxin.voice.models import PoliticalArrangement, Proposal

from .conftest import COUNTY_A, TOWNSHIP_B, days_ago


@pytest.fixture
def people(make_person, make_association):
    make_person("张嘉骊")
    make_person("李四")
    make_person("王五")
    make_person("王五")  # a namesake
    make_person("赵六", TOWNSHIP_B)  # another county
    make_association()


def run(tmp_path, spec, text, **kwargs):
    path = tmp_path / "file.csv"
    path.write_bytes(text.encode("utf-8"))
    return run_import(str(path), spec, ImportContext(region=COUNTY_A, filename="file.csv"), **kwargs)


P_HEADER = "序号,标题,内容,主题,渠道,提出人,提出组织,提交日期\n"


def test_proposals_import_and_reimport_skips(tmp_path, people):
    d = days_ago(20).isoformat()
    text = P_HEADER + "\n".join([
        f"1,关于停车难的建议,增设停车位,城乡建设,社情民意,张嘉骊、李四,,{d}",
        f"2,关于阵地建设的建议,建设新阶人士之家,其他,协商会,,船山区新联会,{d}",
    ])
    result = run(tmp_path, ProposalSpec(), text)
    assert result.errors == [] and result.created == 2
    proposal = Proposal.objects.get(title="关于停车难的建议")
    assert {p.name for p in proposal.persons.all()} == {"张嘉骊", "李四"}
    assert proposal.channel == "opinion" and proposal.source == "import" and proposal.steps.count() == 1
    assert proposal.grams.exists()
    assert "序号" in result.ignored
    again = run(tmp_path, ProposalSpec(), text)
    assert again.created == 0 and again.skipped == 2


def test_proposal_row_errors_name_row_and_column(tmp_path, people):
    d = days_ago(20).isoformat()
    text = P_HEADER + "\n".join([
        f"1,好的,内容,其他,提案,张嘉骊,,{d}",
        f"2,同名,内容,其他,提案,王五,,{d}",
        f"3,外县,内容,其他,提案,赵六,,{d}",
        f"4,无人,内容,其他,提案,,,{d}",
        f"5,错渠道,内容,其他,微博,张嘉骊,,{d}",
        f"6,未来,内容,其他,提案,张嘉骊,,{days_ago(-3).isoformat()}",
    ])
    result = run(tmp_path, ProposalSpec(), text)
    errors = {(row, column): message for row, column, message in result.errors}
    assert "有 2 位“王五”" in errors[(3, "提出人")]
    assert "没有找到“赵六”" in errors[(4, "提出人")]
    assert errors[(5, "提出人")] == "请填写提出人或提出组织"
    assert (6, "渠道") in errors
    assert errors[(7, "提交日期")] == "提交日期不能晚于今天"
    assert result.created == 0 and not Proposal.objects.exists()  # all or nothing
    result = run(tmp_path, ProposalSpec(), text, skip_invalid=True, rejected_output=False)
    assert result.created == 1 and Proposal.objects.count() == 1


A_HEADER = "姓名,安排职务,层级,届次,状态,推荐日期,推荐单位,任期开始,任期结束\n"


def test_arrangements_import(tmp_path, people):
    text = A_HEADER + "\n".join([
        "张嘉骊,人大代表,区,第十届,,2021-10-01,区委统战部,2022-01-01,2026-12-31",
        "李四,行风政风监督员,县级,2024—2026年,已安排,2023-12-01,区纪委,2024-01-01,2026-12-31",
        "王五,政协委员,区,第十届,推荐,2021-10-01,,,",
        "张嘉骊,工商联执行委员,区,第十四届,,2021-10-01,,,",
    ])
    result = run(tmp_path, ArrangementSpec(), text)
    errors = {(row, column): message for row, column, message in result.errors}
    assert "请填写人士编号" in errors[(4, "姓名")]
    assert errors[(5, "任期开始")] == "已安排的须填写任期开始日期"
    result = run(tmp_path, ArrangementSpec(), "\n".join(text.splitlines()[:3]))
    assert result.errors == [] and result.created == 2
    seats = {a.person.name: a for a in PoliticalArrangement.objects.select_related("person")}
    assert seats["张嘉骊"].body == "npc" and seats["张嘉骊"].level == "county"
    assert seats["李四"].body == "supervisor" and seats["李四"].status == "arranged"


def test_export_imports_back(tmp_path, people, make_arrangement):
    make_arrangement(body="acfic")
    buffer = io.BytesIO()
    write_xlsx(PoliticalArrangement.objects.select_related("person"), ArrangementSpec(), buffer)
    path = tmp_path / "export.xlsx"
    path.write_bytes(buffer.getvalue())
    result = run_import(str(path), ArrangementSpec(), ImportContext(region=COUNTY_A))
    assert result.errors == [] and result.skipped == 1 and result.created == 0


def test_command_json_and_bad_file(tmp_path, people, capsys):
    path = tmp_path / "p.csv"
    path.write_bytes((P_HEADER + f"1,命令行导入,内容,其他,提案,张嘉骊,,{days_ago(3).isoformat()}").encode())
    call_command("import", "proposals", str(path), "--region", COUNTY_A, "--format", "json")
    data = json.loads(capsys.readouterr().out)
    assert data["created"] == 1 and data["errors"] == []
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a spreadsheet")
    with pytest.raises(SystemExit) as exc:
        call_command("import", "proposals", str(bad), "--region", COUNTY_A)
    assert exc.value.code != 0


def test_import_page(staff_client, people):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    upload = SimpleUploadedFile("p.csv", (P_HEADER + f"1,页面导入,内容,其他,提案,张嘉骊,,{days_ago(3)}").encode())
    response = staff_client.post(reverse("voice:proposal_import"), {"file": upload, "region": COUNTY_A})
    assert response.status_code == 200
    assert Proposal.objects.filter(title="页面导入").exists()
    assert staff_client.get(reverse("voice:proposal_import_template")).status_code == 200


def test_import_page_bad_file_and_dry_run(staff_client, people):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    bad = SimpleUploadedFile("p.xlsx", b"not a spreadsheet")
    response = staff_client.post(reverse("voice:politicalarrangement_import"), {"file": bad, "region": COUNTY_A})
    assert response.status_code == 200 and response.context["form"].errors["file"]
    upload = SimpleUploadedFile("a.csv", (A_HEADER + "张嘉骊,人大代表,区,第十届,,2021-10-01,,2022-01-01,").encode())
    response = staff_client.post(reverse("voice:politicalarrangement_import"),
                                 {"file": upload, "region": COUNTY_A, "dry_run": "on"})
    assert response.context["result"].created == 1 and not PoliticalArrangement.objects.exists()
