"""The activity rules a user can break, each with the message they see."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from chungtay.core import evidence, files
from chungtay.core.errors import DomainError


class ActivityError(DomainError):
    pass


class NotAllowed(ActivityError):
    status_code = 403
    code = "forbidden"


class WrongState(ActivityError):
    status_code = 409
    code = "wrong_state"


READ_ONLY = _("Your account is read-only.")
NOT_EDITOR = _("Only the host schools, their offices and the department can change this activity.")
NOT_RECORDER = _("You can record attendance only for your own school.")
NO_HOST = _("An activity needs at least one host school.")
SCHOOL_TWICE = _("%(school)s is listed twice.")
SCHOOL_NOT_VISIBLE = _("School %(school)s does not exist or is outside your scope.")
PARTNERSHIP_NOT_VISIBLE = _("This partnership does not exist or is outside your scope.")
OWN_SCHOOL_MISSING = _("Your school must host or take part in the activities you record.")
NEEDS_PARTNERSHIP = _("Choose the partnership this activity belongs to.")
NOT_A_PARTNER = _("%(school)s is not a member of the chosen partnerships.")
PARTNERSHIP_WITHOUT_OWN_SCHOOL = _("Your school is not a member of partnership “%(name)s”.")
OTHER_DEPARTMENT = _("%(school)s belongs to another department.")
HELD_IN_FUTURE = _("An activity cannot have been held in the future (%(day)s).")
ENDS_BEFORE_START = _("An activity cannot end before it starts.")
PERIOD_ONLY = _("Days per week apply only to secondments and tutoring programmes.")
GRADE_RANGE = _("A grade is between 1 and 12.")
NEGATIVE_COUNT = _("A count cannot be negative.")
NOT_OPEN = _("Only a planned or postponed activity can be confirmed, postponed or cancelled.")
REASON_NEEDED = _("Give a reason (at least 5 characters).")
SCHOOL_NOT_IN_ACTIVITY = _("%(school)s does not take part in this activity.")
TEACHER_NOT_OF_SCHOOL = _("%(teacher)s is not a teacher of %(school)s.")
TEACHER_NAME_NEEDED = _("Write the teacher's full name.")
ATTENDANCE_BEFORE_HELD = _(
    "Attendance can be recorded once the activity is held, not while it is %(status)s."
)
FILE_TOO_LARGE = files.TOO_LARGE  # the file checks are core.files'; the names stay for the callers
FILE_TYPE = evidence.FILE_TYPE
FILE_EMPTY = files.EMPTY
PHOTO_NOT_IMAGE = evidence.PHOTO_NOT_IMAGE
TOO_MANY_PHOTOS = _("At most %(limit)s photos at once; add the others on the activity's page.")
LINK_OR_FILE = _("Attach a file or give a link, not both.")
LINK_NEEDED = _("A video link needs the link.")
SCHOOL_HAS_ATTENDANCE = _(
    "%(school)s cannot be removed: its teachers' attendance is recorded. Clear it first."
)
