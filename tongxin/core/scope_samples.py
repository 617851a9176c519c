"""Sample records of the core area's region-scoped models, for the all-URLs scope test (see scope_registry)."""

from django.contrib.auth.models import Group, Permission

from tongxin.core import scope_registry
from tongxin.core.models import Attachment, AuditEntry, DictItem, DictType, Job, Region, Role, User


def region(region_code: str, marker: str) -> Region:
    """A new community under the first township of the county: a region of another county is out of scope."""
    from tongxin.core.services import save_region

    township = Region.objects.filter(parent_id=region_code).order_by("code").first()
    parent = township.code if township else region_code
    taken = set(Region.objects.filter(parent_id=parent).values_list("code", flat=True))
    code = next(f"{parent}{n:03d}" for n in range(901, 1000) if f"{parent}{n:03d}" not in taken)
    return save_region(code=code, name=marker)


def user(region_code: str, marker: str) -> User:
    """A user of the county in every role, so that a role's page listing its users would show it."""
    sample = User.objects.create_user(username=marker.lower(), password=None, display_name=marker, title=marker,
                                      scope_region_id=region_code)
    sample.groups.set(Group.objects.filter(role__isnull=False))
    return sample


def audit_entry(region_code: str, marker: str) -> AuditEntry:
    return AuditEntry.objects.create(action=AuditEntry.UPDATE, username=marker.lower(), object_repr=marker,
                                     object_id="1", region_code=region_code, message=marker,
                                     changes={"name": [marker, marker + "2"]})


def job(region_code: str, marker: str) -> Job:
    owner = User.objects.create_user(username=f"{marker.lower()}-owner", password=None,
                                     scope_region_id=region_code)
    return Job.objects.create(kind="export", title=marker, user=owner, region_code=region_code,
                              status=Job.SUCCEEDED, progress=100, progress_message=marker,
                              result={"message": marker})


PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
       b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def attachment(region_code: str, marker: str) -> Attachment:
    """A photo on an association of the county (associations accept attachments)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tongxin.core.attachments import attach
    from tongxin.orgs.scope_samples import association

    return attach(association(region_code, f"{marker}组织"), SimpleUploadedFile(f"{marker}.png", PNG),
                  user=None, title=marker)


def _attachment_parent(samples) -> dict:
    from tongxin.orgs.models import Association

    return {"label": "orgs.association", "pk": samples[Association].pk}


scope_registry.register_sample(Region, region)
scope_registry.register_sample(Attachment, attachment)


def _register_attachment_add() -> None:
    from tongxin.orgs.models import Association

    scope_registry.register_view("core:attachment_add", Association, kwargs=_attachment_parent)


_register_attachment_add()
scope_registry.register_sample(User, user)
scope_registry.register_sample(AuditEntry, audit_entry)
scope_registry.register_sample(Job, job)

scope_registry.register_global(DictType, "数据字典全国通用，不分区划")
scope_registry.register_global(DictItem, "数据字典全国通用，不分区划")
scope_registry.register_global(Role, "角色是全系统的权限组合")
scope_registry.register_global(Group, "角色（权限组）是全系统的")
scope_registry.register_global(Permission, "权限定义是全系统的")

scope_registry.register_view("core:region_search", Region)
scope_registry.register_view("core:attachment_download", Attachment)
scope_registry.register_view("core:attachment_delete", Attachment)
scope_registry.exempt("core:home", "首页只显示本范围的统计数字")
scope_registry.exempt("api:me-list", "只返回当前用户本人")
scope_registry.exempt("api:token-list", "获取接口令牌")
for _name in ("core:account", "core:account_totp", "core:account_totp_remove"):
    scope_registry.exempt(_name, "只涉及当前用户本人的账号与动态口令")
