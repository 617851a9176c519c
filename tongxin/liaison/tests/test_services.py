import datetime

import pytest
from django.core.exceptions import ValidationError

from tongxin.core.models import AuditEntry
from tongxin.liaison import services
from tongxin.liaison.models import Case, CaseNote, CaseStatus, Contact, ContactPerson, Pairing, PairingMember

from .conftest import COUNTY_A, TOWNSHIP_A, TOWNSHIP_A2, TOWNSHIP_B, days_ago

D = datetime.date


def messages(exc: pytest.ExceptionInfo) -> str:
    return "；".join(exc.value.messages)


# --- Pairings --------------------------------------------------------------------------------------------------


def test_pairing_needs_exactly_one_leader_and_persons(make_person, leader):
    person = make_person("甲")
    with pytest.raises(ValidationError) as exc:
        services.save_pairing(pairing=Pairing(region_id=COUNTY_A), persons=[person])
    assert "请选择结对领导" in exc.value.message_dict["leader_user"][0]
    with pytest.raises(ValidationError) as exc:
        services.save_pairing(pairing=Pairing(region_id=COUNTY_A, leader_user=leader, leader_person=person),
                              persons=[person])
    assert "二者选一" in messages(exc)
    with pytest.raises(ValidationError) as exc:
        services.save_pairing(pairing=Pairing(region_id=COUNTY_A, leader_user=leader), persons=[])
    assert exc.value.message_dict["persons"] == ["请至少选择一名人士"]


def test_pairing_checks_dates_interval_and_persons(make_person, leader, staff_user):
    person = make_person("甲")
    base = {"region_id": COUNTY_A, "leader_user": leader}
    with pytest.raises(ValidationError) as exc:
        services.save_pairing(pairing=Pairing(**base, started_on=D(2025, 1, 1), ended_on=D(2024, 1, 1)),
                              persons=[person])
    assert exc.value.message_dict["ended_on"] == ["结束日期不能早于结对日期"]
    with pytest.raises(ValidationError) as exc:
        services.save_pairing(pairing=Pairing(**base, contact_interval_days=0), persons=[person])
    assert "联系周期应为 1—730 天" in messages(exc)
    outside = make_person("乙", TOWNSHIP_A2)
    with pytest.raises(ValidationError) as exc:
        services.save_pairing(pairing=Pairing(region_id=TOWNSHIP_A, leader_user=leader), persons=[outside])
    assert exc.value.message_dict["persons"] == ["“乙”不在本结对所属区划内"]
    from tongxin.people import services as people

    moved = make_person("丙")
    people.change_status(moved, "moved", days_ago(10), "迁往成都", user=staff_user)
    moved.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.save_pairing(pairing=Pairing(**base), persons=[moved])
    assert "只能选择在册人士" in messages(exc)


def test_leader_person_cannot_pair_with_self(make_person):
    boss = make_person("外部领导", COUNTY_A, representative=False)
    with pytest.raises(ValidationError) as exc:
        services.save_pairing(pairing=Pairing(region_id=COUNTY_A, leader_person=boss), persons=[boss])
    assert "结对领导不能同时是结对人士" in messages(exc)


def test_members_are_kept_with_dates_when_the_list_changes(make_person, make_pairing, leader):
    a, b, c = make_person("甲"), make_person("乙"), make_person("丙")
    pairing = make_pairing([a, b], started_on=D(2024, 1, 1))
    assert set(pairing.members.values_list("person__name", "added_on", "removed_on")) == {
        ("甲", D(2024, 1, 1), None), ("乙", D(2024, 1, 1), None)}
    services.save_pairing(pairing=pairing, persons=[a, c], on=D(2025, 3, 1))
    rows = set(pairing.members.values_list("person__name", "added_on", "removed_on"))
    assert rows == {("甲", D(2024, 1, 1), None), ("乙", D(2024, 1, 1), D(2025, 3, 1)),
                    ("丙", D(2025, 3, 1), None)}
    services.save_pairing(pairing=pairing, persons=[a, b, c], on=D(2025, 6, 1))
    assert pairing.members.filter(person=b).count() == 2  # rejoined: a new row, the old one stays
    history = AuditEntry.objects.filter(object_id=str(pairing.pk), action=AuditEntry.UPDATE)
    assert any("结对人士" in entry.changes for entry in history)


def test_end_pairing_closes_members(make_person, make_pairing):
    a = make_person("甲")
    pairing = make_pairing([a], started_on=D(2024, 1, 1))
    with pytest.raises(ValidationError) as exc:
        services.end_pairing(pairing=pairing, ended_on=D(2023, 12, 1))
    assert "结束日期不能早于结对日期" in messages(exc)
    services.end_pairing(pairing=pairing, ended_on=D(2025, 5, 31), reason="职务调整")
    pairing.refresh_from_db()
    assert pairing.ended_on == D(2025, 5, 31) and "职务调整" in pairing.note
    assert PairingMember.objects.get(pairing=pairing).removed_on == D(2025, 5, 31)
    with pytest.raises(ValidationError) as exc:
        services.end_pairing(pairing=pairing)
    assert "已于 2025-05-31 结束" in messages(exc)


