"""The figures page: every figure kind of the seeds for the scope and period asked, each as a table
first and a chart second, with the table's download. Reads `analytics.figures` only, through the same
form as the API, so both give the same numbers."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import cache_page
from django.views.decorators.http import require_GET

from chungtay.access.scopes import home_province
from chungtay.accounts.http import AuthenticatedRequest
from chungtay.analytics import figures as f
from chungtay.analytics import public
from chungtay.analytics.charts import chart_svg, event_study_svg, gap_svg
from chungtay.analytics.gap import GapForm, active_indicators
from chungtay.analytics.impact import COMPUTING, READY, ImpactForm, impact_state
from chungtay.analytics.query import (
    YEAR_INVALID,
    YEAR_UNKNOWN,
    FigureRequest,
    FiguresForm,
    figure_offices,
    phase_of,
)
from chungtay.core import schoolyears
from chungtay.core.dates import valid_on
from chungtay.core.spreadsheets import FORMATS, table_response
from chungtay.directory.models import REFORM_DATE, AdminUnit, EducationOffice, School


@dataclass(frozen=True)
class Section:
    kind: str
    by: str
    chart: bool = True


# What the department's dashboard shows, in the order of the seeds' reports: agreements, twinnings,
# activities, people, support, how the partnerships work.
SECTIONS = (
    Section("memorandum_schools", f.LEVEL),
    Section("covenant_schools", f.LEVEL),
    Section("agreement_schools", f.AREA),
    Section("agreement_schools", f.UNIT),
    Section("units_connected", f.UNIT, chart=False),
    Section("activities", f.KIND),
    Section("activities", f.MONTH),
    Section("topics", f.TIER),
    Section("exchanges", f.MODE),
    Section("participations", f.AREA),
    Section("participations", f.YEAR),
    Section("teachers", f.LEVEL),
    Section("pupils", f.LEVEL),
    Section("support", f.KIND),
    Section("reciprocity", f.SIDE),
    Section("commitments", f.STATUS),
    Section("quiet", f.PARTNERSHIP, chart=False),
)
QUIET_SHOWN = 20
SUPPRESSED = "< 5"  # a pupil count of 1 to 4 (core.privacy)
VALUE_LABELS = {
    "memorandum_schools": gettext_lazy("Schools"),
    "covenant_schools": gettext_lazy("Schools and centres"),
    "agreement_schools": gettext_lazy("Schools"),
    "units_connected": gettext_lazy("Twinned"),
    "activities": gettext_lazy("Activities"),
    "topics": gettext_lazy("Topics"),
    "exchanges": gettext_lazy("Exchanges"),
    "participations": gettext_lazy("Participations (lượt)"),
    "teachers": gettext_lazy("Teachers"),
    "pupils": gettext_lazy("Pupils"),
    "parents": gettext_lazy("Parents"),
    "support": gettext_lazy("Records"),
    "reciprocity": gettext_lazy("Activities"),
    "commitments": gettext_lazy("Commitments"),
    "quiet": gettext_lazy("Days since the last activity"),
}
EXTRA_LABELS = {
    "of": gettext_lazy("Schools in the scope"),
    "signed": gettext_lazy("Joint plan"),
    "quantity": gettext_lazy("Quantity"),
    "value_vnd": gettext_lazy("Value (VND)"),
    "pupils": gettext_lazy("Pupils"),
    "share": gettext_lazy("Share (%)"),
    "last_held": gettext_lazy("Last activity"),
}


def section_table(value: f.Figure) -> dict[str, Any]:
    """A breakdown as the page's table: header, body rows and total, each cell a value to format."""
    extra_keys = [key for key in EXTRA_LABELS if any(key in row.extra for row in value.rows)]
    header = [
        str(f.DIMENSION_LABELS.get(value.breakdown, value.breakdown)).capitalize(),
        str(VALUE_LABELS.get(value.key, _("Value"))),
        *(str(EXTRA_LABELS[key]) for key in extra_keys),
    ]
    body = [[row.label, row.value, *(row.extra.get(key) for key in extra_keys)] for row in value.rows]
    return {"header": header, "body": body, "extra_keys": extra_keys}


def _form(request: AuthenticatedRequest) -> FiguresForm:
    form = FiguresForm(request.GET or None, user=request.user)
    if not form.is_bound:
        form = FiguresForm({}, user=request.user)
    return form


