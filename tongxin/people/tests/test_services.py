import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from tongxin.core.audit import history_for
from tongxin.core.models import AuditEntry
from tongxin.people import selectors, services
from tongxin.people.models import NetworkAccount, Person, PersonMerge, PersonState, Tag

from .conftest import COUNTY_A, TOWNSHIP_A

D = datetime.date


def states(person):
    return list(PersonState.objects.filter(person=person).order_by("valid_from", "id").values(
        "valid_from", "valid_to", "status", "category", "is_representative", "is_reserve", "region_code"))


def test_save_person_derives_keys_and_birth_date(make_person):
    person = make_person("张嘉骊", id_seq=3, gender="F", birth=D(1990, 5, 17), phone="138 0000 1234")
    person.refresh_from_db()
    assert (person.name_pinyin, person.name_initials) == ("zhangjiali", "zjl")
    assert person.birth_date == D(1990, 5, 17)
    assert person.gender == "F"
    assert person.phone == "13800001234"
    assert person.id_number_bidx and person.phone_bidx


def test_initial_states_follow_the_dates_a_record_carries(make_person):
    person = make_person(added_on=D(2020, 1, 1), is_representative=True, representative_level="county",
                         representative_since=D(2022, 6, 1), is_reserve=True, reserve_since=D(2018, 1, 1))
    rows = states(person)
    assert [(r["valid_from"], r["valid_to"], r["is_representative"], r["is_reserve"]) for r in rows] == [
        (D(2020, 1, 1), D(2022, 6, 1), False, True),
        (D(2022, 6, 1), None, True, True),
    ]


def test_status_change_needs_a_reason_and_splits_history(make_person, staff_user):
    person = make_person(added_on=D(2020, 1, 1))
    with pytest.raises(ValidationError):
        services.change_status(person, "moved", D(2024, 3, 1), "  ", user=staff_user)
    services.change_status(person, "moved", D(2024, 3, 1), "工作调动", user=staff_user)
    person.refresh_from_db()
    assert (person.status, person.status_date, person.status_reason) == ("moved", D(2024, 3, 1), "工作调动")
    assert [(r["valid_from"], r["valid_to"], r["status"]) for r in states(person)] == [
        (D(2020, 1, 1), D(2024, 3, 1), "active"), (D(2024, 3, 1), None, "moved")]
    entry = history_for(person).first()
    assert entry.action == AuditEntry.UPDATE and entry.user == staff_user
    assert entry.changes["status"] == ["active", "moved"]


def test_status_change_through_save_person_also_needs_reason(make_person):
    person = make_person()
    person.status = "withdrawn"
    with pytest.raises(ValidationError):
        services.save_person(person)


def test_edit_of_region_and_category_is_dated_today(make_person):
    person = make_person(added_on=D(2020, 1, 1))
    person.region_id = TOWNSHIP_A
    person.category = "2"
    services.save_person(person, effective_date=D(2025, 1, 1))
    assert [(r["valid_from"], r["region_code"], r["category"]) for r in states(person)] == [
        (D(2020, 1, 1), COUNTY_A, "1"), (D(2025, 1, 1), TOWNSHIP_A, "2")]


def test_backdated_change_before_entry_means_since_entry(make_person, staff_user):
    person = make_person(added_on=D(2021, 1, 1))
    services.change_status(person, "deceased", D(2019, 1, 1), "补录", user=staff_user)
    assert [(r["valid_from"], r["status"]) for r in states(person)] == [(D(2021, 1, 1), "deceased")]


def test_tags_specialties_accounts_are_in_the_timeline(make_person):
    person = make_person(tags="新联会会员、青年企业家", specialties=["法律咨询"])
    services.save_person(person, tags=["新联会会员"], accounts=[
        {"platform": "douyin", "account_name": "嘉骊看遂宁", "follower_count": 1200}])
    timeline = selectors.person_timeline(person)
    labels = {c["label"]: c for item in timeline for c in item["changes"]}
    assert labels["标签"]["old"] == "新联会会员、青年企业家" and labels["标签"]["new"] == "新联会会员"
    assert "嘉骊看遂宁" in labels["网络账号"]["new"]
    assert timeline[-1]["action"] == "新增"


