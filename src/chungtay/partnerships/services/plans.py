"""Plans: the department's and the offices' plans with their goals and document."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from chungtay.access.roles import is_department_admin
from chungtay.accounts.models import Role, User
from chungtay.core import files
from chungtay.core.audit import stamp_actor
from chungtay.core.dates import today
from chungtay.directory.models import (
    EducationOffice,
)
from chungtay.partnerships import exceptions as e
from chungtay.partnerships.models import (
    OfficeTwinning,
    Phase,
    Plan,
    PlanGoal,
)
from chungtay.partnerships.services.common import check_upload

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
        checked = check_upload(document, _DOCUMENT_TYPES, e.FILE_NOT_DOCUMENT)
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
