from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_GET

from chungtay.access.roles import manages_offices, may_record
from chungtay.access.scopes import home_department, own_schools, twinnings_visible_to
from chungtay.accounts.http import AuthenticatedRequest
from chungtay.accounts.models import Role, User
from chungtay.activities.attention import needs_attention
from chungtay.activities.models import ActivityStatus
from chungtay.activities.selectors import activities_visible_to
from chungtay.analytics import figures as f
from chungtay.analytics.query import FigureRequest, read_figure_request
from chungtay.core.datacache import cached_over
from chungtay.core.dates import today, valid_on
from chungtay.directory.models import EducationOffice, SchoolLevel
from chungtay.directory.selectors import count_by_area
from chungtay.partnerships.models import Agreement, AgreementStatus, PartnershipMember
from chungtay.reviews.models import Stage, Submission, SubmissionStatus
from chungtay.reviews.services import (
    cycles_visible_to,
    follow_ups_for,
    is_unit_leader,
    may_run,
    submissions_visible_to,
)

# The figures a home page shows for the current school year, and those compared side by side between an
# office and its twinned partners.
HEADLINE = ("activities", "participations", "agreement_schools", "support", "quiet")
SIDE_BY_SIDE = (
    "activities",
    "topics",
    "participations",
    "teachers",
    "pupils",
    "agreement_schools",
    "support",
)
RECENT = 5


@require_GET
@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    """The user's starting page: their scope in figures for the current school year, and what their
    role watches: an office beside its twinned partners, a school's partnerships and activities."""
    user = request.user
    schools = own_schools(user)
    by_level = dict(schools.values_list("level").annotate(n=Count("pk")).values_list("level", "n"))
    day = today()
    counted = count_by_area(schools, day)
    areas = {area: counted.get(area, 0) for area in ("inner", "outer")}
    figures = read_figure_request(user, {})
    context: dict[str, Any] = {
        "total": sum(by_level.values()),
        "by_level": [
            (label, by_level.get(value, 0)) for value, label in SchoolLevel.choices if by_level.get(value)
        ],
        "areas": areas,
        "department": home_department(user),
        "day": day,
        "figures": figures,
        "headline": {kind: f.figure(figures, kind) for kind in HEADLINE},
        "next_steps": kept_steps(user, day),
        "can_record": may_record(user),
    }
    if manages_offices(user) or user.role == Role.VIEWER:
        context["side_by_side"] = _side_by_side(user)
    if user.school_id and user.role in (Role.SCHOOL_LEADER, Role.TEACHER):
        context.update(_school_view(user))
    return render(request, "pages/home.html", context)


def _side_by_side(user: User) -> dict[str, Any] | None:
    """For a district office: its figures and each twinned partner's, for the current school year."""
    office = user.office if user.office_id else None
    if office is None or office.kind != EducationOffice.Kind.DISTRICT_OFFICE:
        return None
    partners = []
    for twinning in twinnings_visible_to(user).filter(status="active").order_by("starts_on", "pk"):
        partner = (
            twinning.supported_office
            if twinning.supporting_office_id == office.pk
            else twinning.supporting_office
        )
        partners.append(partner)
    if not partners:
        return None
    columns: list[tuple[EducationOffice, FigureRequest]] = [
        (one, read_figure_request(user, {"office": str(one.pk)})) for one in [office, *partners]
    ]
    rows = []
    for kind in SIDE_BY_SIDE:
        values = [f.figure(request, kind) for _office, request in columns]
        rows.append({"label": values[0].label, "kind": kind, "values": [value.value for value in values]})
    return {"offices": [one for one, _request in columns], "rows": rows}


def _school_view(user: User) -> dict[str, Any]:
    """A school's partnerships today (with their partner schools), its next planned and last held
    activities."""
    day = today()
    school_id = user.school_id
    assert school_id is not None
    memberships = (
        PartnershipMember.objects.filter(valid_on(day), school_id=school_id)
        .select_related("partnership")
        .order_by("partnership__number")
    )
    partnerships = []
    for membership in memberships:
        partnership = membership.partnership
        others = (
            PartnershipMember.objects.filter(valid_on(day), partnership=partnership)
            .exclude(school_id=school_id)
            .select_related("school")
            .order_by("school__sort_key")
        )
        partnerships.append({"partnership": partnership, "partners": [row.school for row in others]})
    mine = activities_visible_to(user).filter(schools__school_id=school_id)
    upcoming = mine.filter(status=ActivityStatus.PLANNED, planned_on__gte=day).order_by("planned_on", "pk")
    recent = mine.filter(status=ActivityStatus.HELD, held_on__lte=day).order_by("-held_on", "-pk")
    return {
        "partnerships": partnerships,
        "upcoming": list(upcoming[:RECENT]),
        "recent": list(recent[:RECENT]),
    }


