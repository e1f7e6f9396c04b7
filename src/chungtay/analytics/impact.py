"""Did twinning help? For one outcome indicator and the schools of a scope, the change in the indicator
associated with joining the movement on the supported side, estimated by difference-in-differences for
staggered adoption (Callaway and Sant'Anna, 2021, as implemented by the `diff-diff` library), with an
event study, a pre-trend check, a dose view and a plain two-way fixed-effects regression as a check.

Rules, stated once:
- a school is **treated** from the school year in which the first agreement of a partnership where it is
  on the supported side came into force (`partnerships.models.supported_since`); the schools that joined
  in one school year form a **cohort**;
- **comparison schools**: `not_yet` (default) — schools never supported and, until they join, those that
  join later; `never` — only schools never supported. Schools that only support others are left out of
  both: they take part in the movement too, so they are no comparison (their number is shown);
- **not estimable**, with the reason instead of a number: no values; values for a single school year; an
  outcome at its ceiling (more than a quarter of all values within 1 % of the indicator's range from its
  top, e.g. graduation rates of 99 % or more); no cohort left after these rules, each cohort being left
  out when it has fewer than `MIN_COHORT` schools with values, fewer than `MIN_PRE_YEARS` school years
  of values before it joined, no value after it joined, or fewer than `MIN_COHORT` comparison schools
  once it joined; no supported school; pre-trends that fail (a joint test that the effects before
  joining are all zero rejects at 5 %: a Wald test, or with few schools the Bonferroni bound on the
  bootstrap p-values; the event study is still shown, so the reader sees why);
- **inference**: standard errors from the estimator's influence function, clustered by school (every
  school's years together); with fewer than `FEW_SCHOOLS` schools in the estimate, a wild bootstrap of
  the clusters instead (Webb weights, 999 draws, seeded);
- the **event study** is relative to the last school year before joining (`e = -1`, the reference);
- the **dose view** splits the treated schools at the median number of held activities they took part in
  during the school year they joined, and estimates each half against the same comparison schools;
- the **check**: a two-way fixed-effects regression (school and school year effects) of the indicator
  on "supported by then", on the same schools, with statsmodels and standard errors clustered by school.
  With effects that differ between cohorts it can be biased, which is why it is a check and not the
  headline;
- wording: an estimate is a change **associated with** joining; it is not proof that twinning caused it.
"""

from __future__ import annotations

import functools
import hashlib
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from django import forms
from django.core.cache import cache
from django.db.models import Count
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from chungtay.activities.models import ActivityFact
from chungtay.analytics import estimates
from chungtay.analytics.figures import cache_key
from chungtay.analytics.gap import IndicatorForm
from chungtay.analytics.query import MAX_TEXT, FigureRequest, query_params
from chungtay.core import schoolyears
from chungtay.core import tasks as core_tasks
from chungtay.directory.models import Indicator, IndicatorValue
from chungtay.partnerships.models import PartnershipMember, Side, supported_since

MIN_COHORT = 5
MIN_PRE_YEARS = 2
CEILING_SHARE = 0.25
CEILING_BAND = 0.01  # of the indicator's range, from its top
FEW_SCHOOLS = 50
BOOTSTRAP_DRAWS = 999
SEED = 2022
ALPHA = 0.05
NOT_YET, NEVER = "not_yet", "never"
ANALYTIC, BOOTSTRAP = "analytic", "bootstrap"
PENDING_SECONDS = 15 * 60  # a computation not finished by then is asked for again
RULES = 1  # raise when the rules above change: stored estimates of older rules are then computed anew

NO_VALUES = _("No school of the scope has a value of this indicator.")
ONE_YEAR = _("The indicator has values for a single school year: there is no before and after to compare.")
CEILING = _(
    "%(share)s of the values are within %(band)s of the indicator's top (%(top)s): an outcome at its "
    "ceiling cannot show an improvement, so no effect is estimated."
)
NO_COHORT = _("No cohort of supported schools meets the rules below, so no effect can be estimated.")
COHORT_EMPTY = _("No supported school of the scope joined in %(year)s.")
NO_CONTROL = _(
    "Fewer than %(n)s comparison schools are left: the other schools with values joined the movement or "
    "support it."
)
NO_SUPPORTED = _("No school of the scope with values joined the movement on the supported side.")
PRETRENDS = _(
    "Before joining, the supported schools already moved differently from the comparison schools "
    "(joint test of the years before joining: p = %(p)s). The comparison is not credible, so no effect "
    "is given; the chart shows the years before joining."
)
FAILED = _("The estimator could not use these data (%(error)s).")
THIN = _("fewer than %(n)s schools with values")
FEW_PRE = _("fewer than %(n)s school years of values before joining")
NO_POST = _("no value after joining")
FEW_CONTROLS = _("fewer than %(n)s comparison schools once it joined")
NOT_CHOSEN = _("not the cohort asked for")
FEWER, MORE = "fewer", "more"
DOSE_LABELS = {FEWER: _("fewer activities"), MORE: _("more activities")}


