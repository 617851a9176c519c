"""The members' mobile pages (/m/): a member's own activities, check-in, proposals, points and profile.

Every view works on `request.person` (see access.py) and reads through selectors.py, which return only that
person's records or what an activity publishes; writes go through the services of the activities, voice and
people areas, whose Chinese validation messages are shown as they are.
"""

from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tongxin.activities import services as activity_services
from tongxin.activities.selectors import activity_type_labels
from tongxin.core import attachments
from tongxin.core.exports import attachment_headers
from tongxin.core.files import content_type_of
from tongxin.core.generic import apply_errors, error_text
from tongxin.orgs.models import Membership, MembershipStatus
from tongxin.people import services as people_services
from tongxin.portal import selectors
from tongxin.portal.access import member_required
from tongxin.portal.forms import ContactForm, ProposalForm, contact_fields
from tongxin.voice import services as voice_services
from tongxin.voice.models import ProposalSource

LEDGER_ROWS = 100


def page(request, template: str, tab: str, *, status: int = 200, **context):
    context.setdefault("person", request.person)
    return render(request, template, {"tab": tab, **context}, status=status)


def _activity_context(activity) -> dict:
    opens, closes = activity.checkin_window
    return {
        "activity": activity,
        "organisers": selectors.organisers(activity),
        "seats_left": selectors.seats_left(activity),
        "checkin_opens": opens,
        "checkin_closes": closes,
    }


# --- 活动 ----------------------------------------------------------------------------------------------------------


@member_required
@require_GET
def home(request):
    activities = list(selectors.upcoming_activities(request.person)[:50])
    type_labels = activity_type_labels()
    cards = [{"activity": a, "organisers": selectors.organisers(a), "seats_left": selectors.seats_left(a),
              "type_label": type_labels.get(a.type, a.type)} for a in activities]
    return page(request, "portal/home.html", "activities", title=_("活动"), cards=cards)


@member_required
@require_GET
def activity_detail(request, pk: int):
    activity = selectors.visible_activity(request.person, pk)
    now = timezone.now()
    context = _activity_context(activity)
    context.update(
        title=activity.title,
        can_sign_up=not activity.is_signed_up and selectors.sign_up_open(activity, now),
        can_cancel=activity.is_signed_up and activity.starts_at > now,
    )
    return page(request, "portal/activity_detail.html", "activities", **context)


@member_required
@require_POST
def sign_up(request, pk: int):
    activity = selectors.visible_activity(request.person, pk)
    try:
        activity_services.sign_up(activity, request.person, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("报名成功。活动当天请到现场扫码签到。"))
    return redirect("portal:activity_detail", pk=activity.pk)


@member_required
@require_POST
def cancel_sign_up(request, pk: int):
    activity = selectors.visible_activity(request.person, pk)
    try:
        activity_services.cancel_sign_up(activity, request.person, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("已取消报名。"))
    return redirect("portal:activity_detail", pk=activity.pk)


@member_required
@require_GET
def my_activities(request):
    return page(request, "portal/my_activities.html", "activities", title=_("我的活动"),
                registrations=selectors.my_registrations(request.person).filter(
                    activity__ends_at__gte=timezone.now()),
                attendances=selectors.my_attendances(request.person)[:100])


# --- 签到 ----------------------------------------------------------------------------------------------------------


@member_required
@require_GET
def scan(request):
    today = timezone.localdate()
    upcoming = [r for r in selectors.my_registrations(request.person)
                if timezone.localtime(r.activity.starts_at).date() <= today <= timezone.localtime(
                    r.activity.ends_at).date()]
    return page(request, "portal/scan.html", "checkin", title=_("签到"), today_registrations=upcoming)


