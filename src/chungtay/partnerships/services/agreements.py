"""Agreements: memoranda and covenants drafted, sent, signed by every member school, in force,
terminated or amended; their commitments followed up; the signed scan."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from chungtay.accounts.models import Role, User
from chungtay.core.audit import stamp_actor
from chungtay.core.dates import today, valid_on
from chungtay.directory.models import (
    School,
)
from chungtay.partnerships import exceptions as e
from chungtay.partnerships.models import (
    Agreement,
    AgreementKind,
    AgreementStatus,
    Commitment,
    Partnership,
    PartnershipStatus,
    Signature,
)
from chungtay.partnerships.selectors import (
    can_draft_agreement,
    can_manage_partnership,
)
from chungtay.partnerships.services.common import _SCAN_TYPES, check_upload

# Appendix III of Decree 30/2020/NĐ-CP: a bản ghi nhớ is abbreviated BGN (a biên bản is BB).
MEMORANDUM_ABBREVIATION = "BGN"


def _check_number(kind: str, number: str) -> None:
    """A memorandum's number and symbol ("05/BGN-KN") names the kind BGN; a number without a symbol
    (given later) is accepted."""
    if kind != AgreementKind.MEMORANDUM or "/" not in number:
        return
    symbol = number.split("/", 1)[1].strip()
    abbreviation = symbol.split("-", 1)[0].strip().upper()
    if abbreviation and abbreviation != MEMORANDUM_ABBREVIATION:
        raise e.InvalidInput(str(e.MEMORANDUM_SYMBOL) % {"number": number[:60]}, field="number")


def _open_agreements(partnership: Partnership) -> Any:
    return partnership.agreements.filter(
        status__in=[AgreementStatus.DRAFT, AgreementStatus.AWAITING_SIGNATURE, AgreementStatus.ACTIVE]
    )


@transaction.atomic
def draft_agreement(
    *,
    acting_user: User,
    partnership: Partnership,
    kind: str,
    title: str,
    terms: str = "",
    number: str = "",
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
) -> Agreement:
    """Start a memorandum or covenant as a draft. A partnership has at most one agreement in progress
    or in force; changing one in force is an amendment (`amend_agreement`)."""
    if not can_draft_agreement(acting_user, partnership):
        raise e.NotAllowed(e.NOT_MANAGER)
    if _open_agreements(partnership).exists():
        raise e.WrongState(e.AGREEMENT_OPEN)
    _check_number(kind, number.strip())
    agreement = Agreement(
        partnership=partnership,
        kind=kind if kind in AgreementKind.values else AgreementKind.MEMORANDUM,
        title=title.strip(),
        terms=terms,
        number=number.strip(),
        valid_from=valid_from,
        valid_to=valid_to,
    )
    agreement.full_clean(exclude=["signed_scan", "previous"])
    stamp_actor(agreement, acting_user).save()
    return agreement


@transaction.atomic
def edit_agreement(
    *,
    acting_user: User,
    agreement: Agreement,
    expected_version: int,
    title: str,
    terms: str,
    number: str,
    valid_from: dt.date | None,
    valid_to: dt.date | None,
) -> Agreement:
    """Change a draft's terms (version-checked). Anything past draft is refused."""
    from chungtay.core.versioning import save_versioned

    if not can_draft_agreement(acting_user, agreement.partnership):
        raise e.NotAllowed(e.NOT_MANAGER)
    if not agreement.is_editable:
        raise e.WrongState(e.NOT_EDITABLE)
    _check_number(agreement.kind, number.strip())
    agreement.title, agreement.terms, agreement.number = title.strip(), terms, number.strip()
    agreement.valid_from, agreement.valid_to = valid_from, valid_to
    agreement.full_clean(exclude=["signed_scan", "previous"])
    stamp_actor(agreement, acting_user)
    return save_versioned(
        agreement,
        expected_version=expected_version,
        update_fields=["title", "terms", "number", "valid_from", "valid_to"],
    )


