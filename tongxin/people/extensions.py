"""Where areas above the registry plug into its pages without the registry importing them (apps depend downward).

PERSON_LIST_EXTRAS: functions `extra(user) -> dict` whose template context is added to the person list — orgs
offers 加入组织 this way. Register from an AppConfig.ready() with `add_person_list_extra`.
"""

PERSON_LIST_EXTRAS: list = []


def add_person_list_extra(func) -> None:
    if func not in PERSON_LIST_EXTRAS:
        PERSON_LIST_EXTRAS.append(func)