class NotEstimable(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Cohort:
    start_year: int
    label: str
    schools: int
    pre_years: int
    included: bool = True
    reason: str = ""
    code: str = ""  # why it is left out: not_chosen, thin, few_years, no_post, few_controls

    def leave_out(self, code: str, reason: str) -> None:
        self.included, self.code, self.reason = False, code, reason


@dataclass
class Effect:
    att: float
    se: float | None
    low: float | None
    high: float | None
    p_value: float | None
    treated: int  # supported schools in the estimate
    controls: int  # comparison schools in the estimate


@dataclass
class EventTime:
    e: int
    att: float | None
    low: float | None
    high: float | None
    schools: int  # supported schools with a value that many years from joining
    reference: bool = False


@dataclass
class DoseGroup:
    key: str
    label: str
    schools: int
    fewest: int  # held activities in the joining year, the group's range
    most: int
    effect: Effect | None = None
    reason: str = ""


@dataclass
class Impact:
    indicator: Indicator
    control: str
    scope_label: str
    cohort_filter: int | None = None
    years: list[int] = field(default_factory=list)
    cohorts: list[Cohort] = field(default_factory=list)
    schools: int = 0  # schools of the scope with values
    treated: int = 0
    controls: int = 0
    supporting_left_out: int = 0
    observations: int = 0
    effect: Effect | None = None
    reason: str = ""
    event_study: list[EventTime] = field(default_factory=list)
    pretrend_p: float | None = None
    twfe: Effect | None = None
    dose: list[DoseGroup] = field(default_factory=list)
    inference: str = ANALYTIC
    ceiling_share: float | None = None

    @property
    def estimable(self) -> bool:
        return self.effect is not None and not self.reason

    @property
    def years_label(self) -> str:
        return (
            f"{schoolyears.label(self.years[0])} – {schoolyears.label(self.years[-1])}" if self.years else ""
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "indicator": self.indicator.code,
            "control": self.control,
            "cohort": schoolyears.label(self.cohort_filter) if self.cohort_filter else None,
            "scope": self.scope_label,
            "school_years": [schoolyears.label(y) for y in self.years],
            "estimable": self.estimable,
            "reason": self.reason,
            "schools_with_values": self.schools,
            "treated_schools": self.treated,
            "comparison_schools": self.controls,
            "supporting_schools_left_out": self.supporting_left_out,
            "observations": self.observations,
            "inference": self.inference,
            "effect": _effect_dict(self.effect if self.estimable else None),
            "pretrend_p": _round(self.pretrend_p),
            "cohorts": [
                {
                    "school_year": c.label,
                    "left_out_because": c.code or None,
                    "schools": c.schools,
                    "years_before": c.pre_years,
                    "included": c.included,
                    "reason": c.reason,
                }
                for c in self.cohorts
            ],
            "event_study": [
                {
                    "years_from_joining": p.e,
                    "effect": _round(p.att),
                    "interval": [_round(p.low), _round(p.high)],
                    "schools": p.schools,
                    "reference": p.reference,
                }
                for p in self.event_study
            ],
            "dose": [
                {
                    "group": d.key,
                    "label": d.label,
                    "schools": d.schools,
                    "activities_in_joining_year": [d.fewest, d.most],
                    "effect": _effect_dict(d.effect),
                    "reason": d.reason,
                }
                for d in self.dose
            ],
            "twfe_check": _effect_dict(self.twfe),
        }


def _round(value: float | None) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), 4)


