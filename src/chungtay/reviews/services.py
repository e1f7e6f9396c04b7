"""Reviews: who sees and does what, criteria sets, opening a cycle, self-assessment, the office's and the
department's review, publication with ranks, appeals, awards within their caps, and follow-up actions.

Who:
- a cycle of the department is run (opened, moved on, published, appeals decided, awards proposed) by
  the department's administrator and its officers; a cycle of an office by that office's officers;
- a partnership's self-assessment is written and submitted by a leader of one of its schools, a school's
  (reviewed as a unit) by its leader, a district office's by its officers, while the cycle is at
  self-assessment;
- at the office review, an officer of either office of the partnership's twinning (of the office that
  managed the school, for a school) scores its judgement criteria; at the department review, the cycle's
  runners do, for every unit (an office is reviewed by the department only);
- computed criteria are never typed: they are corrected by correcting the record they count.
Everyone else sees a cycle's results once published, and a submission when they see its partnership,
its school or are of its office (404 otherwise)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from chungtay.access.roles import is_active_user, is_department_admin, sees_whole_department
from chungtay.access.scopes import home_department, own_schools, partnerships_visible_to
from chungtay.accounts.models import Role, User
from chungtay.core.dates import today, valid_between
from chungtay.core.errors import ConflictError, DomainError, Forbidden
from chungtay.core.evidence import EvidenceRefused, prepare_document
from chungtay.core.text import vietnamese_number
from chungtay.core.versioning import STALE_VERSION
from chungtay.directory.models import EducationOffice, School, Teacher
from chungtay.partnerships.models import Partnership, PartnershipMember, PartnershipStatus
from chungtay.reviews import scoring
from chungtay.reviews.models import (
    STAGE_ORDER,
    Appeal,
    AppealStatus,
    Award,
    AwardKind,
    AwardStatus,
    CriteriaSet,
    Criterion,
    Cycle,
    EventKind,
    FollowUp,
    Nomination,
    ReviewEvent,
    Rule,
    Score,
    Stage,
    Submission,
    SubmissionStatus,
    Unit,
)

WEIGHTS_NOT_100 = _("The weights of a criteria set must sum to 100; these sum to %(sum)s.")
GATE_ABOVE_MAX = _("A gate is a minimum sub-score between 0 and 100; %(code)s has %(gate)s.")
WEIGHT_RANGE = _("A weight is more than 0 and at most 100; %(code)s has %(weight)s.")
TARGET_NEEDED = _("Criterion %(code)s counts against a target: give a target above 0.")
CODE_TWICE = _("Two criteria have the code %(code)s.")
NO_CRITERIA = _("A criteria set needs at least one criterion.")
SET_DATES = _("A criteria set cannot end before it takes effect.")
DEADLINES_ORDER = _(
    "The dates must follow each other: self-assessment opens ≤ closes ≤ office review ≤ department review ≤ "
    "publication."
)
PERIOD_ORDER = _("The period cannot end before it starts.")
SET_NOT_IN_FORCE = _("The criteria set %(set)s is not in effect on %(day)s, the last day of the period.")
APPEAL_DAYS = _("The appeal window is between 0 and 90 days.")
CAP_NEGATIVE = _("How many may be proposed is a whole number from 0.")
NOTHING_TO_REVIEW = _("No partnership of this scope was active during the period.")
NOT_RUNNER = _(
    "Only the department's administrators and officers (or the office, for its own cycle) run a cycle."
)
NOT_AT_STAGE = _("This cycle is at %(stage)s: that step is not open now.")
SELF_ONLY_LEADER = _(
    "The self-assessment is written by a leader of the reviewed school (of one of the partnership's "
    "schools), or by the reviewed office's officers."
)
ALREADY_SUBMITTED = _("This self-assessment has been submitted; it can no longer be changed.")
NOT_REVIEWER = _("You may not review this unit at this stage.")
ONLY_JUDGEMENT = _(
    "Only judgement criteria are scored by a reviewer; a computed score is corrected by correcting the "
    "record it counts."
)
POINTS_RANGE = _("A sub-score is between 0 and 100.")
REASON_NEEDED = _("Give the reason (a comment of at least 10 characters).")
EVIDENCE_NEEDED = _("Attach the evidence the judgement rests on (PDF, Word, Excel, PowerPoint or a photo).")
NOT_PUBLISHED = _("The results are not published yet.")
APPEAL_CLOSED = _("The appeal window closed on %(day)s; appeals are no longer accepted.")
APPEAL_PENDING = _("An appeal against this criterion is already waiting for a decision.")
APPEAL_DECIDED = _("This appeal has already been decided.")
NEW_POINTS_NEEDED = _("An upheld appeal on a judgement criterion needs the new sub-score.")
ALREADY_AWARDED = _("This unit is already proposed for %(award)s: one achievement, one award.")
AWARD_REVOKED = _("This award has already been revoked.")
FOLLOW_UP_OWNER = _("The owner of a follow-up action is one of the reviewed unit's schools.")
OFFICES_IN_OFFICE_CYCLE = _("An office's own cycle reviews its partnerships and schools, not offices.")
FOLLOW_UP_DUE = _("A follow-up action is due after the review, not before it.")


class ReviewError(DomainError):
    pass


class NotComputed(ReviewError):
    status_code = 409
    code = "not_computed"


JUDGED_NOT_COMPUTED = _(
    "This sub-score is a reviewer's judgement, not computed from records: its reason and evidence are on "
    "the unit's review."
)


def check_computed(score: Score) -> None:
    """'Why this score' reruns a rule on its records: a reviewer's judgement has none to rerun."""
    if score.criterion.is_judgement:
        raise NotComputed(JUDGED_NOT_COMPUTED)


