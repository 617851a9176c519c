"""Reads of the members' portal: always one person's own records, or what an activity's organiser publishes
(title, time, place, organisers, seats left, how many signed up and attended) — never other members' names."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Sum
from django.http import Http404

from tongxin.activities import services as activity_services
from tongxin.activities.models import (
    Activity,
    Attendance,
    PointEntry,
    Redemption,
    Registration,
    RegistrationStatus,
    Reward,
    SignupMode,
)
from tongxin.core.models import Attachment
from tongxin.orgs.models import Association, Team
from tongxin.people.models import Person
from tongxin.voice.models import Proposal, ProposalStep


def with_published_figures(queryset, person: Person):
    """Activities with the figures an organiser publishes and this person's own sign-up and attendance."""
    registered = Q(registrations__status=RegistrationStatus.REGISTERED)
    return (queryset
            .annotate(signed_up=Count("registrations", filter=registered, distinct=True),
                      attended=Count("attendances", distinct=True),
                      is_signed_up=Exists(Registration.objects.filter(
                          activity=OuterRef("pk"), person=person, status=RegistrationStatus.REGISTERED)),
                      has_attended=Exists(Attendance.objects.filter(activity=OuterRef("pk"), person=person)))
            .select_related("region", "programme")
            .prefetch_related(Prefetch("associations", queryset=Association.objects.only("id", "name")),
                              Prefetch("teams", queryset=Team.objects.only("id", "name"))))


def upcoming_activities(person: Person):
    """Activities open for sign-up to the person now (the activities area decides who may sign up)."""
    return with_published_figures(activity_services.open_activities_for(person), person)


def _own_activity_q(person: Person) -> Q:
    return Q(registrations__person=person) | Q(attendances__person=person)


def visible_activity(person: Person, pk: int) -> Activity:
    """An activity the person may open: one open to them (by the sign-up range) or one they signed up for or
    attended. Any other activity is a 404, whatever its region."""
    activity = with_published_figures(Activity.objects.filter(pk=pk), person).first()
    if activity is None:
        raise Http404
    if not (activity.is_signed_up or activity.has_attended
            or Activity.objects.filter(_own_activity_q(person), pk=pk).exists()
            or activity_services.is_eligible(activity, person)):
        raise Http404
    return activity


def activity_for_checkin(person: Person, token: str) -> Activity:
    """The activity of a QR code, when the person may check in to it: one visible to them, or one held in their
    own county or a region above it (the code shown at the venue is the invitation). Any other token is a 404."""
    activity = activity_services.activity_for_token(token)
    if activity is None:
        raise Http404
    region = activity.region_id
    near = region.startswith(person.region_id[:6]) or person.region_id.startswith(region)
    if not near:
        return visible_activity(person, activity.pk)
    return with_published_figures(Activity.objects.filter(pk=activity.pk), person).get()


def organisers(activity: Activity) -> list[str]:
    names = [a.name for a in activity.associations.all()] + [t.name for t in activity.teams.all()]
    if activity.departments:
        names.append(activity.departments)
    return names


def seats_left(activity: Activity) -> int | None:
    if activity.capacity is None:
        return None
    return max(activity.capacity - activity.signed_up, 0)


def sign_up_open(activity: Activity, now) -> bool:
    """Whether the sign-up button is offered; the service still decides (capacity, eligibility, races)."""
    return (not activity.is_cancelled and activity.signup_mode != SignupMode.CLOSED and activity.starts_at > now
            and (activity.signup_deadline is None or activity.signup_deadline >= now))


def my_registrations(person: Person):
    return (Registration.objects.filter(person=person, status=RegistrationStatus.REGISTERED)
            .select_related("activity", "activity__region").order_by("activity__starts_at", "id"))


def my_attendances(person: Person):
    return (Attendance.objects.filter(person=person).select_related("activity", "activity__region")
            .order_by("-checked_in_at", "-id"))


def my_proposals(person: Person):
    return Proposal.objects.filter(persons=person).order_by("-submitted_on", "-id")


def my_proposal(person: Person, pk: int) -> Proposal:
    proposal = (my_proposals(person).filter(pk=pk)
                .prefetch_related(Prefetch("steps", queryset=ProposalStep.objects.order_by(
                    "stepped_on", "created_at", "id"))).first())
    if proposal is None:
        raise Http404
    return proposal


def earned_points(person: Person, source) -> int:
    """The points the person's ledger holds for one source (an attendance, a proposal)."""
    content_type = ContentType.objects.get_for_model(source, for_concrete_model=True)
    return (PointEntry.objects.filter(person=person, source_type=content_type, source_id=source.pk)
            .aggregate(s=Sum("points"))["s"] or 0)


def my_attachment(person: Person, pk: int) -> Attachment:
    """A file attached to one of the person's own proposals; any other attachment is a 404."""
    attachment = (Attachment.objects.filter(pk=pk, content_type=ContentType.objects.get_for_model(Proposal),
                                            object_id__in=my_proposals(person).values("pk")).first())
    if attachment is None:
        raise Http404
    return attachment


def my_points(person: Person):
    return activity_services.points_ledger(person)


def available_rewards(person: Person):
    """Active rewards of the person's region or a region above it."""
    prefixes = activity_services.region_prefixes(person.region_id)
    return Reward.objects.filter(is_active=True, region_id__in=prefixes).order_by("points_cost", "id")


def available_reward(person: Person, pk: int) -> Reward:
    reward = available_rewards(person).filter(pk=pk).first()
    if reward is None:
        raise Http404
    return reward


def my_redemptions(person: Person):
    return Redemption.objects.filter(person=person).select_related("reward").order_by("-redeemed_at", "-id")

