"""The all-URLs scope walk of core, run as a member: a member of county A requesting every portal URL built from
county B's sample records (every registered model) gets 404 on each record URL and sees no sample anywhere."""

from tongxin.core import scope_registry
from tongxin.core.tests.test_scope_all_urls import COUNTY_B, MARKER_PREFIX, ScopeWalker


def test_a_member_sees_no_other_countys_records_on_any_portal_url(client, member):
    records, markers = {}, {}
    for index, (model, factory) in enumerate(scope_registry.samples().items(), start=1):
        marker = f"{MARKER_PREFIX}{index:02d}{model._meta.model_name[:10]}"
        records[model], markers[model] = factory(COUNTY_B, marker), marker
    walker = ScopeWalker(client=client, user=member.user, records=records, markers=markers)
    failures = walker.run(only=lambda route: (route.name or "").startswith("portal:"))
    assert not failures, "\n".join(failures)
    record_urls = {name for name, what in walker.checked.items() if "{" in what}
    assert {"portal:activity_detail", "portal:checkin", "portal:proposal_detail", "portal:redeem"} <= record_urls
    assert all("listing [200" in walker.checked[name] for name in ("portal:home", "portal:points"))