def _stamp(cycle: Cycle, kind: str, actor: User, **fields: Any) -> ReviewEvent:
    return ReviewEvent.objects.create(cycle=cycle, kind=kind, actor=actor, at=timezone.now(), **fields)


def _number(value: Decimal | None) -> str:
    return "" if value is None else vietnamese_number(float(value), 2)


# --- Who ---------------------------------------------------------------------------------------------


def cycles_visible_to(user: User) -> QuerySet[Cycle]:
    if not is_active_user(user):
        return Cycle.objects.none()
    rows = Cycle.objects.select_related("criteria_set", "office", "department")
    if user.is_superuser:
        return rows
    department = home_department(user)
    if department is None:
        return Cycle.objects.none()
    rows = rows.filter(department=department)
    if sees_whole_department(user):
        return rows
    seen = Submission.objects.filter(_own_units(user)).values("cycle_id")
    condition = Q(office__isnull=True) | Q(pk__in=seen)
    if user.office_id:
        condition |= Q(office_id=user.office_id)
    return rows.filter(condition)


def _own_units(user: User) -> Q:
    """The submissions of units the user sees: their partnerships, their own schools, their office."""
    condition = Q(partnership__in=partnerships_visible_to(user)) | Q(school__in=own_schools(user))
    if user.office_id:
        condition |= Q(office_id=user.office_id)
    return condition


def cycle_for(user: User, pk: int) -> Cycle:
    found = cycles_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def may_run(user: User, cycle: Cycle | None = None, *, department: EducationOffice | None = None) -> bool:
    """The department's administrator and officers for a department's cycle; the office's officers for an
    office's own cycle (and the department's administrator)."""
    if not is_active_user(user):
        return False
    department_id = cycle.department_id if cycle is not None else (department.pk if department else None)
    if is_department_admin(user, department_id):
        return True
    if user.role != Role.OFFICE_OFFICER:
        return False
    if cycle is not None and cycle.office_id:
        return user.office_id == cycle.office_id
    return (
        sees_whole_department(user)
        and home_department(user) is not None
        and (
            department_id is None or home_department(user).pk == department_id  # type: ignore[union-attr]
        )
    )


def home_department_of(user: User) -> EducationOffice:
    """The user's department, or 404 for an account without one."""
    department = home_department(user)
    if department is None:
        raise Http404
    return department


def own_office(user: User) -> EducationOffice | None:
    """The office whose own cycles this user opens: a district office's officer's office (None for the
    department's staff, who open the department's cycles)."""
    if user.role == Role.OFFICE_OFFICER and user.office_id and not sees_whole_department(user):
        return user.office
    return None


def may_open(user: User) -> bool:
    """May open a cycle: the department's administrators and officers (for the department), an office's
    officers (for their office's own partnerships)."""
    department = home_department(user)
    if department is None:
        return False
    return may_run(user, department=department) or own_office(user) is not None


def submissions_visible_to(user: User, cycle: Cycle | None = None) -> QuerySet[Submission]:
    rows = Submission.objects.select_related("partnership", "school", "office", "cycle")
    if cycle is not None:
        rows = rows.filter(cycle=cycle)
    if user.is_superuser or sees_whole_department(user):
        return rows.filter(cycle__in=cycles_visible_to(user))
    if not is_active_user(user):
        return rows.none()
    return rows.filter(_own_units(user))


def submission_for(user: User, pk: int, *, records: bool = False) -> Submission:
    """A submission the user sees (its unit is theirs to see), else 404. A published result is
    seen by whoever sees the cycle, but not the records behind it (`records=True`: the "why" page and
    the evidence, which name teachers and activities) unless the unit is the user's to see."""
    found = submissions_visible_to(user).filter(pk=pk).first()
    if found is None and not records:
        # a published result is seen by whoever sees the cycle
        found = (
            Submission.objects.filter(pk=pk, cycle__in=cycles_visible_to(user), cycle__stage=Stage.PUBLISHED)
            .select_related("partnership", "school", "office", "cycle")
            .first()
        )
    if found is None:
        raise Http404
    return found


def member_schools(submission: Submission, frame: scoring.Frame | None = None) -> list[int]:
    """The schools the unit answers for during the cycle's period: a partnership's members, the school,
    the schools an office managed that took part in a reviewed partnership (from the unit's scoring
    frame, read here unless given)."""
    if submission.unit == Unit.SCHOOL:
        return [submission.school_id] if submission.school_id else []
    if frame is None:
        frame = scoring.frames(submission.cycle, [submission])[submission.pk]
    return sorted(frame.schools)


def members_of_cycle(cycle: Cycle) -> dict[int, list[int]]:
    """Each reviewed partnership's schools during the cycle's period."""
    found: dict[int, list[int]] = defaultdict(list)
    rows = PartnershipMember.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=cycle.period_start),
        partnership_id__in=Submission.objects.filter(cycle=cycle).values("partnership_id"),
        valid_from__lte=cycle.period_end,
    ).order_by("partnership_id", "side", "school_id")
    for partnership, school in rows.values_list("partnership_id", "school_id"):
        if school not in found[partnership]:
            found[partnership].append(school)
    return dict(found)


def is_unit_leader(user: User, submission: Submission) -> bool:
    """Speaks for the unit: a leader of one of its schools; for an office, one of its officers."""
    if not is_active_user(user):
        return False
    if submission.unit == Unit.OFFICE:
        return user.role == Role.OFFICE_OFFICER and user.office_id == submission.office_id
    return bool(
        user.role == Role.SCHOOL_LEADER and user.school_id and user.school_id in member_schools(submission)
    )