def _effect_dict(effect: Effect | None) -> dict[str, Any] | None:
    if effect is None:
        return None
    return {
        "estimate": _round(effect.att),
        "standard_error": _round(effect.se),
        "interval": [_round(effect.low), _round(effect.high)],
        "p_value": _round(effect.p_value),
        "treated_schools": effect.treated,
        "comparison_schools": effect.controls,
    }


def _finite(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if np.isfinite(number) else None


@dataclass
class _Panel:
    schools: np.ndarray  # one row per observation
    years: np.ndarray
    values: np.ndarray
    first: np.ndarray  # the school's cohort (start year), 0 for a comparison school


def _select_cohorts(
    cohorts: dict[int, set[int]],
    years_of: dict[int, set[int]],
    controls: set[int],
    control: str,
    only: int | None,
) -> list[Cohort]:
    """Each cohort with whether it enters the estimate, and why not (the module's rules)."""
    rows = []
    for start in sorted(cohorts):
        members = cohorts[start]
        seen = set().union(*(years_of[s] for s in members))
        row = Cohort(
            start_year=start,
            label=schoolyears.label(start),
            schools=len(members),
            pre_years=len({y for y in seen if y < start}),
        )
        if only is not None and start != only:
            row.leave_out("not_chosen", str(NOT_CHOSEN))
        elif row.schools < MIN_COHORT:
            row.leave_out("thin", str(THIN % {"n": MIN_COHORT}))
        elif row.pre_years < MIN_PRE_YEARS:
            row.leave_out("few_years", str(FEW_PRE % {"n": MIN_PRE_YEARS}))
        elif not any(y >= start for y in seen):
            row.leave_out("no_post", str(NO_POST))
        rows.append(row)
    # a cohort needs at least MIN_COHORT comparison schools in the year it joins: never supported ones
    # and (not yet) the schools of later cohorts. A cohort left out for want of them still compares the
    # earlier cohorts until it joins (`_treated`), so the latest is decided first.
    waiting = 0
    for row in reversed(rows):
        comparison = len(controls) + (waiting if control == NOT_YET else 0)
        if row.included and comparison < MIN_COHORT:
            row.leave_out("few_controls", str(FEW_CONTROLS % {"n": MIN_COHORT}))
        if row.included or row.code == "few_controls":
            waiting += row.schools
    return rows


def _treated(
    chosen: list[Cohort], cohorts: dict[int, set[int]], control: str
) -> tuple[dict[int, int], dict[int, int]]:
    """The schools of the cohorts in the estimate, each with its cohort; and, with not yet supported
    comparison schools, those of the cohorts left out only because nobody compares them once they joined:
    theirs still compare the earlier cohorts before they join."""
    first = {s: c.start_year for c in chosen if c.included for s in cohorts[c.start_year]}
    waiting = {
        s: c.start_year
        for c in chosen
        if control == NOT_YET and c.code == "few_controls"
        for s in cohorts[c.start_year]
    }
    return first, waiting


def _fit(panel: _Panel, control: str, inference: str) -> tuple[Any, Any]:
    """The Callaway–Sant'Anna fit and its event study (diff-diff)."""
    import pandas as pd
    from diff_diff import CallawaySantAnna

    frame = pd.DataFrame(
        {"school": panel.schools, "year": panel.years, "value": panel.values, "first": panel.first}
    )
    estimator = CallawaySantAnna(
        control_group="never_treated" if control == NEVER else "not_yet_treated",
        estimation_method="reg",
        base_period="universal",
        alpha=ALPHA,
        n_bootstrap=BOOTSTRAP_DRAWS if inference == BOOTSTRAP else 0,
        bootstrap_weights="webb" if inference == BOOTSTRAP else None,
        seed=SEED,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = estimator.fit(frame, outcome="value", unit="school", time="year", first_treat="first")
            study = result.aggregate("event_study")
        except (ValueError, np.linalg.LinAlgError, KeyError, ZeroDivisionError) as error:
            raise NotEstimable(str(FAILED % {"error": str(error)[:200]})) from error
    return result, study


def _effect(result: Any, treated: int, controls: int) -> Effect:
    att = _finite(result.overall_att)
    if att is None:
        raise NotEstimable(str(FAILED % {"error": "no finite estimate"}))
    low, high = result.overall_conf_int
    return Effect(
        att=att,
        se=_finite(result.overall_se),
        low=_finite(low),
        high=_finite(high),
        p_value=_finite(result.overall_p_value),
        treated=treated,
        controls=controls,
    )


def _pretrend_p(study: Any, inference: str) -> float | None:
    """The p-value of a joint test that every effect before joining (e ≤ −2) is zero: a Wald test on
    their covariance; with few schools (bootstrap), the Bonferroni bound on their bootstrap p-values
    instead, as the analytical covariance of a few schools is too narrow and rejects too often."""
    from scipy import stats

    table = study.to_dataframe()
    pre = table[(table.event_time <= -2) & ~table.is_reference & table.se.notna() & (table.se > 0)]
    if pre.empty:
        return None
    if inference == BOOTSTRAP:
        p_values = pre.p_value.dropna().to_numpy(dtype=float)
        return float(min(1.0, p_values.min() * len(p_values))) if len(p_values) else None
    index = [int(e) for e in np.asarray(study.vcov_index)] if study.vcov is not None else []
    chosen = [int(e) for e in pre.event_time]
    effects = pre.att.to_numpy(dtype=float)
    if index and all(e in index for e in chosen):
        positions = [index.index(e) for e in chosen]
        vcov = np.asarray(study.vcov, dtype=float)[np.ix_(positions, positions)]
    else:
        vcov = np.diag(pre.se.to_numpy(dtype=float) ** 2)
    statistic = float(effects @ np.linalg.pinv(vcov) @ effects)
    return float(stats.chi2.sf(statistic, len(chosen)))


def _event_study(study: Any, panel: _Panel, estimated: set[int]) -> list[EventTime]:
    treated = (panel.first > 0) & np.isin(panel.schools, list(estimated))
    relative = panel.years[treated] - panel.first[treated]
    schools_at: dict[int, set[int]] = {}
    for e, school in zip(relative.tolist(), panel.schools[treated].tolist(), strict=True):
        schools_at.setdefault(int(e), set()).add(int(school))
    points = []
    for row in study.to_dataframe().itertuples():
        e = int(row.event_time)
        points.append(
            EventTime(
                e=e,
                att=_finite(row.att),
                low=_finite(row.conf_int_lower),
                high=_finite(row.conf_int_upper),
                schools=len(schools_at.get(e, ())),
                reference=bool(row.is_reference),
            )
        )
    return points


def _within(values: np.ndarray, schools: np.ndarray, years: np.ndarray) -> np.ndarray:
    """`values` with school and year means swept out (alternating projections: exact on a balanced panel,
    converging on an unbalanced one)."""
    _s, school_index = np.unique(schools, return_inverse=True)
    _y, year_index = np.unique(years, return_inverse=True)
    school_n = np.bincount(school_index).astype(float)
    year_n = np.bincount(year_index).astype(float)
    out = values.astype(float).copy()
    for _sweep in range(200):
        out -= (np.bincount(school_index, out) / school_n)[school_index]
        year_means = np.bincount(year_index, out) / year_n
        out -= year_means[year_index]
        if np.abs(year_means).max() < 1e-10:
            break
    return out


def _twfe(panel: _Panel, treated: int, controls: int) -> Effect | None:
    """The check: a two-way fixed-effects regression of the value on "supported by then" (statsmodels),
    standard errors clustered by school."""
    import statsmodels.api as sm

    supported = ((panel.first > 0) & (panel.years >= panel.first)).astype(float)
    y = _within(panel.values, panel.schools, panel.years)
    d = _within(supported, panel.schools, panel.years)
    if not np.any(np.abs(d) > 1e-12):
        return None
    fit = sm.OLS(y, d[:, None]).fit(cov_type="cluster", cov_kwds={"groups": panel.schools})
    low, high = fit.conf_int(alpha=ALPHA)[0]
    return Effect(
        att=float(fit.params[0]),
        se=float(fit.bse[0]),
        low=float(low),
        high=float(high),
        p_value=float(fit.pvalues[0]),
        treated=treated,
        controls=controls,
    )


def _panel(rows: list[tuple[int, int, float]], first: dict[int, int], keep: set[int]) -> _Panel:
    kept = [(s, y, v) for s, y, v in rows if s in keep]
    schools = np.array([s for s, _y, _v in kept], dtype=np.int64)
    return _Panel(
        schools=schools,
        years=np.array([y for _s, y, _v in kept], dtype=np.int64),
        values=np.array([v for _s, _y, v in kept], dtype=float),
        first=np.array([first.get(int(s), 0) for s in schools], dtype=np.int64),
    )


def _activities_in_joining_year(first: dict[int, int]) -> dict[int, int]:
    """Held activities each treated school took part in during the school year it joined."""
    counts = dict.fromkeys(first, 0)
    by_year: dict[int, list[int]] = {}
    for school, start in first.items():
        by_year.setdefault(start, []).append(school)
    for start, schools in by_year.items():
        begins, ends = schoolyears.bounds(start)
        for school, n in (
            ActivityFact.objects.filter(school_id__in=schools, held_on__gte=begins, held_on__lte=ends)
            .values_list("school_id")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            counts[school] = n
    return counts


def _dose(
    rows: list[tuple[int, int, float]],
    first: dict[int, int],
    controls: set[int],
    years_of: dict[int, set[int]],
    control: str,
    inference: str,
    activities_of: Callable[[dict[int, int]], dict[int, int]],
) -> list[DoseGroup]:
    activities = activities_of(first)
    if not activities:
        return []
    median = float(np.median(list(activities.values())))
    halves = {
        FEWER: {s for s, n in activities.items() if n <= median},
        MORE: {s for s, n in activities.items() if n > median},
    }
    groups = []
    for key, members in halves.items():
        counts = [activities[s] for s in members] or [0]
        group = DoseGroup(
            key=key, label=str(DOSE_LABELS[key]), schools=len(members), fewest=min(counts), most=max(counts)
        )
        cohorts: dict[int, set[int]] = {}
        for school in members:
            cohorts.setdefault(first[school], set()).add(school)
        included, waiting = _treated(
            _select_cohorts(cohorts, years_of, controls, control, None), cohorts, control
        )
        if not included:
            group.reason = str(NO_COHORT)
        else:
            try:
                panel = _panel(rows, {**waiting, **included}, set(included) | set(waiting) | controls)
                result, _study = _fit(panel, control, inference)
                group.effect = _effect(result, len(included), len(controls))
            except NotEstimable as error:
                group.reason = error.reason
        groups.append(group)
    return groups


@dataclass
class Sources:
    """What an estimate reads: the (school, start year, value) rows of the indicator in the scope, and
    three look-ups on the schools with values — when each joined on the supported side, which only
    support others, and each treated school's held activities in its joining year. `impact` reads them
    from the database; the national benchmark makes them."""

    rows: list[tuple[int, int, float]]
    joined: Callable[[set[int]], dict[int, int]]
    supporting: Callable[[set[int]], set[int]]
    activities: Callable[[dict[int, int]], dict[int, int]]


def _supporting_only(schools: set[int]) -> set[int]:
    return set(
        PartnershipMember.objects.filter(school_id__in=schools, side=Side.SUPPORTING).values_list(
            "school_id", flat=True
        )
    )


def impact(
    request: FigureRequest, indicator: Indicator, *, control: str = NOT_YET, cohort: int | None = None
) -> Impact:
    rows = [
        (school, year, float(value))
        for school, year, value in IndicatorValue.objects.filter(
            indicator=indicator, school__in=request.scope.schools
        )
        .order_by()
        .values_list("school_id", "school_year__start_year", "value")
    ]
    sources = Sources(
        rows=rows, joined=supported_since, supporting=_supporting_only, activities=_activities_in_joining_year
    )
    return estimate(sources, indicator, control=control, cohort=cohort, scope_label=request.scope.label)


def estimate(
    sources: Sources,
    indicator: Indicator,
    *,
    control: str = NOT_YET,
    cohort: int | None = None,
    scope_label: str = "",
) -> Impact:
    """The module's rules applied to `sources` (see the top of the module)."""
    rows = sources.rows
    result = Impact(indicator=indicator, control=control, scope_label=scope_label, cohort_filter=cohort)
    if not rows:
        result.reason = str(NO_VALUES)
        return result
    result.years = sorted({year for _s, year, _v in rows})
    with_values = {school for school, _y, _v in rows}
    result.schools = len(with_values)
    if len(result.years) < 2:
        result.reason = str(ONE_YEAR)
        return result
    values = np.array([v for _s, _y, v in rows])
    low, high = indicator.bounds
    if low is not None and high is not None:
        band = (high - low) * CEILING_BAND
        result.ceiling_share = float(np.mean(values >= high - band))
        if result.ceiling_share > CEILING_SHARE:
            result.reason = str(
                CEILING
                % {
                    "share": f"{result.ceiling_share * 100:.0f} %",
                    "band": f"{band:g}",
                    "top": f"{high:g}",
                }
            )
            return result
    joined = sources.joined(with_values)
    supporting = sources.supporting(with_values) - set(joined)
    result.supporting_left_out = len(supporting)
    controls = with_values - set(joined) - supporting
    result.controls = len(controls)
    years_of: dict[int, set[int]] = {}
    for school, year, _v in rows:
        years_of.setdefault(school, set()).add(year)
    cohorts: dict[int, set[int]] = {}
    for school, start in joined.items():
        cohorts.setdefault(start, set()).add(school)
    result.cohorts = _select_cohorts(cohorts, years_of, controls, control, cohort)
    if cohort is not None and cohort not in cohorts:
        result.reason = str(COHORT_EMPTY % {"year": schoolyears.label(cohort)})
        return result
    if not controls and control == NEVER:
        result.reason = str(NO_CONTROL % {"n": MIN_COHORT})
        return result
    first, waiting = _treated(result.cohorts, cohorts, control)
    if not first:
        if not result.cohorts:
            result.reason = str(NO_SUPPORTED)
        elif all(c.code == "few_controls" for c in result.cohorts):
            result.reason = str(NO_CONTROL % {"n": MIN_COHORT})
        else:
            result.reason = str(NO_COHORT)
        return result
    result.treated = len(first)
    result.inference = BOOTSTRAP if len(first) + len(controls) < FEW_SCHOOLS else ANALYTIC
    panel = _panel(rows, {**waiting, **first}, set(first) | set(waiting) | controls)
    result.observations = len(panel.values)
    try:
        fitted, study = _fit(panel, control, result.inference)
        result.effect = _effect(fitted, len(first), len(controls))
    except NotEstimable as error:
        result.reason = error.reason
        return result
    result.event_study = _event_study(study, panel, set(first))
    result.pretrend_p = _pretrend_p(study, result.inference)
    if result.pretrend_p is not None and result.pretrend_p < ALPHA:
        result.reason = str(PRETRENDS % {"p": f"{result.pretrend_p:.3f}"})
    result.twfe = _twfe(panel, len(first), len(controls))
    result.dose = _dose(rows, first, controls, years_of, control, result.inference, sources.activities)
    return result


@functools.cache
def _catalogues() -> str:
    """A stamp of the compiled translations: a stored estimate holds its reasons and labels in words, so
    a release with new wording computes anew instead of showing the old."""
    locale = Path(__file__).resolve().parent.parent / "locale"
    digest = hashlib.sha256()
    for path in sorted(locale.glob("*/LC_MESSAGES/django.mo")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


COHORT_INVALID = _("Write the school year the cohort joined as 2023-2024.")
_YEAR = re.compile(r"^\s*(\d{4})\s*(?:[-–/]\s*(\d{4}))?\s*$")


class ImpactForm(IndicatorForm):
    """The figures' scope parameters plus the indicator (its code), the comparison schools (`not_yet`:
    never and not yet supported; `never`: never supported) and optionally one cohort (the school year it
    joined, 2023-2024)."""

    control = forms.ChoiceField(
        required=False,
        choices=[
            (NOT_YET, _("never and not yet supported schools")),
            (NEVER, _("never supported schools only")),
        ],
        label=_("Compared with"),
    )
    cohort = forms.CharField(required=False, max_length=MAX_TEXT, label=_("Cohort (school year it joined)"))

    def clean_cohort(self) -> int | None:
        text = self.cleaned_data.get("cohort") or ""
        if not text.strip():
            return None
        match = _YEAR.match(text)
        if not match or (match.group(2) and int(match.group(2)) != int(match.group(1)) + 1):
            raise forms.ValidationError(COHORT_INVALID, code="invalid")
        return int(match.group(1))

    def options(self) -> tuple[Indicator, str, int | None]:
        data = self.cleaned_data
        return data["indicator"], data.get("control") or NOT_YET, data.get("cohort")

    def key(self, request: FigureRequest) -> str:
        indicator, control, cohort = self.options()
        return cache_key(request, "impact", RULES, _catalogues(), indicator.pk, control, cohort)

    def compute(self, request: FigureRequest) -> Impact:
        indicator, control, cohort = self.options()
        return impact(request, indicator, control=control, cohort=cohort)


READY, COMPUTING, FAILED_STATE = "ready", "computing", "failed"


@dataclass
class ImpactState:
    state: str
    impact: Impact | None = None


def _pending_key(key: str) -> str:
    return "impact-pending:" + key


def _queue_once(task_function: Any, key: str, *args: Any, again: bool = False) -> str:
    """Queue the task computing the estimate under `key`, unless one for it waits or runs (its id is kept
    in the cache): COMPUTING; or FAILED_STATE when the last one failed (reported once: its id is dropped,
    so the next ask queues again)."""
    pending = cache.get(_pending_key(key))
    if pending and not again:
        status = core_tasks.task_status(task_function, pending)
        if status in ("READY", "RUNNING"):
            return COMPUTING
        if status == "FAILED":
            cache.delete(_pending_key(key))
            return FAILED_STATE
    queued = task_function.enqueue(*args)
    cache.set(_pending_key(key), str(queued.id), PENDING_SECONDS)
    return COMPUTING


def impact_state(form: ImpactForm, request: FigureRequest, *, again: bool = False) -> ImpactState:
    """The estimate the valid form asks for, read from the stored estimates; when it is not there, a task
    for the worker is queued (once: a second request while it runs waits for the same task, whose id the
    cache keeps) and the state says it is being computed. A task that failed is reported once, then asked
    for again."""
    key = form.key(request)
    found = estimates.read(key)
    if found is not None:
        return ImpactState(READY, found)
    data = form.data
    params = {name: data.getlist(name) if hasattr(data, "getlist") else [str(data[name])] for name in data}
    state = _queue_once(compute_impact, key, form.user.pk, params, key, get_language() or "vi", again=again)
    if state == FAILED_STATE:
        return ImpactState(FAILED_STATE)
    found = estimates.read(key)  # an immediate backend has computed it already
    return ImpactState(READY, found) if found is not None else ImpactState(COMPUTING)


@task()
def compute_impact(user_id: int, params: dict[str, list[str]], key: str, language: str) -> str:
    """The worker's side: the same form for the same user, in the page's language, computed and stored
    under the key the page asked for (and under the key of now, should the data have moved since)."""
    from chungtay.accounts.models import User

    user = User.objects.get(pk=user_id)
    with translation.override(language):
        form = ImpactForm(query_params(params), user=user)
        if not form.is_valid():
            return "invalid"
        request = form.resolve()
        value = form.compute(request)
        estimates.store(value, key, form.key(request))
    return "done"


def public_key(request: FigureRequest, indicator: Indicator) -> str:
    """The key of the public page's estimate of one indicator for a whole department."""
    return cache_key(request, "impact-public", RULES, _catalogues(), indicator.pk, NOT_YET, None)


def latest_public_key(department_id: int, indicator_id: int, language: str) -> str:
    """The key of the last public estimate computed for one indicator of a department, whatever the data's
    version: the public page shows it while a newer one is computed, so that a department whose data move
    all day long (every write moves the version) still shows its estimates."""
    return f"impact-public-latest:{department_id}:{indicator_id}:{language}"


def queue_public(department: Any, indicator: Indicator, key: str) -> None:
    """Queue the public page's estimate of one indicator, computed for the data of now and stored under
    `key`: one task at a time per indicator, however often the data's version moves while it waits."""
    language = get_language() or "vi"
    args = (department.pk, indicator.pk, key, language)
    pending = latest_public_key(department.pk, indicator.pk, language)
    if _queue_once(compute_public_impact, pending, *args) == FAILED_STATE:
        _queue_once(compute_public_impact, pending, *args, again=True)  # the public page asks again at once


@task()
def compute_public_impact(department_id: int, indicator_id: int, key: str, language: str) -> str:
    """The worker's side of the public page: the whole department, the phase, not yet supported schools
    as comparison."""
    from chungtay.analytics import public
    from chungtay.directory.models import EducationOffice

    department = EducationOffice.objects.get(pk=department_id)
    indicator = Indicator.objects.get(pk=indicator_id, department=department)
    with translation.override(language):
        request = public.phase_request(department)
        value = impact(request, indicator)
        latest = latest_public_key(department.pk, indicator.pk, language)
        estimates.store(value, key, public_key(request, indicator), latest)
    return "done"