@transaction.atomic
def add_commitment(
    *,
    acting_user: User,
    agreement: Agreement,
    school: School,
    area: str,
    description: str,
    target_value: Decimal | None = None,
    target_unit: str = "",
    due_on: dt.date | None = None,
) -> Commitment:
    """Add one side's commitment to a draft agreement."""
    if not can_draft_agreement(acting_user, agreement.partnership):
        raise e.NotAllowed(e.NOT_MANAGER)
    if not agreement.is_editable:
        raise e.WrongState(e.NOT_EDITABLE)
    if not agreement.partnership.members.filter(valid_on(today()), school=school).exists():
        raise e.PartnershipError(e.NOT_A_MEMBER % {"school": school.name})
    if target_value is not None and target_value < 0:
        raise e.PartnershipError(e.NEGATIVE_TARGET)
    commitment = Commitment(
        agreement=agreement,
        school=school,
        area=area,
        description=description.strip(),
        target_value=target_value,
        target_unit=target_unit.strip(),
        due_on=due_on,
    )
    commitment.full_clean()
    stamp_actor(commitment, acting_user).save()
    return commitment


@transaction.atomic
def send_for_signature(*, acting_user: User, agreement: Agreement) -> Agreement:
    """Freeze a draft's terms and ask every member school's leader to sign."""
    if not can_draft_agreement(acting_user, agreement.partnership):
        raise e.NotAllowed(e.NOT_MANAGER)
    if agreement.status != AgreementStatus.DRAFT:
        raise e.WrongState(e.NOT_DRAFT)
    if not agreement.terms.strip():
        raise e.PartnershipError(e.NO_TERMS)
    if agreement.valid_to is not None and agreement.valid_to < today():
        raise e.PartnershipError(e.TERM_OVER)
    agreement.status = AgreementStatus.AWAITING_SIGNATURE
    stamp_actor(agreement, acting_user).save(update_fields=["status", "updated_at"])
    return agreement


@transaction.atomic
def sign_agreement(
    *,
    acting_user: User,
    agreement: Agreement,
    school: School,
    signer_name: str | None = None,
    position: str | None = None,
) -> Signature:
    """Sign for one school, in the name and position given (the account's by default). Only a leader of
    that school may; the school must be a member today. When the last member has signed, the agreement
    comes into force, the partnership becomes active, and the version it amends (if any) is marked as
    replaced."""
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)  # two leaders may sign at once
    if agreement.status != AgreementStatus.AWAITING_SIGNATURE:
        raise e.WrongState(e.NOT_AWAITING)
    if acting_user.role != Role.SCHOOL_LEADER or acting_user.school_id != school.pk:
        raise e.NotAllowed(e.ONLY_LEADER_SIGNS % {"school": school.name})
    day = today()
    member_ids = set(agreement.partnership.members.filter(valid_on(day)).values_list("school_id", flat=True))
    if school.pk not in member_ids:
        raise e.PartnershipError(e.NOT_A_MEMBER % {"school": school.name})
    if agreement.signatures.filter(school=school).exists():
        raise e.WrongState(e.ALREADY_SIGNED % {"school": school.name})
    signature = Signature(
        agreement=agreement,
        school=school,
        signed_by=acting_user,
        signer_name=" ".join((signer_name or acting_user.display_name).split())[:150],
        position=" ".join((position or acting_user.position or "Hiệu trưởng").split())[:150],
        signed_at=timezone.now(),
    )
    stamp_actor(signature, acting_user).save()
    signed = set(agreement.signatures.values_list("school_id", flat=True))
    if member_ids <= signed:
        _bring_into_force(agreement, acting_user, day)
    return signature


def _bring_into_force(agreement: Agreement, acting_user: User, day: dt.date) -> None:
    agreement.status = AgreementStatus.ACTIVE
    agreement.activated_on = day
    agreement.valid_from = agreement.valid_from or day
    stamp_actor(agreement, acting_user).save(
        update_fields=["status", "activated_on", "valid_from", "updated_at"]
    )
    partnership = agreement.partnership
    if partnership.status == PartnershipStatus.PENDING:
        partnership.status = PartnershipStatus.ACTIVE
        stamp_actor(partnership, acting_user).save(update_fields=["status", "updated_at"])
    previous = agreement.previous
    if previous is not None and previous.status == AgreementStatus.ACTIVE:
        previous.status = AgreementStatus.RENEWED
        previous.ended_on = day
        stamp_actor(previous, acting_user).save(update_fields=["status", "ended_on", "updated_at"])