def _query(request: AuthenticatedRequest) -> str:
    query = request.GET.copy()
    for name in ("by", "format"):
        query.pop(name, None)
    return query.urlencode()


def _scope_choices(request: AuthenticatedRequest) -> dict[str, Any]:
    """The offices (the user's and their twinned partners') and units (districts before 1/7/2025, wards
    and communes after) the scope can be narrowed to."""
    offices = figure_offices(request.user)
    office_rows = EducationOffice.objects.filter(pk__in=offices).order_by("kind", "name")
    province = home_province(request.user)
    districts = wards = AdminUnit.objects.none()
    if province is not None:
        districts = AdminUnit.objects.filter(
            valid_on(REFORM_DATE.replace(day=1, month=6)), province=province, level=AdminUnit.Level.DISTRICT
        ).order_by("sort_key")
        wards = AdminUnit.objects.filter(
            Q(valid_from__gte=REFORM_DATE), province=province, level=AdminUnit.Level.WARD
        ).order_by("sort_key")
    return {"offices": office_rows, "districts": districts, "wards": wards}


@require_GET
@login_required
def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    form = _form(request)
    context: dict[str, Any] = {"form": form, "query": _query(request)}
    if not form.is_valid():
        context.update(_scope_choices(request))
        return render(request, "analytics/dashboard.html", context, status=400)
    figures = form.resolve()
    sections = []
    totals: dict[str, f.Figure] = {}
    for section in SECTIONS:
        value = f.figure(figures, section.kind, section.by)
        totals.setdefault(section.kind, value)
        if section.kind == "quiet":
            value.rows = value.rows[:QUIET_SHOWN]
        sections.append({"section": section, "figure": value, "table": section_table(value)})
    for kind in f.KINDS:
        if kind not in totals:
            totals[kind] = f.figure(figures, kind)
    context.update(
        figures=figures,
        totals=totals,
        sections=sections,
        **_scope_choices(request),
    )
    return render(request, "analytics/dashboard.html", context)


def _one(request: AuthenticatedRequest, kind: str, by: str) -> tuple[FigureRequest, f.Figure]:
    if kind not in f.KINDS or by not in f.KINDS[kind].dimensions:
        raise Http404
    form = _form(request)
    if not form.is_valid():
        raise Http404
    figures = form.resolve()
    return figures, f.figure(figures, kind, by)


