"""Demo data: each app registers a seeder that fills its area through its own services. Seeders are idempotent."""

from collections.abc import Callable
from dataclasses import dataclass

DEMO_PASSWORD = "Tongxin@2026"  # noqa: S105 - the documented demo password
DEMO_COUNTY = "510903"  # 四川省遂宁市船山区, the district of seed 000; the people are fictional
DEMO_CITY = "5109"
OTHER_COUNTY = "510904"  # 安居区: a neighbour, to show that data scope separates counties


@dataclass(frozen=True)
class Seeder:
    name: str
    func: Callable
    order: int


_seeders: dict[str, Seeder] = {}


def register(name: str, *, order: int = 50):
    def decorator(func):
        _seeders[name] = Seeder(name, func, order)
        return func

    return decorator


def seeders() -> list[Seeder]:
    return sorted(_seeders.values(), key=lambda s: s.order)


DEMO_USERS = [
    # username, role, scope, display name, title
    ("admin", "admin", DEMO_CITY, "系统管理员", "遂宁市委统战部信息中心"),
    ("staff", "staff", DEMO_COUNTY, "李晓燕", "船山区委统战部新阶科科长"),
    ("liaison", "liaison", DEMO_COUNTY + "001", "王建国", "街道统战委员"),
    ("association", "association", DEMO_COUNTY, "陈思远", "船山区新联会秘书长"),
    ("leader", "leader", DEMO_COUNTY, "张志强", "区委常委、统战部部长"),
    ("member", "member", DEMO_COUNTY, "刘嘉怡", "新联会会员"),
    ("staff_anju", "staff", OTHER_COUNTY, "赵敏", "安居区委统战部工作人员"),
]


@register("users", order=0)
def seed_users() -> list[str]:
    from tongxin.core.models import User
    from tongxin.core.roles import ROLES
    from tongxin.core.services import create_user

    lines = []
    for username, role, scope, name, title in DEMO_USERS:
        if not User.objects.filter(username=username).exists():
            create_user(username=username, password=DEMO_PASSWORD, role=role, scope_code=scope,
                        display_name=name, title=title)
        lines.append(f"  {username:<12} {DEMO_PASSWORD}  {ROLES[role]['name']}（{scope}）")
    return lines