def reviewing_offices(submission: Submission) -> set[int]:
    """The district offices that review the unit at the office review: either office of a partnership's
    twinning, the office that managed a school during the period; none for an office (the department
    reviews it)."""
    cycle = submission.cycle
    if submission.unit == Unit.PARTNERSHIP:
        twinning = submission.partnership.twinning  # type: ignore[union-attr]
        return set() if twinning is None else {twinning.supporting_office_id, twinning.supported_office_id}
    if submission.unit == Unit.SCHOOL:
        return set(
            EducationOffice.objects.filter(
                valid_between(cycle.period_start, cycle.period_end, "managed_schools__"),
                managed_schools__school_id=submission.school_id or 0,
                kind=EducationOffice.Kind.DISTRICT_OFFICE,
            ).values_list("pk", flat=True)
        )
    return set()


def may_judge(user: User, submission: Submission) -> bool:
    """May score this submission's judgement criteria now."""
    cycle = submission.cycle
    if cycle.stage == Stage.OFFICE_REVIEW:
        if user.role != Role.OFFICE_OFFICER or not is_active_user(user):
            return False
        if cycle.office_id:
            return user.office_id == cycle.office_id
        return user.office_id in reviewing_offices(submission)
    if cycle.stage == Stage.DEPARTMENT_REVIEW:
        return may_run(user, cycle)
    return False


def _require_runner(user: User, cycle: Cycle) -> None:
    if not may_run(user, cycle):
        raise Forbidden(NOT_RUNNER)


def _require_stage(cycle: Cycle, *stages: str) -> None:
    if cycle.stage not in stages:
        raise ReviewError(NOT_AT_STAGE % {"stage": Stage(cycle.stage).label}, code="stage")


# --- Criteria sets ----------------------------------------------------------------------------------


@dataclass
class CriterionInput:
    code: str
    label: str
    rule: str
    weight: Decimal
    target: Decimal | None = None
    gate: Decimal | None = None


def check_criteria(criteria: list[CriterionInput]) -> None:
    """Weights in (0, 100] summing to 100, gates within 0–100, a target where the rule needs one, codes
    once: a clear message for the first rule broken."""
    if not criteria:
        raise ReviewError(NO_CRITERIA, field="criteria")
    codes = set()
    for criterion in criteria:
        if criterion.code in codes:
            raise ReviewError(CODE_TWICE % {"code": criterion.code}, field="criteria")
        codes.add(criterion.code)
        if not (Decimal(0) < criterion.weight <= 100):
            raise ReviewError(
                WEIGHT_RANGE % {"code": criterion.code, "weight": _number(criterion.weight)}, field="criteria"
            )
        if criterion.gate is not None and not (0 <= criterion.gate <= 100):
            raise ReviewError(
                GATE_ABOVE_MAX % {"code": criterion.code, "gate": _number(criterion.gate)}, field="criteria"
            )
        if criterion.rule in TARGETED and (criterion.target is None or criterion.target <= 0):
            raise ReviewError(TARGET_NEEDED % {"code": criterion.code}, field="criteria")
    weights = sum((c.weight for c in criteria), Decimal(0))
    if weights != 100:
        raise ReviewError(WEIGHTS_NOT_100 % {"sum": _number(weights)}, field="criteria")


TARGETED = {
    Rule.ACTIVITIES_HELD,
    Rule.TOPICS_HOSTED,
    Rule.PARTICIPATION,
    Rule.SUPPORT_DELIVERED,
    Rule.SECONDMENT_DAYS,
}


@transaction.atomic
def create_criteria_set(
    acting_user: User,
    *,
    name: str,
    basis_number: str,
    basis_title: str,
    basis_article: str,
    basis_date: dt.date,
    effective_from: dt.date,
    effective_to: dt.date | None,
    criteria: list[CriterionInput],
) -> CriteriaSet:
    """A new criteria set, or a new version of a set of the same name (the older versions are kept as they
    were: the cycles opened with them keep them)."""
    department = home_department(acting_user)
    if department is None or not may_run(acting_user, department=department):
        raise Forbidden(NOT_RUNNER)
    if effective_to is not None and effective_to < effective_from:
        raise ReviewError(SET_DATES, field="effective_to")
    check_criteria(criteria)
    latest = CriteriaSet.objects.filter(department=department, name=name).order_by("-version").first()
    created = CriteriaSet.objects.create(
        department=department,
        name=name.strip(),
        version=(latest.version + 1) if latest else 1,
        basis_number=basis_number.strip(),
        basis_title=basis_title.strip(),
        basis_article=basis_article.strip(),
        basis_date=basis_date,
        effective_from=effective_from,
        effective_to=effective_to,
        created_by=acting_user,
    )
    Criterion.objects.bulk_create(
        Criterion(
            criteria_set=created,
            position=position,
            code=c.code.strip(),
            label=c.label.strip(),
            rule=c.rule,
            weight=c.weight,
            target=c.target,
            gate=c.gate,
        )
        for position, c in enumerate(criteria, start=1)
    )
    return created


def sets_in_force(department: EducationOffice, day: dt.date) -> QuerySet[CriteriaSet]:
    return CriteriaSet.objects.filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=day),
        department=department,
        effective_from__lte=day,
    )


# --- Cycles -----------------------------------------------------------------------------------------