@require_GET
@login_required
def chart(request: AuthenticatedRequest, kind: str, by: str) -> HttpResponse:
    """One breakdown as an SVG image (the page's <img>)."""
    _figures, value = _one(request, kind, by)
    body = chart_svg(value)
    response = HttpResponse(body, content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=300"
    response["ETag"] = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    return response


@require_GET
@login_required
def download(request: AuthenticatedRequest, kind: str, by: str, fmt: str) -> HttpResponse:
    """One breakdown's table as .xlsx or .csv, headed by the scope, the period and the counting rule."""
    if fmt not in FORMATS:
        raise Http404
    figures, value = _one(request, kind, by)
    return table_response(
        table_rows(figures, value), stem=f"so-lieu-{kind}-{by}", sheet=_("Figures")[:31], fmt=fmt
    )


def table_rows(figures: FigureRequest, value: f.Figure) -> list[list[Any]]:
    """The page's table of one breakdown, headed by the scope, the period and the counting rule, with
    suppressed pupil counts written "< 5" and the time the data was read."""
    rows: list[list[Any]] = [
        [value.label],
        [_("Scope"), figures.scope.label],
        [_("Period"), figures.period.label, figures.period.start, figures.period.end],
        [_("How it is counted"), value.note],
    ]
    if figures.levels:
        rows.append([_("Levels"), figures.level_label])
    rows.append([_("Data as of"), timezone.localtime().strftime("%d/%m/%Y %H:%M")])
    rows.append([])
    return rows + table_body(value)


def table_body(value: f.Figure) -> list[list[Any]]:
    """A breakdown's table as the downloads and the reports print it: the header, a row per part with
    suppressed pupil counts written "< 5", and the total."""
    table = section_table(value)
    rows: list[list[Any]] = [table["header"]]
    for cells in table["body"]:
        label, number, *extras = cells
        shown = [
            SUPPRESSED if key == "pupils" and extra is None else extra
            for key, extra in zip(table["extra_keys"], extras, strict=True)
        ]
        rows.append([label, SUPPRESSED if number is None and value.key != "quiet" else number, *shown])
    rows.append([_("Total"), value.value])
    return rows


# --- The public page: no login, aggregates only, small counts hidden (analytics.public) -------------

PUBLIC_CACHE_SECONDS = 60 * 60
# The columns of the per-year table drawn as charts: activities, participations, schools with agreements.
PUBLIC_CHARTS = (1, 5, 8)


def _public_department(code: str) -> EducationOffice:
    department = public.public_department(code)
    if department is None:
        raise Http404
    return department


def _public_year(request: HttpRequest, department: EducationOffice) -> tuple[int | None, str]:
    """The school year asked for (default: the latest with data), or an error message."""
    years = public.public_years(department)
    text = request.GET.get("year", "")[:20]
    if not text:
        return (years[-1] if years else None), ""
    try:
        start = schoolyears.parse(text)
    except schoolyears.SchoolYearFormatError:
        return None, str(YEAR_INVALID)
    if start not in years:
        known = ", ".join(schoolyears.label(y) for y in years)
        return None, str(YEAR_UNKNOWN) % {"year": schoolyears.label(start), "years": known}
    return start, ""


def _public_tables(department: EducationOffice, year: int | None) -> list[public.PublicTable]:
    tables = [public.years_table(department)]
    if year is not None:
        tables.append(public.breakdown_table(department, year, f.AREA))
        tables.append(public.breakdown_table(department, year, f.UNIT))
    return tables


@require_GET
@cache_page(PUBLIC_CACHE_SECONDS)
def public_page(request: HttpRequest, code: str = "") -> HttpResponse:
    """The movement's figures for anyone: per school year, by inner/outer city and by unit, with the
    release date and a download; no school is ranked and small counts are hidden."""
    department = _public_department(code)
    year, error = _public_year(request, department)
    context: dict[str, Any] = {
        "department": department,
        "years": [(y, schoolyears.label(y)) for y in public.public_years(department)],
        "year": year,
        "year_label": schoolyears.label(year) if year is not None else "",
        "error": error,
        "release": public.release_day(),
        "footnote": public.FOOTNOTE,
        "suppressed": public.SUPPRESSED,
        "phase": phase_of(department),
    }
    indicators = active_indicators(department)
    indicator, indicator_error = _public_indicator(request, indicators)
    context.update(indicators=indicators, indicator=indicator)
    error = error or indicator_error
    context["error"] = error
    if error:
        return render(request, "analytics/public.html", context, status=400)
    context["tables"] = _public_tables(department, year)
    if indicator is not None:
        context["gap"] = public.gap_table(department, indicator)
    context["impacts"], pending = public.impact_rows(department)
    times = [row.computed_at for row in context["impacts"] if row.computed_at is not None]
    context["impacts_as_of"] = min(times, default=None)
    context["refresh_minutes"] = int(public.REFRESH.total_seconds() // 60)
    context["chart_columns"] = [(index, context["tables"][0].header[index]) for index in PUBLIC_CHARTS]
    context["demo_data"] = School.objects.filter(department=department, is_demo=True).exists()
    response = render(request, "analytics/public.html", context)
    if pending:  # not kept for an hour while estimates are still being computed
        response["Cache-Control"] = "max-age=0"
    return response


PUBLIC_INDICATOR_UNKNOWN = gettext_lazy("There is no indicator “%(code)s”. Choose one of: %(codes)s.")


def _public_indicator(request: HttpRequest, indicators: list[Any]) -> tuple[Any, str]:
    """The indicator of the public gap chart (its code; default the first), or an error message."""
    code = request.GET.get("indicator", "")[:40].strip()
    if not code:
        return (indicators[0] if indicators else None), ""
    found = {i.code: i for i in indicators}
    if code not in found:
        return None, str(PUBLIC_INDICATOR_UNKNOWN) % {"code": code[:30], "codes": ", ".join(found) or "—"}
    return found[code], ""


@require_GET
@cache_page(PUBLIC_CACHE_SECONDS)
def public_gap_chart(request: HttpRequest, code: str) -> HttpResponse:
    department = _public_department(code)
    indicator, error = _public_indicator(request, active_indicators(department))
    if error or indicator is None:
        raise Http404
    body = gap_svg(public.gap_table(department, indicator).result, distribution=False)
    response = HttpResponse(body, content_type="image/svg+xml")
    response["Cache-Control"] = f"public, max-age={PUBLIC_CACHE_SECONDS}"
    return response


@require_GET
@cache_page(PUBLIC_CACHE_SECONDS)
def public_download(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    """The public tables as one dated file (.xlsx or .csv), hidden cells written "*"."""
    if fmt not in FORMATS:
        raise Http404
    department = _public_department(code)
    year, error = _public_year(request, department)
    if error:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    release = public.release_day()
    rows: list[list[Any]] = [
        [department.name],
        [_("Data release of %(day)s") % {"day": release.strftime("%d/%m/%Y")}],
        [str(public.FOOTNOTE)],
    ]
    for table in _public_tables(department, year):
        rows += [[], [table.title], table.header]
        rows += [[public.SUPPRESSED if cell is None else cell for cell in row] for row in table.rows]
    stem = f"chung-tay-{department.code}-{release:%Y-%m-%d}"
    return table_response(rows, stem=stem, sheet=_("Figures")[:31], fmt=fmt)


@require_GET
@cache_page(PUBLIC_CACHE_SECONDS)
def public_chart(request: HttpRequest, code: str, column: int) -> HttpResponse:
    """A column of the public table per school year as a chart (hidden cells drawn as nothing)."""
    department = _public_department(code)
    table = public.years_table(department)
    if not 1 <= column < len(table.header):
        raise Http404
    rows = [
        f.Row(str(i), row[0], row[column])
        for i, row in enumerate(table.rows[:-1] if phase_of(department) else table.rows)
    ]
    figure = f.Figure(
        key="public", label=table.header[column], value=None, note="", breakdown=f.YEAR, rows=rows
    )
    response = HttpResponse(chart_svg(figure, suppressed=public.SUPPRESSED), content_type="image/svg+xml")
    response["Cache-Control"] = f"public, max-age={PUBLIC_CACHE_SECONDS}"
    return response


def _gap_form(request: AuthenticatedRequest) -> GapForm:
    return GapForm(request.GET or {}, user=request.user)


@require_GET
@login_required
def gap_page(request: AuthenticatedRequest) -> HttpResponse:
    """Is the gap closing? One indicator's two groups per school year: table first, chart second."""
    form = _gap_form(request)
    context: dict[str, Any] = {"form": form, "query": _query(request), **_scope_choices(request)}
    context.update(indicators=form.indicators(), twinnings=form.twinnings())
    if not form.is_valid():
        return render(request, "analytics/gap.html", context, status=400)
    figures = form.resolve()
    chosen = form.cleaned_data.get("twinning")
    context.update(gap=form.gap(figures), figures=figures, chosen_twinning=getattr(chosen, "pk", None))
    return render(request, "analytics/gap.html", context)


@require_GET
@login_required
def gap_chart(request: AuthenticatedRequest) -> HttpResponse:
    form = _gap_form(request)
    if not form.is_valid():
        raise Http404
    body = gap_svg(form.gap())
    response = HttpResponse(body, content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=300"
    return response


def _impact_form(request: AuthenticatedRequest) -> ImpactForm:
    data = request.GET.copy()
    data.pop("again", None)
    return ImpactForm(data, user=request.user)


@require_GET
@login_required
def impact_page(request: AuthenticatedRequest) -> HttpResponse:
    """Did twinning help? The change in one indicator associated with joining the movement, estimated in
    the task worker and read from the figures cache; while it is computed the page says so and reloads."""
    form = _impact_form(request)
    context: dict[str, Any] = {"form": form, "query": _query(request), **_scope_choices(request)}
    context.update(indicators=form.indicators())
    if not form.is_valid():
        return render(request, "analytics/impact.html", context, status=400)
    figures = form.resolve()
    state = impact_state(form, figures, again=request.GET.get("again") == "1")
    context.update(
        state=state.state, impact=state.impact, figures=figures, indicator=form.cleaned_data["indicator"]
    )
    return render(request, "analytics/impact.html", context, status=202 if state.state == COMPUTING else 200)


@require_GET
@login_required
def impact_chart(request: AuthenticatedRequest) -> HttpResponse:
    form = _impact_form(request)
    if not form.is_valid():
        raise Http404
    state = impact_state(form, form.resolve())
    if state.state != READY or state.impact is None:
        raise Http404  # not computed yet: the page shows no chart until it is
    body = event_study_svg(
        state.impact,
        years_label=_("School years from joining (0 = the year it joined)"),
        effect_label=_("Change associated with joining"),
    )
    response = HttpResponse(body, content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=300"
    return response
