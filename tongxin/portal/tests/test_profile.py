"""我的: the member's own profile; contact details changed through the registry's service (audited)."""

from django.urls import reverse

from tongxin.core.models import AuditEntry
from tongxin.people.models import Person


def test_profile_shows_the_phone_masked(member_client, member):
    html = member_client.get(reverse("portal:profile")).content.decode()
    assert member.name in html
    assert "13812345678" not in html and "5678" in html


def test_replace_the_phone_is_audited(member_client, member):
    response = member_client.post(reverse("portal:profile_edit"), {"phone": "13900001111"}, follow=True)
    assert "联系方式已更新" in response.content.decode()
    assert Person.objects.get(pk=member.pk).phone == "13900001111"
    entry = AuditEntry.objects.filter(object_id=str(member.pk), action=AuditEntry.UPDATE).latest("id")
    assert entry.user == member.user and "phone" in entry.changes
    assert "13900001111" not in str(entry.changes)


def test_blank_keeps_the_phone_and_bad_phone_is_a_chinese_error(member_client, member):
    response = member_client.post(reverse("portal:profile_edit"), {"phone": ""}, follow=True)
    assert "没有修改任何内容" in response.content.decode()
    response = member_client.post(reverse("portal:profile_edit"), {"phone": "12345"})
    assert response.status_code == 200 and response.context["form"].errors["phone"]
    assert Person.objects.get(pk=member.pk).phone == "13812345678"


def test_edit_page_never_prefills_the_full_phone(member_client, member):
    html = member_client.get(reverse("portal:profile_edit")).content.decode()
    assert "13812345678" not in html
