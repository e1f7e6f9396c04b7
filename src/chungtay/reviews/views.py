"""The reviews' pages: the cycles, a new cycle, the criteria sets, a cycle (progress, results, awards,
appeals, export), a partnership's review (scores, self-assessment, judgement, appeal, follow-up), and why
a score is what it is."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, Count, Q, When
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chungtay.access.roles import is_department_admin
from chungtay.access.scopes import home_department
from chungtay.accounts.http import AuthenticatedRequest
from chungtay.activities.models import Participation
from chungtay.core import files
from chungtay.core.dates import today
from chungtay.core.errors import DomainError
from chungtay.core.forms import submit
from chungtay.core.spreadsheets import table_response
from chungtay.directory.models import Teacher
from chungtay.partnerships.models import Partnership, PartnershipMember
from chungtay.reviews import scoring, selectors, services
from chungtay.reviews.forms import (
    AppealForm,
    AwardKindForm,
    CriteriaSetForm,
    CycleForm,
    DecisionForm,
    FollowUpForm,
    JudgeForm,
    NarrativeForm,
    NominationForm,
    ReasonForm,
    criteria_text,
)
from chungtay.reviews.models import (
    Appeal,
    AppealStatus,
    Award,
    AwardKind,
    AwardStatus,
    CriteriaSet,
    Criterion,
    FollowUp,
    Nomination,
    Score,
    Stage,
    SubmissionStatus,
    Unit,
    category_label,
)


def _errors(form: Any) -> str:
    """A refused form's errors as one message (for a page that answers with a redirect)."""
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def _posted_version(request: AuthenticatedRequest) -> int:
    """The version the page was read at (-1, never a row's, when missing or not a number)."""
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return -1


def _criteria_context(request: AuthenticatedRequest, department: Any, kind_form: Any) -> dict[str, Any]:
    return {
        "sets": CriteriaSet.objects.filter(department=department).prefetch_related("criteria"),
        "may_edit": services.may_run(request.user, department=department),
        "kinds": AwardKind.objects.filter(department=department),
        "is_admin": is_department_admin(request.user, department.pk),
        "kind_form": kind_form,
    }


def _department(request: AuthenticatedRequest) -> Any:
    department = home_department(request.user)
    if department is None:
        raise Http404
    return department


# --- Cycles -----------------------------------------------------------------------------------------


@login_required
def cycle_list(request: AuthenticatedRequest) -> HttpResponse:
    cycles = list(services.cycles_visible_to(request.user))
    department = home_department(request.user)
    context = {
        "cycles": cycles,
        "may_open": services.may_open(request.user),
        "is_admin": department is not None and is_department_admin(request.user, department.pk),
    }
    return render(request, "reviews/cycle_list.html", context)


@login_required
def cycle_create(request: AuthenticatedRequest) -> HttpResponse:
    department = _department(request)
    if not services.may_open(request.user):
        raise PermissionDenied(str(services.NOT_RUNNER))
    office = services.own_office(request.user)
    sets = CriteriaSet.objects.filter(department=department)
    data = request.POST if request.method == "POST" else None
    form = CycleForm(
        data, sets=sets, office_cycle=office is not None, initial={"self_opens": today(), "appeal_days": 10}
    )

    def action(values: dict[str, Any]) -> Any:
        return services.open_cycle(request.user, office=office, **values)

    outcome = submit(form, action, on_fields=True) if data is not None else None
    if outcome is not None and outcome.done:
        messages.success(request, _("The cycle is open; the scores were computed from the records."))
        return redirect("reviews:cycle-detail", outcome.value.pk)
    status = outcome.status if outcome is not None else 200
    return render(request, "reviews/cycle_form.html", {"form": form, "office": office}, status=status)


