"""Every write on twinnings, partnerships and agreements: one function per action, each checking the
actor's right and the rule, in one transaction, leaving history that names the actor."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from chungtay.access.roles import is_department_admin, may_manage_twinning
from chungtay.access.scopes import is_city_admin, schools_visible_to
from chungtay.accounts.models import Role, User
from chungtay.core import files
from chungtay.core.audit import stamp_actor
from chungtay.core.dates import today, valid_on
from chungtay.directory.models import (
    EducationOffice,
    School,
    SchoolManagement,
    common_basic_level,
)
from chungtay.partnerships import exceptions as e
from chungtay.partnerships.models import (
    Agreement,
    AgreementKind,
    AgreementStatus,
    Commitment,
    OfficeTwinning,
    Partnership,
    PartnershipMember,
    PartnershipStatus,
    Phase,
    Plan,
    PlanGoal,
    Side,
    Signature,
    TwinningStatus,
)
from chungtay.partnerships.selectors import (
    can_draft_agreement,
    can_manage_partnership,
    can_manage_partnerships,
)

MIN_OVERRIDE_REASON = 10
SCAN_LIMIT_MB = 10
_SCAN_TYPES = frozenset({files.PDF, files.JPEG, files.PNG})


# --- office twinnings ----------------------------------------------------------------------------------


@transaction.atomic
def twin_offices(
    *,
    acting_user: User,
    supporting_office: EducationOffice,
    supported_office: EducationOffice,
    starts_on: dt.date,
    phase: Phase | None = None,
) -> OfficeTwinning:
    """Twin two offices. Only a city administrator of the supporting office's department may; the
    supported office may belong to another province (Ba Vì – Lào Cai city)."""
    department = supporting_office.tenant
    if not is_department_admin(acting_user, department.pk):
        raise e.NotAllowed(e.ONLY_ADMIN_TWINS)
    if supporting_office.pk == supported_office.pk:
        raise e.PartnershipError(e.SAME_OFFICE)
    if OfficeTwinning.objects.filter(
        Q(supporting_office=supporting_office, supported_office=supported_office)
        | Q(supporting_office=supported_office, supported_office=supporting_office),
        status=TwinningStatus.ACTIVE,
    ).exists():
        raise e.PartnershipError(e.TWINNING_EXISTS)
    twinning = OfficeTwinning(
        department=department,
        phase=phase,
        supporting_office=supporting_office,
        supported_office=supported_office,
        starts_on=starts_on,
    )
    stamp_actor(twinning, acting_user).save()
    return twinning


# --- partnerships ----------------------------------------------------------------------------------------


def _common_level(schools: Sequence[School]) -> str | None:
    return common_basic_level(school.level for school in schools)


def _managed_pairs(twinning: OfficeTwinning, school_ids: set[int]) -> set[tuple[int, int]]:
    """(school, office) for those of the schools that the twinning's two offices manage: one query."""
    return set(
        SchoolManagement.objects.filter(
            school_id__in=school_ids,
            office_id__in=(twinning.supporting_office_id, twinning.supported_office_id),
        ).values_list("school_id", "office_id")
    )


def _check_sides(
    twinning: OfficeTwinning,
    members: Sequence[tuple[School, str]],
    managed: set[tuple[int, int]] | None = None,
) -> None:
    """Each supporting school managed by the supporting office, each supported one by the other."""
    if managed is None:
        managed = _managed_pairs(twinning, {school.pk for school, _ in members})
    offices = {Side.SUPPORTING: twinning.supporting_office, Side.SUPPORTED: twinning.supported_office}
    for school, side in members:
        office = offices.get(side)  # type: ignore[call-overload]
        if office is not None and (school.pk, office.pk) not in managed:
            raise e.PartnershipError(
                e.WRONG_OFFICE_SIDE % {"school": school.name, "office": office.short_name}
            )


def _check_may_create(acting_user: User, twinning: OfficeTwinning | None) -> EducationOffice:
    """The department the new partnership belongs to, if the actor may create it."""
    if twinning is None:
        if not is_city_admin(acting_user) or acting_user.office is None:
            raise e.NotAllowed(e.DIRECT_NEEDS_ADMIN)
        return acting_user.office.tenant
    if twinning.status != TwinningStatus.ACTIVE:
        raise e.WrongState(e.TWINNING_ENDED)
    if may_manage_twinning(acting_user, twinning):
        return twinning.department
    raise e.NotAllowed(e.NOT_YOUR_TWINNING)


