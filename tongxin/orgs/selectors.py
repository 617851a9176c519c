"""Reads of the organising area that are more than a filter: who was a member on a given day, the association tree,
overdue council terms, the funds ledger with its running balance, liaison coverage. Counted in the database."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, Count, DecimalField, Exists, F, OuterRef, Q, Sum, Value, When, Window
from django.db.models.functions import Coalesce

from tongxin.core import regions
from tongxin.core.models import Region
from tongxin.orgs.models import (
    Association,
    AssociationStatus,
    CouncilTerm,
    FundEntry,
    FundKind,
    LiaisonPost,
    Membership,
    MembershipStatus,
    OfficerTerm,
    Team,
)
from tongxin.people.search import prefix_q

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=14, decimal_places=2)


def in_region(queryset, field: str, prefix: str):
    """Rows whose `field` (a region code) lies inside `prefix` and everything below it; "" is everywhere."""
    return queryset.filter(prefix_q(field, prefix)) if prefix else queryset


# --- Associations ------------------------------------------------------------------------------------------------


def existing_on(day: datetime.date, prefix: str = "") -> Q:
    """Associations founded by `day` and not dissolved by then (`prefix` is the relation path, e.g. "association__")."""
    return Q(**{f"{prefix}founded_on__lte": day}) & (
        Q(**{f"{prefix}dissolved_on__isnull": True}) | Q(**{f"{prefix}dissolved_on__gt": day}))


@dataclass
class TreeNode:
    association: Association
    depth: int
    children: list[TreeNode] = field(default_factory=list)
    members: int = 0
    overdue: bool = False

    @property
    def indent(self) -> str:
        return f"{1 + 1.75 * self.depth:.2f}rem"


def association_tree(queryset, *, day: datetime.date) -> list[TreeNode]:
    """The associations of `queryset` as an indented tree, in depth-first order. An association whose parent is
    not in the queryset (outside the user's scope, or filtered out) is a root."""
    associations = list(queryset.select_related("region").order_by("name", "id"))
    counts = member_counts([a.pk for a in associations], day)
    overdue = set(overdue_council_terms(CouncilTerm.objects.filter(association__in=associations), day)
                  .values_list("association_id", flat=True))
    nodes = {a.pk: TreeNode(a, 0, members=counts.get(a.pk, 0), overdue=a.pk in overdue) for a in associations}
    roots = []
    for node in nodes.values():
        parent = nodes.get(node.association.parent_id)
        (parent.children if parent else roots).append(node)
    ordered: list[TreeNode] = []

    def sort_key(node: TreeNode):
        return (node.association.status != AssociationStatus.ACTIVE, node.association.region_id,
                node.association.name)

    def walk(node: TreeNode, depth: int) -> None:
        node.depth = depth
        ordered.append(node)
        for child in sorted(node.children, key=sort_key):
            walk(child, depth + 1)

    for root in sorted(roots, key=sort_key):
        walk(root, 0)
    return ordered


def descendant_ids(association: Association) -> set[int]:
    """Every association below `association`, found level by level (trees are a few levels deep)."""
    found: set[int] = set()
    frontier = {association.pk}
    while frontier:
        children = set(Association._base_manager.filter(parent_id__in=frontier).values_list("pk", flat=True))
        frontier = children - found
        found |= frontier
    return found


# --- Memberships ---------------------------------------------------------------------------------------------------


def open_on(day: datetime.date, prefix: str = "") -> Q:
    """Memberships in force on `day`: admitted (or since left) with joined_on ≤ day < left_on."""
    return (Q(**{f"{prefix}status__in": (MembershipStatus.ADMITTED, MembershipStatus.LEFT)})
            & Q(**{f"{prefix}joined_on__lte": day})
            & (Q(**{f"{prefix}left_on__isnull": True}) | Q(**{f"{prefix}left_on__gt": day})))


def members_on(day: datetime.date, *, queryset=None, association=None, region_prefix: str = ""):
    """Memberships in force on `day`, of associations existing then, optionally of one association or region."""
    rows = (queryset if queryset is not None else Membership.objects.all()).filter(open_on(day))
    rows = rows.filter(existing_on(day, "association__"))
    if association is not None:
        rows = rows.filter(association=association)
    return in_region(rows, "association__region_id", region_prefix)


def member_count(association: Association, day: datetime.date) -> int:
    return members_on(day, association=association).values("person_id").distinct().count()


def member_counts(association_ids, day: datetime.date) -> dict[int, int]:
    """{association id: persons who are members on `day`}, in one grouped query."""
    ids = list(association_ids)
    if not ids:
        return {}
    rows = (Membership.objects.filter(association_id__in=ids).filter(open_on(day)).order_by()
            .values("association_id").annotate(n=Count("person_id", distinct=True)).values_list("association_id", "n"))
    return dict(rows)


# --- Officers and council ---------------------------------------------------------------------------------------------


def officers_on(day: datetime.date, queryset=None):
    rows = queryset if queryset is not None else OfficerTerm.objects.all()
    return rows.filter(started_on__lte=day).filter(Q(ended_on__isnull=True) | Q(ended_on__gt=day))


def overdue_council_terms(queryset, day: datetime.date):
    """Council terms whose re-election date has passed with no later term recorded, of active associations."""
    later = CouncilTerm.objects.filter(association_id=OuterRef("association_id"), number__gt=OuterRef("number"))
    return (queryset.filter(due_on__lt=day, association__status=AssociationStatus.ACTIVE)
            .filter(~Exists(later)).select_related("association", "association__region"))


def is_overdue(term: CouncilTerm, day: datetime.date) -> bool:
    return overdue_council_terms(CouncilTerm.objects.filter(pk=term.pk), day).exists()


# --- Funds -----------------------------------------------------------------------------------------------------------

SIGNED_AMOUNT = Case(When(kind=FundKind.ALLOCATION, then=F("amount")), default=-F("amount"), output_field=MONEY)


def fund_totals(queryset) -> dict[str, Decimal]:
    """Allocated, spent and the balance of the entries in `queryset` (reversals included), in 元."""
    totals = queryset.order_by().aggregate(
        allocated=Coalesce(Sum("amount", filter=Q(kind=FundKind.ALLOCATION)), Value(ZERO), output_field=MONEY),
        spent=Coalesce(Sum("amount", filter=Q(kind=FundKind.EXPENDITURE)), Value(ZERO), output_field=MONEY),
    )
    allocated, spent = Decimal(totals["allocated"]).quantize(ZERO), Decimal(totals["spent"]).quantize(ZERO)
    return {"allocated": allocated, "spent": spent, "balance": allocated - spent}


def ledger(association: Association):
    """The association's entries, newest first, each with the balance after it (a window sum in the database)."""
    return (FundEntry.objects.filter(association=association)
            .annotate(balance_after=Window(Sum(SIGNED_AMOUNT), order_by=[F("date").asc(), F("id").asc()]))
            .select_related("reverses", "entered_by").order_by("-date", "-id"))


def allocations_in(date_from: datetime.date, date_to: datetime.date, prefix: str = ""):
    rows = FundEntry.objects.filter(kind=FundKind.ALLOCATION, date__gte=date_from, date__lte=date_to)
    return in_region(rows, "association__region_id", prefix)


# --- Liaison network -------------------------------------------------------------------------------------------------


def posts_on(day: datetime.date, queryset=None):
    rows = queryset if queryset is not None else LiaisonPost.objects.all()
    return rows.filter(since__lte=day).filter(Q(until__isnull=True) | Q(until__gt=day))


def teams_on(day: datetime.date, queryset=None):
    rows = queryset if queryset is not None else Team.objects.all()
    return rows.filter(founded_on__lte=day).filter(Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=day))


