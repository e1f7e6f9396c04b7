"""Every write on twinnings, partnerships, agreements and plans: one function per action, each checking the
actor's right and the rule, in one transaction, leaving history that names the actor. One module per
concept; callers use `from chungtay.partnerships import services` and the names below."""

from chungtay.partnerships.services.agreements import (
    add_commitment,
    amend_agreement,
    attach_signed_scan,
    draft_agreement,
    edit_agreement,
    expire_agreements,
    send_for_signature,
    set_commitment_status,
    sign_agreement,
    terminate_agreement,
)
from chungtay.partnerships.services.common import MIN_OVERRIDE_REASON, SCAN_LIMIT_MB, check_upload
from chungtay.partnerships.services.partnerships import (
    NewGroup,
    add_member,
    check_sides,
    create_partnership,
    create_partnerships,
    end_partnerships,
    remove_member,
)
from chungtay.partnerships.services.plans import record_plan
from chungtay.partnerships.services.twinnings import twin_offices

__all__ = [
    "MIN_OVERRIDE_REASON",
    "NewGroup",
    "SCAN_LIMIT_MB",
    "add_commitment",
    "add_member",
    "amend_agreement",
    "attach_signed_scan",
    "check_sides",
    "check_upload",
    "create_partnership",
    "create_partnerships",
    "draft_agreement",
    "edit_agreement",
    "end_partnerships",
    "expire_agreements",
    "record_plan",
    "remove_member",
    "send_for_signature",
    "set_commitment_status",
    "sign_agreement",
    "terminate_agreement",
    "twin_offices",
]