@dataclass(frozen=True)
class NewGroup:
    """One pair or group to create: its members (school, side) and how it is described."""

    members: Sequence[tuple[School, str]]
    name: str = ""
    is_pilot: bool = False
    pilot_wave: int | None = None
    level_override_reason: str = ""


@transaction.atomic
def create_partnership(
    *,
    acting_user: User,
    twinning: OfficeTwinning | None,
    members: Sequence[tuple[School, str]],
    starts_on: dt.date,
    is_pilot: bool = False,
    pilot_wave: int | None = None,
    level_override_reason: str = "",
    name: str = "",
) -> Partnership:
    """Create a pair or group of schools, pending until its first agreement is signed (the rules are
    create_partnerships')."""
    group = NewGroup(members, name, is_pilot, pilot_wave, level_override_reason)
    return create_partnerships(
        acting_user=acting_user, twinning=twinning, groups=[group], starts_on=starts_on
    )[0]


def _checked(
    group: NewGroup, visible: set[int], managed: set[tuple[int, int]], twinning: OfficeTwinning | None
) -> tuple[str, str]:
    """The group's level and override reason, or the rule it breaks."""
    schools = [school for school, _ in group.members]
    seen: set[int] = set()
    for school in schools:
        if school.pk in seen:
            raise e.PartnershipError(e.SCHOOL_TWICE % {"school": school.name})
        seen.add(school.pk)
    if len(schools) < 2:
        raise e.PartnershipError(e.TOO_FEW_SCHOOLS)
    sides = {side for _, side in group.members}
    if sides != {Side.MUTUAL} and not {Side.SUPPORTING, Side.SUPPORTED} <= sides:
        raise e.PartnershipError(e.NEED_BOTH_SIDES)
    for school in schools:
        if school.pk not in visible:
            raise e.PartnershipError(e.SCHOOL_NOT_VISIBLE % {"moet_id": school.moet_id}, code="not_found")
    if twinning is not None:
        _check_sides(twinning, group.members, managed)
    level = _common_level(schools)
    reason = group.level_override_reason.strip()
    if level is None:
        if len(reason) < MIN_OVERRIDE_REASON:
            raise e.PartnershipError(e.LEVELS_DIFFER)
        level = "mixed"
    if group.pilot_wave is not None and not group.is_pilot:
        raise e.PartnershipError(e.PILOT_WAVE_NEEDS_PILOT)
    return level, reason if level == "mixed" else ""


@transaction.atomic
def create_partnerships(
    *, acting_user: User, twinning: OfficeTwinning | None, groups: Sequence[NewGroup], starts_on: dt.date
) -> list[Partnership]:
    """Create pairs or groups of schools, each pending until its first agreement is signed; all or none,
    in a fixed number of queries however many groups (a matching run's 59 at once).

    Refuses: fewer than two schools, a school listed twice, no supporting or no supported school (unless
    all are mutual), a school the actor cannot see, a school on the side of an office that does not
    manage it, schools without a common level (common_basic_level) unless a reason is stated, an actor
    who is not a party."""
    department = _check_may_create(acting_user, twinning)
    ids = {school.pk for group in groups for school, _ in group.members}
    visible = set(schools_visible_to(acting_user).filter(pk__in=ids).values_list("pk", flat=True))
    managed = _managed_pairs(twinning, ids) if twinning is not None else set()
    checked = [_checked(group, visible, managed, twinning) for group in groups]
    # Numbers are per department; lock the department row so two officers creating groups at the
    # same moment cannot take the same number.
    EducationOffice.objects.select_for_update().filter(pk=department.pk).first()
    first = (Partnership.objects.filter(department=department).aggregate(n=Max("number"))["n"] or 0) + 1
    rows, members = [], []
    for offset, (group, (level, reason)) in enumerate(zip(groups, checked, strict=True)):
        number = first + offset
        ordered = sorted(group.members, key=lambda m: (m[1] != Side.SUPPORTING, m[0].sort_key))
        rows.append(
            Partnership(
                department=department,
                twinning=twinning,
                number=number,
                name=group.name.strip() or _default_name(number, ordered),
                level=level,
                is_pilot=group.is_pilot,
                pilot_wave=group.pilot_wave,
                level_override_reason=reason,
                starts_on=starts_on,
                created_by=acting_user,
            )
        )
        members.append(ordered)
    created = bulk_create_with_history(rows, Partnership, default_user=acting_user)
    if any(p.pk is None for p in created):  # a database that does not return ids from a bulk insert
        created = list(
            Partnership.objects.filter(department=department, number__gte=first).order_by("number")
        )
    member_rows = [
        PartnershipMember(
            partnership=partnership,
            school=school,
            side=side,
            role=PartnershipMember.Role.LEAD if index == 0 else PartnershipMember.Role.MEMBER,
            valid_from=starts_on,
        )
        for partnership, ordered in zip(created, members, strict=True)
        for index, (school, side) in enumerate(ordered)
    ]
    bulk_create_with_history(member_rows, PartnershipMember, default_user=acting_user)
    return list(created)