@login_required
def cycle_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    cycle = services.cycle_for(request.user, pk)
    user = request.user
    visible = services.submissions_visible_to(user, cycle)
    published = cycle.stage == Stage.PUBLISHED
    context: dict[str, Any] = {
        "cycle": cycle,
        "criteria": list(cycle.criteria_set.criteria.all()),
        "may_run": services.may_run(user, cycle),
        "next_stage": services.next_stage(cycle),
        "total": cycle.submissions.count(),
        "appeal_deadline": services.appeal_deadline(cycle),
    }
    if published:
        everyone = cycle.submissions.all()
        query = request.GET.get("q", "").strip()[:100]
        if query:
            everyone = everyone.filter(
                Q(partnership__name__icontains=query)
                | Q(partnership__number=int(query) if query.isdigit() else -1)
                | Q(school__name__icontains=query)
                | Q(office__name__icontains=query)
            )
        context["results"] = selectors.results(everyone)
        context["rollups"] = [
            (category_label(category), rollup)
            for category, rollup in selectors.rollups(cycle.submissions.all()).items()
        ]
        context["query"] = query
        context["awards"] = list(
            Award.objects.filter(cycle=cycle)
            .select_related("kind", "submission__partnership", "submission__school", "submission__office")
            .order_by("kind__position", "submission__category", "submission__rank")
        )
        if context["may_run"]:
            kinds = list(AwardKind.objects.filter(department=cycle.department_id))
            context["award_kinds"] = []
            for kind in kinds:
                found = services.candidates(cycle, kind)
                kind.to_propose = any(c.proposed for rows in found.values() for c in rows)  # type: ignore[attr-defined]
                context["award_kinds"].append((kind, found))
            context["appeals"] = list(
                Appeal.objects.filter(submission__cycle=cycle, status=AppealStatus.PENDING).select_related(
                    "submission__partnership", "submission__school", "submission__office", "criterion"
                )
            )
    else:
        status = request.GET.get("status", "")
        unit = request.GET.get("unit", "")
        rows = visible.annotate(
            unit_order=Case(When(unit=Unit.PARTNERSHIP, then=0), When(unit=Unit.SCHOOL, then=1), default=2)
        ).order_by("unit_order", "partnership__number", "school__sort_key", "office__sort_key")
        if status in SubmissionStatus.values:
            rows = rows.filter(status=status)
        if unit in Unit.values:
            rows = rows.filter(unit=unit)
        context["page"] = Paginator(rows, 50).get_page(request.GET.get("page"))
        context["status"] = status
        context["unit"] = unit
        context["query"] = "&".join(
            f"{name}={value}" for name, value in (("status", status), ("unit", unit)) if value
        )
        counts = selectors.status_counts(cycle.submissions.all())
        context["progress"] = [
            (value, label, counts.get(value, 0)) for value, label in SubmissionStatus.choices
        ]
        units = dict(cycle.submissions.values_list("unit").annotate(n=Count("id")).order_by())
        context["units"] = [(value, label, units[value]) for value, label in Unit.choices if value in units]
    _nominations(request, cycle, context)
    # the user's school's partnerships reviewed in the cycle: members at some time in its period (a
    # membership ended since still counts, as it does for the self-assessment)
    schools_in = PartnershipMember.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=cycle.period_start),
        school_id=user.school_id or -1,
        valid_from__lte=cycle.period_end,
    ).values("partnership_id")
    mine = Q(partnership_id__in=schools_in, unit=Unit.PARTNERSHIP) | Q(school_id=user.school_id or -1)
    if user.office_id and user.role == "office_officer":
        mine |= Q(office_id=user.office_id)
    context["mine"] = (
        sorted(visible.filter(mine), key=lambda s: (s.unit != Unit.PARTNERSHIP, s.unit, s.order_key))
        if (user.school_id or user.office_id)
        else []
    )  # the partnerships first, then the school's (the office's) own review
    return render(request, "reviews/cycle_detail.html", context)


def _nominations(
    request: AuthenticatedRequest, cycle: Any, context: dict[str, Any], form: Any = None
) -> None:
    """The cycle's nominations the user sees, each with its contributions counted from the records, and
    the leader's form to nominate a teacher of their school."""
    rows = list(services.nominations_visible_to(request.user, cycle))
    counted = scoring.contributions(cycle, {n.teacher_id: n.school_id for n in rows})
    context["nominations"] = [(n, counted[n.teacher_id]) for n in rows]
    user = request.user
    if user.role == "school_leader" and user.school_id and cycle.stage == Stage.SELF_ASSESSMENT:
        teachers = Teacher.objects.filter(school_id=user.school_id, is_active=True).order_by("sort_key")
        context["nomination_form"] = form or NominationForm(teachers=teachers)


