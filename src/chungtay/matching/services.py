"""Matching runs: start one for an office twinning, let the engine propose in the background, and
accept the proposal as partnerships (through the partnerships services, in one transaction)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from chungtay.access.roles import may_manage_twinning
from chungtay.accounts.models import Role, User
from chungtay.core import tasks
from chungtay.core.errors import ConflictError, DomainError, Forbidden
from chungtay.directory.models import (
    BASIC_LEVEL_ORDER,
    BASIC_LEVELS,
    DevelopmentArea,
    School,
    SchoolYear,
    SelfAssessment,
)
from chungtay.matching.engine import MatchingError, Rules, SchoolInput, match
from chungtay.matching.models import MatchingRun, RunStatus
from chungtay.partnerships.models import OfficeTwinning, Partnership, PartnershipStatus, Side, TwinningStatus
from chungtay.partnerships.services import NewGroup, create_partnerships, end_partnerships

NOT_YOUR_TWINNING = _("Your office is not a party to this twinning.")
BAD_PARAMETER = _("Invalid matching rule: %(detail)s.")
NOT_READY = _("Only a finished proposal can be accepted.")
ALREADY_ACCEPTED = _("This proposal has already been accepted.")
GROUPED_SINCE = _(
    "Some of these schools joined a group of this twinning after the run: run it again, or run it with "
    '"match them afresh and end their groups on accept".'
)
ENGINE_ERRORS = {
    "no_schools": _("There are no schools to match in this scope."),
    "capacity_short": _("The supporting schools cannot take all the supported schools: raise the capacity."),
    "worker_lost": tasks.WORKER_LOST,
    "pinned_pair_not_allowed": _("A pinned pair breaks a rule (level, distance or a forbidden pair)"),
    "pinned_over_capacity": _("The pinned pairs exceed a school's capacity"),
    "bad_capacity": _("A capacity or minimum load is invalid"),
    "duplicate_school": _("A school is on both sides"),
    "negative_weight": _("Weights cannot be negative"),
}


def runs_visible_to(user: object) -> QuerySet[MatchingRun]:
    """Runs of the administrator's department, or of the twinnings the officer's office is a party to
    (both sides see a proposal before it is accepted)."""
    if not getattr(user, "is_authenticated", False):
        return MatchingRun.objects.none()
    assert isinstance(user, User)
    rows = MatchingRun.objects.select_related(
        "twinning__supporting_office", "twinning__supported_office", "created_by"
    )
    if user.is_superuser:
        return rows
    if user.role == Role.CITY_ADMIN and user.office:
        return rows.filter(department_id=user.office.tenant.pk)
    if user.role == Role.VIEWER and user.office and user.office.kind == "department":
        return rows.filter(department_id=user.office.pk)  # a city-wide viewer reads every run
    if user.role in (Role.OFFICE_OFFICER, Role.VIEWER) and user.office_id:
        return rows.filter(
            Q(twinning__supporting_office_id=user.office_id) | Q(twinning__supported_office_id=user.office_id)
        )
    return rows.none()


def run_for_user(user: object, pk: int, *, write: bool = False) -> MatchingRun:
    from django.core.exceptions import PermissionDenied

    run = runs_visible_to(user).filter(pk=pk).first()
    if run is None:
        raise Http404
    if write and not may_manage_twinning(user, run.twinning):  # type: ignore[arg-type]
        raise PermissionDenied
    return run


def clean_parameters(raw: dict[str, Any]) -> dict[str, Any]:
    """Check and normalise a run's rules; refuse anything out of range with a message."""

    def fail(detail: str) -> DomainError:
        return DomainError(BAD_PARAMETER % {"detail": detail})

    levels = [lvl for lvl in raw.get("levels", []) if lvl in BASIC_LEVEL_ORDER]
    if not levels:
        raise fail("levels")
    weights = {}
    for area in DevelopmentArea.values:
        value = float(raw.get("weights", {}).get(area, 1.0))
        if not 0 <= value <= 10:
            raise fail(f"weight {area}")
        weights[area] = value
    distance_weight = float(raw.get("distance_weight", 0.05))
    max_distance = raw.get("max_distance_km")
    max_distance = None if max_distance in (None, "") else float(max_distance)
    capacity, min_load = int(raw.get("capacity", 2)), int(raw.get("min_load", 1))
    if not 0 <= distance_weight <= 10 or (max_distance is not None and not 0 < max_distance <= 2000):
        raise fail("distance")
    if not 0 <= capacity <= 20 or not 0 <= min_load <= capacity:
        raise fail("capacity")
    pairs = []
    for key in ("pinned", "forbidden"):
        rows = raw.get(key, [])
        if len(rows) > 500 or any(
            len(p) != 2 or not all(isinstance(x, str) and len(x) <= 20 for x in p) for p in rows
        ):
            raise fail(key)
        pairs.append(sorted({(a, b) for a, b in rows}))
    start_year = int(raw.get("school_year") or 0)
    if not SchoolYear.objects.filter(start_year=start_year).exists():
        raise fail("school year")
    return {
        "levels": sorted(levels),
        "weights": weights,
        "distance_weight": distance_weight,
        "max_distance_km": max_distance,
        "capacity": capacity,
        "min_load": min_load,
        "pinned": [list(p) for p in pairs[0]],
        "forbidden": [list(p) for p in pairs[1]],
        "school_year": start_year,
        "public_only": bool(raw.get("public_only", True)),
        "existing": _existing_choice(raw.get("existing", EXCLUDE_EXISTING), fail),
    }


