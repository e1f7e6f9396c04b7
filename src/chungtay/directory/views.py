from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Avg, Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from chungtay.access.roles import is_city_admin, is_department_admin
from chungtay.access.scopes import (
    can_change_school,
    home_department,
    home_province,
    offices_visible_to,
    own_schools,
    school_for_user,
    schools_visible_to,
)
from chungtay.accounts.http import AuthenticatedRequest
from chungtay.core import files
from chungtay.core.dates import today
from chungtay.core.forms import StyledForm, submit
from chungtay.core.text import search_key
from chungtay.directory import sheets
from chungtay.directory.forms import (
    IndicatorForm,
    IndicatorValueFilterForm,
    MapDateForm,
    SchoolDetailsForm,
    SchoolFilterForm,
    SelfAssessmentForm,
)
from chungtay.directory.models import (
    REFORM_DATE,
    AdminUnit,
    AreaClassification,
    EducationOffice,
    IndicatorValue,
    SchoolYear,
    UnitLineage,
)
from chungtay.directory.selectors import (
    SchoolFilter,
    area_on,
    lineage_of,
    search_schools,
    units_at,
    with_location_on,
)
from chungtay.directory.services import (
    indicators_of,
    record_self_assessment,
    save_indicator,
    set_emblem,
    update_school_details,
)
from chungtay.partnerships.selectors import twinnings_of_units


@require_GET
@login_required
def unit_list(request: AuthenticatedRequest) -> HttpResponse:
    """The administrative map as it stood on a date: provinces, then a province's districts and wards."""
    form = MapDateForm(request.GET)
    status = 200 if form.is_valid() else 400
    day = form.day()
    parent = None
    parent_id = request.GET.get("parent", "")
    if parent_id:
        if not parent_id.isdigit():
            return render(request, "directory/unit_list.html", {"form": form, "bad_parent": True}, status=400)
        parent = get_object_or_404(AdminUnit, pk=int(parent_id))
        if not parent.is_valid_on(day):
            parent = _counterpart_on(parent, day)
    units = units_at(day, parent=parent) if parent is not None else units_at(day)
    units = units.annotate(child_count=Count("children", filter=Q(children__level__in=["district", "ward"])))
    units = units.prefetch_related("area_classes").order_by("sort_key")
    rows = []
    for unit in units:
        area = next((a.area for a in unit.area_classes.all() if a.is_valid_on(day)), None)
        rows.append((unit, area))
    ancestors: list[AdminUnit] = []
    node = parent
    while node is not None:
        ancestors.insert(0, node)
        node = node.parent
    context = {
        "form": form,
        "day": day,
        "parent": parent,
        "ancestors": ancestors,
        "rows": rows,
        "before_reform": day < REFORM_DATE,
        "reform_date": REFORM_DATE,
    }
    return render(request, "directory/unit_list.html", context, status=status)


def _counterpart_on(unit: AdminUnit, day: object) -> AdminUnit | None:
    """The unit standing for `unit` on `day`: itself, or its successor/predecessor across the reform."""
    if unit.is_valid_on(day):  # type: ignore[arg-type]
        return unit
    if unit.level == AdminUnit.Level.PROVINCE:
        link = UnitLineage.objects.filter(Q(predecessor=unit) | Q(successor=unit)).select_related(
            "predecessor", "successor"
        )
        for row in link:
            other = row.successor if row.predecessor_id == unit.pk else row.predecessor
            if other.is_valid_on(day) and other.code == unit.code:  # type: ignore[arg-type]
                return other
        for row in link:
            other = row.successor if row.predecessor_id == unit.pk else row.predecessor
            if other.is_valid_on(day):  # type: ignore[arg-type]
                return other
    return unit.province if unit.province and unit.province.is_valid_on(day) else None  # type: ignore[arg-type]


