"""Every write on the support ledger: donors, pseudonymous pupils, and support records, each checking the
actor's right and the rules in one transaction, leaving history that names the actor."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max

from chungtay.access.scopes import home_department, partnerships_visible_to, schools_visible_to
from chungtay.accounts.models import Role, User
from chungtay.core.audit import stamp_actor
from chungtay.core.dates import today
from chungtay.core.evidence import prepare_document
from chungtay.core.text import padded_search_key
from chungtay.core.versioning import save_versioned
from chungtay.directory.models import EducationOffice, School
from chungtay.partnerships.models import Partnership
from chungtay.support import exceptions as e
from chungtay.support.models import Beneficiary, Circumstance, Donor, DonorKind, SupportRecord
from chungtay.support.selectors import can_edit_support, may_act_for, sees_pupils_of


def _check_writer(acting_user: User) -> None:
    if acting_user.role == Role.VIEWER and not acting_user.is_superuser:
        raise e.NotAllowed(e.READ_ONLY)


def _department(acting_user: User, school: School) -> EducationOffice:
    return home_department(acting_user) or school.department


@transaction.atomic
def register_donor(
    *,
    acting_user: User,
    kind: str,
    name: str = "",
    school: School | None = None,
    office: EducationOffice | None = None,
) -> Donor:
    """The donor record for a school, an office, or a named giver, created on first use (one per name)."""
    _check_writer(acting_user)
    if kind == DonorKind.SCHOOL and school is not None:
        name = school.name
    elif kind == DonorKind.OFFICE and office is not None:
        name = office.name
    name = " ".join((name or "").split())[:200]
    if len(name) < 2:
        raise e.SupportError(e.DONOR_NAME_NEEDED)
    department = home_department(acting_user) or (school.department if school else None)
    existing = Donor.objects.filter(
        department=department, kind=kind, name_key=padded_search_key(name)
    ).first()
    if existing is not None:
        return existing
    donor = Donor(department=department, kind=kind, name=name, school=school, office=office)
    stamp_actor(donor, acting_user).save()
    return donor


@transaction.atomic
def register_beneficiary(
    *, acting_user: User, school: School, grade: int | None, circumstance: str
) -> Beneficiary:
    """A supported pupil of the leader's own school, under the next code of the school ("HS-0001"): no
    name is ever stored."""
    if not sees_pupils_of(acting_user, school):
        raise e.NotAllowed(e.ONLY_LEADER_NAMES_PUPILS)
    if circumstance not in Circumstance.values:
        raise e.SupportError(e.ONLY_LEADER_NAMES_PUPILS)
    # Two leaders' sessions adding pupils at once would race for the same number: lock the school row.
    School.objects.select_for_update().filter(pk=school.pk).first()
    last = Beneficiary.objects.filter(school=school, code__startswith="HS-").aggregate(m=Max("code"))["m"]
    number = int(last[3:]) + 1 if last and last[3:].isdigit() else 1
    beneficiary = Beneficiary(school=school, code=f"HS-{number:04d}", grade=grade, circumstance=circumstance)
    stamp_actor(beneficiary, acting_user).save()
    return beneficiary


def _check_record(
    acting_user: User,
    *,
    quantity: Decimal,
    unit: str,
    value_vnd: int | None,
    given_on: dt.date,
    donor: Donor,
    receiving_school: School,
    partnership: Partnership | None,
) -> None:
    if quantity is None or quantity <= 0:
        raise e.SupportError(e.QUANTITY_POSITIVE)
    if value_vnd is not None and value_vnd < 0:
        raise e.SupportError(e.VALUE_NOT_NEGATIVE)
    if not (unit or "").strip():
        raise e.SupportError(e.UNIT_NEEDED)
    if given_on > today():
        raise e.SupportError(e.GIVEN_IN_FUTURE % {"day": given_on.strftime("%d/%m/%Y")})
    if not schools_visible_to(acting_user).filter(pk=receiving_school.pk).exists():
        raise e.SupportError(e.SCHOOL_NOT_VISIBLE % {"school": receiving_school.moet_id})
    if donor.school_id == receiving_school.pk:
        raise e.SupportError(e.SAME_SCHOOL)
    if not (
        may_act_for(acting_user, receiving_school)
        or may_act_for(acting_user, donor.school)
        or (
            acting_user.role == Role.CITY_ADMIN
            and home_department(acting_user) == receiving_school.department
        )
    ):
        raise e.NotAllowed(e.NOT_YOURS)
    if partnership is not None:
        if not partnerships_visible_to(acting_user).filter(pk=partnership.pk).exists():
            raise e.SupportError(e.PARTNERSHIP_NOT_VISIBLE)
        for school in (receiving_school, donor.school):
            if school is not None and not partnership.members.filter(school=school).exists():
                raise e.SupportError(e.NOT_IN_PARTNERSHIP % {"school": school.name})


def _check_pupils(acting_user: User, receiving_school: School, beneficiaries: Sequence[Beneficiary]) -> None:
    if not beneficiaries:
        return
    if not sees_pupils_of(acting_user, receiving_school):
        raise e.NotAllowed(e.ONLY_LEADER_NAMES_PUPILS)
    for pupil in beneficiaries:
        if pupil.school_id != receiving_school.pk:
            raise e.SupportError(
                e.PUPIL_OF_OTHER_SCHOOL % {"code": pupil.code, "school": receiving_school.name}
            )


@transaction.atomic
def record_support(
    *,
    acting_user: User,
    kind: str,
    quantity: Decimal,
    unit: str,
    given_on: dt.date,
    donor: Donor,
    receiving_school: School,
    partnership: Partnership | None = None,
    value_vnd: int | None = None,
    programme: str = "",
    description: str = "",
    beneficiaries: Sequence[Beneficiary] = (),
    evidence: UploadedFile | None = None,
) -> SupportRecord:
    """Record support given to a school. The giver's or the receiver's side records it (school staff for
    their school, officers for their scope, the administrator for the department); only the receiving
    school's leader says which of its pupils received it."""
    _check_writer(acting_user)
    _check_record(
        acting_user, quantity=quantity, unit=unit, value_vnd=value_vnd, given_on=given_on, donor=donor,
        receiving_school=receiving_school, partnership=partnership,
    )  # fmt: skip
    _check_pupils(acting_user, receiving_school, beneficiaries)
    record = SupportRecord(
        department=_department(acting_user, receiving_school),
        kind=kind,
        description=(description or "").strip()[:300],
        quantity=quantity,
        unit=unit.strip()[:40],
        value_vnd=value_vnd,
        given_on=given_on,
        donor=donor,
        receiving_school=receiving_school,
        partnership=partnership,
        programme=(programme or "").strip()[:200],
        recorded_by=acting_user,
    )
    if evidence is not None:
        prepared = prepare_document(evidence)
        record.evidence.save(prepared.name, prepared.content, save=False)
    stamp_actor(record, acting_user).save()
    record.beneficiaries.set(beneficiaries)
    return record


@transaction.atomic
def edit_support(
    *,
    acting_user: User,
    record: SupportRecord,
    expected_version: int,
    quantity: Decimal,
    unit: str,
    value_vnd: int | None,
    given_on: dt.date,
    description: str = "",
    programme: str = "",
) -> SupportRecord:
    """Correct a record's figures; refused if someone saved it since `expected_version`."""
    _check_writer(acting_user)
    if not can_edit_support(acting_user, record):
        raise e.NotAllowed(e.NOT_YOURS)
    _check_record(
        acting_user, quantity=quantity, unit=unit, value_vnd=value_vnd, given_on=given_on, donor=record.donor,
        receiving_school=record.receiving_school, partnership=record.partnership,
    )  # fmt: skip
    record.quantity, record.unit, record.value_vnd, record.given_on = (
        quantity,
        unit.strip()[:40],
        value_vnd,
        given_on,
    )
    record.description, record.programme = (description or "").strip()[:300], (programme or "").strip()[:200]
    stamp_actor(record, acting_user)
    return save_versioned(
        record,
        expected_version=expected_version,
        update_fields=["quantity", "unit", "value_vnd", "given_on", "description", "programme", "updated_at"],
    )
