"""Partnerships: pairs and groups of schools created (one or many at once), members joining and
leaving on a date, groups ended."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max, Q
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from chungtay.access.roles import is_city_admin, may_manage_twinning
from chungtay.access.scopes import schools_visible_to
from chungtay.accounts.models import User
from chungtay.core.audit import stamp_actor
from chungtay.directory.models import (
    EducationOffice,
    School,
    SchoolManagement,
    common_basic_level,
)
from chungtay.partnerships import exceptions as e
from chungtay.partnerships.models import (
    OfficeTwinning,
    Partnership,
    PartnershipMember,
    PartnershipStatus,
    Side,
    TwinningStatus,
)
from chungtay.partnerships.selectors import (
    can_manage_partnership,
    can_manage_partnerships,
)
from chungtay.partnerships.services.common import MIN_OVERRIDE_REASON


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


def check_sides(
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
        check_sides(twinning, group.members, managed)
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
        check_sides(partnership.twinning, [(school, side)])  # type: ignore[arg-type]
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