@require_POST
@login_required
def nomination_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    cycle = services.cycle_for(request.user, pk)
    teachers = Teacher.objects.filter(school_id=request.user.school_id or -1, is_active=True)
    form = NominationForm(request.POST, teachers=teachers)

    def action(values: dict[str, Any]) -> Any:
        return services.nominate(request.user, cycle, values["teacher"], statement=values["statement"])

    outcome = submit(form, action, on_fields=True)
    if outcome.done:
        messages.success(request, _("The teacher was nominated."))
        return redirect("reviews:cycle-detail", cycle.pk)
    messages.error(request, _errors(form))
    return redirect("reviews:cycle-detail", cycle.pk)


@login_required
def nomination_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    nomination = get_object_or_404(Nomination.objects.select_related("cycle", "teacher", "school"), pk=pk)
    cycle = services.cycle_for(request.user, nomination.cycle_id)
    if not services.nominations_visible_to(request.user, cycle).filter(pk=pk).exists():
        raise Http404
    counted = scoring.contributions(cycle, {nomination.teacher_id: nomination.school_id})[
        nomination.teacher_id
    ]
    rows = (
        Participation.objects.filter(pk__in=counted.links["participation"])
        .select_related("activity")
        .order_by("activity__held_on", "pk")
    )
    context = {"nomination": nomination, "cycle": cycle, "c": counted, "rows": rows}
    return render(request, "reviews/nomination_detail.html", context)


