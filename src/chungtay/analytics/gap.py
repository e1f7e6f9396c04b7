"""Is the gap closing? For one outcome indicator, the schools of a scope in two groups — inner and outer
city, or supported by the movement and not (yet) — per school year: how many schools, their mean and
median, the mean's 95 % confidence interval, the difference between the groups and its trend over the
years, always with its N.

Rules, stated once:
- a school's **area** is taken on one reference day for every year (by default the phase's start), so a
  series never breaks where the 2025 reform moved a ward across the line; the schools whose class on
  today's map differs are listed;
- a school is **supported** from the school year in which the first agreement of a partnership where it
  is on the supported side came into force; before that, and if it never joined, it is "not (yet)
  supported";
- **weights**: each school counts once (`schools`), or by its pupils of that year (`pupils`; a school
  without a pupil count that year is left out and counted as such);
- **confidence intervals** come from a bootstrap that resamples schools (clusters) with replacement,
  within each group; the trend is the least-squares slope of the yearly difference, its interval from
  the same resampling of whole schools across every year, so a school's years stay together. The
  resampling is seeded: the same data gives the same interval.
- a mean of fewer than 2 schools has no interval; a trend needs at least 2 school years.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django import forms
from django.utils.translation import gettext_lazy as _

from chungtay.access.scopes import schools_visible_to, twinnings_visible_to
from chungtay.analytics.figures import cache_key, school_facts
from chungtay.analytics.query import MAX_TEXT, FigureRequest, FiguresForm
from chungtay.core import schoolyears
from chungtay.core.datacache import cached
from chungtay.core.dates import today, valid_on
from chungtay.core.forms import DayField
from chungtay.directory.models import (
    AreaClass,
    AreaClassification,
    EducationOffice,
    Indicator,
    IndicatorValue,
    School,
    SchoolManagement,
    SchoolYearFigures,
)
from chungtay.partnerships.models import OfficeTwinning, supported_since

RESAMPLES = 1000
SEED = 2022
AREA, SUPPORTED, TWINNING = "area", "supported", "twinning"
SCHOOLS, PUPILS = "schools", "pupils"
# (reference group, group of interest): the difference is the second's mean minus the first's
GROUPS = {
    AREA: ((AreaClass.INNER, _("inner city")), (AreaClass.OUTER, _("outer city"))),
    SUPPORTED: (("not_supported", _("not (yet) supported")), ("supported", _("supported in the movement"))),
    # the two offices of one twinning: the labels are replaced by the offices' names
    TWINNING: (("supporting", _("supporting office")), ("supported", _("supported office"))),
}
ONE_YEAR = _("Values for a single school year: no trend can be drawn.")
EMPTY_GROUP = _("One of the two groups has no school with a value: there is no difference to follow.")
NO_VALUES = _("No school of the scope has a value of this indicator.")


@dataclass
class GroupYear:
    key: str
    label: str
    n: int
    mean: float | None = None
    median: float | None = None
    low: float | None = None
    high: float | None = None
    values: list[float] = field(default_factory=list)  # the schools' values, for the distribution
    unweighted: int = 0  # schools with a value but no pupil count (pupil weights only)


@dataclass
class GapYear:
    start_year: int
    label: str
    groups: list[GroupYear]
    difference: float | None = None  # outer − inner; supported − not (yet) supported
    low: float | None = None
    high: float | None = None


@dataclass
class Gap:
    indicator: Indicator
    compare: str
    weighting: str
    reference_day: dt.date
    years: list[GapYear]
    trend: float | None = None  # change of the difference per school year
    trend_low: float | None = None
    trend_high: float | None = None
    reason: str = ""  # why there is no trend (or no figure at all)
    schools: int = 0
    scope_label: str = ""
    changed_class: list[tuple[School, str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "indicator": self.indicator.code,
            "compare": self.compare,
            "weighting": self.weighting,
            "reference_day": self.reference_day.isoformat(),
            "schools": self.schools,
            "scope": self.scope_label,
            "trend": _round(self.trend),
            "trend_interval": [_round(self.trend_low), _round(self.trend_high)],
            "reason": self.reason,
            "years": [
                {
                    "school_year": year.label,
                    "difference": _round(year.difference),
                    "interval": [_round(year.low), _round(year.high)],
                    "groups": [
                        {
                            "key": group.key,
                            "label": group.label,
                            "n": group.n,
                            "mean": _round(group.mean),
                            "median": _round(group.median),
                            "interval": [_round(group.low), _round(group.high)],
                            "without_pupil_count": group.unweighted,
                        }
                        for group in year.groups
                    ],
                }
                for year in self.years
            ],
            "changed_class": [
                {"moet_id": school.moet_id, "name": school.name, "then": then, "now": now}
                for school, then, now in self.changed_class
            ],
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 4)


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, cumulative[-1] / 2)])


def _means(values: np.ndarray, weights: np.ndarray, picks: np.ndarray) -> np.ndarray:
    """The weighted mean of each resample (a row of `picks`: indexes into the schools)."""
    w = weights[picks]
    return np.asarray((values[picks] * w).sum(axis=1) / w.sum(axis=1))


def _interval(draws: np.ndarray) -> tuple[float, float]:
    low, high = np.nanpercentile(draws, [2.5, 97.5])
    return float(low), float(high)


def _groups_of(
    request: FigureRequest,
    compare: str,
    reference_day: dt.date,
    schools: list[int],
    twinning: OfficeTwinning | None = None,
) -> dict[int, Any]:
    """Each school's group: its area on the reference day, the side of the twinning whose office
    managed it that day, or the school year it joined (None: never)."""
    if compare == TWINNING:
        assert twinning is not None
        sides = {twinning.supporting_office_id: "supporting", twinning.supported_office_id: "supported"}
        managed = SchoolManagement.objects.filter(
            valid_on(reference_day), school_id__in=schools, office_id__in=list(sides)
        ).values_list("school_id", "office_id")
        return {school: sides[office] for school, office in managed}
    if compare == AREA:
        dated = FigureRequest(scope=request.scope, period=request.period, levels=[], area_day=reference_day)
        return dict(school_facts(dated).area)
    return supported_since(schools)


def _key_in(compare: str, group: Any, year: int) -> str | None:
    if compare == AREA:
        return str(group) if group in (AreaClass.INNER, AreaClass.OUTER) else None
    if compare == TWINNING:
        return str(group) if group else None
    return "supported" if group is not None and group <= year else "not_supported"


def gap(
    request: FigureRequest,
    indicator: Indicator,
    *,
    reference_day: dt.date,
    compare: str = AREA,
    weighting: str = SCHOOLS,
    twinning: OfficeTwinning | None = None,
) -> Gap:
    result = Gap(
        indicator=indicator,
        compare=compare,
        weighting=weighting,
        reference_day=reference_day,
        years=[],
        scope_label=request.scope.label,
    )
    rows = list(
        IndicatorValue.objects.filter(indicator=indicator, school__in=request.scope.schools)
        .order_by()
        .values_list("school_id", "school_year__start_year", "value")
    )
    if not rows:
        result.reason = str(NO_VALUES)
        return result
    schools = sorted({school for school, _year, _value in rows})
    index = {school: i for i, school in enumerate(schools)}
    years = sorted({year for _school, year, _value in rows})
    column = {year: j for j, year in enumerate(years)}
    values = np.full((len(schools), len(years)), np.nan)
    for school, year, value in rows:
        values[index[school], column[year]] = float(value)
    weights = np.where(np.isnan(values), 0.0, 1.0)
    missing_weight = np.zeros_like(values, dtype=bool)
    if weighting == PUPILS:
        pupils = np.zeros_like(values)
        for school, year, count in SchoolYearFigures.objects.filter(
            school_id__in=schools, school_year__start_year__in=years
        ).values_list("school_id", "school_year__start_year", "pupils"):
            pupils[index[school], column[year]] = count or 0
        missing_weight = ~np.isnan(values) & (pupils <= 0)
        weights = np.where(np.isnan(values), 0.0, pupils)
    group_of = _groups_of(request, compare, reference_day, schools, twinning)
    keys = np.array(
        [[_key_in(compare, group_of.get(school), year) or "" for year in years] for school in schools]
    )
    result.schools = len(schools)
    labels: dict[str, str] = {key: str(label) for key, label in GROUPS[compare]}
    if twinning is not None and compare == TWINNING:
        labels = {"supporting": twinning.supporting_office.name, "supported": twinning.supported_office.name}
    rng = np.random.default_rng(SEED)
    (first_key, _first), (second_key, _second) = GROUPS[compare]
    for j, year in enumerate(years):
        gap_year = GapYear(start_year=year, label=schoolyears.label(year), groups=[])
        draws = {}
        for key, _label in GROUPS[compare]:
            label = labels[key]
            members = (keys[:, j] == key) & ~np.isnan(values[:, j])
            weighted = members & (weights[:, j] > 0)
            group = GroupYear(
                key=str(key),
                label=str(label),
                n=int(weighted.sum()),
                unweighted=int((members & missing_weight[:, j]).sum()),
                values=[float(v) for v in values[weighted, j]],
            )
            x, w = values[weighted, j], weights[weighted, j]
            if group.n:
                group.mean = float((x * w).sum() / w.sum())
                group.median = _weighted_median(x, w)
            if group.n >= 2:
                picks = rng.integers(0, group.n, size=(RESAMPLES, group.n))
                draws[key] = _means(x, w, picks)
                group.low, group.high = _interval(draws[key])
            gap_year.groups.append(group)
        first, second = gap_year.groups
        if first.mean is not None and second.mean is not None:
            gap_year.difference = second.mean - first.mean
            if first_key in draws and second_key in draws:
                gap_year.low, gap_year.high = _interval(draws[second_key] - draws[first_key])
        result.years.append(gap_year)
    differences = [year.difference for year in result.years]
    usable = [j for j, d in enumerate(differences) if d is not None]
    if len(usable) < 2:
        empty = any(group.n == 0 for year in result.years for group in year.groups)
        result.reason = str(EMPTY_GROUP if empty and len(years) >= 2 else ONE_YEAR)
    else:
        result.trend, result.trend_low, result.trend_high = _trend(
            values, weights, keys, np.array(years, dtype=float), (first_key, second_key), rng
        )
    if compare == AREA:
        result.changed_class = _changed_class(request, group_of, schools)
    return result


def _group_means(values: np.ndarray, weights: np.ndarray, member: np.ndarray) -> np.ndarray:
    """Per year (last axis), the weighted mean of the members' values; NaN where none."""
    x = np.where(member, np.nan_to_num(values), 0.0)
    w = np.where(member, weights, 0.0)
    total = w.sum(axis=-2)
    return np.asarray((x * w).sum(axis=-2) / np.where(total > 0, total, np.nan))


