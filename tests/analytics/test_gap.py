"""The gap over time, counted by hand on the small department of conftest.py: inner-city schools a1, a2,
c1 (district X) and outer-city b1, b2, c2 (district Y); b1 and c2 are on the supported side of
agreements in force since spring 2023 (school year 2022-2023), b2's memorandum never came into force.

Values of a test indicator: 2022-2023 a1 7, a2 8, c1 6 | b1 5, b2 6, c2 4; 2023-2024 a1 7.4, a2 8.6, c1
6.5 | b1 6.2, b2 6.8, c2 5. Inner means 7 and 7.5, outer 5 and 6: differences -2 and -1.5, a trend of
+0.5 a year."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from chungtay.analytics.gap import GapForm
from chungtay.directory.models import Indicator, IndicatorValue, SchoolYear, SchoolYearFigures

VALUES = {
    2022: {"a1": 7.0, "a2": 8.0, "c1": 6.0, "b1": 5.0, "b2": 6.0, "c2": 4.0},
    2023: {"a1": 7.4, "a2": 8.6, "c1": 6.5, "b1": 6.2, "b2": 6.8, "c2": 5.0},
}


@pytest.fixture
def scores(world):  # noqa: ANN001, ANN201
    indicator = Indicator.objects.create(
        department=world.department, code="TEST_SCORE", name="Điểm thử", value_type="score", unit="điểm"
    )
    for year, values in VALUES.items():
        school_year = SchoolYear.objects.get(start_year=year)
        for key, value in values.items():
            IndicatorValue.objects.create(
                indicator=indicator, school=world.schools[key], school_year=school_year, value=Decimal(value)
            )
    return indicator


def _gap(world, **params):  # noqa: ANN001, ANN003, ANN202
    form = GapForm({"indicator": "TEST_SCORE", **params}, user=world.admin)
    assert form.is_valid(), form.errors
    return form.gap()


def test_inner_and_outer_city_per_school_year(world, scores):
    gap = _gap(world)
    assert [year.label for year in gap.years] == ["2022-2023", "2023-2024"]
    first, second = gap.years
    assert [(g.key, g.n, g.mean, g.median) for g in first.groups] == [
        ("inner", 3, 7.0, 7.0),
        ("outer", 3, 5.0, 5.0),
    ]
    assert [g.mean for g in second.groups] == pytest.approx([7.5, 6.0])
    assert first.difference == pytest.approx(-2.0) and second.difference == pytest.approx(-1.5)
    for year in gap.years:
        for group in year.groups:
            assert group.low <= group.mean <= group.high  # the resampled interval holds the mean
        assert year.low <= year.difference <= year.high
    assert gap.trend == pytest.approx(0.5)
    assert gap.trend_low < 0.5 < gap.trend_high
    assert gap.schools == 6 and gap.reason == ""
    again = _gap(world)
    assert (again.years[0].low, again.trend_high) == (first.low, gap.trend_high)  # seeded: the same each time


def test_supported_and_not_yet_supported(world, scores):
    gap = _gap(world, compare="supported")
    first, second = gap.years
    # 2022-2023: b1 and c2 supported (mean 4.5), a1, a2, c1, b2 not (6.75)
    assert [(g.key, g.n, g.mean) for g in first.groups] == [("not_supported", 4, 6.75), ("supported", 2, 4.5)]
    assert first.difference == pytest.approx(4.5 - 6.75)
    assert [g.mean for g in second.groups] == pytest.approx([(7.4 + 8.6 + 6.5 + 6.8) / 4, (6.2 + 5.0) / 2])


def test_pupil_weights_leave_out_schools_without_a_count(world, scores):
    year = SchoolYear.objects.get(start_year=2022)
    for key, pupils in (("a1", 100), ("a2", 300)):
        SchoolYearFigures.objects.create(
            school=world.schools[key], school_year=year, pupils=pupils, teachers=10, classes=5
        )
    inner = _gap(world, weighting="pupils").years[0].groups[0]
    assert (inner.n, inner.unweighted, inner.mean) == (2, 1, (7 * 100 + 8 * 300) / 400)


def test_one_year_has_no_trend_and_no_values_says_so(world, scores):
    IndicatorValue.objects.filter(indicator=scores, school_year__start_year=2023).delete()
    gap = _gap(world)
    assert gap.trend is None and ("một năm học" in gap.reason or "single school year" in gap.reason)
    IndicatorValue.objects.filter(indicator=scores).delete()
    assert _gap(world).years == []


def test_a_reference_day_without_a_map_is_refused(world, scores):
    from chungtay.directory.models import AreaClassification

    AreaClassification.objects.filter(valid_from=None).update(valid_from="2010-01-01")
    form = GapForm({"indicator": "TEST_SCORE", "reference": "01/01/2005"}, user=world.admin)
    assert not form.is_valid()
    assert "01/01/2005" in form.errors["reference"][0] and "01/01/2010" in form.errors["reference"][0]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"indicator": "NO_SUCH"}, "indicator"),
        ({"indicator": "TEST_SCORE", "reference": "01/01/1900"}, "reference"),
        ({"indicator": "TEST_SCORE", "reference": "01/01/2099"}, "reference"),
        ({"indicator": "TEST_SCORE", "reference": "31/02/2023"}, "reference"),
        ({"indicator": "x" * 10_000}, "indicator"),
    ],
)
def test_bad_input_is_refused_with_a_message(world, scores, client, params, field):
    form = GapForm(params, user=world.admin)
    assert not form.is_valid() and field in form.errors
    client.force_login(world.admin)
    page = client.get(reverse("analytics:gap"), params)
    assert page.status_code == 400
    api = client.get("/api/v1/gap", params)
    assert api.status_code in (400, 422) and field in api.content.decode()


def test_the_page_and_the_api_give_the_same_numbers(world, scores, client):
    client.force_login(world.admin)
    page = client.get(reverse("analytics:gap"), {"indicator": "TEST_SCORE"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "-2,00" in html and "-1,50" in html and "0,500" in html  # Vietnamese decimal comma
    api = client.get("/api/v1/gap", {"indicator": "TEST_SCORE"}).json()["gap"]
    assert [y["difference"] for y in api["years"]] == [-2.0, -1.5]
    assert api["trend"] == pytest.approx(0.5)
    chart = client.get(reverse("analytics:gap-chart"), {"indicator": "TEST_SCORE"})
    assert chart.status_code == 200 and chart["Content-Type"] == "image/svg+xml"
    assert b"2022-2023" in chart.content


def test_an_office_outside_the_scope_is_404(world, scores, client):
    client.force_login(world.officer_a)
    page = client.get(reverse("analytics:gap"), {"indicator": "TEST_SCORE", "office": "999999"})
    assert page.status_code in (400, 404)


def test_the_two_offices_of_a_twinning(world, scores):
    gap = _gap(world, compare="twinning")  # the only twinning: A supports B
    first, _second = gap.years
    # managed by A: a1, a2 (7, 8); by B: b1, b2 (5, 6); c1 and c2 are the department's own
    assert [(g.label, g.n, g.mean) for g in first.groups] == [
        (world.office_a.name, 2, 7.5),
        (world.office_b.name, 2, 5.5),
    ]
    assert first.difference == pytest.approx(-2.0)
    refused = GapForm(
        {"indicator": "TEST_SCORE", "compare": "twinning", "twinning": "999999"}, user=world.admin
    )
    assert not refused.is_valid() and "twinning" in refused.errors


def test_an_officer_compares_their_office_with_its_partner(world, scores):
    form = GapForm({"indicator": "TEST_SCORE", "compare": "twinning"}, user=world.officer_a)
    assert form.is_valid(), form.errors
    first = form.gap().years[0]
    assert [g.n for g in first.groups] == [2, 2]  # the partner's schools count too, not only the own


def test_a_lone_school_is_said_to_have_no_interval(world, scores, client):
    """P1 holds a1 (inner) and b1 (outer): each group a single school, whose mean has no interval."""
    client.force_login(world.admin)
    page = client.get(
        reverse("analytics:gap"), {"indicator": "TEST_SCORE", "partnership": world.partnerships["p1"].pk}
    )
    assert page.status_code == 200
    gap = page.context["gap"]
    assert all(group.n == 1 and group.low is None for year in gap.years for group in year.groups)
    assert page.content.decode().count('data-testid="gap-lone"') == 4  # two groups, two school years