def test_timeline_masks_sensitive_values_and_uses_labels(make_person):
    person = make_person(id_seq=1, phone="13800001234", political_affiliation="13")
    person.phone = "13900004321"
    person.political_affiliation = "01"
    services.save_person(person)
    changes = {c["label"]: c for c in selectors.person_timeline(person)[0]["changes"]}
    assert changes["手机号码"]["old"] == "138****1234" and changes["手机号码"]["new"] == "139****4321"
    assert changes["政治面貌"]["old"] == "群众" and changes["政治面貌"]["new"] == "中共党员"


def test_bulk_actions_one_call_audited(make_person, staff_user):
    a, b, c = (make_person(f"人{i}", added_on=D(2020, 1, 1)) for i in range(3))
    queryset = Person.objects.filter(pk__in=[a.pk, b.pk])
    count = services.bulk_update_persons(queryset, action="set_flag", flag="reserve", date=D(2025, 5, 1),
                                         user=staff_user)
    assert count == 2
    a.refresh_from_db()
    assert a.is_reserve and a.reserve_since == D(2025, 5, 1)
    assert states(a)[-1]["is_reserve"] and states(a)[-1]["valid_from"] == D(2025, 5, 1)
    assert not Person.objects.get(pk=c.pk).is_reserve
    assert history_for(a).first().changes["is_reserve"] == [False, True]
    assert services.bulk_update_persons(queryset, action="add_tag", tag="同心服务团", user=staff_user) == 2
    assert set(Tag.objects.get(name="同心服务团").persons.all()) == {a, b}
    with pytest.raises(ValidationError):
        services.bulk_update_persons(queryset, action="change_status", status="withdrawn", user=staff_user)
    assert services.bulk_update_persons(queryset, action="change_status", status="withdrawn", reason="本人申请",
                                        date=D(2025, 6, 1), user=staff_user) == 2
    b.refresh_from_db()
    assert b.status == "withdrawn" and b.status_reason == "本人申请"
    assert states(b)[-1]["status"] == "withdrawn"
    assert services.bulk_update_persons(queryset, action="clear_flag", flag="reserve", user=staff_user) == 2
    assert not Person.objects.filter(pk__in=[a.pk, b.pk], is_reserve=True).exists()


def test_find_duplicates(make_person, make_org):
    employer = make_org()
    same_id = make_person("王五", id_seq=7)
    same_phone = make_person("李四", phone="13811112222")
    same_birth = make_person("赵六", birth_date=D(1980, 1, 2), employer=employer)
    make_person("李四", phone="13899990000")

    found = services.find_duplicates(Person(name="王五五", id_number=same_id.id_number))
    assert [(d.person, d.certain) for d in found] == [(same_id, True)]
    found = services.find_duplicates(Person(name="李四", phone="138-1111-2222"))
    assert [(d.person, d.certain) for d in found] == [(same_phone, False)]
    found = services.find_duplicates(Person(name="赵六", birth_date=D(1980, 1, 2), employer=employer))
    assert [d.person for d in found] == [same_birth]
    assert services.find_duplicates(Person(name="赵六", birth_date=D(1980, 1, 3), employer=employer)) == []
    assert services.find_duplicates(same_id) == []


def test_merge_keeps_related_records_and_undo_restores(make_person, make_org, staff_user):
    employer = make_org()
    keep = make_person("李四", phone="13811112222", tags=["新联会会员"], added_on=D(2020, 1, 1))
    remove = make_person("李四", phone="13811112222", id_seq=9, employer=employer, tags=["青年企业家"],
                         added_on=D(2021, 1, 1), accounts=[{"platform": "weibo", "account_name": "李四说"}])
    remove_states = states(remove)

    merge = services.merge_persons(keep, remove, user=staff_user)

    keep.refresh_from_db()
    assert not Person.objects.filter(pk=remove.pk).exists()
    assert keep.id_number == remove.id_number and keep.employer == employer
    assert list(NetworkAccount.objects.filter(person=keep).values_list("account_name", flat=True)) == ["李四说"]
    assert set(keep.tags.values_list("name", flat=True)) == {"新联会会员", "青年企业家"}
    assert AuditEntry.objects.filter(action=AuditEntry.MERGE, object_id=str(keep.pk)).exists()
    assert AuditEntry.objects.filter(action=AuditEntry.MERGE, object_id=str(remove.pk)).exists()
    assert PersonState.objects.filter(person_id=remove.pk).count() == 0

    restored = services.undo_merge(merge, user=staff_user)

    keep.refresh_from_db()
    assert restored.pk == remove.pk
    assert restored.id_number == remove.id_number and keep.id_number == ""
    assert keep.employer is None and restored.employer == employer
    assert list(restored.network_accounts.values_list("account_name", flat=True)) == ["李四说"]
    assert set(keep.tags.values_list("name", flat=True)) == {"新联会会员"}
    assert set(restored.tags.values_list("name", flat=True)) == {"青年企业家"}
    assert states(restored) == remove_states
    assert PersonMerge.objects.get(pk=merge.pk).undone_at is not None
    with pytest.raises(ValidationError):
        services.undo_merge(PersonMerge.objects.get(pk=merge.pk))


