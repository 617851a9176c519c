"""Fixtures every app's tests share: a small region tree (two counties of 遂宁市) and users per role."""

import pytest

from tongxin.core.demo import DEMO_PASSWORD

COUNTY_A = "510903"  # 船山区
COUNTY_B = "510904"  # 安居区


@pytest.fixture
def regions(db):
    """Sichuan, 遂宁市 and the townships of 船山区 and 安居区 — enough for scope tests, fast to load."""
    from tongxin.core.services import load_regions, shipped_region_rows

    rows = [r for r in shipped_region_rows() if "51".startswith(r[0]) or r[0].startswith("5109")]
    load_regions(rows)
    return rows


@pytest.fixture
def make_user(db, regions):
    from tongxin.core.services import create_user

    counter = {"n": 0}

    def factory(role: str = "staff", scope: str | None = COUNTY_A, **kwargs):
        counter["n"] += 1
        return create_user(username=kwargs.pop("username", f"{role}{counter['n']}"), password=DEMO_PASSWORD,
                           role=role, scope_code=scope, **kwargs)

    return factory


@pytest.fixture
def staff_user(make_user):
    return make_user("staff", COUNTY_A, username="staff_a")


@pytest.fixture
def other_staff_user(make_user):
    return make_user("staff", COUNTY_B, username="staff_b")


@pytest.fixture
def admin_user(make_user):
    return make_user("admin", "5109", username="admin_city")


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client