# What a run does with schools already in an open (pending or active) group of the twinning: leave them
# out of the run, or match them afresh and, on accept, end the groups they were in.
EXCLUDE_EXISTING, REPLACE_EXISTING = "exclude", "replace"


def _existing_choice(value: Any, fail: Any) -> str:
    if value not in (EXCLUDE_EXISTING, REPLACE_EXISTING):
        raise fail("existing")
    return str(value)


def _open_groups(twinning: OfficeTwinning) -> Any:
    return Partnership.objects.filter(
        twinning=twinning, status__in=(PartnershipStatus.PENDING, PartnershipStatus.ACTIVE)
    )


def _groups_of(twinning: OfficeTwinning, school_ids: set[int]) -> Any:
    """The open groups of the twinning that one of these schools is a member of today (what accepting a
    run that replaces groups ends)."""
    return (
        _open_groups(twinning)
        .filter(members__school_id__in=school_ids, members__valid_to__isnull=True)
        .distinct()
    )


def _grouped_school_ids(twinning: OfficeTwinning) -> set[int]:
    """Schools that are members today of an open group of the twinning."""
    from chungtay.partnerships.models import PartnershipMember

    return set(
        PartnershipMember.objects.filter(
            partnership__in=_open_groups(twinning), valid_to__isnull=True
        ).values_list("school_id", flat=True)
    )


