"""Each figure kind against the small department of conftest.py, counted by hand there."""

from __future__ import annotations

import pytest
from django.http import Http404

from chungtay.analytics import figures as f
from chungtay.analytics.query import FigureRequest, read_figure_request


def ask(user, **params) -> FigureRequest:  # noqa: ANN001
    return read_figure_request(user, params)


def rows(figure: f.Figure) -> dict[str, int | None]:
    return {row.key: row.value for row in figure.rows}


YEAR = {"year": "2022-2023"}


def test_the_whole_department_in_school_year_2022_2023(world):
    figures = f.all_figures(ask(world.admin, **YEAR))
    assert figures["units_connected"].value == 2
    assert figures["units_connected"].parts == {"offices": 2, "signed": 2, "twinnings": 1}
    # a2 signed a memorandum still awaiting b2's signature: not counted
    assert figures["memorandum_schools"].value == 2
    assert figures["memorandum_schools"].parts == {"new_in_period": 2}
    assert figures["covenant_schools"].value == 2
    assert figures["agreement_schools"].value == 4
    # X4 was never held; X5 was held in the next school year
    assert figures["activities"].value == 3
    assert figures["activities"].parts == {"in_person": 2, "online": 1}
    assert figures["topics"].value == 1
    assert figures["exchanges"].value == 1
    assert figures["exchanges"].parts == {"in_person": 0, "online": 1}
    assert figures["participations"].value == 5
    assert figures["participations"].parts == {"teachers": 4}
    assert figures["teachers"].value == 4
    assert figures["pupils"].value == 75
    assert figures["parents"].value == 5
    support = figures["support"]
    assert support.value == 2
    assert support.parts == {
        "value_vnd": 5_000_000,
        "pupils": None,
        "given_records": 1,
        "given_value_vnd": 5_000_000,
    }
    reciprocity = figures["reciprocity"].parts
    assert (reciprocity["supporting"], reciprocity["supported"], reciprocity["both"]) == (2, 1, 0)
    assert (reciprocity["partnerships_with_visits"], reciprocity["visits_both_ways"]) == (1, 0)
    # the period is past: quiet means no activity held in it (P3)
    assert figures["quiet"].value == 1
    assert figures["quiet"].parts == {"running": 3}
    assert figures["commitments"].parts == {
        "done": 1,
        "missed": 1,
        "overdue": 1,
        "open": 0,
        "share_met": 33.3,
    }


def test_breakdowns_by_level_area_unit_kind_tier_mode_month_and_year(world):
    request = ask(world.admin, **YEAR)
    memoranda = f.figure(request, "memorandum_schools", f.LEVEL)
    assert rows(memoranda) == {"th": 2, "thcs": 0}
    # coverage: TH schools are a1, b1 and the TH&THCS b2; THCS schools a2 and b2
    assert {row.key: (row.extra["of"], row.extra["share"]) for row in memoranda.rows} == {
        "th": (3, 66.7),
        "thcs": (2, 0.0),
    }
    assert rows(f.figure(request, "covenant_schools", f.LEVEL)) == {"thpt": 1, "gdnn_gdtx": 1}
    by_area = f.figure(request, "agreement_schools", f.AREA)
    assert rows(by_area) == {"inner": 2, "outer": 2}
    assert [row.extra["of"] for row in by_area.rows] == [3, 3]
    assert rows(f.figure(request, "agreement_schools", f.UNIT)) == {
        str(world.district_x.pk): 2,
        str(world.district_y.pk): 2,
    }
    kinds = rows(f.figure(request, "activities", f.KIND))
    assert (kinds["topic"], kinds["exchange"], kinds["study_visit"], kinds["observation"]) == (1, 1, 1, 0)
    assert rows(f.figure(request, "activities", f.MODE)) == {"in_person": 2, "online": 1}
    assert rows(f.figure(request, "topics", f.TIER)) == {"city": 0, "office": 0, "school": 1}
    months = rows(f.figure(request, "activities", f.MONTH))
    assert len(months) == 12 and (months["2023-03"], months["2023-04"], months["2023-05"]) == (1, 1, 1)
    assert sum(months.values()) == 3
    # the trend by year spans the school years the period touches: only 2022-2023 here
    assert rows(f.figure(request, "activities", f.YEAR)) == {"2022": 3}
    # an activity counts once under each area of its schools: X1 and X3 (a1, b1), X2 (c1, c2)
    assert rows(f.figure(request, "activities", f.AREA)) == {"inner": 3, "outer": 3}
    # a1's teachers: 2 at X1 and 1 at X3; c1's: 1; b1's: 1
    assert rows(f.figure(request, "participations", f.AREA)) == {"inner": 4, "outer": 1}
    assert rows(f.figure(request, "participations", f.KIND))["topic"] == 3
    assert rows(f.figure(request, "teachers", f.LEVEL)) == {"th": 3, "thpt": 1}
    assert rows(f.figure(request, "pupils", f.AREA)) == {"inner": 20, "outer": 55}
    support = f.figure(request, "support", f.KIND)
    assert {row.key: (row.value, row.extra["pupils"]) for row in support.rows} == {
        "books:cuốn": (1, 0),
        "scholarship:suất": (1, None),
    }
    assert rows(f.figure(request, "reciprocity", f.SIDE)) == {
        "supporting": 2,
        "supported": 1,
        "both": 0,
        "none": 0,
    }
    assert rows(f.figure(request, "commitments", f.STATUS)) == {
        "done": 1,
        "missed": 1,
        "overdue": 1,
        "open": 0,
    }
    assert [row.label for row in f.figure(request, "quiet", f.PARTNERSHIP).rows] == ["Nhóm 3"]
    offices = f.figure(request, "units_connected", f.UNIT)
    assert {row.label: (row.value, row.extra["signed"]) for row in offices.rows} == {
        "Phòng A": (1, True),
        "Phòng B": (1, True),
    }


