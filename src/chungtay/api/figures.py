"""Figure endpoints: every figure kind of the movement for a scope × period, and one kind with one
breakdown. The same parameters as the figures page (`analytics.query.FiguresForm`), read by the same
code, so the page and the API give the same numbers."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from ninja import Router, Status
from ninja.errors import ValidationError

from chungtay.accounts.http import AuthenticatedRequest
from chungtay.analytics import figures as f
from chungtay.analytics.gap import GapForm
from chungtay.analytics.impact import READY, ImpactForm, impact_state
from chungtay.analytics.query import FigureQueryError, FigureRequest, read_figure_request
from chungtay.api.schemas import ERRORS

router = Router(tags=["figures"])

PARAMETERS = (
    "Parameters / Tham số: `year` (2022-2023) or `date_from` and `date_to` (dd/mm/yyyy) or `period=phase`; "
    "`level` (repeatable: mn, th, thcs, thpt, gdnn_gdtx); at most one of `office`, `twinning`, `unit`, "
    "`partnership` (ids) and `school` (a MOET ID). Without a scope: the user's own; without a period: "
    "the current school year."
)


def _refused(error: FigureQueryError) -> ValidationError:
    """Every message of the parameters, under the query parameter it is about (422)."""
    return ValidationError(
        [
            {"loc": ["query", name], "msg": message}
            for name, messages in error.fields.items()
            for message in messages
        ]
    )


def _request(request: AuthenticatedRequest) -> FigureRequest:
    try:
        return read_figure_request(request.user, request.GET)
    except FigureQueryError as error:
        raise _refused(error) from None


def describe(figures: FigureRequest) -> dict[str, Any]:
    """The scope and period a set of figures is for, as every surface states it."""
    period, scope = figures.period, figures.scope
    return {
        "scope": {
            "kind": scope.kind,
            "label": scope.label,
            "key": scope.key,
            "whole_department": scope.whole_department,
        },
        "period": {
            "kind": period.kind,
            "label": period.label,
            "start": period.start,
            "end": period.end,
            "day": period.day,
        },
        "levels": figures.levels,
        "area_day": figures.area_day,
    }


@router.get(
    "/figures",
    response={200: dict[str, Any], **ERRORS},
    summary="Movement figures / Số liệu phong trào",
    description=PARAMETERS,
)
def get_figures(request: AuthenticatedRequest) -> dict[str, Any]:
    figures = _request(request)
    return {
        **describe(figures),
        "figures": {kind: value.as_dict() for kind, value in f.all_figures(figures).items()},
    }


@router.get(
    "/figures/{kind}",
    response={200: dict[str, Any], **ERRORS},
    summary="One figure, with a breakdown / Một số liệu, theo một chiều",
    description=PARAMETERS
    + " `by`: "
    + ", ".join(f"{kind} ({', '.join(spec.dimensions)})" for kind, spec in f.KINDS.items()),
)
def get_figure(request: AuthenticatedRequest, kind: str, by: str = "") -> dict[str, Any]:
    if kind not in f.KINDS:
        raise Http404
    figures = _request(request)
    try:
        value = f.figure(figures, kind, by[:40])
    except f.BreakdownNotApplicable as error:
        raise ValidationError([{"loc": ["query", "by"], "msg": error.message}]) from None
    return {**describe(figures), "figure": value.as_dict()}


@router.get(
    "/gap",
    response={200: dict[str, Any], **ERRORS},
    summary="Is the gap closing? / Khoảng cách có đang thu hẹp?",
    description=(
        "One indicator's two groups per school year (mean, median, 95% interval, N) and the difference's "
        "trend. `indicator` (a code; default the first), `compare` (area | supported | twinning, with "
        "`twinning`: an id, default the first the user sees), `weighting` (schools | pupils), `reference` "
        "(dd/mm/yyyy: the map day of the areas; default the phase's start), and the scope parameters of "
        "/figures."
    ),
)
def get_gap(request: AuthenticatedRequest) -> dict[str, Any]:
    form = GapForm(request.GET, user=request.user)
    if not form.is_valid():
        raise _refused(FigureQueryError(form))
    figures = form.resolve()
    return {**describe(figures), "gap": form.gap(figures).as_dict()}


@router.get(
    "/impact",
    response={200: dict[str, Any], 202: dict[str, Any], **ERRORS},
    summary="Did twinning help? / Kết nghĩa có giúp ích?",
    description=(
        "The change in one indicator associated with joining the movement on the supported side "
        "(Callaway–Sant'Anna difference-in-differences for staggered adoption): the estimate with its 95% "
        "interval and sample sizes, or `estimable: false` and the reason; the cohorts, the event study, the "
        "pre-trend test, the dose view and a two-way fixed-effects check. `indicator` (a code; default the "
        "first), `control` (not_yet | never), `cohort` (2023-2024: one cohort only), and the scope "
        "parameters of /figures. Computed in the background: 202 with `status: computing` until it is "
        "ready (`failed` once if the computation failed); ask again."
    ),
)
def get_impact(request: AuthenticatedRequest) -> Status:
    form = ImpactForm(request.GET, user=request.user)
    if not form.is_valid():
        raise _refused(FigureQueryError(form))
    figures = form.resolve()
    state = impact_state(form, figures)
    if state.state != READY or state.impact is None:
        return Status(202, {**describe(figures), "status": state.state, "retry_after_seconds": 5})
    return Status(200, {**describe(figures), "status": "ready", "impact": state.impact.as_dict()})