# --- Contacts --------------------------------------------------------------------------------------------------


def test_contact_validation_messages(make_person, leader):
    person = make_person("甲")
    cases = [
        ({"contacted_on": days_ago(-1), "topic": "走访"}, "contacted_on", "联系日期不能晚于今天"),
        ({"contacted_on": days_ago(1), "topic": "  "}, "topic", "请填写联系事由"),
        ({"contacted_on": days_ago(1), "topic": "走访", "follow_up_needed": True}, "follow_up_note",
         "需要跟进时请写明跟进事项"),
        ({"contacted_on": days_ago(5), "topic": "走访", "follow_up_needed": True, "follow_up_note": "协调场地",
          "follow_up_done_on": days_ago(6)}, "follow_up_done_on", "跟进完成日期不能早于联系日期"),
        ({"contacted_on": days_ago(5), "topic": "走访", "follow_up_done_on": days_ago(1)}, "follow_up_done_on",
         "不需要跟进的记录不能填写跟进完成日期"),
    ]
    for fields, field, message in cases:
        with pytest.raises(ValidationError) as exc:
            services.save_contact(contact=Contact(by_user=leader, **fields), persons=[person])
        assert exc.value.message_dict[field] == [message], fields
    with pytest.raises(ValidationError) as exc:
        services.save_contact(contact=Contact(contacted_on=days_ago(1), topic="走访"), persons=[person])
    assert "请选择联系人" in messages(exc)
    with pytest.raises(ValidationError) as exc:
        services.save_contact(contact=Contact(by_user=leader, contacted_on=days_ago(1), topic="走访"), persons=[])
    assert exc.value.message_dict["persons"] == ["请至少选择一名人士"]


def test_contact_region_is_where_the_persons_are(make_person, make_contact):
    a, b, c = make_person("甲", TOWNSHIP_A), make_person("乙", TOWNSHIP_A), make_person("丙", TOWNSHIP_A2)
    assert make_contact([a, b], days_ago(3)).region_id == TOWNSHIP_A
    assert make_contact([a, c], days_ago(3)).region_id == COUNTY_A
    d = make_person("丁", TOWNSHIP_B)
    assert make_contact([a, d], days_ago(3)).region_id == "5109"


def test_contact_links_follow_date_and_persons(make_person, make_contact, staff_user):
    a, b = make_person("甲"), make_person("乙")
    contact = make_contact([a, b], days_ago(10))
    assert set(ContactPerson.objects.filter(contact=contact).values_list("contacted_on", flat=True)) == {
        days_ago(10)}
    contact.contacted_on = days_ago(8)
    services.save_contact(contact=contact, persons=[b], user=staff_user)
    assert list(ContactPerson.objects.filter(contact=contact).values_list("person__name", "contacted_on")) == [
        ("乙", days_ago(8))]
    assert contact.recorded_by is None  # kept from creation, not replaced by the editor
    changes = [e.changes.get("联系对象") for e in AuditEntry.objects.filter(object_id=str(contact.pk),
                                                                          action=AuditEntry.UPDATE)]
    assert [None, "甲、乙"] in changes and ["甲、乙", "乙"] in changes


def test_complete_follow_up(make_person, make_contact):
    contact = make_contact([make_person("甲")], days_ago(10), follow_up_needed=True, follow_up_note="协调场地")
    with pytest.raises(ValidationError) as exc:
        services.complete_follow_up(contact=contact, done_on=days_ago(11))
    assert "跟进完成日期不能早于联系日期" in messages(exc)
    services.complete_follow_up(contact=contact, done_on=days_ago(2), note="已落实场地")
    contact.refresh_from_db()
    assert contact.follow_up_done_on == days_ago(2) and "已落实场地" in contact.content
    with pytest.raises(ValidationError) as exc:
        services.complete_follow_up(contact=contact)
    assert "已于" in messages(exc)
    plain = make_contact([make_person("乙")], days_ago(1))
    with pytest.raises(ValidationError) as exc:
        services.complete_follow_up(contact=plain)
    assert "没有需要跟进的事项" in messages(exc)


def test_common_region_cuts_to_existing_levels(regions):
    assert services.common_region(["510903001", "510903002"]) == "510903"
    assert services.common_region(["510903001"]) == "510903001"
    assert services.common_region(["510903001", "510904001"]) == "5109"


# --- Cases -----------------------------------------------------------------------------------------------------


def test_case_region_follows_the_raiser(make_person, make_case, staff_user):
    person = make_person("甲", TOWNSHIP_A2)
    case = make_case(person, region_id=COUNTY_A)
    assert case.region_id == TOWNSHIP_A2 and case.status == CaseStatus.OPEN
    assert list(case.notes.values_list("kind", flat=True)) == [CaseNote.STATUS]
    community = services.save_case(case=Case(title="社区缺少议事场所", category="site", raiser_kind="community",
                                             region_id=TOWNSHIP_A, opened_on=days_ago(3)), user=staff_user)
    assert community.region_id == TOWNSHIP_A and community.raiser_name == "南津路街道"


