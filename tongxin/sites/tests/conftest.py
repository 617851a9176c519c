import pytest

COUNTY_A, COUNTY_B = "510903", "510904"
TOWNSHIP_A, TOWNSHIP_A2, TOWNSHIP_B = "510903001", "510903002", "510904001"


@pytest.fixture(autouse=True)
def _seeded(db):
    from tongxin.core.services import ensure_roles, seed_dictionaries

    ensure_roles()
    seed_dictionaries()


@pytest.fixture
def make_site(regions):
    import datetime

    from tongxin.sites import services
    from tongxin.sites.models import Site

    def factory(name="同心·百和家园", region=TOWNSHIP_A, *, kind="01", associations=None, teams=None, **fields):
        fields.setdefault("opened_on", datetime.date(2020, 1, 1))
        return services.save_site(site=Site(name=name, region_id=region, kind=kind, **fields),
                                  associations=associations, teams=teams)

    return factory


@pytest.fixture
def association(regions):
    import datetime

    from tongxin.orgs.models import Association

    return Association.objects.create(region_id=COUNTY_A, name="船山区新联会", kind="01", level="county",
                                      founded_on=datetime.date(2017, 6, 28))