@transaction.atomic
def end_partnerships(*, acting_user: User, partnerships: Sequence[Partnership], ended_on: dt.date) -> int:
    """End open partnerships on a date (replaced by a matching run's groups): completed, every open
    membership closed that day; the rows stay (history is never rewritten)."""
    if not can_manage_partnerships(acting_user, list(partnerships)):
        raise e.NotAllowed(e.NOT_MANAGER)
    ids = [p.pk for p in partnerships]
    open_members = list(PartnershipMember.objects.filter(partnership_id__in=ids, valid_to__isnull=True))
    for member in open_members:
        member.valid_to = max(ended_on, member.valid_from) if member.valid_from else ended_on
    bulk_update_with_history(open_members, PartnershipMember, ["valid_to"], default_user=acting_user)
    rows = list(Partnership.objects.filter(pk__in=ids))
    for row in rows:
        row.status, row.ends_on = PartnershipStatus.COMPLETED, ended_on
    bulk_update_with_history(rows, Partnership, ["status", "ends_on"], default_user=acting_user)
    return len(rows)


def _default_name(number: int, members: Sequence[tuple[School, str]]) -> str:
    supporting = [s.name for s, side in members if side != Side.SUPPORTED]
    supported = [s.name for s, side in members if side == Side.SUPPORTED]
    names = " – ".join(filter(None, [", ".join(supporting), ", ".join(supported)]))
    return f"Nhóm {number}: {names}"[:300]


@transaction.atomic
def add_member(
    *, acting_user: User, partnership: Partnership, school: School, side: str, joined_on: dt.date
) -> PartnershipMember:
    """Add a school to a partnership from a date. Refuses a school already in it on an overlapping
    period, one the actor cannot see, and actors who do not manage the partnership."""
    if not can_manage_partnership(acting_user, partnership):
        raise e.NotAllowed(e.NOT_MANAGER)
    if not schools_visible_to(acting_user).filter(pk=school.pk).exists():
        raise e.PartnershipError(e.SCHOOL_NOT_VISIBLE % {"moet_id": school.moet_id}, code="not_found")
    if partnership.twinning_id:
        _check_sides(partnership.twinning, [(school, side)])  # type: ignore[arg-type]
    overlapping = partnership.members.filter(school=school).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=joined_on)
    )
    if overlapping.exists():
        raise e.PartnershipError(e.ALREADY_MEMBER % {"school": school.name})
    member = PartnershipMember(partnership=partnership, school=school, side=side, valid_from=joined_on)
    stamp_actor(member, acting_user).save()
    return member


@transaction.atomic
def remove_member(
    *, acting_user: User, partnership: Partnership, school: School, left_on: dt.date
) -> PartnershipMember:
    """Record that a school left a partnership on a date. The row stays: history is never rewritten."""
    if not can_manage_partnership(acting_user, partnership):
        raise e.NotAllowed(e.NOT_MANAGER)
    member = partnership.members.filter(school=school, valid_to__isnull=True).first()
    if member is None:
        raise e.PartnershipError(e.NOT_A_MEMBER % {"school": school.name})
    if member.valid_from and left_on < member.valid_from:
        raise e.PartnershipError(e.LEAVE_BEFORE_JOIN % {"joined": member.valid_from.strftime("%d/%m/%Y")})
    member.valid_to = left_on
    stamp_actor(member, acting_user).save(update_fields=["valid_to"])
    return member


