"""System administration pages: what an administrator may do, and what nobody may do, through the web UI."""

import io

import pytest
from django.contrib.auth.models import Permission
from django.urls import NoReverseMatch, reverse

from conftest import COUNTY_A, COUNTY_B
from tongxin.core import services
from tongxin.core.exports import safe_cell
from tongxin.core.models import AuditEntry, DictItem, DictType, Job, Region, Role, User

STRONG_PASSWORD = "Qiang-Mima-2026"


@pytest.fixture(autouse=True)
def _roles(db):
    """Roles and dictionaries as after `migrate` (idempotent; the post-migrate seeding may not have run)."""
    services.ensure_roles()
    services.seed_dictionaries()


@pytest.fixture
def county_admin(make_user):
    """System administrator of 安居区 (510904)."""
    return make_user("admin", COUNTY_B, username="admin_anju")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def login(client, user):
    client.force_login(user)
    return client


def read_xlsx(content: bytes) -> list[list]:
    from python_calamine import CalamineWorkbook

    return CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()


def roles(*keys):
    return [str(Role.objects.get(key=k).pk) for k in keys]


# --- Users ------------------------------------------------------------------------------------------------------


def test_user_list_shows_only_users_in_scope(client, county_admin, staff_user, other_staff_user):
    response = login(client, county_admin).get(reverse("core:user_list"))
    assert response.status_code == 200
    assert other_staff_user.username in response.content.decode()
    assert staff_user.username not in response.content.decode()


def test_user_of_another_county_answers_404_on_every_page(client, county_admin, staff_user):
    login(client, county_admin)
    for name in ("core:user_detail", "core:user_edit", "core:user_password"):
        assert client.get(reverse(name, args=[staff_user.pk])).status_code == 404, name
    for name in ("core:user_active", "core:user_unlock", "core:user_totp_remove"):
        assert client.post(reverse(name, args=[staff_user.pk]), {"active": "0"}).status_code == 404, name
    staff_user.refresh_from_db()
    assert staff_user.is_active


def test_user_pages_keep_the_signed_in_user_in_the_header(client, county_admin, other_staff_user):
    login(client, county_admin)
    for name in ("core:user_detail", "core:user_edit", "core:user_password"):
        response = client.get(reverse(name, args=[other_staff_user.pk]))
        assert response.context["user"] == county_admin, name
        assert response.context["target"] == other_staff_user, name


def test_staff_without_user_permissions_gets_404(staff_client, other_staff_user):
    assert staff_client.get(reverse("core:user_list")).status_code == 404
    assert staff_client.get(reverse("core:user_add")).status_code == 404
    assert staff_client.get(reverse("core:user_edit", args=[other_staff_user.pk])).status_code == 404
    assert staff_client.get(reverse("core:role_list")).status_code == 404
    assert staff_client.get(reverse("core:region_add")).status_code == 404
    assert staff_client.get(reverse("core:region_import")).status_code == 404


def test_anonymous_gets_nothing(client, staff_user):
    response = client.get(reverse("core:user_list"))
    assert response.status_code in (302, 403)
    assert staff_user.username not in response.content.decode()


def _new_user_data(**overrides):
    data = {"username": "newclerk", "display_name": "新同事", "title": "科员", "scope_region": COUNTY_B,
            "roles": roles("staff"), "password1": STRONG_PASSWORD, "password2": STRONG_PASSWORD,
            "must_change_password": "on"}
    data.update(overrides)
    return data


def test_admin_creates_user_in_scope(client, county_admin):
    response = login(client, county_admin).post(reverse("core:user_add"), _new_user_data())
    user = User.objects.get(username="newclerk")
    assert response.status_code == 302
    assert response["Location"] == reverse("core:user_detail", args=[user.pk])
    assert user.scope_region_id == COUNTY_B
    assert user.role_names == ["统战部工作人员"]
    assert user.must_change_password and user.check_password(STRONG_PASSWORD)
    assert AuditEntry.objects.filter(action=AuditEntry.CREATE, object_id=str(user.pk)).exists()


def test_admin_cannot_widen_scope_on_create_or_edit(client, county_admin, other_staff_user):
    login(client, county_admin)
    response = client.post(reverse("core:user_add"), _new_user_data(scope_region="5109"))
    assert response.status_code == 200
    assert not User.objects.filter(username="newclerk").exists()
    assert "scope_region" in response.context["form"].errors

    response = client.post(reverse("core:user_edit", args=[other_staff_user.pk]), {
        "display_name": "赵敏", "scope_region": "51", "roles": roles("staff")})
    assert response.status_code == 200
    other_staff_user.refresh_from_db()
    assert other_staff_user.scope_region_id == COUNTY_B


