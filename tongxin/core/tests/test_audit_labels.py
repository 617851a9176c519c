"""The history of a record names fields and choices as a user reads them, not as they are stored."""

from tongxin.core.audit import labelled_changes
from tongxin.core.models import Job, Region


def test_choice_codes_are_shown_as_their_labels():
    rows = {r["name"]: r for r in labelled_changes(Region, {"level": [3, 4], "name": ["甲", "乙"]})}
    assert str(rows["level"]["label"]) == "层级"
    assert (str(rows["level"]["before"]), str(rows["level"]["after"])) == ("县级", "乡镇/街道")
    assert (rows["name"]["before"], rows["name"]["after"]) == ("甲", "乙")


def test_a_code_no_longer_among_the_choices_stays_as_stored_and_empty_stays_empty():
    rows = {r["name"]: r for r in labelled_changes(Job, {"status": ["retired", Job.FAILED]})}
    assert rows["status"]["before"] == "retired" and str(rows["status"]["after"]) == "失败"
    rows = {r["name"]: r for r in labelled_changes(Job, {"status": [None, Job.QUEUED]})}
    assert rows["status"]["before"] is None and str(rows["status"]["after"]) == "排队中"


def test_foreign_keys_are_shown_by_name_on_history_pages_but_not_in_bulk(regions):
    rows = {r["name"]: r for r in labelled_changes(Region, {"parent": [None, "510903"]}, {})}
    assert rows["parent"]["before"] is None and rows["parent"]["after"] == str(Region.objects.get(code="510903"))
    rows = {r["name"]: r for r in labelled_changes(Region, {"parent": ["999999", "510903"]})}
    assert (rows["parent"]["before"], rows["parent"]["after"]) == ("999999", "510903")
    rows = {r["name"]: r for r in labelled_changes(Region, {"parent": ["999999", None]}, {})}
    assert rows["parent"]["before"] == "999999"  # a record deleted since keeps its key
