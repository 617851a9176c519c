"""How the records behind each split figure narrow to one part (a pie slice on the dashboard): the field of the
records each metric splits by, and the (code, label) list its labels come from. Imported from apps.ready();
a metric not listed here drills to all its records."""

from tongxin.reports.registry import choice_part


def _choices(module: str, name: str):
    def get():
        import importlib

        return list(getattr(importlib.import_module(module), name).choices)
    return get


def _activity_types():
    from tongxin.activities.selectors import activity_type_choices

    return activity_type_choices(include_inactive=True)


def _dictionary(code: str):
    def get():
        from tongxin.core.models import DictItem

        return list(DictItem.objects.filter(dict_type__code=code).values_list("code", "label"))
    return get


choice_part("people.by_category", "category", _choices("tongxin.people.models", "Category"))
choice_part("orgs.associations", "level", _dictionary("association_level"))
choice_part("pairing.leaders", "leader_level", _choices("tongxin.liaison.models", "LeaderLevel"))
choice_part("contacts.count", "channel", _choices("tongxin.liaison.models", "Channel"))
choice_part("cases.raised", "category", _choices("tongxin.liaison.models", "CaseCategory"))
choice_part("cases.resolved", "category", _choices("tongxin.liaison.models", "CaseCategory"))
choice_part("activities.count", "type", _activity_types)
choice_part("activities.attendance", "activity__type", _activity_types)
choice_part("proposals.submitted", "channel", _choices("tongxin.voice.models", "ProposalChannel"))
choice_part("proposals.adopted", "channel", _choices("tongxin.voice.models", "ProposalChannel"))
choice_part("consultation.meetings", "kind", _choices("tongxin.voice.models", "MeetingKind"))
choice_part("arrangements.by_body", "body", _choices("tongxin.voice.models", "Body"))