@dataclass(frozen=True)
class Step:
    """One thing the user should do next: what, how many, where."""

    text: str
    count: int
    url: str


def kept_steps(user: User, day: dt.date) -> list[Step]:
    """`next_steps`, kept in the figures' cache until the data change (a home page asks for a dozen
    counts each time it is opened): keyed by the data's version, the day, the language of its texts, and
    who asks — the user, their role, office and school, and their scope's query (an officer's units)."""
    who = (user.pk, user.role, user.office_id, user.school_id, user.is_superuser, get_language())
    return cached_over("home-steps", own_schools(user), lambda: next_steps(user, day), day, who)


def next_steps(user: User, day: dt.date) -> list[Step]:
    """What the user's role does next, from their scope's records: memoranda waiting for their school's
    signature, self-assessments to write, reviews to score, activities whose date has passed, commitments
    due, follow-up actions, quiet partnerships and signatures pending for a month. Viewers act on nothing."""
    if user.role == Role.VIEWER and not user.is_superuser:
        return []
    attention = reverse("attention")
    steps: list[Step] = []
    if user.school_id and user.role == Role.SCHOOL_LEADER:
        to_sign = (
            Agreement.objects.filter(
                valid_on(day, "partnership__members__"),
                status=AgreementStatus.AWAITING_SIGNATURE,
                partnership__members__school_id=user.school_id,
            )
            .exclude(signatures__school_id=user.school_id)
            .distinct()
        )
        first = to_sign.order_by("pk").first()
        if first is not None:
            steps.append(
                Step(
                    gettext("Memoranda waiting for your school's signature"),
                    to_sign.count(),
                    reverse("partnerships:agreement-detail", args=[first.pk]),
                )
            )
    mine = Q(pk__in=[])
    if user.role == Role.SCHOOL_LEADER and user.school_id:
        mine = Q(school_id=user.school_id) | Q(partnership__members__school_id=user.school_id)
    elif user.role == Role.OFFICE_OFFICER and user.office_id:
        mine = Q(office_id=user.office_id)
    drafts = [
        s
        for s in submissions_visible_to(user)
        .filter(mine, cycle__stage=Stage.SELF_ASSESSMENT, status=SubmissionStatus.DRAFT)
        .distinct()[:50]
        if is_unit_leader(user, s)
    ]
    if drafts:
        steps.append(
            Step(
                gettext("Self-assessments to write and submit"),
                len(drafts),
                reverse("reviews:submission-detail", args=[drafts[0].pk]),
            )
        )
    to_judge = _to_judge(user)
    if to_judge is not None:
        steps.append(
            Step(
                gettext("Reviews waiting for your scoring"),
                to_judge[0],
                reverse("reviews:cycle-detail", args=[to_judge[1]]),
            )
        )
    found = needs_attention(user, day=day)
    for name, text in (
        ("unconfirmed", gettext("Planned activities whose date has passed: held, postponed or cancelled?")),
        ("commitments", gettext("Commitments falling due")),
        ("quiet", gettext("Quiet partnerships to nudge")),
        ("awaiting", gettext("Memoranda awaiting signature for over a month")),
    ):
        total = found.total(name)  # every one, not only the first LIST_LIMIT the page lists
        if total:
            steps.append(Step(text, total, attention))
    follow_ups = follow_ups_for(user)
    if follow_ups:
        steps.append(Step(gettext("Follow-up actions from the reviews"), len(follow_ups), attention))
    return steps


def _to_judge(user: User) -> tuple[int, int] | None:
    """How many units wait for the user's scoring, and the first one's cycle: at an office review, those
    of the officer's office (its twinnings' partnerships, the schools it managed, its own cycle's units);
    at a department review, every unit not yet reviewed of a cycle the user runs."""
    waiting = Submission.objects.none()
    if user.role == Role.OFFICE_OFFICER and user.office_id:
        office = user.office_id
        waiting = Submission.objects.filter(
            Q(cycle__office_id=office)
            | Q(cycle__office__isnull=True, partnership__twinning__supporting_office_id=office)
            | Q(cycle__office__isnull=True, partnership__twinning__supported_office_id=office)
            | Q(cycle__office__isnull=True, school__managements__office_id=office),
            cycle__stage=Stage.OFFICE_REVIEW,
            status__in=[SubmissionStatus.DRAFT, SubmissionStatus.SUBMITTED],
        )
    department = [
        c.pk for c in cycles_visible_to(user).filter(stage=Stage.DEPARTMENT_REVIEW) if may_run(user, c)
    ]
    if department:
        waiting = waiting | Submission.objects.filter(cycle_id__in=department).exclude(
            status=SubmissionStatus.REVIEWED
        )
    first = waiting.order_by("cycle_id", "pk").values_list("cycle_id", flat=True).first()
    if first is None:
        return None
    return waiting.values("pk").distinct().count(), first