def test_the_next_school_year_and_a_date_range(world):
    next_year = f.all_figures(ask(world.admin, year="2023-2024"))
    assert next_year["activities"].value == 1  # X5
    assert next_year["topics"].value == 1
    assert next_year["participations"].value == 1
    # stocks carry over: the memorandum and covenant are still in force
    assert next_year["memorandum_schools"].value == 2
    assert next_year["memorandum_schools"].parts == {"new_in_period": 0}
    spring = f.all_figures(ask(world.admin, date_from="01/03/2023", date_to="31/03/2023"))
    assert spring["activities"].value == 1  # X1 only
    assert spring["participations"].value == 3
    # on 31/3/2023 the covenant (10/4) is not yet in force
    assert spring["covenant_schools"].value == 0
    assert spring["agreement_schools"].value == 2
    assert spring["support"].value == 1
    trend = f.figure(ask(world.admin, period="phase"), "participations", f.YEAR)
    assert rows(trend) == {"2022": 5, "2023": 1}


def test_a_level_filter_counts_only_schools_of_those_levels(world):
    upper = ask(world.admin, level=["thpt", "gdnn_gdtx"], **YEAR)
    figures = f.all_figures(upper)
    # the seeds' "THPT exchanges in person / online" figure
    assert figures["exchanges"].value == 1 and figures["exchanges"].parts["online"] == 1
    assert figures["activities"].value == 1
    assert figures["participations"].value == 1
    assert figures["pupils"].value == 45
    assert figures["memorandum_schools"].value == 0
    assert figures["covenant_schools"].value == 2
    assert figures["support"].value == 0
    primary = f.all_figures(ask(world.admin, level=["th"], **YEAR))
    assert primary["activities"].value == 2  # X1, X3
    assert primary["participations"].value == 4
    # b2 is TH&THCS: it counts as primary
    assert primary["quiet"].value == 0  # P3 is a THCS partnership


def test_narrower_scopes_office_partnership_school_and_unit(world):
    office_a = f.all_figures(ask(world.admin, office=str(world.office_a.pk), **YEAR))
    assert office_a["activities"].value == 2  # X1, X3 (a1 took part)
    assert office_a["participations"].value == 3  # a1's teachers only
    assert office_a["units_connected"].value == 1
    assert office_a["support"].parts["given_records"] == 1
    assert office_a["support"].value == 0
    p2 = f.all_figures(ask(world.admin, partnership=str(world.partnerships["p2"].pk), **YEAR))
    assert (p2["activities"].value, p2["participations"].value, p2["covenant_schools"].value) == (1, 1, 2)
    assert p2["reciprocity"].parts["supporting"] == 1
    b1 = f.all_figures(ask(world.admin, school=world.schools["b1"].moet_id, **YEAR))
    assert (b1["activities"].value, b1["participations"].value, b1["pupils"].value, b1["support"].value) == (
        2,
        1,
        30,
        2,
    )
    outer = f.all_figures(ask(world.admin, unit=str(world.district_y.pk), **YEAR))
    assert outer["participations"].value == 1  # b1's teacher
    assert outer["pupils"].value == 55


