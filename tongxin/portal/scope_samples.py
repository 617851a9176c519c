"""The portal's URLs for the all-URLs scope test. Portal pages show only the signed-in member's own records; a
URL naming a record (an activity by pk or by its check-in token, a proposal, a reward) answers 404 unless the
record is the member's own or open to them — so for the walking user (no linked person, another county) every
one of them is a 404."""

from tongxin.activities.models import Activity, PointEntry, Reward
from tongxin.core import scope_registry
from tongxin.core.models import Attachment
from tongxin.people.models import Person
from tongxin.voice.models import Proposal

scope_registry.register_view("portal:home", Activity)
scope_registry.register_view("portal:my_activities", Activity)
scope_registry.register_view("portal:activity_detail", Activity)
scope_registry.register_view("portal:sign_up", Activity)
scope_registry.register_view("portal:cancel_sign_up", Activity)
scope_registry.exempt("portal:scan", "扫码签到说明页（只列出本人今天报名的活动）")
scope_registry.register_view("portal:checkin", Activity,
                             kwargs=lambda samples: {"token": samples[Activity].checkin_token})
scope_registry.register_view("portal:proposal_list", Proposal)
scope_registry.register_view("portal:proposal_create", Proposal)
scope_registry.register_view("portal:proposal_detail", Proposal)
scope_registry.register_view("portal:attachment", Attachment)
scope_registry.register_view("portal:points", PointEntry)
scope_registry.register_view("portal:redeem", Reward)
scope_registry.register_view("portal:profile", Person)
scope_registry.register_view("portal:profile_edit", Person)