def level_groups(lead_level: str, partners: list[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    """A supporting school's proposed partners (id, school level) split into groups that each have a
    basic level in common with it, the partnerships' own rule (common_basic_level): a TH&THCS school
    matched with a TH and a THCS school leads two groups, one per level. Deterministic: the level that
    takes most partners first, ties in the order of BASIC_LEVEL_ORDER."""
    left = sorted(partners)
    groups: list[tuple[str, list[str]]] = []
    while left:
        options = {
            basic: [pid for pid, level in left if basic in BASIC_LEVELS[level]]
            for basic in BASIC_LEVEL_ORDER
            if basic in BASIC_LEVELS[lead_level]
        }
        basic = max(options, key=lambda b: (len(options[b]), -BASIC_LEVEL_ORDER.index(b)), default="")
        chosen = options.get(basic, [])
        if not chosen:  # no level in common (the engine never proposes such a pair): one group each
            groups.extend(("", [pid]) for pid, _ in left)
            break
        groups.append((basic, chosen))
        left = [(pid, level) for pid, level in left if pid not in set(chosen)]
    return groups


def proposed_groups(pairs: list[dict[str, Any]], levels: dict[str, str]) -> list[tuple[str, list[str]]]:
    """The groups a proposal becomes on accept: (lead, partners), split by level (level_groups)."""
    by_lead: dict[str, list[str]] = {}
    for pair in pairs:
        by_lead.setdefault(pair["supporting"], []).append(pair["supported"])
    groups = []
    for lead, partners in sorted(by_lead.items()):
        for _basic, members in level_groups(levels[lead], [(t, levels[t]) for t in partners]):
            groups.append((lead, members))
    return groups


@transaction.atomic
def start_run(
    *,
    acting_user: User,
    twinning: OfficeTwinning,
    parameters: dict[str, Any],
    parent: MatchingRun | None = None,
) -> MatchingRun:
    """Store a run and queue the engine. Only the administrator or an officer of either office may."""
    if not may_manage_twinning(acting_user, twinning):
        raise Forbidden(NOT_YOUR_TWINNING)
    if twinning.status != TwinningStatus.ACTIVE:
        raise DomainError(_("This twinning has ended; it takes no new partnerships."))
    run = MatchingRun(
        department=twinning.department,
        twinning=twinning,
        parent=parent,
        created_by=acting_user,
        parameters=clean_parameters(parameters),
    )
    run._history_user = acting_user  # type: ignore[attr-defined]
    run.save()
    transaction.on_commit(lambda: _enqueue(run.pk))
    return run


def _enqueue(run_id: int) -> None:
    unfinished = MatchingRun.objects.filter(pk=run_id, status__in=(RunStatus.QUEUED, RunStatus.RUNNING))
    tasks.enqueue_recorded(execute_matching_run, unfinished, run_id)


@tasks.recoverer
def recover_interrupted_runs() -> int:
    """Runs left queued or running by a task that ended without finishing (its worker died): failed,
    with a message; the officer can run them again."""
    mended = 0
    for run in MatchingRun.objects.filter(status__in=(RunStatus.QUEUED, RunStatus.RUNNING)).exclude(
        task_id=""
    ):
        if tasks.task_finished(run.task_id):
            mended += MatchingRun.objects.filter(
                pk=run.pk, status__in=(RunStatus.QUEUED, RunStatus.RUNNING)
            ).update(status=RunStatus.FAILED, error="worker_lost", progress=100, finished_at=timezone.now())
    return mended


@task()
def execute_matching_run(run_id: int) -> None:
    execute_run(run_id)


def _schools(office_id: int, levels: list[str], public_only: bool, leave_out: set[int]) -> list[School]:
    wanted = [lvl for lvl, basics in BASIC_LEVELS.items() if basics & set(levels)]
    rows = School.objects.filter(managements__office_id=office_id, level__in=wanted, closed_on__isnull=True)
    if public_only:
        rows = rows.filter(ownership="public")
    return [school for school in rows.distinct().order_by("moet_id") if school.pk not in leave_out]


def _inputs(
    schools: list[School], levels: list[str], year: SchoolYear, capacity: int, min_load: int
) -> list[SchoolInput]:
    scores: dict[int, dict[str, float]] = {}
    for row in SelfAssessment.objects.filter(school__in=schools, school_year=year).values(
        "school_id", "area", "score"
    ):
        scores.setdefault(row["school_id"], {})[row["area"]] = float(row["score"])
    return [
        SchoolInput(
            id=s.moet_id,
            levels=frozenset(BASIC_LEVELS[s.level] & set(levels)),
            latitude=s.latitude,
            longitude=s.longitude,
            scores=scores.get(s.pk, {}),
            capacity=capacity,
            min_load=min_load,
        )
        for s in schools
    ]


def _as_json(schools: list[SchoolInput]) -> list[dict[str, Any]]:
    return [
        {
            "id": s.id,
            "levels": sorted(s.levels),
            "lat": s.latitude,
            "lon": s.longitude,
            "scores": dict(s.scores),
            "capacity": s.capacity,
        }
        for s in schools
    ]


def execute_run(run_id: int) -> MatchingRun:
    """Load the scope's schools and assessments, run the engine and store the proposal (or the error)."""
    run = MatchingRun.objects.select_related("twinning").get(pk=run_id)
    if run.status not in (RunStatus.QUEUED, RunStatus.FAILED):
        return run
    MatchingRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, progress=10)
    p = run.parameters
    year = SchoolYear.objects.get(start_year=p["school_year"])
    grouped = _grouped_school_ids(run.twinning)
    leave_out = grouped if p.get("existing", EXCLUDE_EXISTING) == EXCLUDE_EXISTING else set()
    supporting_schools = _schools(
        run.twinning.supporting_office_id, p["levels"], p.get("public_only", True), leave_out
    )
    supported_schools = _schools(
        run.twinning.supported_office_id, p["levels"], p.get("public_only", True), leave_out
    )
    levels = {s.moet_id: s.level for s in (*supporting_schools, *supported_schools)}
    supporting = _inputs(
        supporting_schools,
        p["levels"],
        year,
        p["capacity"],
        p["min_load"],
    )
    supported = _inputs(
        supported_schools,
        p["levels"],
        year,
        1,
        0,
    )
    run.inputs = {"supporting": _as_json(supporting), "supported": _as_json(supported)}
    MatchingRun.objects.filter(pk=run.pk).update(progress=40)
    rules = Rules(
        area_weights=p["weights"],
        distance_weight=p["distance_weight"],
        max_distance_km=p["max_distance_km"],
        pinned=frozenset(tuple(x) for x in p["pinned"]),
        forbidden=frozenset(tuple(x) for x in p["forbidden"]),
    )
    try:
        result = match(supporting, supported, rules)
    except MatchingError as error:
        run.status = RunStatus.FAILED
        run.error = error.code[:1000]
        run.result = {"culprits": list(error.culprits)[:200]}
        run.progress = 100
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "progress", "finished_at", "inputs", "result"])
        return run
    distances = [pair.distance_km for pair in result.pairs if pair.distance_km is not None]
    pairs = [{"supporting": pair.supporting_id, "supported": pair.supported_id} for pair in result.pairs]
    pks = {s.moet_id: s.pk for s in (*supporting_schools, *supported_schools)}
    matched = {pks[moet_id] for pair in pairs for moet_id in pair.values()}
    run.result = {
        "pairs": [
            {
                "supporting": pair.supporting_id,
                "supported": pair.supported_id,
                "quality": pair.quality,
                "distance_km": pair.distance_km,
                "gains": [list(g) for g in pair.gains],
                "pinned": pair.pinned,
            }
            for pair in result.pairs
        ],
        "objective": result.objective,
        "covered": result.covered,
        "supported_total": len(supported),
        "groups": len(proposed_groups(pairs, levels)),
        "already_grouped": len(leave_out),
        "replaces": _groups_of(run.twinning, matched).count() if grouped & matched else 0,
        "load_shortfall": result.load_shortfall,
        "mean_distance_km": round(sum(distances) / len(distances), 2) if distances else None,
        "unmatched": result.unmatched,
        "warnings": result.warnings,
        "default_scores": result.default_scores,
    }
    run.status = RunStatus.DONE
    run.progress = 100
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "progress", "finished_at", "inputs", "result"])
    return run


