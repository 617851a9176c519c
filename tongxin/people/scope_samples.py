"""Sample records of the registry's models, for the all-URLs scope test (see tongxin.core.scope_registry)."""

from tongxin.core import scope_registry, validators
from tongxin.people import services
from tongxin.people.models import (
    NetworkAccount,
    Organization,
    Person,
    PersonMerge,
    PersonState,
    Specialty,
    Tag,
)

_counter = {"n": 0}


def _seq() -> int:
    _counter["n"] += 1
    return _counter["n"]


def organization(region_code: str, marker: str) -> Organization:
    return services.save_organization(Organization(
        region_id=region_code, name=marker, industry=marker, address=marker,
        credit_code=validators.make_credit_code(90_000 + _seq(), region_code[:6].ljust(6, "0"))))


def person(region_code: str, marker: str) -> Person:
    import datetime

    n = _seq()
    employer = organization(region_code, f"{marker}单位")
    return services.save_person(Person(
        region_id=region_code, name=marker, category="1", subcategory="11", employer=employer, job_title=marker,
        id_number=validators.make_id_number(region_code[:6].ljust(6, "0"), datetime.date(1980, 1, 1), n % 500, "M"),
        phone=f"139{n:08d}", source=marker, note=marker,
    ), tags=["样例标签"], specialties=["样例专长"],
        accounts=[{"platform": "douyin", "account_name": marker, "follower_count": 1}])


def person_state(region_code: str, marker: str) -> PersonState:
    return PersonState.objects.filter(person=person(region_code, marker)).first()


def person_merge(region_code: str, marker: str) -> PersonMerge:
    keep = person(region_code, marker)
    other = services.save_person(Person(region_id=region_code, name=marker, category="1"))
    return services.merge_persons(keep, other)


scope_registry.register_sample(Organization, organization)
scope_registry.register_sample(Person, person)
scope_registry.register_sample(PersonState, person_state)
scope_registry.register_sample(PersonMerge, person_merge)
scope_registry.register_global(Tag, "标签全国通用，不含个人信息")
scope_registry.register_global(Specialty, "专长名称全国通用，不含个人信息")
scope_registry.register_global(NetworkAccount, "只随所属人士显示，不单独列出；范围由人士决定")
