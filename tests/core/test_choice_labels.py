"""`get_FOO_display()` of the project's models reads a table of labels made once per field and language
(Django's own translated every label at each call: a quarter of a month's calendar): the label is the
active language's, a value outside the choices is shown as it is, and an empty one stays empty."""

from django.utils import translation

from chungtay.activities.models import Activity
from chungtay.core.models import _choice_labels
from chungtay.directory.models import School


def test_the_label_follows_the_active_language_and_an_unknown_value_is_itself():
    activity = Activity(status="held", kind="topic")
    with translation.override("vi"):
        assert activity.get_status_display() == "đã diễn ra"
    with translation.override("en"):
        assert activity.get_status_display() == "held"
        assert activity.get_status_display() == str(
            dict(Activity._meta.get_field("status").flatchoices)["held"]
        )
    activity.status = "no-such-status"
    assert activity.get_status_display() == "no-such-status"
    school = School(level="thcs", ownership="")
    with translation.override("vi"):
        assert school.get_level_display() == str(dict(School._meta.get_field("level").flatchoices)["thcs"])
        assert school.get_ownership_display() == ""


def test_the_labels_are_made_once_a_field_and_language():
    field = Activity._meta.get_field("kind")
    _choice_labels.cache_clear()
    with translation.override("vi"):
        Activity(kind="topic").get_kind_display()
        Activity(kind="exchange").get_kind_display()
    with translation.override("en"):
        Activity(kind="topic").get_kind_display()
    assert _choice_labels.cache_info().misses == 2 and _choice_labels.cache_info().hits == 1
    assert _choice_labels(field, "vi") is _choice_labels(field, "vi")