@transaction.atomic
def accept_run(*, acting_user: User, run: MatchingRun, starts_on: dt.date) -> list[Partnership]:
    """Turn the proposal into partnerships, all or none, in a fixed number of queries: one group per
    supporting school and level (proposed_groups: each group has a level in common, as partnerships
    require). A run that replaces existing groups ends the open groups of its schools the day before."""
    run = MatchingRun.objects.select_for_update().get(pk=run.pk)  # two officers may accept at once
    if not may_manage_twinning(acting_user, run.twinning):
        raise Forbidden(NOT_YOUR_TWINNING)
    if run.status == RunStatus.ACCEPTED:
        raise ConflictError(ALREADY_ACCEPTED)
    if run.status != RunStatus.DONE:
        raise ConflictError(NOT_READY)
    ids = {i for pair in run.result["pairs"] for i in (pair["supporting"], pair["supported"])}
    schools = {s.moet_id: s for s in School.objects.filter(moet_id__in=ids)}
    levels = {moet_id: school.level for moet_id, school in schools.items()}
    groups = [
        NewGroup(
            [(schools[lead], Side.SUPPORTING), *((schools[t], Side.SUPPORTED) for t in sorted(partners))]
        )
        for lead, partners in proposed_groups(run.result["pairs"], levels)
    ]
    grouped = _grouped_school_ids(run.twinning)
    proposed = {school.pk for school in schools.values()}
    if grouped & proposed:
        if run.parameters.get("existing", EXCLUDE_EXISTING) != REPLACE_EXISTING:
            raise ConflictError(GROUPED_SINCE)
        replaced = list(_groups_of(run.twinning, proposed))
        end_partnerships(
            acting_user=acting_user, partnerships=replaced, ended_on=starts_on - dt.timedelta(days=1)
        )
    created = create_partnerships(
        acting_user=acting_user, twinning=run.twinning, groups=groups, starts_on=starts_on
    )
    run.status = RunStatus.ACCEPTED
    run.accepted_by = acting_user
    run.accepted_at = timezone.now()
    run._history_user = acting_user  # type: ignore[attr-defined]
    run.save(update_fields=["status", "accepted_by", "accepted_at"])
    return created


def error_message(run: MatchingRun) -> str:
    """The failed run's error in the reader's language, naming the culprits."""
    if not run.error:
        return ""
    message = str(ENGINE_ERRORS.get(run.error, run.error))
    culprits = run.result.get("culprits", []) if isinstance(run.result, dict) else []
    return f"{message}: {', '.join(culprits)}" if culprits else message
