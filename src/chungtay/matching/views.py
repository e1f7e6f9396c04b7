from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chungtay.access.roles import manages_offices, may_manage_twinning
from chungtay.access.scopes import twinnings_visible_to
from chungtay.accounts.http import AuthenticatedRequest
from chungtay.accounts.models import Role
from chungtay.core.dates import today
from chungtay.core.errors import DomainError
from chungtay.core.forms import submit
from chungtay.directory.models import DevelopmentArea, School
from chungtay.matching.forms import RunForm
from chungtay.matching.models import MatchingRun, RunStatus
from chungtay.matching.services import (
    accept_run,
    error_message,
    run_for_user,
    runs_visible_to,
    start_run,
)
from chungtay.partnerships.models import TwinningStatus

AREA_LABELS = dict(DevelopmentArea.choices)
REASONS = {
    "capacity_exhausted": gettext_lazy("every suitable supporting school is full"),
    "no_same_level_partner": gettext_lazy("no supporting school of the same level"),
    "no_coordinates": gettext_lazy("no coordinates"),
    "none_within_distance": gettext_lazy("no same-level supporting school within the distance"),
    "all_partners_forbidden": gettext_lazy("every possible partner is forbidden"),
    "below_minimum_load": gettext_lazy("fewer supported schools than the minimum"),
}


WARNINGS = {
    "weights_all_zero": gettext_lazy("All area weights are zero: the proposal ignores strengths and needs."),
    "capacity_zero": gettext_lazy("This supporting school has capacity 0 and takes no partner"),
}


def _warnings(run: MatchingRun) -> list[str]:
    """The engine's warning codes as sentences ("capacity_zero:ID" names the school)."""
    sentences = []
    for code in run.result.get("warnings", []) if isinstance(run.result, dict) else []:
        name, _sep, school = code.partition(":")
        text = str(WARNINGS.get(name, name))
        sentences.append(f"{text}: {school}" if school else text)
    return sentences