@dataclass
class Area:
    """Coverage of one county or township: how many of its townships / communities have a current post."""

    region: Region
    townships: int = 0
    townships_covered: int = 0
    communities: int = 0
    communities_covered: int = 0
    holders: list[str] = field(default_factory=list)
    covered: bool | None = None
    gaps: list[Region] = field(default_factory=list)

    @property
    def township_gaps(self) -> int:
        return self.townships - self.townships_covered

    @property
    def community_gaps(self) -> int:
        return self.communities - self.communities_covered


@dataclass
class Coverage:
    day: datetime.date
    total: Area
    counties: list[Area]
    townships: list[Area]
    township_gaps: list[Region]
    community_gaps: list[Region]


def coverage(prefix: str, day: datetime.date, *, posts=None) -> Coverage:
    """Which townships (level 4) and communities/villages (level 5) inside `prefix` have no post holder on `day`.

    Only regions that exist (and are active) in the region table count. A region is covered by a current post
    whose region is exactly that region. `posts` is the queryset of posts to consider (already scoped)."""
    areas = in_region(Region.objects.filter(is_active=True, level__in=(regions.LEVEL_TOWNSHIP,
                                                                      regions.LEVEL_VILLAGE)), "code", prefix)
    area_rows = list(areas.select_related("parent").order_by("code"))
    current = posts_on(day, posts if posts is not None else LiaisonPost.objects.all())
    holders: dict[str, list[str]] = defaultdict(list)
    for code, name in in_region(current, "region_id", prefix).values_list("region_id", "holder_name"):
        holders[code].append(name)
    county_codes = sorted({r.code[:6] for r in area_rows})
    counties = {r.code: Area(r) for r in Region.objects.filter(code__in=county_codes)}
    townships: dict[str, Area] = {}
    total = Area(Region(code=prefix or "", name=""))
    township_gaps, community_gaps = [], []
    for region in area_rows:
        covered = region.code in holders
        county = counties.get(region.code[:6])
        if region.level == regions.LEVEL_TOWNSHIP:
            townships[region.code] = Area(region, covered=covered, holders=holders.get(region.code, []))
            for target in (total, county):
                if target is not None:
                    target.townships += 1
                    target.townships_covered += covered
            if not covered:
                township_gaps.append(region)
            continue
        township = townships.get(region.code[:9])
        for target in (total, county, township):
            if target is not None:
                target.communities += 1
                target.communities_covered += covered
        if not covered:
            community_gaps.append(region)
            if township is not None:
                township.gaps.append(region)
    return Coverage(day=day, total=total, counties=[counties[c] for c in county_codes if c in counties],
                    townships=list(townships.values()), township_gaps=township_gaps, community_gaps=community_gaps)