@member_required
def checkin(request, token: str):
    try:
        activity = selectors.activity_for_checkin(request.person, token)
    except Http404:
        return page(request, "portal/checkin_invalid.html", "checkin", title=_("活动签到"), status=404)
    if request.method == "POST":
        try:
            activity_services.check_in(activity, request.person, token=token, by=request.user)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("签到成功！"))
        return redirect("portal:checkin", token=token)
    attendance = selectors.my_attendances(request.person).filter(activity=activity).first()
    now = timezone.now()
    context = _activity_context(activity)
    context.update(title=_("活动签到"), token=token, attendance=attendance,
                   earned=selectors.earned_points(request.person, attendance) if attendance else 0,
                   window_open=context["checkin_opens"] <= now <= context["checkin_closes"],
                   not_yet=now < context["checkin_opens"])
    return page(request, "portal/checkin.html", "checkin", **context)


# --- 建议 ----------------------------------------------------------------------------------------------------------


@member_required
@require_GET
def proposal_list(request):
    return page(request, "portal/proposal_list.html", "proposals", title=_("我的建议"),
                proposals=selectors.my_proposals(request.person)[:100])


@member_required
def proposal_create(request):
    form = ProposalForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                proposal = voice_services.submit_proposal(
                    title=data["title"], content=data["content"], topic=data["topic"], channel=data["channel"],
                    persons=[request.person], region=request.person.region_id, by=request.user,
                    source=ProposalSource.PORTAL)
                if data.get("file"):
                    attachments.attach(proposal, data["file"], user=request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("建议已提交，办理进展会在这里显示。"))
            return redirect("portal:proposal_detail", pk=proposal.pk)
    return page(request, "portal/proposal_form.html", "proposals", title=_("提交建议"), form=form)


@member_required
@require_GET
def proposal_detail(request, pk: int):
    proposal = selectors.my_proposal(request.person, pk)
    return page(request, "portal/proposal_detail.html", "proposals", title=_("建议详情"), proposal=proposal,
                steps=list(proposal.steps.all()), earned=selectors.earned_points(request.person, proposal),
                files=list(attachments.attachments_for(proposal)))


@member_required
@require_GET
def attachment(request, pk: int):
    """A file attached to one of the member's own proposals; photos open in the page, others download."""
    attachment = selectors.my_attachment(request.person, pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=content_type_of(attachment.original_name))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    if attachment.is_photo:
        response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(attachment.original_name)}"
        return response
    attachments.log_download(attachment, user=request.user)
    return attachment_headers(response, attachment.original_name)


# --- 积分 ----------------------------------------------------------------------------------------------------------


@member_required
@require_GET
def points(request):
    person = request.person
    return page(request, "portal/points.html", "points", title=_("我的积分"),
                balance=activity_services.points_balance(person),
                entries=selectors.my_points(person)[:LEDGER_ROWS], ledger_rows=LEDGER_ROWS,
                rewards=selectors.available_rewards(person),
                redemptions=selectors.my_redemptions(person)[:20])


@member_required
@require_POST
def redeem(request, pk: int):
    reward = selectors.available_reward(request.person, pk)
    try:
        activity_services.redeem(request.person, reward, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("兑换成功：%(name)s，请凭此记录到工作人员处领取。") % {"name": reward.name})
    return redirect("portal:points")


# --- 我的 ----------------------------------------------------------------------------------------------------------


@member_required
@require_GET
def profile(request):
    person = request.person
    contacts = []
    for field in contact_fields():
        value = getattr(person, field.name) or ""
        mask = getattr(field, "mask", None)
        contacts.append({"label": field.verbose_name, "value": mask(value) if mask and value else value})
    memberships = (Membership.objects.filter(person=person, status=MembershipStatus.ADMITTED)
                   .select_related("association"))
    return page(request, "portal/profile.html", "me", title=_("我的"), contacts=contacts,
                memberships=memberships, balance=activity_services.points_balance(person))


@member_required
def profile_edit(request):
    person = request.person
    form = ContactForm(request.POST or None, person=person)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if not changes:
            messages.info(request, _("没有修改任何内容。"))
            return redirect("portal:profile")
        for name, value in changes.items():
            setattr(person, name, value)
        try:
            people_services.save_person(person, user=request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("联系方式已更新。"))
            return redirect("portal:profile")
    return page(request, "portal/profile_form.html", "me", title=_("修改联系方式"), form=form)