def test_an_officer_sees_their_office_and_its_twinned_partner_but_no_other(world, django_user_model):
    own = f.all_figures(ask(world.officer_a, **YEAR))
    assert own["participations"].value == 3
    assert own["activities"].value == 2
    partner = f.all_figures(ask(world.officer_a, office=str(world.office_b.pk), **YEAR))
    assert partner["participations"].value == 1
    hanoi = django_user_model.objects.get(username="pgd.hoangmai").office
    with pytest.raises(Http404):
        ask(world.officer_a, office=str(hanoi.pk))
    with pytest.raises(Http404):
        ask(world.officer_a, partnership=str(world.partnerships["p2"].pk))
    with pytest.raises(Http404):
        ask(world.officer_a, school=world.schools["c2"].moet_id)


def test_after_the_reform_district_offices_are_not_computable(world):
    later = f.figure(ask(world.admin, year="2025-2026"), "units_connected")
    assert later.value is None
    assert "1/7/2025" in later.reason


def test_a_breakdown_a_figure_does_not_have_is_refused(world):
    with pytest.raises(f.BreakdownNotApplicable) as refused:
        f.figure(ask(world.admin, **YEAR), "memorandum_schools", f.TIER)
    assert "tier" in refused.value.message and "level" in refused.value.message


def test_the_counts_run_in_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    """As many queries with twice the activities and participations as before (no query per row)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from chungtay.activities import facts
    from chungtay.activities.models import Activity, ActivitySchool, Participation

    def count() -> int:
        request = ask(world.admin, **YEAR)
        with CaptureQueriesContext(connection) as queries:
            f.all_figures(request)
        return len(queries)

    before = count()
    copies = []
    for activity in Activity.objects.filter(department=world.department, status="held"):
        schools = list(activity.schools.all())
        people = list(activity.participations.all())
        partnerships = list(activity.partnerships.all())
        activity.pk = None
        activity.save()
        activity.partnerships.set(partnerships)
        for row in schools:
            ActivitySchool.objects.create(
                activity=activity, school=row.school, is_host=row.is_host, pupils=row.pupils
            )
        for person in people:
            Participation.objects.create(
                activity=activity, teacher=person.teacher, school=person.school, recorded_by=world.admin
            )
        copies.append(activity.pk)
    facts.refresh(copies)
    assert f.figure(ask(world.admin, **YEAR), "participations").value == 10
    assert count() == before
    with django_assert_max_num_queries(30):
        f.all_figures(ask(world.admin, period="phase"))


def test_a_twinning_is_a_scope_of_its_two_offices_schools_and_its_partnerships(world):
    from django.http import Http404

    from chungtay.partnerships.models import OfficeTwinning
    from tests.factories import DistrictOfficeFactory, UserFactory

    twinning = OfficeTwinning.objects.get(supporting_office=world.office_a, supported_office=world.office_b)
    request = ask(world.admin, twinning=twinning.pk, **YEAR)
    assert request.scope.kind == "twinning" and request.scope.key == f"twinning={twinning.pk}"
    assert set(request.scope.schools.values_list("moet_id", flat=True)) == {
        world.schools[k].moet_id for k in ("a1", "a2", "b1", "b2")
    }
    assert set(request.scope.partnerships) == {world.partnerships["p1"], world.partnerships["p3"]}
    # X1 and X3 of P1; X2 is the department's THPT pair, X5 the next school year
    assert f.figure(request, "activities").value == 2
    assert f.figure(ask(world.officer_b, twinning=twinning.pk, **YEAR), "activities").value == 2
    stranger = UserFactory(
        username="so79.pgd.c",
        role="office_officer",
        office=DistrictOfficeFactory(department=world.department, unit=world.district_x),
    )
    with pytest.raises(Http404):
        ask(stranger, twinning=twinning.pk, **YEAR)