@require_GET
@login_required
def unit_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    unit = get_object_or_404(AdminUnit.objects.select_related("parent__parent", "province"), pk=pk)
    day = unit.valid_to or unit.valid_from or today()
    children = unit.children.order_by("sort_key")
    lineage = lineage_of(unit)
    inherited = not unit.education_offices.exists() and bool(lineage.former_districts)
    areas = AreaClassification.objects.filter(unit=unit).order_by("valid_from")
    schools = schools_visible_to(request.user)
    in_unit = (
        Q(locations__unit=unit) | Q(locations__unit__parent=unit) | Q(locations__unit__parent__parent=unit)
    )
    school_count = schools.filter(in_unit).distinct().count()
    context = {
        "unit": unit,
        "children": children,
        "predecessors": lineage.predecessors,
        "successors": lineage.successors,
        "successors_of_wards": lineage.successors_of_wards,
        "former_districts": lineage.former_districts,
        "areas": areas,
        "area_now": area_on(unit, day),
        "school_count": school_count,
        "day": day,
        "twinnings": twinnings_of_units(request.user, unit)
        or twinnings_of_units(request.user, *lineage.former_districts),
        "twinnings_inherited": inherited,
        # "another province" is judged on the map of the offices' units (the former district's)
        "home_province_id": lineage.former_districts[0].province_id if inherited else unit.province_id,
    }
    return render(request, "directory/unit_detail.html", context)


def _filter_form(request: AuthenticatedRequest) -> SchoolFilterForm:
    """The directory's filters, with the offices and units the user may choose from."""
    return SchoolFilterForm(
        request.GET or None,
        offices=offices_visible_to(request.user).order_by("kind", "sort_key"),
        province=home_province(request.user),
    )