@require_GET
@login_required
def run_list(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    runs = runs_visible_to(user)[:100]
    can_start = manages_offices(user)
    return render(request, "matching/run_list.html", {"runs": runs, "can_start": can_start})


@require_http_methods(["GET", "POST"])
@login_required
def run_create(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    if not manages_offices(user):
        raise PermissionDenied
    twinnings = twinnings_visible_to(user).filter(status=TwinningStatus.ACTIVE)
    if user.role == Role.OFFICE_OFFICER:
        twinnings = twinnings.filter(pk__in=[t.pk for t in twinnings if may_manage_twinning(user, t)])
    initial: dict[str, Any] = {"school_year": 2024}
    parent = None
    if request.GET.get("from", "").isdigit():
        parent = run_for_user(user, int(request.GET["from"]))
        initial = RunForm.initial_from(parent)
    if parent is None and len(twinnings) == 1:  # the officer's only twinning is the one to match
        initial["twinning"] = twinnings[0].pk
    form = RunForm(request.POST or None, initial=initial, twinnings=twinnings)
    status = 200
    if request.method == "POST":
        status = 400
        if request.POST.get("parent", "").isdigit():
            parent = run_for_user(user, int(request.POST["parent"]))

        def save(data: dict[str, Any]) -> Any:
            return start_run(
                acting_user=user,
                twinning=data["twinning"],
                parameters=form.parameters(),
                parent=parent,
            )

        submitted = submit(form, save)
        if submitted.done:
            run = submitted.value
            return redirect("matching:run-detail", pk=run.pk)
        status = submitted.status
    return render(request, "matching/run_form.html", {"form": form, "parent": parent}, status=status)


def _rows(run: MatchingRun) -> tuple[list[dict[str, Any]], dict[str, School]]:
    pairs = run.result.get("pairs", []) if run.status in (RunStatus.DONE, RunStatus.ACCEPTED) else []
    ids = (
        {p["supporting"] for p in pairs}
        | {p["supported"] for p in pairs}
        | set(run.result.get("unmatched", {}) or {})
    )
    schools = {s.moet_id: s for s in School.objects.filter(moet_id__in=ids)}
    groups: dict[str, dict[str, Any]] = {}
    for pair in pairs:
        group = groups.setdefault(
            pair["supporting"], {"lead": schools.get(pair["supporting"]), "members": [], "quality": 0.0}
        )
        group["members"].append(
            {
                "school": schools.get(pair["supported"]),
                "distance_km": pair["distance_km"],
                "quality": pair["quality"],
                "pinned": pair["pinned"],
                "gains": [(AREA_LABELS.get(area, area), gain) for area, gain in pair["gains"][:3]],
            }
        )
        group["quality"] += pair["quality"]
    return sorted(groups.values(), key=lambda g: g["lead"].sort_key if g["lead"] else ""), schools


def _map(run: MatchingRun) -> dict[str, Any] | None:
    """Points and lines for an SVG map drawn on the server: works offline, needs no tile server."""
    inputs = run.inputs or {}
    points = [
        (s["lat"], s["lon"], "s", s["id"]) for s in inputs.get("supporting", []) if s["lat"] is not None
    ]
    points += [
        (s["lat"], s["lon"], "t", s["id"]) for s in inputs.get("supported", []) if s["lat"] is not None
    ]
    if not points:
        return None
    lats = [p[0] for p in points]
    lons = [p[1] for p in points]
    pad = 0.01
    south, north, west, east = min(lats) - pad, max(lats) + pad, min(lons) - pad, max(lons) + pad
    width, height = 600, max(200, int(600 * (north - south) / max(east - west, 1e-6)))

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return round((lon - west) / (east - west) * width, 1), round(
            (north - lat) / (north - south) * height, 1
        )

    where = {p[3]: xy(p[0], p[1]) for p in points}
    lines = [
        (*where[p["supporting"]], *where[p["supported"]])
        for p in run.result.get("pairs", [])
        if p["supporting"] in where and p["supported"] in where
    ]
    dots = [(*xy(p[0], p[1]), p[2], p[3]) for p in points]
    return {"width": width, "height": height, "lines": lines, "dots": dots}


@require_GET
@login_required
def run_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    run = run_for_user(request.user, pk)
    groups, schools = _rows(run)
    unmatched = [
        (schools.get(school_id), school_id, str(REASONS.get(reason, reason)))
        for school_id, reason in sorted((run.result.get("unmatched") or {}).items())
    ]
    context = {
        "run": run,
        "groups": groups,
        "unmatched": unmatched,
        "map": _map(run) if run.status in (RunStatus.DONE, RunStatus.ACCEPTED) else None,
        "error": error_message(run),
        "warnings": _warnings(run),
        "can_act": may_manage_twinning(request.user, run.twinning),
        "working": run.status in (RunStatus.QUEUED, RunStatus.RUNNING),
    }
    template = "matching/_run_status.html" if getattr(request, "htmx", False) else "matching/run_detail.html"
    return render(request, template, context)


@require_POST
@login_required
def run_accept(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    run = run_for_user(request.user, pk, write=True)
    try:
        created = accept_run(acting_user=request.user, run=run, starts_on=today())
    except DomainError as error:
        messages.error(request, str(error.message))
        groups, _schools = _rows(run)
        context = {
            "run": run,
            "groups": groups,
            "unmatched": [],
            "map": _map(run),
            "error": "",
            "can_act": True,
            "working": False,
        }
        return render(request, "matching/run_detail.html", context, status=error.status_code)
    messages.success(request, _("%(n)d partnerships created from the proposal.") % {"n": len(created)})
    return redirect("partnerships:partnership-list")


@require_GET
@login_required
def run_compare(request: AuthenticatedRequest) -> HttpResponse:
    """Two runs side by side: objective, coverage, mean distance, and the pairs only one proposes."""
    first, second = request.GET.get("a", ""), request.GET.get("b", "")
    if not (first.isdigit() and second.isdigit()):
        return render(request, "matching/run_compare.html", {"missing": True}, status=400)
    a, b = run_for_user(request.user, int(first)), run_for_user(request.user, int(second))

    def pairs(run: MatchingRun) -> set[tuple[str, str]]:
        return {(p["supporting"], p["supported"]) for p in run.result.get("pairs", [])}

    only_a, only_b = sorted(pairs(a) - pairs(b)), sorted(pairs(b) - pairs(a))
    return render(
        request,
        "matching/run_compare.html",
        {"a": a, "b": b, "only_a": only_a[:200], "only_b": only_b[:200], "same": len(pairs(a) & pairs(b))},
    )