def test_service_refuses_scope_wider_than_the_actor(county_admin):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.add_user(actor=county_admin, username="x1", password=STRONG_PASSWORD, scope_code="5109",
                          roles=[])


def test_admin_cannot_create_a_superuser(client, county_admin):
    login(client, county_admin).post(reverse("core:user_add"), _new_user_data(is_superuser="on", is_staff="on"))
    user = User.objects.get(username="newclerk")
    assert not user.is_superuser and not user.is_staff


def test_superuser_in_scope_cannot_be_changed_by_an_admin(client, county_admin):
    boss = User.objects.create_superuser(username="boss", password=STRONG_PASSWORD, scope_region_id=COUNTY_B)
    login(client, county_admin)
    assert client.get(reverse("core:user_edit", args=[boss.pk])).status_code == 404
    assert client.get(reverse("core:user_password", args=[boss.pk])).status_code == 404


def test_only_a_system_administrator_grants_the_admin_role(county_admin, make_user):
    clerk = make_user("staff", COUNTY_B, username="clerk")
    clerk.user_permissions.add(Permission.objects.get(codename="add_user"),
                               Permission.objects.get(codename="change_user"))
    clerk = User.objects.get(pk=clerk.pk)
    assert "admin" not in set(services.grantable_roles(clerk).values_list("key", flat=True))
    assert "admin" in set(services.grantable_roles(county_admin).values_list("key", flat=True))
    # …and cannot take over an administrator's account either.
    assert not services.users_manageable_by(clerk).filter(pk=county_admin.pk).exists()


def test_password_rules_are_explained_in_chinese(client, county_admin):
    login(client, county_admin)
    response = client.post(reverse("core:user_add"), _new_user_data(password1="abc", password2="abc"))
    text = response.content.decode()
    assert not User.objects.filter(username="newclerk").exists()
    codes = {e.code for e in response.context["form"].errors.as_data()["password1"]}
    assert {"password_too_short", "password_too_common", "password_too_simple"} <= codes
    assert "这个密码太常见了" in text
    assert "密码须包含大写字母、小写字母、数字、符号中的至少三类" in text

    response = client.post(reverse("core:user_add"), _new_user_data(password2=STRONG_PASSWORD + "x"))
    assert "两次输入的密码不一致" in response.content.decode()


def test_admin_resets_password(client, county_admin, other_staff_user):
    login(client, county_admin)
    url = reverse("core:user_password", args=[other_staff_user.pk])
    response = client.post(url, {"new_password1": "short", "new_password2": "short"})
    assert response.status_code == 200 and "密码" in response.content.decode()
    response = client.post(url, {"new_password1": STRONG_PASSWORD, "new_password2": STRONG_PASSWORD,
                                 "must_change_password": "on"})
    assert response.status_code == 302
    other_staff_user.refresh_from_db()
    assert other_staff_user.check_password(STRONG_PASSWORD) and other_staff_user.must_change_password


def test_deactivate_and_reactivate_but_never_delete(client, county_admin, other_staff_user):
    login(client, county_admin)
    url = reverse("core:user_active", args=[other_staff_user.pk])
    assert client.get(url).status_code == 405
    client.post(url, {"active": "0"})
    other_staff_user.refresh_from_db()
    assert not other_staff_user.is_active
    client.post(url, {"active": "1"})
    other_staff_user.refresh_from_db()
    assert other_staff_user.is_active
    with pytest.raises(NoReverseMatch):
        reverse("core:user_delete", args=[other_staff_user.pk])


def test_admin_cannot_deactivate_self(client, county_admin):
    login(client, county_admin).post(reverse("core:user_active", args=[county_admin.pk]), {"active": "0"})
    county_admin.refresh_from_db()
    assert county_admin.is_active


def test_unlock_resets_axes_lockout(client, county_admin, other_staff_user):
    from axes.models import AccessAttempt

    AccessAttempt.objects.create(username=other_staff_user.username, ip_address="10.0.0.1", user_agent="t",
                                 get_data="", post_data="", failures_since_start=9)
    login(client, county_admin)
    page = client.get(reverse("core:user_detail", args=[other_staff_user.pk])).content.decode()
    assert "已锁定" in page
    client.post(reverse("core:user_unlock", args=[other_staff_user.pk]))
    assert not AccessAttempt.objects.filter(username=other_staff_user.username).exists()