@pytest.mark.django_db(transaction=True)
def test_merge_repoints_relations_of_other_apps_generically(make_person, staff_user):
    """A model added by a later app (here a throwaway one) is found through Person._meta.related_objects."""
    from django.db import models

    class Membership(models.Model):
        person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
        association = models.CharField(max_length=20)

        class Meta:
            app_label = "people"
            constraints = [models.UniqueConstraint(fields=["person", "association"], name="test_membership_uniq")]

        def __str__(self):
            return self.association

    with connection.schema_editor() as editor:
        editor.create_model(Membership)
    try:
        keep, remove = make_person("甲"), make_person("甲")
        Membership.objects.create(person=keep, association="新联会")
        moved = Membership.objects.create(person=remove, association="网络人士联谊会")
        clash = Membership.objects.create(person=remove, association="新联会")

        merge = services.merge_persons(keep, remove, user=staff_user)
        assert Membership.objects.get(pk=moved.pk).person_id == keep.pk
        assert not Membership.objects.filter(pk=clash.pk).exists()

        services.undo_merge(merge, user=staff_user)
        assert Membership.objects.get(pk=moved.pk).person_id == remove.pk
        assert Membership.objects.get(pk=clash.pk).person_id == remove.pk
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(Membership)
        Person._meta._expire_cache()
        from django.apps import apps

        apps.all_models["people"].pop("membership", None)
        apps.clear_cache()


def test_erase_keeps_figures_but_not_the_person(make_person, staff_user):
    person = make_person("王五", id_seq=5, phone="13812345678", tags=["新联会会员"], added_on=D(2020, 1, 1),
                         is_representative=True, representative_level="county",
                         accounts=[{"platform": "douyin", "account_name": "王五说"}])
    before = states(person)
    with pytest.raises(ValidationError):
        services.erase_person(person, "", user=staff_user)
    services.erase_person(person, "本人书面申请删除", user=staff_user)
    person.refresh_from_db()
    assert person.name == "已删除人员" and person.is_erased
    assert (person.id_number, person.phone, person.id_number_bidx, person.phone_bidx) == ("", "", "", "")
    assert not person.network_accounts.exists() and not person.tags.exists()
    assert person.is_representative and states(person) == before
    assert "王五" not in str(history_for(person).first().changes)
    # the earlier entries (creation) keep who and when, but no longer name the person or hold their data
    entries = list(history_for(person))
    assert len(entries) >= 2
    assert not any("王五" in e.object_repr or "王五" in str(e.changes) or "13812345678" in str(e.changes)
                   for e in entries)
    assert entries[-1].action == AuditEntry.CREATE and entries[-1].object_repr == "已删除人员"


def test_editing_the_entry_date_moves_the_start_of_history(make_person, staff_user):
    person = make_person(added_on=D(2022, 1, 1))
    services.change_status(person, "moved", D(2024, 1, 1), "迁出", user=staff_user)
    person.refresh_from_db()
    person.added_on = D(2020, 6, 1)
    services.save_person(person)
    assert [(r["valid_from"], r["status"]) for r in states(person)] == [(D(2020, 6, 1), "active"),
                                                                         (D(2024, 1, 1), "moved")]
    person.added_on = D(2024, 6, 1)
    services.save_person(person)
    assert [(r["valid_from"], r["status"]) for r in states(person)] == [(D(2024, 6, 1), "moved")]