@require_POST
@login_required
def nomination_withdraw(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    nomination = get_object_or_404(Nomination.objects.select_related("cycle"), pk=pk)
    services.cycle_for(request.user, nomination.cycle_id)
    try:
        services.withdraw_nomination(request.user, nomination)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The nomination was withdrawn."))
    return redirect("reviews:cycle-detail", nomination.cycle_id)


@require_POST
@login_required
def cycle_advance(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    cycle = services.cycle_for(request.user, pk)
    version = _posted_version(request)
    try:
        services.advance(request.user, cycle, expected_version=version)
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("reviews:cycle-detail", cycle.pk)
    messages.success(request, _("The cycle moved on to: %(stage)s.") % {"stage": Stage(cycle.stage).label})
    return redirect("reviews:cycle-detail", cycle.pk)


@require_POST
@login_required
def cycle_recompute(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    cycle = services.cycle_for(request.user, pk)
    try:
        written = services.recompute(request.user, cycle)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request, _("Scores computed again from the records: %(n)s changed.") % {"n": written}
        )
    return redirect("reviews:cycle-detail", cycle.pk)


@login_required
def cycle_export(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The cycle's results and proposals per unit, for the emulation council (.xlsx)."""
    cycle = services.cycle_for(request.user, pk)
    if cycle.stage != Stage.PUBLISHED and not services.may_run(request.user, cycle):
        raise PermissionDenied(str(services.NOT_PUBLISHED))
    criteria = list(cycle.criteria_set.criteria.all())
    scores: dict[tuple[int, int], Score] = {
        (s.submission_id, s.criterion_id): s
        for s in Score.objects.filter(submission__cycle=cycle).only("submission_id", "criterion_id", "points")
    }
    awards = dict(
        Award.objects.filter(cycle=cycle, status=AwardStatus.PROPOSED).values_list(
            "submission_id", "kind__name"
        )
    )
    header = [
        _("Category"),
        _("Rank"),
        _("Group"),
        _("Reviewed unit"),
        _("Status"),
        _("Submitted late"),
        *[f"{c.code} ({c.weight.normalize():f})" for c in criteria],
        _("Total"),
        _("Gates met"),
        _("Tie"),
        _("Proposed award"),
    ]
    rows: list[list[Any]] = [header]
    for s in sorted(
        cycle.submissions.select_related("partnership", "school", "office"),
        key=lambda s: (s.unit != Unit.PARTNERSHIP, s.unit, s.category, s.rank or 0, s.order_key),
    ):
        points = [scores.get((s.pk, c.pk)) for c in criteria]
        rows.append(
            [
                s.category_label,
                s.rank,
                s.partnership.number if s.partnership else None,
                s.unit_name,
                s.get_status_display(),
                _("yes") if s.late else "",
                *[float(p.points) if p and p.points is not None else None for p in points],
                float(s.total),
                _("yes") if s.gates_met else _("no"),
                s.tie_text,
                awards.get(s.pk, ""),
            ]
        )
    return table_response(rows, stem=f"ket-qua-danh-gia-{cycle.pk}", sheet=_("Results")[:31])


# --- Criteria sets and award kinds ------------------------------------------------------------------


@login_required
def criteria_list(request: AuthenticatedRequest) -> HttpResponse:
    department = _department(request)
    return render(
        request, "reviews/criteria_list.html", _criteria_context(request, department, AwardKindForm())
    )


@login_required
def criteria_create(request: AuthenticatedRequest) -> HttpResponse:
    department = _department(request)
    if not services.may_run(request.user, department=department):
        raise PermissionDenied(str(services.NOT_RUNNER))
    initial: dict[str, Any] = {}
    base = request.GET.get("from", "")
    if base.isdigit():
        earlier = get_object_or_404(CriteriaSet, pk=int(base), department=department)
        initial = {
            "name": earlier.name,
            "basis_number": earlier.basis_number,
            "basis_title": earlier.basis_title,
            "basis_article": earlier.basis_article,
            "criteria": criteria_text(list(earlier.criteria.all())),
        }
    data = request.POST if request.method == "POST" else None
    form = CriteriaSetForm(data, initial=initial)
    outcome = (
        submit(form, lambda values: services.create_criteria_set(request.user, **values), on_fields=True)
        if (data is not None)
        else None
    )
    if outcome is not None and outcome.done:
        messages.success(
            request, _("The criteria set was saved as version %(v)s.") % {"v": outcome.value.version}
        )
        return redirect("reviews:criteria-list")
    status = outcome.status if outcome is not None else 200
    return render(request, "reviews/criteria_form.html", {"form": form}, status=status)


@require_POST
@login_required
def award_kind_create(request: AuthenticatedRequest) -> HttpResponse:
    form = AwardKindForm(request.POST)
    outcome = submit(form, lambda values: services.create_award_kind(request.user, **values), on_fields=True)
    if outcome.done:
        messages.success(request, _("The award was added."))
        return redirect("reviews:criteria-list")
    context = _criteria_context(request, _department(request), form)
    return render(request, "reviews/criteria_list.html", context, status=outcome.status)


# --- Awards and appeals -----------------------------------------------------------------------------


@require_POST
@login_required
def awards_propose(request: AuthenticatedRequest, pk: int, kind: int) -> HttpResponse:
    cycle = services.cycle_for(request.user, pk)
    award_kind = get_object_or_404(AwardKind, pk=kind, department=cycle.department_id)
    try:
        created = services.propose_awards(request.user, cycle, award_kind)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request, _("%(n)s proposed for %(award)s.") % {"n": len(created), "award": award_kind.name}
        )
    return redirect("reviews:cycle-detail", cycle.pk)


@require_POST
@login_required
def award_revoke(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    award = get_object_or_404(Award.objects.select_related("cycle", "submission"), pk=pk)
    services.cycle_for(request.user, award.cycle_id)
    form = ReasonForm(request.POST)
    outcome = submit(form, lambda values: services.revoke_award(request.user, award, reason=values["reason"]))
    if outcome.done:
        messages.success(request, _("The award was revoked."))
    else:
        messages.error(request, _errors(form))
    return redirect("reviews:submission-detail", award.submission_id)


@require_POST
@login_required
def appeal_decide(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    appeal = get_object_or_404(Appeal.objects.select_related("submission__cycle", "criterion"), pk=pk)
    services.cycle_for(request.user, appeal.submission.cycle_id)
    form = DecisionForm(request.POST)

    def action(values: dict[str, Any]) -> Appeal:
        return services.decide_appeal(
            request.user,
            appeal,
            upheld=values["upheld"],
            decision=values["decision"],
            points=values["points"],
        )

    outcome = submit(form, action)
    if outcome.done:
        messages.success(request, _("The appeal was decided."))
    else:
        messages.error(request, _errors(form))
    return redirect("reviews:submission-detail", appeal.submission_id)


# --- A partnership's review -------------------------------------------------------------------------


def _submission_context(request: AuthenticatedRequest, submission: Any) -> dict[str, Any]:
    user = request.user
    cycle = submission.cycle
    scores = list(submission.scores.select_related("criterion", "judged_by").order_by("criterion__position"))
    leader = services.is_unit_leader(user, submission)
    writable = leader and cycle.stage == Stage.SELF_ASSESSMENT and submission.status == SubmissionStatus.DRAFT
    judging = services.may_judge(user, submission)
    frame = scoring.frames(cycle, [submission])[submission.pk]
    members = services.member_schools(submission, frame)
    names = selectors.school_names(sorted(set(members) | set(frame.sides)))
    for score in scores:
        score.input_rows = selectors.inputs_label(score, names)
        if writable:
            score.form = NarrativeForm(
                initial={"narrative": score.narrative, "version": score.version},
                prefix=f"c{score.criterion_id}",
            )
        if judging and score.criterion.is_judgement:
            score.judge_form = JudgeForm(
                initial={"points": score.points, "comment": score.comment, "version": score.version},
                prefix=f"j{score.criterion_id}",
            )
    deadline = services.appeal_deadline(cycle)
    award = Award.objects.filter(submission=submission).select_related("kind").first()
    return {
        "submission": submission,
        "cycle": cycle,
        "scores": scores,
        "writable": writable,
        "leader": leader,
        "judging": judging,
        "may_run": services.may_run(user, cycle),
        "sees_records": services.submissions_visible_to(user).filter(pk=submission.pk).exists(),
        "members": [(pk, names.get(pk, "")) for pk in members],
        "pooled": list(Partnership.objects.filter(pk__in=frame.partnerships).order_by("number"))
        if submission.unit != Unit.PARTNERSHIP
        else [],
        "events": submission.events.select_related("actor", "criterion").order_by("-at", "-pk")[:100],
        "appeals": submission.appeals.select_related("criterion", "filed_by", "decided_by"),
        "appeal_form": AppealForm(criteria=cycle.criteria_set.criteria.all())
        if leader and cycle.stage == Stage.PUBLISHED and deadline and today() <= deadline
        else None,
        "appeal_deadline": deadline,
        "decision_form": DecisionForm() if services.may_run(user, cycle) else None,
        "award": award,
        "differences": services.differences(award) if award and award.status == AwardStatus.PROPOSED else [],
        "reason_form": ReasonForm(),
        "follow_ups": services.open_follow_ups(submission),
        "follow_up_form": FollowUpForm(owners=[(pk, names.get(pk, "")) for pk in members])
        if judging or services.may_run(user, cycle)
        else None,
    }


@login_required
def submission_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    submission = services.submission_for(request.user, pk)
    return render(request, "reviews/submission_detail.html", _submission_context(request, submission))


def _criterion(submission: Any, criterion_pk: int) -> Criterion:
    criterion = Criterion.objects.filter(
        pk=criterion_pk, criteria_set_id=submission.cycle.criteria_set_id
    ).first()
    if criterion is None:
        raise Http404
    return criterion


@require_POST
@login_required
def narrative_save(request: AuthenticatedRequest, pk: int, criterion: int) -> HttpResponse:
    """Save one criterion's account; the page posts it on each pause in typing (htmx) and on "save". A
    refusal keeps what was typed in the box, with the message above it."""
    submission = services.submission_for(request.user, pk)
    found = _criterion(submission, criterion)
    form = NarrativeForm(request.POST, prefix=f"c{found.pk}")
    outcome = submit(
        form,
        lambda values: services.save_narrative(
            request.user, submission, found, narrative=values["narrative"], expected_version=values["version"]
        ),
    )
    if not request.htmx:  # type: ignore[attr-defined]
        if outcome.done:
            messages.success(request, _("Saved."))
            return redirect("reviews:submission-detail", submission.pk)
        messages.error(request, _errors(form))
        return redirect("reviews:submission-detail", submission.pk)
    score = outcome.value if outcome.done else Score.objects.get(submission=submission, criterion=found)
    if outcome.done:
        form = NarrativeForm(
            initial={"narrative": score.narrative, "version": score.version}, prefix=f"c{found.pk}"
        )
    context = {"submission": submission, "score": score, "form": form, "saved": outcome.done}
    # an htmx swap needs a 2xx: the refusal is in the fragment, and its status in a header
    response = render(request, "reviews/_narrative.html", context)
    response["X-Chungtay-Status"] = str(outcome.status)
    return response


@require_POST
@login_required
def submission_submit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    submission = services.submission_for(request.user, pk)
    version = _posted_version(request)
    try:
        services.submit(request.user, submission, expected_version=version)
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("reviews:submission-detail", submission.pk)
    messages.success(request, _("The self-assessment was submitted."))
    return redirect("reviews:submission-detail", submission.pk)


@require_POST
@login_required
def score_judge(request: AuthenticatedRequest, pk: int, criterion: int) -> HttpResponse:
    submission = services.submission_for(request.user, pk)
    found = _criterion(submission, criterion)
    form = JudgeForm(request.POST, request.FILES, prefix=f"j{found.pk}")

    def action(values: dict[str, Any]) -> Score:
        return services.judge(
            request.user,
            submission,
            found,
            points=values["points"],
            comment=values["comment"],
            evidence=values["evidence"],
            expected_version=values["version"],
        )

    outcome = submit(form, action, on_fields=True)
    if outcome.done:
        messages.success(request, _("The criterion was scored."))
        return redirect("reviews:submission-detail", submission.pk)
    context = _submission_context(request, submission)
    for score in context["scores"]:
        if score.criterion_id == found.pk:
            score.judge_form = form
    return render(request, "reviews/submission_detail.html", context, status=outcome.status)


@require_POST
@login_required
def submission_reviewed(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    submission = services.submission_for(request.user, pk)
    try:
        services.complete_review(request.user, submission, comment=request.POST.get("comment", ""))
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The review of this unit is complete."))
    return redirect("reviews:submission-detail", submission.pk)


@require_POST
@login_required
def appeal_file(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    submission = services.submission_for(request.user, pk)
    form = AppealForm(request.POST, criteria=submission.cycle.criteria_set.criteria.all())

    def action(values: dict[str, Any]) -> Appeal:
        return services.file_appeal(request.user, submission, values["criterion"], reason=values["reason"])

    outcome = submit(form, action, on_fields=True)
    if outcome.done:
        messages.success(request, _("The appeal was filed; the department will decide it with a reason."))
        return redirect("reviews:submission-detail", submission.pk)
    context = _submission_context(request, submission)
    context["appeal_form"] = form
    return render(request, "reviews/submission_detail.html", context, status=outcome.status)


@require_POST
@login_required
def follow_up_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    submission = services.submission_for(request.user, pk)
    names = selectors.school_names(services.member_schools(submission))
    form = FollowUpForm(request.POST, owners=list(names.items()))

    def action(values: dict[str, Any]) -> FollowUp:
        return services.add_follow_up(
            request.user,
            submission,
            description=values["description"],
            owner_id=values["owner"],
            due_on=values["due_on"],
        )

    outcome = submit(form, action, on_fields=True)
    if outcome.done:
        messages.success(request, _("The follow-up action was added."))
        return redirect("reviews:submission-detail", submission.pk)
    context = _submission_context(request, submission)
    context["follow_up_form"] = form
    return render(request, "reviews/submission_detail.html", context, status=outcome.status)


@require_POST
@login_required
def follow_up_done(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    follow_up = get_object_or_404(FollowUp.objects.select_related("submission__cycle"), pk=pk)
    services.submission_for(request.user, follow_up.submission_id)
    try:
        services.finish_follow_up(request.user, follow_up)
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect("reviews:submission-detail", follow_up.submission_id)


# --- Why this score ---------------------------------------------------------------------------------


@login_required
def score_why(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    score = get_object_or_404(Score.objects.select_related("criterion", "submission__cycle"), pk=pk)
    services.submission_for(request.user, score.submission_id, records=True)
    if score.criterion.is_judgement:
        messages.info(request, services.JUDGED_NOT_COMPUTED)
        return redirect("reviews:submission-detail", pk=score.submission_id)
    context = {
        "why": selectors.why(score),
        "score": score,
        "submission": score.submission,
        "rule_text": selectors.rule_text(score.criterion),
        "inputs": selectors.inputs_label(
            score,
            selectors.school_names(
                list(scoring.frames(score.submission.cycle, [score.submission])[score.submission_id].sides)
            ),
        ),
    }
    return render(request, "reviews/score_why.html", context)


@login_required
def score_evidence(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    score = get_object_or_404(Score.objects.select_related("submission"), pk=pk)
    services.submission_for(request.user, score.submission_id, records=True)
    return files.file_response(score.evidence, download_name=f"minh-chung-{score.pk}")
