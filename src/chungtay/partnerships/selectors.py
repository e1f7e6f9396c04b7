"""Reads of partnerships reused by pages, the API and reports, always through the scope rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from chungtay.access.scopes import own_schools, partnerships_visible_to, twinnings_visible_to
from chungtay.accounts.models import Role, User
from chungtay.core import schoolyears
from chungtay.core.dates import valid_on
from chungtay.directory.models import (
    AdminUnit,
    DevelopmentArea,
    EducationOffice,
    School,
    SchoolManagement,
    SelfAssessment,
)
from chungtay.directory.validators import NEED_SCORE, STRENGTH_SCORE
from chungtay.partnerships.models import (
    Agreement,
    AgreementStatus,
    OfficeTwinning,
    Partnership,
    PartnershipMember,
    PartnershipStatus,
    Plan,
    Side,
)


def can_manage_partnership(user: User, partnership: Partnership) -> bool:
    """Membership and status changes: the department's administrator, or an officer with one of their
    own schools in the partnership."""
    if user.is_superuser:
        return True
    if user.role == Role.CITY_ADMIN:
        return bool(user.office and user.office.tenant.pk == partnership.department_id)
    if user.role == Role.OFFICE_OFFICER:
        return partnership.members.filter(school__in=own_schools(user)).exists()
    return False


def can_manage_partnerships(user: User, partnerships: list[Partnership]) -> bool:
    """can_manage_partnership for each of them, in one query."""
    if not partnerships:
        return True
    if user.is_superuser:
        return True
    if user.role == Role.CITY_ADMIN:
        office = user.office
        return office is not None and all(p.department_id == office.tenant.pk for p in partnerships)
    if user.role == Role.OFFICE_OFFICER:
        ids = {p.pk for p in partnerships}
        managed = Partnership.objects.filter(pk__in=ids, members__school__in=own_schools(user)).distinct()
        return managed.count() == len(ids)
    return False


def can_draft_agreement(user: User, partnership: Partnership) -> bool:
    """Drafting agreements and commitments: managers, and the leaders of member schools."""
    if can_manage_partnership(user, partnership):
        return True
    return (
        user.role == Role.SCHOOL_LEADER
        and user.school_id is not None
        and partnership.members.filter(school_id=user.school_id).exists()
    )


def partnership_for_user(user: object, pk: int, *, manage: bool = False, draft: bool = False) -> Partnership:
    """The partnership if the user may see it (else 404) and, if asked, manage it or draft its
    agreements (else 403)."""
    partnership = (
        partnerships_visible_to(user)
        .select_related("twinning__supporting_office", "twinning__supported_office")
        .filter(pk=pk)
        .first()
    )
    if partnership is None:
        raise Http404
    assert isinstance(user, User)
    if manage and not can_manage_partnership(user, partnership):
        raise PermissionDenied
    if draft and not can_draft_agreement(user, partnership):
        raise PermissionDenied
    return partnership


def agreement_for_user(user: object, pk: int) -> Agreement:
    visible = partnerships_visible_to(user)
    agreement = Agreement.objects.select_related("partnership").filter(pk=pk, partnership__in=visible).first()
    if agreement is None:
        raise Http404
    return agreement


def members_on(partnership: Partnership, day: dt.date) -> QuerySet[PartnershipMember]:
    """The members in the partnership on `day`."""
    return (
        partnership.members.filter(valid_on(day))
        .select_related("school")
        .order_by("side", "school__sort_key")
    )


def current_agreement(partnership: Partnership) -> Agreement | None:
    """The agreement in progress or in force, if any."""
    return (
        partnership.agreements.filter(
            status__in=[AgreementStatus.DRAFT, AgreementStatus.AWAITING_SIGNATURE, AgreementStatus.ACTIVE]
        )
        .order_by("-amendment_no")
        .first()
    )


def partnership_list(
    user: object,
    *,
    day: dt.date,
    status: str = "",
    level: str = "",
    pilot: bool | None = None,
    without_agreement: bool = False,
    expiring_within: int | None = None,
    query: str = "",
) -> QuerySet[Partnership]:
    """Visible partnerships with the list page's filters, each annotated with its member count and
    whether it has an agreement in force."""
    from chungtay.core.text import search_terms

    active_agreement = Agreement.objects.filter(partnership=OuterRef("pk"), status=AgreementStatus.ACTIVE)
    rows = partnerships_visible_to(user).annotate(
        member_count=Count("members", filter=Q(valid_on(day, "members__")), distinct=True),
        has_active_agreement=Exists(active_agreement),
    )
    if status:
        rows = rows.filter(status=status)
    if level:
        rows = rows.filter(level=level)
    if pilot is not None:
        rows = rows.filter(is_pilot=pilot)
    if without_agreement:
        rows = rows.filter(has_active_agreement=False)
    if expiring_within is not None:
        rows = rows.filter(
            Exists(
                active_agreement.filter(
                    valid_to__gte=day, valid_to__lte=day + dt.timedelta(days=expiring_within)
                )
            )
        )
    for term in search_terms(query):
        rows = rows.filter(
            Exists(
                PartnershipMember.objects.filter(partnership=OuterRef("pk"), school__name_key__contains=term)
            )
            | Q(name__icontains=term)
        )
    current = (
        PartnershipMember.objects.filter(valid_on(day))
        .select_related("school")
        .order_by("side", "school__sort_key")
    )
    return (
        rows.select_related("twinning__supporting_office", "twinning__supported_office")
        .prefetch_related(Prefetch("members", queryset=current, to_attr="current_members"))
        .order_by("number")
    )


def department_overview(user: object, day: dt.date) -> dict[str, object]:
    """The state of the partnerships the user may see: offices twinned, schools in partnerships by
    level, partnerships and agreements by status. The movement's figures (schools that signed
    memoranda and covenants among them) come from `chungtay.analytics`, which the pages add."""
    partnerships = partnerships_visible_to(user)
    twinnings = twinnings_visible_to(user).filter(status="active")
    twinned_offices = set(twinnings.values_list("supporting_office_id", flat=True)) | set(
        twinnings.values_list("supported_office_id", flat=True)
    )
    # The share of offices twinned is a department figure: shown to those who see the department.
    department = None
    if isinstance(user, User) and user.office_id and user.office.kind == EducationOffice.Kind.DEPARTMENT:  # type: ignore[union-attr]
        department = user.office
    district_offices = (
        EducationOffice.objects.filter(department=department, kind=EducationOffice.Kind.DISTRICT_OFFICE)
        if department
        else EducationOffice.objects.none()
    )
    office_total = district_offices.count()
    office_twinned = district_offices.filter(pk__in=twinned_offices).count()
    members = PartnershipMember.objects.filter(valid_on(day), partnership__in=partnerships)
    schools_in = School.objects.filter(pk__in=members.values("school_id"))
    by_level = dict(schools_in.values_list("level").annotate(n=Count("pk")))
    by_status = dict(partnerships.values_list("status").annotate(n=Count("pk")))
    agreements_by_status = dict(
        Agreement.objects.filter(partnership__in=partnerships).values_list("status").annotate(n=Count("pk"))
    )
    return {
        "office_total": office_total if department else None,
        "office_twinned": office_twinned,
        "office_share": round(100 * office_twinned / office_total, 1) if office_total else None,
        "twinning_count": twinnings.count(),
        "schools_in_partnerships": schools_in.count(),
        "schools_by_level": by_level,
        "partnerships_by_status": [(PartnershipStatus(k).label, v) for k, v in sorted(by_status.items())],
        "partnership_total": sum(by_status.values()),
        "pilot_partnerships": partnerships.filter(is_pilot=True).count(),
        "agreements_by_status": [
            (AgreementStatus(k).label, v) for k, v in sorted(agreements_by_status.items())
        ],
    }


def plans_visible_to(user: object) -> QuerySet[Plan]:
    """The department's own plans for everyone under it; an office's plans and joint plans for that
    office, its partner office and their schools; everything of the department for its administrator."""
    from chungtay.access.scopes import home_department
    from chungtay.partnerships.models import Plan

    if not getattr(user, "is_authenticated", False):
        return Plan.objects.none()
    assert isinstance(user, User)
    rows = Plan.objects.select_related("issuer", "twinning__supporting_office", "twinning__supported_office")
    if user.is_superuser:
        return rows
    department = home_department(user)
    if department is None:
        return rows.none()
    if user.role == Role.CITY_ADMIN or (user.office_id == department.pk):
        return rows.filter(department=department)
    offices = set()
    if user.office_id:
        offices.add(user.office_id)
    if user.school_id:
        offices |= set(
            SchoolManagement.objects.filter(school_id=user.school_id).values_list("office_id", flat=True)
        )
    twinnings = OfficeTwinning.objects.filter(
        Q(supporting_office_id__in=offices) | Q(supported_office_id__in=offices)
    )
    return rows.filter(
        Q(department=department, issuer=department) | Q(issuer_id__in=offices) | Q(twinning__in=twinnings)
    )


def plan_for_user(user: object, pk: int) -> Plan:
    plan = plans_visible_to(user).filter(pk=pk).first()
    if plan is None:
        raise Http404
    return plan


def twinnings_of_units(user: object, *units: AdminUnit) -> list[tuple[OfficeTwinning, EducationOffice]]:
    """The twinnings the user may see of the offices covering these units (a unit can have several: Ba
    Vì has seven), each with the partner office. A 2025 commune has no office of its own: pass the
    districts it was formed from, whose twinnings stay in force in the data after the reform."""
    offices = [office for unit in units for office in unit.education_offices.all()]
    if not offices:
        return []
    rows = (
        twinnings_visible_to(user)
        .filter(Q(supporting_office__in=offices) | Q(supported_office__in=offices))
        .select_related("supporting_office__unit", "supported_office__unit")
    )
    partners = []
    for twinning in rows.order_by("starts_on", "pk"):
        mine = twinning.supporting_office in offices
        partners.append((twinning, twinning.supported_office if mine else twinning.supporting_office))
    return partners


# --- Strengths and needs ----------------------------------------------------------------------------------


@dataclass
class AreaRow:
    """One development area: each member's latest self-assessed score (None: not assessed), and where one
    side's strength meets another side's need (`helps`: the pairs, giving school → receiving school)."""

    area: str
    label: str
    scores: list[int | None]
    helps: list[tuple[str, str]]


@dataclass
class StrengthsNeeds:
    members: list[PartnershipMember]
    years: list[str]  # the school year of each member's scores ("" when it has none)
    rows: list[AreaRow]

    @property
    def columns(self) -> list[tuple[PartnershipMember, str]]:
        return list(zip(self.members, self.years, strict=True))

    @property
    def assessed(self) -> bool:
        return any(score is not None for row in self.rows for score in row.scores)


def strengths_and_needs(members: list[PartnershipMember]) -> StrengthsNeeds:
    """The members' strengths and needs side by side, each from its latest school year of
    self-assessment (two queries), with the areas where a school's strength (≥ 4) meets the need (≤ 2)
    of a school on another side."""
    schools = [m.school_id for m in members]
    latest = dict(
        SelfAssessment.objects.filter(school_id__in=schools)
        .values_list("school_id")
        .annotate(year=Max("school_year__start_year"))
        .order_by()
    )
    scores: dict[tuple[int, str], int] = {}
    found = SelfAssessment.objects.filter(
        school_id__in=schools, school_year__start_year__in=set(latest.values())
    ).values_list("school_id", "area", "score", "school_year__start_year")
    for school, area, score, year in found:
        if latest.get(school) == year:
            scores[(school, area)] = score
    rows = []
    for area, label in DevelopmentArea.choices:
        values = [scores.get((m.school_id, area)) for m in members]
        helps = [
            (giver.school.name, taker.school.name)
            for giver, given in zip(members, values, strict=True)
            for taker, taken in zip(members, values, strict=True)
            if given is not None
            and taken is not None
            and given >= STRENGTH_SCORE
            and taken <= NEED_SCORE
            and _other_side(giver, taker)
        ]
        rows.append(AreaRow(area, str(label), values, helps))
    years = [schoolyears.label(latest[m.school_id]) if m.school_id in latest else "" for m in members]
    return StrengthsNeeds(members, years, rows)


def _other_side(one: PartnershipMember, other: PartnershipMember) -> bool:
    """Two members on different sides (in a group of equals, two different schools)."""
    if one.school_id == other.school_id:
        return False
    return one.side == Side.MUTUAL or one.side != other.side
