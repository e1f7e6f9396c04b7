"""Office twinnings: the department's administrator twins two offices for a phase."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q

from chungtay.access.roles import is_department_admin
from chungtay.accounts.models import User
from chungtay.core.audit import stamp_actor
from chungtay.directory.models import (
    EducationOffice,
)
from chungtay.partnerships import exceptions as e
from chungtay.partnerships.models import (
    OfficeTwinning,
    Phase,
    TwinningStatus,
)


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