def test_admin_removes_a_users_totp_device(client, county_admin, other_staff_user):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=other_staff_user, name="phone", confirmed=True)
    login(client, county_admin)
    assert "已绑定" in client.get(reverse("core:user_detail", args=[other_staff_user.pk])).content.decode()
    client.post(reverse("core:user_totp_remove", args=[other_staff_user.pk]))
    assert not TOTPDevice.objects.filter(user=other_staff_user).exists()


# --- Roles ------------------------------------------------------------------------------------------------------


def test_roles_list_and_permission_grid(admin_client):
    response = admin_client.get(reverse("core:role_list"))
    assert response.status_code == 200
    assert "统战部工作人员" in response.content.decode()
    staff = Role.objects.get(key="staff")
    page = admin_client.get(reverse("core:role_detail", args=[staff.pk])).content.decode()
    assert "查看" in page and "查看完整敏感信息" in page


def test_role_edit_sets_exact_permissions_and_is_audited(admin_client):
    role = Role.objects.get(key="leader")
    perm = Permission.objects.get(codename="view_user")
    response = admin_client.post(reverse("core:role_edit", args=[role.pk]),
                                 {"description": "只读", "permissions": [str(perm.pk)]})
    assert response.status_code == 302
    role.refresh_from_db()
    assert role.description == "只读"
    assert list(role.group.permissions.values_list("codename", flat=True)) == ["view_user"]
    assert AuditEntry.objects.filter(object_id=str(role.pk), message__startswith="调整权限").exists()


def test_role_editing_requires_change_group(client, make_user):
    viewer = make_user("staff", COUNTY_A, username="viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_group"))
    viewer = User.objects.get(pk=viewer.pk)
    role = Role.objects.get(key="staff")
    login(client, viewer)
    assert client.get(reverse("core:role_detail", args=[role.pk])).status_code == 200
    assert client.get(reverse("core:role_edit", args=[role.pk])).status_code == 404
    assert client.post(reverse("core:role_reset", args=[role.pk])).status_code == 404


def test_restore_default_permissions(admin_client):
    role = Role.objects.get(key="staff")
    removed = Permission.objects.get(codename="view_sensitive")
    role.group.permissions.remove(removed)
    response = admin_client.post(reverse("core:role_reset", args=[role.pk]))
    assert response.status_code == 302
    assert role.group.permissions.filter(pk=removed.pk).exists()


# --- Regions ----------------------------------------------------------------------------------------------------


def test_region_browse_starts_at_scope_and_searches_by_code(client, county_admin):
    login(client, county_admin)
    page = client.get(reverse("core:region_list")).content.decode()
    assert "安居区" in page and "遂宁市" in page  # breadcrumb
    township = Region.objects.filter(parent_id=COUNTY_B).first()
    assert township.name in page
    page = client.get(reverse("core:region_list"), {"q": township.official_code}).content.decode()
    assert township.name in page
    assert client.get(reverse("core:region_list"), {"parent": COUNTY_A}).status_code == 404