def reviewed_partnerships(cycle: Cycle) -> QuerySet[Partnership]:
    """The partnerships a cycle reviews: those of its department (or of its office's twinnings) that were
    active at some time in the period (not pending, not cancelled, started by its end)."""
    rows = Partnership.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=cycle.period_start),
        department_id=cycle.department_id,
        starts_on__lte=cycle.period_end,
        status__in=[PartnershipStatus.ACTIVE, PartnershipStatus.COMPLETED],
    )
    if cycle.office_id:
        rows = rows.filter(
            Q(twinning__supporting_office_id=cycle.office_id)
            | Q(twinning__supported_office_id=cycle.office_id)
        )
    return rows.select_related("twinning")


def check_dates(values: dict[str, Any]) -> None:
    if values["period_end"] < values["period_start"]:
        raise ReviewError(PERIOD_ORDER, field="period_end")
    order = ["self_opens", "self_closes", "office_review_by", "department_review_by", "publish_by"]
    for earlier, later in zip(order, order[1:], strict=False):
        if values[later] < values[earlier]:
            raise ReviewError(DEADLINES_ORDER, field=later)
    if not (0 <= values["appeal_days"] <= 90):
        raise ReviewError(APPEAL_DAYS, field="appeal_days")


@transaction.atomic
def open_cycle(
    acting_user: User,
    *,
    kind: str,
    name: str,
    period_start: dt.date,
    period_end: dt.date,
    criteria_set: CriteriaSet,
    self_opens: dt.date,
    self_closes: dt.date,
    office_review_by: dt.date,
    department_review_by: dt.date,
    publish_by: dt.date,
    appeal_days: int,
    office: EducationOffice | None = None,
    review_schools: bool = False,
    review_offices: bool = False,
) -> Cycle:
    """Open a cycle: check its dates and its criteria set, create a submission for every partnership it
    reviews (and, if asked, for every school of those partnerships and every district office that managed
    one) and compute their scores from the records."""
    department = home_department(acting_user)
    if department is None or criteria_set.department_id != department.pk:
        raise Http404
    values = {
        "period_start": period_start,
        "period_end": period_end,
        "self_opens": self_opens,
        "self_closes": self_closes,
        "office_review_by": office_review_by,
        "department_review_by": department_review_by,
        "publish_by": publish_by,
        "appeal_days": appeal_days,
    }
    check_dates(values)
    if office is not None and review_offices:
        raise ReviewError(OFFICES_IN_OFFICE_CYCLE, field="review_offices")
    if not sets_in_force(department, period_end).filter(pk=criteria_set.pk).exists():
        raise ReviewError(
            SET_NOT_IN_FORCE % {"set": str(criteria_set), "day": date_format(period_end, "d/m/Y")},
            field="criteria_set",
        )
    cycle = Cycle(
        department=department,
        office=office,
        kind=kind,
        name=name.strip(),
        criteria_set=criteria_set,
        created_by=acting_user,
        review_schools=review_schools,
        review_offices=review_offices,
        **values,
    )
    if not may_run(acting_user, cycle):
        raise Forbidden(NOT_RUNNER)
    cycle.save()
    partnerships = list(reviewed_partnerships(cycle))
    if not partnerships:
        raise ReviewError(NOTHING_TO_REVIEW, field="period_start")
    submissions = Submission.objects.bulk_create(
        Submission(cycle=cycle, partnership=p, category=p.level) for p in partnerships
    )
    submissions += Submission.objects.bulk_create(_units(cycle, [p.pk for p in partnerships]))
    _stamp(cycle, EventKind.OPENED, acting_user, after=str(len(submissions)))
    scoring.compute(cycle, list(Submission.objects.filter(cycle=cycle)))
    return cycle


def _units(cycle: Cycle, partnerships: list[int]) -> list[Submission]:
    """The schools and district offices a cycle reviews as units, beside its partnerships: every school
    that was a member of a reviewed partnership during the period (in an office's cycle, those the office
    managed), every district office of the department that managed one of them."""
    period = (cycle.period_start, cycle.period_end)
    members = {school for sides in scoring._sides(partnerships, period).values() for school in sides}
    if cycle.office_id:
        members &= scoring.managed_by([cycle.office_id], period).get(cycle.office_id, set())
    units = []
    if cycle.review_schools:
        for school in School.objects.filter(pk__in=members).order_by("sort_key"):
            units.append(
                Submission(cycle=cycle, unit=Unit.SCHOOL, school=school, category=f"school:{school.level}")
            )
    if cycle.review_offices and not cycle.office_id:
        offices = EducationOffice.objects.filter(
            department_id=cycle.department_id, kind=EducationOffice.Kind.DISTRICT_OFFICE
        ).order_by("sort_key")
        managed = scoring.managed_by(offices.values_list("pk", flat=True), period)
        for office in offices:
            if managed.get(office.pk, set()) & members:
                units.append(Submission(cycle=cycle, unit=Unit.OFFICE, office=office, category="office"))
    return units


def recompute(acting_user: User, cycle: Cycle) -> int:
    """Compute the cycle's scores again from today's records (until the results are published)."""
    _require_runner(acting_user, cycle)
    _require_stage(cycle, Stage.SELF_ASSESSMENT, Stage.OFFICE_REVIEW, Stage.DEPARTMENT_REVIEW)
    with transaction.atomic():
        written = scoring.compute(cycle)
        _stamp(cycle, EventKind.COMPUTED, acting_user, after=str(written))
    return written


def next_stage(cycle: Cycle) -> str | None:
    position = STAGE_ORDER.index(Stage(cycle.stage))
    for stage in STAGE_ORDER[position + 1 :]:
        if stage == Stage.DEPARTMENT_REVIEW and cycle.office_id:
            continue  # an office's own cycle has no department review
        return stage
    return None