@require_GET
@login_required
def school_list(request: AuthenticatedRequest) -> HttpResponse:
    """The school directory: filters, accent-insensitive search ranked by word hits, pagination."""
    form = _filter_form(request)
    status = 200
    page = None
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        filters = form.to_filter() if form.is_bound else SchoolFilter(at=today())
        schools = with_location_on(search_schools(request.user, filters), filters.at)
        paginator = Paginator(schools, settings.DIRECTORY_PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
    template = (
        "directory/_school_results.html" if getattr(request, "htmx", False) else "directory/school_list.html"
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, template, {"form": form, "page": page, "query": query.urlencode()}, status=status)


@require_GET
@login_required
def school_detail(request: AuthenticatedRequest, moet_id: str) -> HttpResponse:
    school = school_for_user(request.user, moet_id)
    locations = school.locations.select_related("unit__parent", "unit__province").order_by("valid_from")
    managements = school.managements.select_related("office").order_by("valid_from")
    yearly = school.yearly.select_related("school_year").order_by("school_year__start_year")
    day = today()
    current = next((loc for loc in locations if loc.is_valid_on(day)), None)
    context = {
        "school": school,
        "locations": [(loc, area_on(loc.unit, loc.valid_to or loc.valid_from or day)) for loc in locations],
        "managements": managements,
        "yearly": yearly,
        "current": current,
        "current_area": area_on(current.unit, day) if current else None,
        "school_years": SchoolYear.objects.all(),
        "can_edit": can_change_school(request.user, school),
        "assessments": _assessment_table(school),
        "indicators": _indicator_table(school),
    }
    return render(request, "directory/school_detail.html", context)


def _indicator_table(school: Any) -> dict[str, object]:
    """The school's indicator values: one row per indicator, one column per school year that has any."""
    values = list(
        IndicatorValue.objects.filter(school=school)
        .select_related("indicator", "school_year")
        .order_by("indicator__code", "school_year__start_year")
    )
    years = sorted({v.school_year for v in values}, key=lambda y: y.start_year)
    by_indicator: dict[Any, dict[int, Any]] = {}
    for v in values:
        by_indicator.setdefault(v.indicator, {})[v.school_year_id] = v.value
    table = [(indicator, [cells.get(y.pk) for y in years]) for indicator, cells in by_indicator.items()]
    return {"years": years, "table": table}


@require_http_methods(["GET", "POST"])
@login_required
def school_edit(request: AuthenticatedRequest, moet_id: str) -> HttpResponse:
    """Correct a school's address and coordinates (leaders of the school, officers, administrators)."""
    school = school_for_user(request.user, moet_id, write=True)
    status = 200
    if request.method == "POST":
        form = SchoolDetailsForm(request.POST)

        def save(data: dict[str, Any]) -> Any:
            update_school_details(
                acting_user=request.user,
                moet_id=school.moet_id,
                expected_version=data["version"],
                address=data["address"],
                latitude=data["latitude"],
                longitude=data["longitude"],
            )

        submitted = submit(form, save)
        if submitted.done:
            messages.success(request, _("The school's details were saved."))
            return redirect("directory:school-detail", moet_id=school.moet_id)
        status = submitted.status
    else:
        form = SchoolDetailsForm(
            initial={
                "address": school.address,
                "latitude": school.latitude,
                "longitude": school.longitude,
                "version": school.version,
            }
        )
    return render(request, "directory/school_edit.html", {"school": school, "form": form}, status=status)


def _assessment_table(school: Any) -> dict[str, object]:
    """Scores by area (rows) and school year (columns)."""
    from chungtay.directory.models import DevelopmentArea, SelfAssessment

    rows = (
        SelfAssessment.objects.filter(school=school)
        .select_related("school_year")
        .order_by("school_year__start_year")
    )
    years = sorted({r.school_year for r in rows}, key=lambda y: y.start_year)
    cells = {(r.area, r.school_year_id): r for r in rows}
    table = [(label, [cells.get((area, y.pk)) for y in years]) for area, label in DevelopmentArea.choices]
    return {"years": years, "table": table}


@require_http_methods(["GET", "POST"])
@login_required
def school_assessment(request: AuthenticatedRequest, moet_id: str) -> HttpResponse:
    """A school's self-assessment of strengths and needs for one school year."""
    from chungtay.core import schoolyears
    from chungtay.directory.models import SelfAssessment

    school = school_for_user(request.user, moet_id, write=True)
    years = list(SchoolYear.objects.order_by("-start_year"))
    wanted = request.POST.get("year") or request.GET.get("year")
    current = schoolyears.start_year_of(today())
    year = next((y for y in years if str(y.start_year) == wanted), None) if wanted else None
    if wanted and year is None:
        return render(
            request, "directory/school_assessment.html", {"school": school, "bad_year": True}, status=400
        )
    year = year or next((y for y in years if y.start_year == current), years[0] if years else None)
    if year is None:
        raise Http404
    existing = {a.area: a for a in SelfAssessment.objects.filter(school=school, school_year=year)}
    initial: dict[str, Any] = {}
    for area, row in existing.items():
        initial[f"score_{area}"] = row.score
        initial[f"note_{area}"] = row.note
    form = SelfAssessmentForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400

        def save(data: dict[str, Any]) -> Any:
            record_self_assessment(
                acting_user=request.user,
                moet_id=school.moet_id,
                school_year=year,
                scores=form.scores(),
            )

        submitted = submit(form, save)
        if submitted.done:
            messages.success(request, _("The self-assessment was saved."))
            return redirect("directory:school-detail", moet_id=school.moet_id)
        status = submitted.status
    context = {"school": school, "form": form, "year": year, "years": years}
    return render(request, "directory/school_assessment.html", context, status=status)


@require_GET
@login_required
def school_export(request: AuthenticatedRequest) -> HttpResponse:
    """The directory's current filter as .xlsx (or `?format=csv`) in the import's columns (export → edit
    → import)."""
    from chungtay.core.spreadsheets import table_response

    form = _filter_form(request)
    if form.is_bound and not form.is_valid():
        return render(
            request, "directory/school_list.html", {"form": form, "page": None, "query": ""}, status=400
        )
    filters = form.to_filter() if form.is_bound else SchoolFilter(at=today())
    filters.own_only = True  # an export is for editing and re-importing: the user's own schools
    rows = sheets.school_rows(search_schools(request.user, filters))
    return table_response(
        rows, stem="danh-sach-truong", sheet="Truong hoc", fmt=request.GET.get("format", "xlsx")
    )


# --- indicators -------------------------------------------------------------------------------------------


@require_GET
@login_required
def indicator_list(request: AuthenticatedRequest) -> HttpResponse:
    """The department's indicators: what each measures and how many values it has."""
    indicators = indicators_of(request.user).annotate(value_count=Count("values"))
    context = {"indicators": indicators, "may_define": is_city_admin(request.user)}
    return render(request, "directory/indicator_list.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def indicator_edit(request: AuthenticatedRequest, pk: int | None = None) -> HttpResponse:
    """Define an indicator or change one (the department's administrator only; version-checked)."""
    if not is_city_admin(request.user):
        raise PermissionDenied
    indicator = get_object_or_404(indicators_of(request.user), pk=pk) if pk is not None else None
    initial = {}
    if indicator is not None:
        names = (
            "code",
            "name",
            "value_type",
            "unit",
            "higher_is_better",
            "description",
            "is_active",
            "version",
        )
        initial = {name: getattr(indicator, name) for name in names}
        initial["levels"] = indicator.level_list
    form = IndicatorForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        submitted = submit(
            form,
            lambda data: save_indicator(
                acting_user=request.user,
                indicator=indicator,
                expected_version=data["version"],
                code=data["code"],
                name=data["name"],
                value_type=data["value_type"],
                unit=data["unit"],
                levels=data["levels"],
                higher_is_better=data["higher_is_better"],
                description=data["description"],
                is_active=data["is_active"],
            ),
            on_fields=True,
        )
        if submitted.done:
            messages.success(request, _("Indicator saved."))
            return redirect("directory:indicator-list")
        status = submitted.status
    return render(
        request, "directory/indicator_form.html", {"form": form, "indicator": indicator}, status=status
    )


@require_GET
@login_required
def indicator_values(request: AuthenticatedRequest) -> HttpResponse:
    """Values of the department's indicators for the schools the user may see, filtered; `?format=xlsx`
    or `csv` downloads them (own schools only) in the indicator import's columns."""
    from chungtay.core.spreadsheets import FORMATS, table_response

    indicators = indicators_of(request.user)
    form = IndicatorValueFilterForm(request.GET or None, indicators=indicators)
    if form.is_bound and not form.is_valid():
        return render(request, "directory/indicator_values.html", {"form": form, "page": None}, status=400)
    data = form.cleaned_data if form.is_bound else {}
    fmt = request.GET.get("format")
    schools = own_schools(request.user) if fmt in FORMATS else schools_visible_to(request.user)
    values = IndicatorValue.objects.filter(indicator__in=indicators, school__in=schools)
    if data.get("indicator"):
        values = values.filter(indicator=data["indicator"])
    if data.get("year"):
        values = values.filter(school_year=data["year"])
    if data.get("q"):
        terms = search_key(data["q"]).split()
        for term in terms:
            values = values.filter(Q(school__name_key__contains=term) | Q(school__moet_id__iexact=term))
    values = values.order_by("indicator__code", "-school_year__start_year", "school__sort_key", "pk")
    if fmt in FORMATS:
        return table_response(sheets.indicator_value_rows(values), stem="chi-so", sheet="Chi so", fmt=fmt)
    figures = values.aggregate(count=Count("pk"), mean=Avg("value"))
    page = Paginator(values.select_related("indicator", "school", "school_year"), 50).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode(), "figures": figures, "data": data}
    return render(request, "directory/indicator_values.html", context)


# --- The department's emblem -----------------------------------------------------------------------------


class EmblemForm(StyledForm):
    emblem = forms.FileField(label=gettext_lazy("Emblem (PNG, JPEG or WebP, up to 2 MB)"), required=False)
    remove = forms.BooleanField(label=gettext_lazy("Remove the emblem"), required=False)

    def clean(self) -> dict[str, Any]:
        values = super().clean() or {}
        if not values.get("remove") and not values.get("emblem"):
            self.add_error("emblem", gettext_lazy("Choose an image, or tick “Remove the emblem”."))
        return values


@require_http_methods(["GET", "POST"])
@login_required
def branding(request: AuthenticatedRequest) -> HttpResponse:
    """The department's administrator sets the emblem shown on the login page and in the menu bar."""
    department = home_department(request.user)
    if department is None or not is_department_admin(request.user, department.pk):
        raise PermissionDenied
    form = EmblemForm(request.POST if request.method == "POST" else None, request.FILES or None)
    status = 200
    if request.method == "POST":
        outcome = submit(
            form,
            lambda values: set_emblem(
                request.user, department, None if values["remove"] else values["emblem"]
            ),
            on_fields=True,
        )
        if outcome.done:
            messages.success(request, _("The emblem was saved."))
            return redirect("directory:branding")
        status = outcome.status
    return render(request, "directory/branding.html", {"form": form, "department": department}, status=status)


@require_GET
def emblem(request: HttpRequest, code: str) -> HttpResponse:
    """A department's emblem, for everyone (the login page shows it before anyone signs in)."""
    office = EducationOffice.objects.filter(code=code, kind=EducationOffice.Kind.DEPARTMENT).first()
    if office is None or not office.emblem:
        raise Http404
    response = files.file_response(office.emblem, download_name=f"{code}.png", content_type=files.PNG)
    response["Cache-Control"] = "public, max-age=3600"
    return response