def test_region_out_of_scope_is_404(client, county_admin):
    other = Region.objects.get(code=COUNTY_A)
    login(client, county_admin)
    assert client.get(reverse("core:region_detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("core:region_edit", args=[other.pk])).status_code == 404


@pytest.mark.parametrize(("code", "message"), [
    ("51090x", "应由数字组成"),
    ("5109041", "位数不正确"),
    ("510904000", "全为 0"),
    ("510903999000", "不在您的数据范围内"),
    ("510904999001", "上级区划“510904999000”不存在"),
])
def test_region_add_with_a_bad_code_says_why_in_chinese(client, county_admin, code, message):
    login(client, county_admin)
    before = Region.objects.count()
    response = client.post(reverse("core:region_add"), {"code": code, "name": "新社区"})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Region.objects.count() == before


def test_region_add_existing_code(client, county_admin):
    township = Region.objects.filter(parent_id=COUNTY_B).first()
    response = login(client, county_admin).post(reverse("core:region_add"),
                                                 {"code": township.official_code, "name": "x"})
    assert "已存在" in response.content.decode()


def test_region_add_rename_deactivate_with_history(client, county_admin):
    login(client, county_admin)
    response = client.post(reverse("core:region_add"), {"code": "510904999000", "name": "新城街道"})
    region = Region.objects.get(code="510904999")
    assert response["Location"] == reverse("core:region_detail", args=[region.pk])
    assert region.parent_id == COUNTY_B and region.full_name.endswith("安居区新城街道")
    client.post(reverse("core:region_edit", args=[region.pk]), {"name": "新城新区街道", "note": "更名"})
    region.refresh_from_db()
    assert region.name == "新城新区街道" and not region.is_active
    page = client.get(reverse("core:region_detail", args=[region.pk])).content.decode()
    assert "新城街道" in page and "新城新区街道" in page  # the old name stays in the history


def _upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def test_region_import_with_bad_rows_reports_row_numbers_and_writes_nothing(client, county_admin):
    csv = ("区划代码,名称\n"
           "510904998000,好街道\n"
           "51090X,坏代码\n"
           "510903998000,别县的街道\n"
           "510904997000,\n"
           "510904998000,重复\n").encode()
    login(client, county_admin)
    before = Region.objects.count()
    response = client.post(reverse("core:region_import"), {"step": "preview", "file": _upload("r.csv", csv)})
    page = response.content.decode()
    for row in (3, 4, 5, 6):
        assert f"第 {row} 行" in page, row
    assert "未写入任何数据" in page
    assert "确认导入" not in page
    client.post(reverse("core:region_import"), {"step": "commit"})
    assert Region.objects.count() == before


def test_region_import_xlsx_preview_then_commit(client, county_admin):
    from tongxin.core.exports import write_xlsx

    content = write_xlsx(["代码", "名称"], [
        ["510904996001", "新社区"],  # child first: parents are written first whatever the order
        ["510904996000", "新街道"],
        [Region.objects.filter(parent_id=COUNTY_B).first().official_code, "改名镇"],
    ])
    login(client, county_admin)
    response = client.post(reverse("core:region_import"), {"step": "preview", "file": _upload("r.xlsx", content)})
    assert response.context["report"]["created"] == 2 and response.context["report"]["renamed"] == 1
    assert not Region.objects.filter(code="510904996").exists()
    response = client.post(reverse("core:region_import"), {"step": "commit"})
    assert response.status_code == 302
    assert Region.objects.get(code="510904996001").parent_id == "510904996"
    assert Region.objects.filter(parent_id=COUNTY_B, name="改名镇").exists()
    assert AuditEntry.objects.filter(object_repr="新社区", action=AuditEntry.CREATE).exists()


def test_region_import_file_size_limit(client, county_admin, settings):
    settings.TONGXIN_MAX_UPLOAD_BYTES = 10
    response = login(client, county_admin).post(reverse("core:region_import"), {
        "step": "preview", "file": _upload("r.csv", "区划代码,名称\n510904996000,新街道\n".encode())})
    assert "文件大小超过上限" in response.content.decode()


def test_region_import_missing_header(client, county_admin):
    response = login(client, county_admin).post(reverse("core:region_import"), {
        "step": "preview", "file": _upload("r.csv", "编号,地名\n510904996000,新街道\n".encode())})
    assert "缺少列" in response.content.decode()


# --- Dictionaries -----------------------------------------------------------------------------------------------


def test_dictionary_pages(admin_client):
    assert "政治面貌" in admin_client.get(reverse("core:dict_list")).content.decode()
    dict_type = DictType.objects.get(code="political_affiliation")
    assert "中共党员" in admin_client.get(reverse("core:dicttype_detail", args=[dict_type.pk])).content.decode()


def test_dictionary_code_cannot_change_after_creation(admin_client):
    dict_type = DictType.objects.get(code="site_kind")
    response = admin_client.post(reverse("core:dictitem_add", args=[dict_type.pk]),
                                 {"code": "99", "label": "新阵地", "sort": "990", "is_active": "on"})
    assert response.status_code == 302
    item = DictItem.objects.get(dict_type=dict_type, code="99")
    admin_client.post(reverse("core:dictitem_edit", args=[item.pk]),
                      {"code": "77", "label": "新阵地（改）", "sort": "990", "is_active": "on"})
    item.refresh_from_db()
    assert item.code == "99" and item.label == "新阵地（改）"


def test_dictionary_duplicate_code_is_refused(admin_client):
    dict_type = DictType.objects.get(code="political_affiliation")
    response = admin_client.post(reverse("core:dictitem_add", args=[dict_type.pk]),
                                 {"code": "01", "label": "重复", "sort": "0", "is_active": "on"})
    assert response.status_code == 200
    assert "该字典中已有代码“01”" in response.content.decode()


def test_dictionary_item_in_use_is_deactivated_not_deleted(admin_client):
    dict_type = DictType.objects.get(code="person_category")
    parent = DictItem.objects.get(dict_type=dict_type, code="1")
    admin_client.post(reverse("core:dictitem_delete", args=[parent.pk]))
    parent.refresh_from_db()
    assert not parent.is_active
    leaf = DictItem.objects.create(dict_type=dict_type, code="X9", label="临时")
    admin_client.post(reverse("core:dictitem_delete", args=[leaf.pk]))
    assert not DictItem.objects.filter(pk=leaf.pk).exists()


def test_staff_reads_dictionaries_but_cannot_change_them(staff_client):
    dict_type = DictType.objects.get(code="education")
    assert staff_client.get(reverse("core:dicttype_detail", args=[dict_type.pk])).status_code == 200
    assert staff_client.get(reverse("core:dictitem_add", args=[dict_type.pk])).status_code == 404


# --- Audit log --------------------------------------------------------------------------------------------------


def test_audit_log_has_no_edit_or_delete_routes_and_rejects_writes(admin_client):
    from django.urls import get_resolver

    names = [n for n in get_resolver().reverse_dict if isinstance(n, str)]
    core_names = {n for n in get_resolver().namespace_dict["core"][1].reverse_dict if isinstance(n, str)}
    assert not [n for n in names + list(core_names)
                if ("audit" in n) and any(w in n for w in ("edit", "delete", "add", "update"))]
    entry = AuditEntry.objects.create(action=AuditEntry.UPDATE, region_code=COUNTY_A, object_repr="x")
    for url in (reverse("core:audit_list"), reverse("core:auditentry_detail", args=[entry.pk]),
                reverse("core:audit_export")):
        assert admin_client.get(url).status_code == 200, url
        for method in ("post", "put", "patch", "delete"):
            assert getattr(admin_client, method)(url).status_code == 405, (method, url)
    assert AuditEntry.objects.filter(pk=entry.pk, object_repr="x").exists()


def test_audit_log_is_scoped_and_system_entries_need_manage_system(client, staff_user, other_staff_user,
                                                                   county_admin):
    ours = AuditEntry.objects.create(action=AuditEntry.UPDATE, region_code=COUNTY_A + "001",
                                     object_repr="船山记录")
    theirs = AuditEntry.objects.create(action=AuditEntry.UPDATE, region_code=COUNTY_B, object_repr="安居记录")
    system = AuditEntry.objects.create(action=AuditEntry.LOGIN_FAILED, region_code="", object_repr="系统事件")
    login(client, staff_user)
    page = client.get(reverse("core:audit_list")).content.decode()
    assert "船山记录" in page and "安居记录" not in page and "系统事件" not in page
    assert client.get(reverse("core:auditentry_detail", args=[ours.pk])).status_code == 200
    assert client.get(reverse("core:auditentry_detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("core:auditentry_detail", args=[system.pk])).status_code == 404
    login(client, county_admin)
    assert client.get(reverse("core:auditentry_detail", args=[system.pk])).status_code == 200


def test_audit_filters(admin_client):
    AuditEntry.objects.create(action=AuditEntry.DELETE, region_code=COUNTY_A, object_repr="甲记录", username="u1")
    AuditEntry.objects.create(action=AuditEntry.UPDATE, region_code=COUNTY_B, object_repr="乙记录", username="u2")
    page = admin_client.get(reverse("core:audit_list"), {"action": "delete"}).content.decode()
    assert "甲记录" in page and "乙记录" not in page
    page = admin_client.get(reverse("core:audit_list"), {"region": COUNTY_B}).content.decode()
    assert "乙记录" in page and "甲记录" not in page
    page = admin_client.get(reverse("core:audit_list"), {"user": "u1", "q": "甲"}).content.decode()
    assert "甲记录" in page and "乙记录" not in page


def test_audit_export_escapes_formulas(admin_client):
    AuditEntry.objects.create(action=AuditEntry.UPDATE, region_code=COUNTY_A, object_repr="=cmd|' /C calc'!A0",
                              message="@SUM(1)", changes={"name": ["+1", "-2"]})
    response = admin_client.get(reverse("core:audit_export"), {"q": "cmd"})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    rows = read_xlsx(response.content)
    assert rows[0][0] == "时间"
    cells = [c for row in rows[1:] for c in row if isinstance(c, str)]
    assert "'=cmd|' /C calc'!A0" in cells and "'@SUM(1)" in cells
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))]
    assert AuditEntry.objects.filter(action=AuditEntry.EXPORT, message__contains="审计日志").exists()


def test_safe_cell():
    assert safe_cell("=1+1") == "'=1+1"
    assert safe_cell("\tx") == "'\tx"
    assert safe_cell("普通") == "普通"
    assert safe_cell(-5) == -5


# --- Jobs -------------------------------------------------------------------------------------------------------


def _job(user, **kwargs):
    kwargs = {"kind": "export", "title": "导出人士", "status": Job.SUCCEEDED, "progress": 100, **kwargs}
    return Job.objects.create(user=user, region_code=user.scope_region_id or "", **kwargs)


def test_job_result_download_is_for_its_owner_only(client, staff_user, make_user, admin_user):
    from django.core.files.base import ContentFile

    job = _job(staff_user, result={"rows": 3})
    job.result_file.save("结果.xlsx", ContentFile(b"data"), save=True)
    colleague = make_user("staff", COUNTY_A, username="colleague")
    login(client, colleague)
    assert client.get(reverse("core:job_download", args=[job.pk])).status_code == 404
    assert client.get(reverse("core:job_detail", args=[job.pk])).status_code == 404
    login(client, admin_user)  # sees the job in its scope, but not the file
    assert client.get(reverse("core:job_detail", args=[job.pk])).status_code == 200
    assert client.get(reverse("core:job_download", args=[job.pk])).status_code == 404
    login(client, staff_user)
    response = client.get(reverse("core:job_download", args=[job.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"data"


def test_job_progress_polls_until_finished(client, staff_user):
    running = _job(staff_user, status=Job.RUNNING, progress=40, progress_message="正在读取数据")
    failed = _job(staff_user, status=Job.FAILED, progress=40, error="第 3 行：身份证号校验位不正确")
    login(client, staff_user)
    page = client.get(reverse("core:job_detail", args=[running.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page and "正在读取数据" in page
    partial = client.get(reverse("core:job_progress", args=[failed.pk])).content.decode()
    assert "hx-trigger" not in partial and "身份证号校验位不正确" in partial
    assert "<html" not in partial


def test_job_list_shows_own_jobs(client, staff_user, other_staff_user):
    _job(staff_user, title="我的任务")
    _job(other_staff_user, title="别人的任务")
    page = login(client, staff_user).get(reverse("core:job_list")).content.decode()
    assert "我的任务" in page and "别人的任务" not in page


# --- Pages render -----------------------------------------------------------------------------------------------


def test_every_admin_page_renders(admin_client, admin_user, staff_user):
    entry = AuditEntry.objects.create(action=AuditEntry.UPDATE, region_code=COUNTY_A, object_repr="x",
                                      changes={"name": ["a", "b"]})
    job = _job(admin_user)
    dict_type = DictType.objects.get(code="person_category")
    item = dict_type.items.first()
    region = Region.objects.get(code=COUNTY_A)
    urls = [
        reverse("core:user_list"), reverse("core:user_add"), reverse("core:user_detail", args=[staff_user.pk]),
        reverse("core:user_edit", args=[staff_user.pk]), reverse("core:user_password", args=[staff_user.pk]),
        reverse("core:role_list"), reverse("core:role_detail", args=[Role.objects.first().pk]),
        reverse("core:role_edit", args=[Role.objects.first().pk]),
        reverse("core:region_list"), reverse("core:region_list") + "?q=船山", reverse("core:region_add"),
        reverse("core:region_add") + f"?parent={COUNTY_A}", reverse("core:region_detail", args=[region.pk]),
        reverse("core:region_edit", args=[region.pk]), reverse("core:region_import"),
        reverse("core:dict_list"), reverse("core:dicttype_detail", args=[dict_type.pk]),
        reverse("core:dictitem_add", args=[dict_type.pk]), reverse("core:dictitem_edit", args=[item.pk]),
        reverse("core:audit_list"), reverse("core:auditentry_detail", args=[entry.pk]),
        reverse("core:job_list"), reverse("core:job_detail", args=[job.pk]),
        reverse("core:job_progress", args=[job.pk]),
    ]
    for url in urls:
        response = admin_client.get(url)
        assert response.status_code == 200, url