@transaction.atomic
def advance(acting_user: User, cycle: Cycle, *, expected_version: int) -> Cycle:
    """Move the cycle to its next stage; the last move publishes the results."""
    _require_runner(acting_user, cycle)
    following = next_stage(cycle)
    if following is None:
        raise ReviewError(NOT_AT_STAGE % {"stage": Stage(cycle.stage).label}, code="stage")
    claimed = Cycle.objects.filter(pk=cycle.pk, version=expected_version).update(version=expected_version + 1)
    if claimed != 1:
        raise ConflictError(STALE_VERSION)
    cycle.version = expected_version + 1
    before = cycle.stage
    if following == Stage.PUBLISHED:
        scoring.compute(cycle)
        rank(cycle)
        cycle.published_at = timezone.now()
    cycle.stage = following
    cycle.save(update_fields=["stage", "published_at", "updated_at"])
    kind = EventKind.PUBLISHED if following == Stage.PUBLISHED else EventKind.STAGE
    _stamp(cycle, kind, acting_user, before=before, after=following)
    return cycle


def rank(cycle: Cycle, categories: Iterable[str] | None = None) -> None:
    """Rank each category's submissions by total, highest first. Equal totals share a rank (standard
    competition ranking: 1, 2, 2, 4) and each tied row keeps with whom (`tied_with`); rows are listed by
    group number (a school's or an office's name) within a tie, which decides nothing."""
    rows = Submission.objects.filter(cycle=cycle).select_related("partnership", "school", "office")
    if categories is not None:
        rows = rows.filter(category__in=list(categories))
    by_category: dict[str, list[Submission]] = defaultdict(list)
    for submission in rows:
        by_category[submission.category].append(submission)
    for members in by_category.values():
        members.sort(key=lambda s: (-s.total, s.order_key))
        previous: Decimal | None = None
        current = 0
        for position, submission in enumerate(members, start=1):
            if submission.total != previous:
                current = position
                previous = submission.total
            submission.rank = current
        by_rank: dict[int | None, list[Submission]] = defaultdict(list)
        for submission in members:
            by_rank[submission.rank].append(submission)
        for submission in members:
            tied = [s.tie_key for s in by_rank[submission.rank] if s.pk != submission.pk]
            submission.tied_with = ", ".join(tied)[:1000]
    Submission.objects.bulk_update(
        [s for members in by_category.values() for s in members], ["rank", "tied_with"], batch_size=2000
    )


# --- Self-assessment --------------------------------------------------------------------------------


def _require_leader(user: User, submission: Submission) -> None:
    if not is_unit_leader(user, submission):
        raise Forbidden(SELF_ONLY_LEADER)
    _require_stage(submission.cycle, Stage.SELF_ASSESSMENT)
    if submission.status != SubmissionStatus.DRAFT:
        raise ReviewError(ALREADY_SUBMITTED, code="submitted")


def save_narrative(
    acting_user: User, submission: Submission, criterion: Criterion, *, narrative: str, expected_version: int
) -> Score:
    """The school's account of one criterion, saved as it is typed (the page saves a draft on each pause);
    under the score's version, so two people writing at once cannot overwrite each other."""
    _require_leader(acting_user, submission)
    with transaction.atomic():
        score = _locked_score(submission, criterion)
        if score is None:
            raise Http404
        if score.version != expected_version:
            raise ConflictError(STALE_VERSION)
        score.narrative = narrative.strip()[:5000]
        score.version += 1
        score.save(update_fields=["narrative", "version"])
        _stamp(submission.cycle, EventKind.SAVED, acting_user, submission=submission, criterion=criterion)
    return score


@transaction.atomic
def submit(acting_user: User, submission: Submission, *, expected_version: int) -> Submission:
    """Submit the self-assessment (late when after the closing day); its scores are computed again."""
    _require_leader(acting_user, submission)
    claimed = Submission.objects.filter(pk=submission.pk, version=expected_version).update(
        version=expected_version + 1
    )
    if claimed != 1:
        raise ConflictError(STALE_VERSION)
    submission.version = expected_version + 1
    submission.status = SubmissionStatus.SUBMITTED
    submission.submitted_at = timezone.now()
    submission.late = today() > submission.cycle.self_closes
    submission.save(update_fields=["status", "submitted_at", "late", "updated_at"])
    scoring.compute(submission.cycle, [submission])
    _stamp(
        submission.cycle,
        EventKind.SUBMITTED,
        acting_user,
        submission=submission,
        after=gettext("late") if submission.late else gettext("on time"),
    )
    return submission


# --- Review -----------------------------------------------------------------------------------------


@transaction.atomic
def judge(
    acting_user: User,
    submission: Submission,
    criterion: Criterion,
    *,
    points: Decimal,
    comment: str,
    evidence: Any = None,
    expected_version: int,
) -> Score:
    """A reviewer scores a judgement criterion, with a comment and the evidence it rests on (a new file, or
    the one already attached to the score)."""
    if not may_judge(acting_user, submission):
        raise Forbidden(NOT_REVIEWER)
    if not criterion.is_judgement:
        raise ReviewError(ONLY_JUDGEMENT, field="points")
    if not (0 <= points <= 100):
        raise ReviewError(POINTS_RANGE, field="points")
    comment = comment.strip()
    if len(comment) < 10:
        raise ReviewError(REASON_NEEDED, field="comment")
    score = _locked_score(submission, criterion)
    if score is None:
        raise Http404
    if score.version != expected_version:
        raise ConflictError(STALE_VERSION)
    if evidence is None and not score.evidence:
        raise ReviewError(EVIDENCE_NEEDED, field="evidence")
    before = score.points
    if evidence is not None:
        try:
            prepared = prepare_document(evidence)
        except EvidenceRefused as refused:
            raise ReviewError(refused.message, field="evidence") from refused
        score.evidence.save(prepared.name, prepared.content, save=False)
    score.points = points
    score.value = points
    score.comment = comment[:5000]
    score.judged_by = acting_user
    score.version += 1
    score.save(update_fields=["points", "value", "comment", "evidence", "judged_by", "version"])
    _retotal(submission)
    _stamp(
        submission.cycle,
        EventKind.JUDGED,
        acting_user,
        submission=submission,
        criterion=criterion,
        before="" if before is None else str(before),
        after=str(points),
        reason=comment,
    )
    return score


