"""The support rules a user can break, each with the message they see."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from chungtay.core.errors import DomainError


class SupportError(DomainError):
    pass


class NotAllowed(SupportError):
    status_code = 403
    code = "forbidden"


READ_ONLY = _("Your account is read-only.")
NOT_YOURS = _("You can record support only given or received by a school in your scope.")
QUANTITY_POSITIVE = _("The quantity must be more than zero.")
VALUE_NOT_NEGATIVE = _("A value cannot be negative.")
GIVEN_IN_FUTURE = _("Support cannot have been given in the future (%(day)s).")
NOT_IN_PARTNERSHIP = _("%(school)s is not a member of this partnership.")
PARTNERSHIP_NOT_VISIBLE = _("This partnership does not exist or is outside your scope.")
SCHOOL_NOT_VISIBLE = _("School %(school)s does not exist or is outside your scope.")
PUPIL_OF_OTHER_SCHOOL = _("Pupil %(code)s is not a pupil of %(school)s.")
ONLY_LEADER_NAMES_PUPILS = _("Only the receiving school's leader records which of its pupils are supported.")
DONOR_NAME_NEEDED = _("Write the giver's name.")
SAME_SCHOOL = _("A school does not give support to itself.")
UNIT_NEEDED = _("Write the unit (e.g. suất, cuốn, bộ, lớp).")