def test_case_validation_messages(make_person, staff_user):
    person = make_person("甲")
    with pytest.raises(ValidationError) as exc:
        services.save_case(case=Case(title="", category="", raiser_kind="person", opened_on=days_ago(1)))
    errors = exc.value.message_dict
    assert errors["title"] == ["请填写诉求标题"]
    assert errors["category"] == ["请选择诉求类别"]
    assert errors["raised_by_person"] == ["反映方为人士时，请选择反映人"]
    with pytest.raises(ValidationError) as exc:
        services.save_case(case=Case(title="融资难", category="financing", raiser_kind="person",
                                     raised_by_person=person, opened_on=days_ago(5), deadline=days_ago(6)))
    assert exc.value.message_dict["deadline"] == ["办理时限不能早于受理日期"]
    with pytest.raises(ValidationError) as exc:
        services.save_case(case=Case(title="融资难", category="financing", raiser_kind="community",
                                     opened_on=days_ago(5)))
    assert exc.value.message_dict["region"] == ["反映方为社区时，请选择社区（村）"]
    with pytest.raises(ValidationError) as exc:
        services.save_case(case=Case(title="融资难", category="financing", raiser_kind="association",
                                     opened_on=days_ago(5)))
    assert exc.value.message_dict["raised_by_association"] == ["反映方为组织时，请选择反映组织"]


def test_case_lifecycle(make_person, make_case, staff_user):
    case = make_case(make_person("甲"), opened_on=days_ago(30), deadline=days_ago(10))
    assert case.is_overdue() and Case.objects.overdue().filter(pk=case.pk).exists()
    with pytest.raises(ValidationError) as exc:
        services.change_case_status(case=case, status="closed", user=staff_user)
    assert exc.value.message_dict["note"] == ["未解决的诉求关闭时请说明原因"]
    case = services.change_case_status(case=case, status="in_progress", on=days_ago(25), user=staff_user)
    assert case.status == CaseStatus.IN_PROGRESS
    with pytest.raises(ValidationError) as exc:
        services.change_case_status(case=case, status="resolved", user=staff_user)
    assert exc.value.message_dict["resolution"] == ["办结时请填写办理结果"]
    with pytest.raises(ValidationError) as exc:
        services.change_case_status(case=case, status="resolved", resolution="已协调", on=days_ago(31))
    assert "不能早于受理日期" in messages(exc)
    case = services.change_case_status(case=case, status="resolved", resolution="协调街道提供活动室",
                                       on=days_ago(5), user=staff_user)
    assert case.resolved_on == days_ago(5) and not case.is_overdue()
    with pytest.raises(ValidationError) as exc:
        services.change_case_status(case=case, status="resolved", resolution="x")
    assert exc.value.message_dict["status"] == ["诉求当前为“已解决”，不能改为“已解决”"]
    with pytest.raises(ValidationError) as exc:
        services.change_case_status(case=case, status="in_progress")
    assert exc.value.message_dict["note"] == ["重新办理时请说明原因"]
    case = services.change_case_status(case=case, status="in_progress", note="反映人不满意，场地太小")
    assert case.resolved_on is None
    case = services.change_case_status(case=case, status="resolved", resolution="调整到更大的活动室",
                                       on=days_ago(1))
    case = services.record_feedback(case=case, feedback="satisfied", note="很满意", user=staff_user)
    case = services.change_case_status(case=case, status="closed", user=staff_user)
    assert case.status == CaseStatus.CLOSED and case.closed_on is not None and case.resolved_on == days_ago(1)
    with pytest.raises(ValidationError) as exc:
        services.change_case_status(case=case, status="in_progress", note="再议")
    assert "不能改为“办理中”" in messages(exc)
    with pytest.raises(ValidationError) as exc:
        services.add_case_note(case=case, text="补充")
    assert "诉求已关闭" in messages(exc)
    kinds = list(case.notes.values_list("kind", flat=True))
    assert kinds.count(CaseNote.STATUS) == 6 and CaseNote.FEEDBACK in kinds


def test_feedback_and_notes_rules(make_person, make_case):
    case = make_case(make_person("甲"), opened_on=days_ago(10))
    with pytest.raises(ValidationError) as exc:
        services.record_feedback(case=case, feedback="satisfied")
    assert "诉求办结后才能登记反映方评价" in messages(exc)
    with pytest.raises(ValidationError) as exc:
        services.add_case_note(case=case, text=" ")
    assert exc.value.message_dict["text"] == ["请填写办理进展"]
    with pytest.raises(ValidationError) as exc:
        services.add_case_note(case=case, text="走访", noted_on=days_ago(11))
    assert "不能早于受理日期" in messages(exc)
    note = services.add_case_note(case=case, text="已约谈", noted_on=days_ago(2))
    assert note.kind == CaseNote.NOTE
    case = services.change_case_status(case=case, status="resolved", resolution="已解决")
    with pytest.raises(ValidationError) as exc:
        services.record_feedback(case=case, feedback="great")
    assert "请选择评价" in messages(exc)