# --- agreements ------------------------------------------------------------------------------------------


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
def sign_agreement(*, acting_user: User, agreement: Agreement, school: School) -> Signature:
    """Sign for one school. Only a leader of that school may; the school must be a member today. When
    the last member has signed, the agreement comes into force, the partnership becomes active, and
    the version it amends (if any) is marked as replaced."""
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
        signer_name=acting_user.display_name,
        position=acting_user.position or "Hiệu trưởng",
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
    checked = _check_upload(upload, _SCAN_TYPES, e.FILE_NOT_SCAN)
    agreement.signed_scan.save(f"scan.{checked.extension}", checked.content("scan"), save=False)
    stamp_actor(agreement, acting_user).save(update_fields=["signed_scan", "updated_at"])
    return agreement


# --- plans -----------------------------------------------------------------------------------------------

_PLAN_NUMBER = re.compile(r"^\d{1,6}/[0-9A-ZĐa-zđ&\-.]{2,40}$")
_DOCUMENT_TYPES = frozenset({files.PDF, files.DOCX})


@transaction.atomic
def record_plan(
    *,
    acting_user: User,
    issuer: EducationOffice,
    number: str,
    issued_on: dt.date,
    title: str,
    scope: str = "",
    phase: Phase | None = None,
    twinning: OfficeTwinning | None = None,
    goals: Sequence[tuple[str, Decimal | None, str, dt.date | None]] = (),
    document: UploadedFile | None = None,
) -> Plan:
    """Record a plan with its goals. The department's administrator records any plan of the department;
    an officer records their own office's plans (and joint plans of a twinning their office is party to).
    Refuses a malformed or duplicate number, a date in the future, a negative target and an attachment
    that is not a PDF or Word file."""
    department = issuer.tenant
    is_admin = is_department_admin(acting_user, department.pk)
    if not is_admin and not (acting_user.role == Role.OFFICE_OFFICER and acting_user.office_id == issuer.pk):
        raise e.NotAllowed(e.PLAN_NOT_ALLOWED)
    if twinning is not None and issuer.pk not in (
        twinning.supporting_office_id,
        twinning.supported_office_id,
    ):
        raise e.NotAllowed(e.NOT_YOUR_TWINNING)
    number = number.strip()
    if not _PLAN_NUMBER.match(number):
        raise e.PartnershipError(e.PLAN_NUMBER_FORMAT)
    if issued_on > today():
        raise e.PartnershipError(e.PLAN_IN_FUTURE)
    if Plan.objects.filter(issuer=issuer, number=number).exists():
        raise e.PartnershipError(e.PLAN_NUMBER_TAKEN)
    for _, target, _, _ in goals:
        if target is not None and target < 0:
            raise e.PartnershipError(e.NEGATIVE_TARGET)
    plan = Plan(
        department=department,
        phase=phase,
        issuer=issuer,
        twinning=twinning,
        number=number,
        issued_on=issued_on,
        title=title.strip(),
        scope=scope.strip(),
        created_by=acting_user,
    )
    if document is not None:
        checked = _check_upload(document, _DOCUMENT_TYPES, e.FILE_NOT_DOCUMENT)
        plan.document.save(f"plan.{checked.extension}", checked.content("plan"), save=False)
    stamp_actor(plan, acting_user).save()
    PlanGoal.objects.bulk_create(
        PlanGoal(
            plan=plan, description=text.strip(), target_value=target, target_unit=unit.strip(), due_on=due
        )
        for text, target, unit, due in goals
        if text.strip()
    )
    return plan


def _check_upload(upload: UploadedFile, types: frozenset[str], message: Any) -> files.CheckedFile:
    """The whole file checked by its content (chungtay.core.files): images decoded and re-encoded, PDFs
    parsed, Word files opened and refused with macros."""
    return files.check_upload(
        upload, accept=types, limit_mb=SCAN_LIMIT_MB, wrong_type=message, error=e.PartnershipError
    )


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