def _locked_score(submission: Submission, criterion: Criterion) -> Score | None:
    """The score, locked for the rest of the transaction. Ordered by its key alone: the model's order
    reaches the submission's, whose nullable partnership is an outer join PostgreSQL cannot lock."""
    return (
        Score.objects.select_for_update()
        .filter(submission=submission, criterion=criterion)
        .order_by("pk")
        .first()
    )


def _retotal(submission: Submission) -> None:
    scores = Score.objects.filter(submission=submission).select_related("criterion")
    scoring.settle(submission, ((score.criterion, score.points) for score in scores))
    submission.save(update_fields=["total", "gates_met", "updated_at"])


@transaction.atomic
def complete_review(acting_user: User, submission: Submission, *, comment: str = "") -> Submission:
    """The reviewer of this stage marks the partnership reviewed."""
    if not may_judge(acting_user, submission):
        raise Forbidden(NOT_REVIEWER)
    status = (
        SubmissionStatus.OFFICE_REVIEWED
        if submission.cycle.stage == Stage.OFFICE_REVIEW
        else SubmissionStatus.REVIEWED
    )
    before = submission.status
    submission.status = status
    submission.save(update_fields=["status", "updated_at"])
    _stamp(
        submission.cycle,
        EventKind.REVIEWED,
        acting_user,
        submission=submission,
        before=before,
        after=status,
        reason=comment.strip()[:2000],
    )
    return submission


# --- Appeals ----------------------------------------------------------------------------------------


def appeal_deadline(cycle: Cycle) -> dt.date | None:
    if cycle.published_at is None:
        return None
    return timezone.localtime(cycle.published_at).date() + dt.timedelta(days=cycle.appeal_days)


@transaction.atomic
def file_appeal(acting_user: User, submission: Submission, criterion: Criterion, *, reason: str) -> Appeal:
    cycle = submission.cycle
    if not is_unit_leader(acting_user, submission):
        raise Forbidden(SELF_ONLY_LEADER)
    if cycle.stage != Stage.PUBLISHED:
        raise ReviewError(NOT_PUBLISHED, code="stage")
    deadline = appeal_deadline(cycle)
    if deadline is None or today() > deadline:
        raise ReviewError(
            APPEAL_CLOSED % {"day": date_format(deadline, "d/m/Y") if deadline else ""}, code="late"
        )
    if criterion.criteria_set_id != cycle.criteria_set_id:
        raise Http404
    reason = reason.strip()
    if len(reason) < 10:
        raise ReviewError(REASON_NEEDED, field="reason")
    if Appeal.objects.filter(
        submission=submission, criterion=criterion, status=AppealStatus.PENDING
    ).exists():
        raise ReviewError(APPEAL_PENDING, field="criterion")
    appeal = Appeal.objects.create(
        submission=submission, criterion=criterion, reason=reason[:5000], filed_by=acting_user
    )
    _stamp(
        cycle,
        EventKind.APPEALED,
        acting_user,
        submission=submission,
        criterion=criterion,
        reason=reason[:2000],
    )
    return appeal


@transaction.atomic
def decide_appeal(
    acting_user: User, appeal: Appeal, *, upheld: bool, decision: str, points: Decimal | None = None
) -> Appeal:
    """Decide an appeal with a reason. Upheld on a judgement criterion: the new sub-score replaces the old.
    Upheld on a computed criterion: the record it counts has been corrected, and the score is computed
    again from the records. Either way the category is ranked again."""
    submission = appeal.submission
    cycle = submission.cycle
    _require_runner(acting_user, cycle)
    if appeal.status != AppealStatus.PENDING:
        raise ReviewError(APPEAL_DECIDED, code="decided")
    decision = decision.strip()
    if len(decision) < 10:
        raise ReviewError(REASON_NEEDED, field="decision")
    before = str(submission.total)
    if upheld:
        if appeal.criterion.is_judgement:
            if points is None or not (0 <= points <= 100):
                raise ReviewError(NEW_POINTS_NEEDED, field="points")
            Score.objects.filter(submission=submission, criterion=appeal.criterion).update(
                points=points, value=points
            )
            _retotal(submission)
        else:
            scoring.compute(cycle, [submission])
        submission.refresh_from_db()
        rank(cycle, [submission.category])
    appeal.status = AppealStatus.UPHELD if upheld else AppealStatus.REJECTED
    appeal.decided_by = acting_user
    appeal.decided_at = timezone.now()
    appeal.decision = decision[:5000]
    appeal.save(update_fields=["status", "decided_by", "decided_at", "decision", "updated_at"])
    submission.refresh_from_db()
    _stamp(
        cycle,
        EventKind.DECIDED,
        acting_user,
        submission=submission,
        criterion=appeal.criterion,
        before=before,
        after=str(submission.total),
        reason=decision[:2000],
    )
    return appeal


# --- Awards -----------------------------------------------------------------------------------------