@transaction.atomic
def terminate_agreement(*, acting_user: User, agreement: Agreement, reason: str) -> Agreement:
    """End an agreement in force before its term, with a reason."""
    if not can_manage_partnership(acting_user, agreement.partnership):
        raise e.NotAllowed(e.NOT_MANAGER)
    if agreement.status != AgreementStatus.ACTIVE:
        raise e.WrongState(e.NOT_ACTIVE)
    if not reason.strip():
        raise e.PartnershipError(e.REASON_REQUIRED)
    agreement.status = AgreementStatus.TERMINATED
    agreement.ended_on = today()
    agreement.end_reason = reason.strip()[:500]
    stamp_actor(agreement, acting_user).save(update_fields=["status", "ended_on", "end_reason", "updated_at"])
    return agreement


@transaction.atomic
def amend_agreement(*, acting_user: User, agreement: Agreement) -> Agreement:
    """Start a new version of an agreement in force: a draft with the same terms and commitments. The
    old version stays in force until every member has signed the new one."""
    if not can_draft_agreement(acting_user, agreement.partnership):
        raise e.NotAllowed(e.NOT_MANAGER)
    if agreement.status != AgreementStatus.ACTIVE:
        raise e.WrongState(e.NOT_ACTIVE)
    if agreement.partnership.agreements.filter(
        status__in=[AgreementStatus.DRAFT, AgreementStatus.AWAITING_SIGNATURE]
    ).exists():
        raise e.WrongState(e.AGREEMENT_OPEN)
    amendment = Agreement(
        partnership=agreement.partnership,
        kind=agreement.kind,
        number=agreement.number,
        title=agreement.title,
        terms=agreement.terms,
        place=agreement.place,
        amendment_no=agreement.amendment_no + 1,
        previous=agreement,
        valid_from=None,
        valid_to=agreement.valid_to,
    )
    stamp_actor(amendment, acting_user).save()
    for commitment in agreement.commitments.all():
        copy = Commitment(
            agreement=amendment,
            school_id=commitment.school_id,
            area=commitment.area,
            description=commitment.description,
            target_value=commitment.target_value,
            target_unit=commitment.target_unit,
            due_on=commitment.due_on,
        )
        stamp_actor(copy, acting_user).save()
    return amendment


@transaction.atomic
def expire_agreements(*, acting_user: User, on: dt.date) -> int:
    """Mark agreements whose term ended before `on` as expired (run daily by `expire_agreements`)."""
    rows = list(Agreement.objects.select_for_update().filter(status=AgreementStatus.ACTIVE, valid_to__lt=on))
    for agreement in rows:
        agreement.status = AgreementStatus.EXPIRED
        agreement.ended_on = agreement.valid_to
        stamp_actor(agreement, acting_user).save(update_fields=["status", "ended_on", "updated_at"])
    return len(rows)


@transaction.atomic
def attach_signed_scan(*, acting_user: User, agreement: Agreement, upload: UploadedFile) -> Agreement:
    """Attach the signed paper's scan. The content must be a PDF, JPEG or PNG (checked by its bytes)
    and at most 10 MB; anything else changes nothing."""
    if not can_draft_agreement(acting_user, agreement.partnership):
        raise e.NotAllowed(e.NOT_MANAGER)
    checked = check_upload(upload, _SCAN_TYPES, e.FILE_NOT_SCAN)
    agreement.signed_scan.save(f"scan.{checked.extension}", checked.content("scan"), save=False)
    stamp_actor(agreement, acting_user).save(update_fields=["signed_scan", "updated_at"])
    return agreement


@transaction.atomic
def set_commitment_status(
    *, acting_user: User, commitment: Commitment, status: str, expected_version: int
) -> Commitment:
    """Mark a commitment done, missed or open again. Managers and the leaders of member schools may;
    only for an agreement in force (or one that has ended, to record the outcome)."""
    from chungtay.core.versioning import save_versioned
    from chungtay.partnerships.models import CommitmentStatus

    agreement = commitment.agreement
    if not can_draft_agreement(acting_user, agreement.partnership):
        raise e.NotAllowed(e.NOT_MANAGER)
    if agreement.status in (AgreementStatus.DRAFT, AgreementStatus.AWAITING_SIGNATURE):
        raise e.WrongState(e.COMMITMENT_NOT_IN_FORCE)
    if status not in CommitmentStatus.values:
        raise e.PartnershipError(e.COMMITMENT_STATUS_UNKNOWN)
    commitment.status = status
    stamp_actor(commitment, acting_user)
    return save_versioned(
        commitment, expected_version=expected_version, update_fields=["status", "updated_at"]
    )
