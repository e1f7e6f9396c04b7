"""The partnership rules a user can break, each with the message they see."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from chungtay.core.errors import DomainError


class PartnershipError(DomainError):
    pass


class NotAllowed(PartnershipError):
    status_code = 403
    code = "forbidden"


class InvalidInput(PartnershipError):
    status_code = 400
    code = "invalid"


class WrongState(PartnershipError):
    status_code = 409
    code = "wrong_state"


SAME_OFFICE = _("An office cannot be twinned with itself.")
TWINNING_EXISTS = _("These two offices are already twinned.")
ONLY_ADMIN_TWINS = _("Only the city administrator can twin offices.")
TOO_FEW_SCHOOLS = _("A partnership needs at least two schools.")
NEED_BOTH_SIDES = _("A partnership needs at least one supporting and one supported school (or all mutual).")
SCHOOL_TWICE = _("%(school)s is listed twice.")
SCHOOL_NOT_VISIBLE = _("School %(moet_id)s does not exist or is outside your scope.")
WRONG_OFFICE_SIDE = _("%(school)s is not a school of %(office)s, so it cannot be on that side.")
LEVELS_DIFFER = _(
    "The schools do not teach a common level. Partnerships join schools of the same level unless you give a "
    "reason (at least 10 characters) for mixing levels."
)
NOT_YOUR_TWINNING = _("Your office is not a party to this twinning.")
TWINNING_ENDED = _("This twinning has ended; it takes no new partnerships.")
DIRECT_NEEDS_ADMIN = _("Only the city administrator can create partnerships directly under the department.")
ALREADY_MEMBER = _("%(school)s is already a member of this partnership on that date.")
NOT_A_MEMBER = _("%(school)s is not a member of this partnership.")
LEAVE_BEFORE_JOIN = _("A school cannot leave before it joined (%(joined)s).")
PILOT_WAVE_NEEDS_PILOT = _("A pilot wave is only for pilot partnerships.")
AGREEMENT_OPEN = _("This partnership already has an agreement in progress or in force. Amend it instead.")
NOT_EDITABLE = _("An agreement sent for signature or in force cannot be edited; amend it with a new version.")
MEMORANDUM_SYMBOL = _(
    "The symbol of a memorandum (bản ghi nhớ) is BGN (Decree 30/2020/NĐ-CP, Appendix III), "
    "e.g. 05/BGN-THCSNTT; “%(number)s” names another kind of document."
)
NOT_AWAITING = _("This agreement is not awaiting signatures.")
NOT_DRAFT = _("Only a draft can be sent for signature.")
NO_TERMS = _("Write the agreement's terms before sending it for signature.")
ONLY_LEADER_SIGNS = _("Only a leader of %(school)s can sign for it.")
ALREADY_SIGNED = _("%(school)s has already signed this agreement.")
NOT_ACTIVE = _("Only an agreement in force can be terminated or amended.")
REASON_REQUIRED = _("Give the reason.")
NEGATIVE_TARGET = _("A target cannot be negative.")
NOT_MANAGER = _("Only the offices and administrators responsible for this partnership can do this.")
FILE_NOT_SCAN = _("The file is not a PDF, JPEG or PNG (its content was checked, not its name).")
TERM_OVER = _("The agreement's term ends before today; change its end date before sending it for signature.")
PLAN_NOT_ALLOWED = _(
    "Only the department's administrator, or an officer for their own office, can record this plan."
)
PLAN_IN_FUTURE = _("A plan cannot be dated in the future.")
PLAN_NUMBER_TAKEN = _("This office already has a plan with that number.")
PLAN_NUMBER_FORMAT = _("Write the number and symbol as on the document, e.g. 4340/KH-SGDĐT.")
FILE_NOT_DOCUMENT = _("The file is not a PDF or Word document (its content was checked, not its name).")
COMMITMENT_NOT_IN_FORCE = _("A commitment is followed up once its agreement is in force.")
COMMITMENT_STATUS_UNKNOWN = _("Unknown commitment status.")