def create_award_kind(acting_user: User, *, name: str, issuer: str, cap: int) -> AwardKind:
    department = home_department(acting_user)
    if department is None or not is_department_admin(acting_user, department.pk):
        raise Forbidden(NOT_RUNNER)
    if cap < 0:
        raise ReviewError(CAP_NEGATIVE, field="cap")
    try:
        with transaction.atomic():
            return AwardKind.objects.create(
                department=department,
                name=name.strip(),
                issuer=issuer.strip(),
                cap=cap,
                position=AwardKind.objects.filter(department=department).count() + 1,
            )
    except IntegrityError as taken:
        raise ReviewError(_("This department already has an award of that name."), field="name") from taken


@dataclass
class Candidate:
    submission: Submission
    proposed: bool  # to be proposed now
    reason: str  # why not
    already: bool = False  # proposed earlier for this award


def candidates(cycle: Cycle, kind: AwardKind) -> dict[str, list[Candidate]]:
    """For each category, the published ranking read against the award's cap: those already proposed for
    this award count towards the cap (`already`); then, in rank order, the next whose gates are met and who
    hold no other award are proposed until the cap is reached; everyone else is listed with the reason. A
    revoked proposal is not made again. The cap applies after ranking and never changes a score."""
    awards = {
        submission: (kind_id, name, status)
        for submission, kind_id, name, status in Award.objects.filter(cycle=cycle).values_list(
            "submission_id", "kind_id", "kind__name", "status"
        )
    }
    rows = sorted(
        Submission.objects.filter(cycle=cycle).select_related("partnership", "school", "office"),
        key=lambda s: (s.category, s.rank or 0, s.order_key),
    )
    result: dict[str, list[Candidate]] = defaultdict(list)
    taken: dict[str, int] = defaultdict(int)
    for submission in rows:
        held = awards.get(submission.pk)
        if held is not None and held[0] == kind.pk and held[2] == AwardStatus.PROPOSED:
            taken[submission.category] += 1
    for submission in rows:
        category = submission.category
        found = awards.get(submission.pk)
        if found is not None:
            kind_id, name, status = found
            if status == AwardStatus.REVOKED:
                reason = gettext("A proposal of it was revoked; it is not proposed again.")
            elif kind_id == kind.pk:
                result[category].append(
                    Candidate(submission, False, gettext("Already proposed."), already=True)
                )
                continue
            else:
                reason = str(ALREADY_AWARDED % {"award": name})
            result[category].append(Candidate(submission, False, reason))
            continue
        if not submission.gates_met:
            result[category].append(
                Candidate(submission, False, gettext("A gate criterion is below its minimum."))
            )
            continue
        if taken[category] >= kind.cap:
            result[category].append(
                Candidate(
                    submission,
                    False,
                    gettext("Beyond the cap of %(cap)s for this category") % {"cap": kind.cap}
                    + (f" ({submission.tie_text})" if submission.tied_with else ""),
                )
            )
            continue
        taken[category] += 1
        result[category].append(Candidate(submission, True, ""))
    return dict(result)


def snapshot(submission: Submission) -> dict[str, Any]:
    """What an award rests on, frozen: the total, the rank, every score with its inputs, the hash of the
    records counted, the criteria set and its version."""
    scores = (
        Score.objects.filter(submission=submission)
        .select_related("criterion")
        .order_by("criterion__position")
    )
    links = {score.criterion.code: score.links for score in scores}
    criteria_set = submission.cycle.criteria_set
    return {
        "total": str(submission.total),
        "rank": submission.rank,
        "category": submission.category,
        "criteria_set": {"id": criteria_set.pk, "name": criteria_set.name, "version": criteria_set.version},
        "scores": [
            {
                "code": score.criterion.code,
                "value": None if score.value is None else str(score.value),
                "points": None if score.points is None else str(score.points),
                "inputs": score.inputs,
            }
            for score in scores
        ],
        "records_hash": digest(links),
    }


def digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()


@transaction.atomic
def propose_awards(acting_user: User, cycle: Cycle, kind: AwardKind) -> list[Award]:
    _require_runner(acting_user, cycle)
    _require_stage(cycle, Stage.PUBLISHED)
    if kind.department_id != cycle.department_id:
        raise Http404
    created = []
    for rows in candidates(cycle, kind).values():
        for candidate in rows:
            if not candidate.proposed:
                continue
            frozen = snapshot(candidate.submission)
            award = Award.objects.create(
                cycle=cycle,
                submission=candidate.submission,
                kind=kind,
                snapshot=frozen,
                snapshot_hash=digest(frozen),
                proposed_by=acting_user,
            )
            _stamp(
                cycle, EventKind.PROPOSED, acting_user, submission=candidate.submission, after=kind.name[:60]
            )
            created.append(award)
    return created


@transaction.atomic
def revoke_award(acting_user: User, award: Award, *, reason: str) -> Award:
    _require_runner(acting_user, award.cycle)
    if award.status == AwardStatus.REVOKED:
        raise ReviewError(AWARD_REVOKED, code="revoked")
    reason = reason.strip()
    if len(reason) < 10:
        raise ReviewError(REASON_NEEDED, field="reason")
    award.status = AwardStatus.REVOKED
    award.revoked_by = acting_user
    award.revoked_at = timezone.now()
    award.revoke_reason = reason[:5000]
    award.save(update_fields=["status", "revoked_by", "revoked_at", "revoke_reason", "updated_at"])
    _stamp(award.cycle, EventKind.REVOKED, acting_user, submission=award.submission, reason=reason[:2000])
    return award


@dataclass
class Difference:
    code: str
    frozen: str
    now: str