def _slopes(differences: np.ndarray, years: np.ndarray) -> np.ndarray:
    """The least-squares slope of each row over the years it has."""
    slopes = np.full(differences.shape[0], np.nan)
    for i, row in enumerate(differences):
        ok = ~np.isnan(row)
        if ok.sum() >= 2:
            slopes[i] = np.polyfit(years[ok], row[ok], 1)[0]
    return slopes


def _trend(
    values: np.ndarray,
    weights: np.ndarray,
    keys: np.ndarray,
    years: np.ndarray,
    pair: tuple[str, str],
    rng: np.random.Generator,
) -> tuple[float, float | None, float | None]:
    """The slope of (second − first) over the years, and its interval from resampling, within each
    group, the schools that were ever in it, each with all its years."""
    first, second = (_group_means(values, weights, keys == key) for key in pair)
    point = float(_slopes((second - first)[None, :], years)[0])
    rows = {key: np.flatnonzero((keys == key).any(axis=1)) for key in pair}
    if any(len(found) < 2 for found in rows.values()):
        return point, None, None
    draws = []
    for _chunk in range(RESAMPLES // 100):  # 100 resamples at a time: memory stays small
        means = []
        for key in pair:
            picks = rows[key][rng.integers(0, len(rows[key]), size=(100, len(rows[key])))]
            means.append(_group_means(values[picks], weights[picks], keys[picks] == key))
        draws.append(_slopes(means[1] - means[0], years))
    low, high = _interval(np.concatenate(draws))
    return point, low, high


def _changed_class(
    request: FigureRequest, then: dict[int, Any], schools: list[int]
) -> list[tuple[School, str, str]]:
    """Schools whose class on today's map differs from the reference day's."""
    now_request = FigureRequest(scope=request.scope, period=request.period, levels=[], area_day=today())
    now = school_facts(now_request).area
    labels = dict(AreaClass.choices)
    changed = [pk for pk in schools if then.get(pk) and now.get(pk) and then[pk] != now[pk]]
    by_pk = School.objects.in_bulk(changed)
    return sorted(
        (
            (by_pk[pk], str(labels.get(then[pk], then[pk])), str(labels.get(now[pk], now[pk])))
            for pk in changed
        ),
        key=lambda row: row[0].name,
    )


INDICATOR_UNKNOWN = _("There is no indicator “%(code)s” in your department. Choose one of: %(codes)s.")
NO_MAP = _("The map has no inner/outer classification on %(day)s: choose a day from %(first)s on.")
INDICATOR_NEEDED = _("Choose an indicator.")
TWINNING_UNKNOWN = _("Choose one of the twinnings you see.")
MAP_TO_COME = _("%(day)s has not come yet and its map is not known: choose a day up to today.")


def _twinning_scope(request: FigureRequest, twinning: OfficeTwinning, user: Any) -> FigureRequest:
    """The schools of both offices of a twinning that the user sees (an officer's own scope holds only
    their own office's)."""
    offices = [twinning.supporting_office_id, twinning.supported_office_id]
    schools = schools_visible_to(user).filter(managements__office_id__in=offices).distinct()
    label = f"{twinning.supporting_office.short_name} – {twinning.supported_office.short_name}"
    scope = dataclasses.replace(request.scope, schools=schools, label=label, whole_department=False)
    return dataclasses.replace(request, scope=scope, memo={})


def active_indicators(department: EducationOffice | None) -> list[Indicator]:
    """The department's outcome indicators in use, by code: what the pages offer and the public page
    shows."""
    if department is None:
        return []
    return list(Indicator.objects.filter(department=department, is_active=True).order_by("code"))


class IndicatorForm(FiguresForm):
    """The figures' scope parameters plus one outcome indicator of the department (its code; the first by
    default): what the gap and the impact estimate read."""

    indicator = forms.CharField(required=False, max_length=MAX_TEXT, label=_("Indicator"))

    def indicators(self) -> list[Indicator]:
        return active_indicators(self.department)

    def clean_indicator(self) -> Indicator:
        code = (self.cleaned_data.get("indicator") or "").strip()
        found = {i.code: i for i in self.indicators()}
        if not code:
            if found:
                return next(iter(found.values()))
            raise forms.ValidationError(INDICATOR_NEEDED, code="required")
        if code not in found:
            raise forms.ValidationError(
                INDICATOR_UNKNOWN % {"code": code[:30], "codes": ", ".join(found) or "—"}, code="unknown"
            )
        return found[code]


class GapForm(IndicatorForm):
    """The figures' parameters (the scope; the period only narrows which schools an office scope
    counts) plus the indicator (its code), the reference day of the areas (dd/mm/yyyy, default the
    phase's start), the comparison (area or supported) and the weights (schools or pupils)."""

    reference = DayField(required=False, label=_("Areas as on"))
    compare = forms.ChoiceField(
        required=False,
        choices=[
            (AREA, _("inner and outer city")),
            (SUPPORTED, _("supported and not (yet) supported")),
            (TWINNING, _("the two offices of a twinning")),
        ],
        label=_("Compare"),
    )
    weighting = forms.ChoiceField(
        required=False,
        choices=[(SCHOOLS, _("each school once")), (PUPILS, _("by pupils"))],
        label=_("Weights"),
    )

    def twinnings(self) -> list[OfficeTwinning]:
        return list(
            twinnings_visible_to(self.user)
            .select_related("supporting_office", "supported_office")
            .order_by("supported_office__name", "supporting_office__name")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("compare") == TWINNING:
            chosen = data.get("twinning")
            found = {t.pk: t for t in self.twinnings()}
            if not chosen and found:
                data["twinning"] = next(iter(found.values()))
            elif chosen not in found:
                self.add_error("twinning", TWINNING_UNKNOWN)
            else:
                data["twinning"] = found[chosen]
        return data

    def clean_reference(self) -> dt.date | None:
        day: dt.date | None = self.cleaned_data.get("reference")
        if day is None:
            return None
        if day > today():
            message = MAP_TO_COME % {"day": day.strftime("%d/%m/%Y")}
            raise forms.ValidationError(message, code="future")
        if not AreaClassification.objects.filter(valid_on(day)).exists():
            starts = AreaClassification.objects.exclude(valid_from=None).order_by("valid_from")
            first = starts.values_list("valid_from", flat=True).first()
            since = first.strftime("%d/%m/%Y") if first else "—"
            raise forms.ValidationError(
                NO_MAP % {"day": day.strftime("%d/%m/%Y"), "first": since}, code="no_map"
            )
        return day

    def gap(self, request: FigureRequest | None = None) -> Gap:
        """The gap the valid form describes (Http404 for a scope outside the user's)."""
        request = request or self.resolve()
        data = self.cleaned_data
        reference = data.get("reference") or request.area_day or request.period.start
        compare, weighting = data.get("compare") or AREA, data.get("weighting") or SCHOOLS
        twinning = data.get("twinning") if compare == TWINNING else None
        twinning_key = twinning.pk if isinstance(twinning, OfficeTwinning) else None
        if isinstance(twinning, OfficeTwinning):
            request = _twinning_scope(request, twinning, self.user)
        key = cache_key(request, "gap", data["indicator"].pk, reference, compare, weighting, twinning_key)
        return cached(
            key,
            lambda: gap(
                request,
                data["indicator"],
                reference_day=reference,
                compare=compare,
                weighting=weighting,
                twinning=twinning,
            ),
        )
