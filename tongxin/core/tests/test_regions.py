import pytest

from tongxin.core import regions
from tongxin.core.models import Region
from tongxin.core.services import load_regions, save_region, shipped_region_rows


@pytest.mark.parametrize("code, prefix", [
    ("510000", "51"), ("510900", "5109"), ("510903", "510903"), ("510903001", "510903001"),
    ("510903001000", "510903001"), ("510903001001", "510903001001"), ("510903000000", "510903"), ("51", "51"),
])
def test_to_prefix(code, prefix):
    assert regions.to_prefix(code) == prefix


@pytest.mark.parametrize("bad", ["", "51090", "abc", "5109031"])
def test_to_prefix_rejects_bad_codes_in_chinese(bad):
    with pytest.raises(regions.RegionCodeError, match="区划代码"):
        regions.to_prefix(bad)


def test_official_codes():
    assert regions.to_official("51") == "510000"
    assert regions.to_official("510903001") == "510903001000"


def test_shipped_tree_has_the_official_counts():
    rows = list(shipped_region_rows())
    by_len = {}
    for code, _name, _parent in rows:
        by_len[len(code)] = by_len.get(len(code), 0) + 1
    assert by_len == {2: 31, 4: 342, 6: 2978, 9: 41352}


@pytest.mark.django_db
def test_load_regions_is_idempotent_and_keeps_renames(regions):
    county = Region.objects.get(code="510903")
    assert county.full_name == "四川省遂宁市船山区"
    assert county.parent_id == "5109" and county.level == 3
    save_region(code="510903", name="船山区（改）")
    assert load_regions(regions) == 0
    assert Region.objects.get(code="510903").name == "船山区（改）"



@pytest.mark.django_db
def test_save_region_adds_a_community_under_an_existing_township(regions):
    region = save_region(code="510903001100", name="新建社区")
    assert region.code == "510903001100"
    assert region.parent_id == "510903001"
    assert region.full_name.endswith("新建社区")
    with pytest.raises(Exception, match="上级区划"):
        save_region(code="510903999001", name="无上级")