def differences(award: Award) -> list[Difference]:
    """The award's snapshot against today's records: each criterion whose value or sub-score would now be
    different (computed again from the records, without storing), and the records' hash."""
    submission = award.submission
    cycle = submission.cycle
    facts = scoring.unit_facts(cycle, [submission])[submission.pk]
    frozen = {row["code"]: row for row in award.snapshot.get("scores", [])}
    found = []
    links = {}
    for criterion in cycle.criteria_set.criteria.all():
        if criterion.is_judgement:
            current = Score.objects.filter(submission=submission, criterion=criterion).first()
            now_points = None if current is None or current.points is None else str(current.points)
            links[criterion.code] = current.links if current is not None else {}
        else:
            result = scoring.run(criterion, facts)
            now_points = None if result.points is None else str(result.points)
            links[criterion.code] = result.links
        then = frozen.get(criterion.code, {}).get("points")
        if then != now_points:
            found.append(Difference(criterion.code, _number(_dec(then)), _number(_dec(now_points))))
    if digest(links) != award.snapshot.get("records_hash") and not found:
        found.append(Difference(gettext("records"), gettext("as frozen"), gettext("changed, same scores")))
    return found


def _dec(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


# --- Follow-up --------------------------------------------------------------------------------------


@transaction.atomic
def add_follow_up(
    acting_user: User, submission: Submission, *, description: str, owner_id: int, due_on: dt.date
) -> FollowUp:
    if not (may_judge(acting_user, submission) or may_run(acting_user, submission.cycle)):
        raise Forbidden(NOT_REVIEWER)
    if owner_id not in member_schools(submission):
        raise ReviewError(FOLLOW_UP_OWNER, field="owner")
    if due_on < today():
        raise ReviewError(FOLLOW_UP_DUE, field="due_on")
    description = description.strip()
    if len(description) < 10:
        raise ReviewError(REASON_NEEDED, field="description")
    return FollowUp.objects.create(
        submission=submission,
        description=description[:500],
        owner_id=owner_id,
        due_on=due_on,
        created_by=acting_user,
    )


def open_follow_ups(submission: Submission) -> QuerySet[FollowUp]:
    """The follow-up actions of this unit still open, from this cycle and the earlier ones."""
    return FollowUp.objects.filter(
        submission__unit=submission.unit,
        **{f"submission__{field}": value for field, value in [submission.unit_key]},
        done_on__isnull=True,
        submission__cycle__period_end__lte=submission.cycle.period_end,
    ).select_related("owner", "submission__cycle")


def follow_ups_for(user: User) -> list[FollowUp]:
    """The open follow-up actions owned by the schools of the user's own scope, soonest due first."""
    if not is_active_user(user) or user.role == Role.VIEWER:
        return []
    return list(
        FollowUp.objects.filter(done_on__isnull=True, owner__in=own_schools(user))
        .select_related("owner", "submission__cycle")
        .order_by("due_on", "pk")[:200]
    )


def finish_follow_up(acting_user: User, follow_up: FollowUp) -> FollowUp:
    submission = follow_up.submission
    if not (acting_user.school_id == follow_up.owner_id or may_run(acting_user, submission.cycle)):
        raise Forbidden(NOT_REVIEWER)
    follow_up.done_on = today()
    follow_up.save(update_fields=["done_on", "updated_at"])
    return follow_up


# --- Individuals ------------------------------------------------------------------------------------

NOMINATE_ONLY_LEADER = _("A teacher is nominated by a leader of their own school.")
NOT_ON_ROSTER = _("This teacher is no longer on the school's roster.")
SCHOOL_NOT_REVIEWED = _("The school has no partnership reviewed in this cycle.")
ALREADY_NOMINATED = _("This teacher is already nominated in this cycle.")


def nominations_visible_to(user: User, cycle: Cycle) -> QuerySet[Nomination]:
    """Those who run the cycle and the department's staff see every nomination; others those of the
    schools they see (a leader and a teacher: their school's)."""
    rows = Nomination.objects.filter(cycle=cycle).select_related("teacher", "school", "nominated_by")
    if may_run(user, cycle) or sees_whole_department(user):
        return rows
    return rows.filter(school__in=own_schools(user))


def reviewed_schools(cycle: Cycle) -> set[int]:
    return {school for schools in members_of_cycle(cycle).values() for school in schools}


@transaction.atomic
def nominate(acting_user: User, cycle: Cycle, teacher: Teacher, *, statement: str) -> Nomination:
    """A school's leader nominates one of its teachers, with the school's statement, while the cycle is
    at self-assessment."""
    if not (is_active_user(acting_user) and acting_user.role == Role.SCHOOL_LEADER):
        raise Forbidden(NOMINATE_ONLY_LEADER)
    if teacher.school_id != acting_user.school_id:
        raise Http404
    _require_stage(cycle, Stage.SELF_ASSESSMENT)
    if not teacher.is_active:
        raise ReviewError(NOT_ON_ROSTER, field="teacher")
    if teacher.school_id not in reviewed_schools(cycle):
        raise ReviewError(SCHOOL_NOT_REVIEWED, field="teacher")
    statement = statement.strip()
    if len(statement) < 10:
        raise ReviewError(REASON_NEEDED, field="statement")
    try:
        with transaction.atomic():
            return Nomination.objects.create(
                cycle=cycle,
                teacher=teacher,
                school_id=teacher.school_id,
                statement=statement[:5000],
                nominated_by=acting_user,
            )
    except IntegrityError as twice:
        raise ReviewError(ALREADY_NOMINATED, field="teacher") from twice


def withdraw_nomination(acting_user: User, nomination: Nomination) -> None:
    if not (acting_user.role == Role.SCHOOL_LEADER and acting_user.school_id == nomination.school_id):
        raise Forbidden(NOMINATE_ONLY_LEADER)
    _require_stage(nomination.cycle, Stage.SELF_ASSESSMENT)
    nomination.delete()
