"""Did twinning help? The impact estimate on the shared demo, whose outcome data carry a known effect
from the school year a supported school joined (`directory.demo.PLANTED_EFFECTS`) and a placebo
indicator with none: the estimate's 95 % interval must cover the planted effect, the placebo's must
cover zero, and a two-way fixed-effects regression must agree. Then each 'not estimable' rule on data
the test thins out, the pages, the API and the worker's path."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db.models import F
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from chungtay.accounts.models import User
from chungtay.analytics import impact as impact_module
from chungtay.analytics.impact import (
    ANALYTIC,
    BOOTSTRAP,
    MIN_COHORT,
    ImpactForm,
    compute_impact,
)
from chungtay.analytics.models import Estimate
from chungtay.core.datacache import data_version
from chungtay.directory.demo import PLACEBO_INDICATOR, PLANTED_EFFECTS
from chungtay.directory.models import EducationOffice, IndicatorValue, School
from chungtay.partnerships.models import PartnershipMember, Side, supported_since

pytestmark = pytest.mark.django_db
DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def _impact(username: str = "admin", **params):  # noqa: ANN003, ANN202
    form = ImpactForm(params, user=User.objects.get(username=username))
    assert form.is_valid(), form.errors
    return form.compute(form.resolve())


def _covers(low: float, high: float, value: float) -> bool:
    return low <= value <= high


@pytest.mark.parametrize("code", sorted(PLANTED_EFFECTS))
def test_the_interval_covers_the_effect_the_demo_planted(code):
    result = _impact(indicator=code)
    assert result.estimable, result.reason
    effect = result.effect
    assert _covers(effect.low, effect.high, PLANTED_EFFECTS[code]), (code, effect)
    assert effect.low > 0  # and it is told apart from no effect at all
    assert effect.treated == result.treated > 0 and effect.controls == result.controls > 0
    # the years before joining sit on zero, the years after on the planted effect
    for point in result.event_study:
        if point.reference:
            assert point.e == -1 and point.att == 0
        elif point.e < 0:
            assert _covers(point.low, point.high, 0.0), point
        else:
            assert _covers(point.low, point.high, PLANTED_EFFECTS[code]), point
    assert result.pretrend_p is not None and result.pretrend_p > 0.05
    # the check: a plain two-way fixed-effects regression on the same schools agrees
    assert _covers(result.twfe.low, result.twfe.high, PLANTED_EFFECTS[code])
    assert abs(result.twfe.att - effect.att) < (effect.high - effect.low) / 2


def test_a_placebo_indicator_with_no_planted_effect_covers_zero():
    assert PLACEBO_INDICATOR not in PLANTED_EFFECTS
    for control in ("not_yet", "never"):
        result = _impact(indicator=PLACEBO_INDICATOR, control=control)
        assert result.estimable, result.reason
        assert _covers(result.effect.low, result.effect.high, 0.0), result.effect
        assert _covers(result.twfe.low, result.twfe.high, 0.0)


def test_cohorts_comparison_schools_and_sample_sizes_are_counted_from_the_data():
    code = "DIEM_VAO10_TOAN"
    result = _impact(indicator=code)
    with_values = set(IndicatorValue.objects.filter(indicator__code=code).values_list("school_id", flat=True))
    joined = supported_since(with_values)
    supporting = set(
        PartnershipMember.objects.filter(school_id__in=with_values, side=Side.SUPPORTING).values_list(
            "school_id", flat=True
        )
    ) - set(joined)
    assert result.schools == len(with_values)
    assert result.treated == len(joined)
    assert result.supporting_left_out == len(supporting)
    assert result.controls == len(with_values) - len(joined) - len(supporting)
    assert [(c.start_year, c.schools) for c in result.cohorts] == sorted(
        (year, list(joined.values()).count(year)) for year in set(joined.values())
    )
    assert all(c.included for c in result.cohorts)
    assert (
        result.observations
        == IndicatorValue.objects.filter(
            indicator__code=code, school_id__in=set(joined) | (with_values - set(joined) - supporting)
        ).count()
    )
    assert result.inference == ANALYTIC
    # the dose view splits the treated schools in two, both estimated
    assert sum(group.schools for group in result.dose) == result.treated
    assert result.dose[0].most <= result.dose[1].fewest
    for group in result.dose:
        assert _covers(group.effect.low, group.effect.high, PLANTED_EFFECTS[code])


def test_an_outcome_at_its_ceiling_is_not_estimable():
    result = _impact(indicator="TL_TN_THPT")  # graduation rates: a third of the values 99 % or more
    assert not result.estimable and result.effect is None
    assert "chạm trần" in result.reason or "ceiling" in result.reason
    assert result.ceiling_share > impact_module.CEILING_SHARE


def test_a_thin_cohort_is_not_estimable_with_its_reason():
    """One school's scope: its cohort has a single school."""
    code = "DIEM_VAO10_TOAN"
    joined = supported_since(
        IndicatorValue.objects.filter(indicator__code=code).values_list("school_id", flat=True)
    )
    school = School.objects.get(pk=sorted(joined)[0])
    result = _impact(indicator=code, school=school.moet_id)
    assert not result.estimable and result.effect is None
    assert result.reason == str(impact_module.NO_COHORT)
    (cohort,) = result.cohorts
    assert cohort.schools == 1 and not cohort.included
    assert cohort.reason == str(impact_module.THIN % {"n": MIN_COHORT})


def test_a_cohort_with_fewer_than_two_years_before_joining_is_left_out():
    code = "DIEM_VAO10_TOAN"
    joined = supported_since(
        IndicatorValue.objects.filter(indicator__code=code).values_list("school_id", flat=True)
    )
    first_cohort = [s for s, year in joined.items() if year == min(joined.values())]
    IndicatorValue.objects.filter(
        indicator__code=code, school_id__in=first_cohort, school_year__start_year__lt=min(joined.values()) - 1
    ).delete()
    result = _impact(indicator=code)
    left_out = [c for c in result.cohorts if not c.included]
    assert [(c.start_year, c.pre_years) for c in left_out] == [(min(joined.values()), 1)]
    assert left_out[0].reason == str(impact_module.FEW_PRE % {"n": 2})
    assert result.estimable  # the later cohorts still carry the estimate
    assert result.treated == len(joined) - len(first_cohort)


def test_a_cohort_filter_that_selects_no_school_says_so():
    result = _impact(indicator="DIEM_VAO10_TOAN", cohort="2020-2021")
    assert not result.estimable
    assert result.reason == str(impact_module.COHORT_EMPTY % {"year": "2020-2021"})
    one = _impact(indicator="DIEM_VAO10_TOAN", cohort="2023")
    assert one.estimable and [c.start_year for c in one.cohorts if c.included] == [2023]


def test_values_for_a_single_year_are_not_estimable():
    IndicatorValue.objects.filter(indicator__code="DIEM_VAO10_TOAN").exclude(
        school_year__start_year=2024
    ).delete()
    result = _impact(indicator="DIEM_VAO10_TOAN")
    assert not result.estimable and result.reason == str(impact_module.ONE_YEAR)


def test_no_comparison_school_left_is_not_estimable():
    code = "DIEM_VAO10_TOAN"
    with_values = IndicatorValue.objects.filter(indicator__code=code).values_list("school_id", flat=True)
    joined = supported_since(with_values)
    IndicatorValue.objects.filter(indicator__code=code).exclude(school_id__in=list(joined)).delete()
    never = _impact(indicator=code, control="never")
    assert not never.estimable and never.reason == str(impact_module.NO_CONTROL % {"n": MIN_COHORT})
    # not yet supported schools still compare the earlier cohorts; the last one has nobody left
    not_yet = _impact(indicator=code)
    last = max(joined.values())
    assert [(c.start_year, c.code) for c in not_yet.cohorts if not c.included] == [(last, "few_controls")]
    assert not_yet.estimable and not_yet.controls == 0
    assert not_yet.treated == sum(1 for year in joined.values() if year != last)
    assert _covers(not_yet.effect.low, not_yet.effect.high, PLANTED_EFFECTS[code])


def test_failing_pre_trends_withhold_the_number_but_show_the_years_before():
    code = "DIEM_VAO10_VAN"
    joined = supported_since(
        IndicatorValue.objects.filter(indicator__code=code).values_list("school_id", flat=True)
    )
    for year in range(2018, 2025):  # the supported schools were already climbing before they joined
        IndicatorValue.objects.filter(
            indicator__code=code, school_id__in=list(joined), school_year__start_year=year
        ).update(value=F("value") + 0.15 * (year - 2018))
    result = _impact(indicator=code)
    assert result.pretrend_p < 0.05
    assert not result.estimable
    assert result.reason.startswith("Ngay trước khi tham gia") or result.reason.startswith("Before joining")
    assert any(point.e < -1 for point in result.event_study)
    assert result.as_dict()["effect"] is None


def test_a_small_scope_uses_the_wild_bootstrap():
    """Ứng Hòa's THCS schools: one cohort of supported schools against a handful of others."""
    office = EducationOffice.objects.get(name__endswith="Ứng Hòa")
    result = _impact(indicator="DIEM_VAO10_TOAN", office=str(office.pk))
    assert result.estimable, result.reason
    assert result.treated + result.controls < impact_module.FEW_SCHOOLS
    assert result.inference == BOOTSTRAP
    assert _covers(result.effect.low, result.effect.high, PLANTED_EFFECTS["DIEM_VAO10_TOAN"])
    assert result.as_dict()["inference"] == BOOTSTRAP


def test_too_few_comparison_schools_and_no_supported_school_are_not_estimable():
    """Ba Vì: its supported schools against four never supported ones; Hoàng Mai: no supported school."""
    ba_vi = EducationOffice.objects.get(name__endswith="Ba Vì")
    few = _impact(indicator="DIEM_VAO10_TOAN", office=str(ba_vi.pk), control="never")
    assert 0 < few.controls < MIN_COHORT
    assert not few.estimable
    assert all(c.code in ("few_controls", "thin") for c in few.cohorts)
    assert any(c.code == "few_controls" for c in few.cohorts)
    hoang_mai = EducationOffice.objects.get(name__endswith="Hoàng Mai")
    none = _impact(indicator="DIEM_VAO10_TOAN", office=str(hoang_mai.pk))
    assert none.cohorts == [] and none.reason == str(impact_module.NO_SUPPORTED)


def test_a_login_does_not_move_the_data_version(client):
    before = data_version()
    client.force_login(User.objects.get(username="pgd.unghoa"))
    assert data_version() == before


def test_page_and_api_give_the_same_estimate(client):
    client.force_login(User.objects.get(username="admin"))
    response = client.get(reverse("analytics:impact"), {"indicator": "DIEM_VAO10_ANH"})
    assert response.status_code == 200
    api = client.get("/api/v1/impact", {"indicator": "DIEM_VAO10_ANH"})
    assert api.status_code == 200
    effect = api.json()["impact"]["effect"]
    shown = f"{effect['estimate']:.2f}".replace(".", ",")
    assert f"<strong>{shown} điểm</strong>" in response.content.decode()
    assert api.json()["impact"]["treated_schools"] == effect["treated_schools"] > 0
    chart = client.get(reverse("analytics:impact-chart"), {"indicator": "DIEM_VAO10_ANH"})
    assert chart.status_code == 200 and chart["Content-Type"] == "image/svg+xml"
    assert Estimate.objects.count() == 1  # computed once, read back by the API and the chart


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"indicator": "KHONG_CO"}, "indicator"),
        ({"cohort": "năm ngoái"}, "cohort"),
        ({"cohort": "2023-2025"}, "cohort"),
        ({"control": "everyone"}, "control"),
        ({"cohort": "2" * 10_000}, "cohort"),
    ],
)
def test_bad_input_is_refused_with_a_message(client, params, field):
    client.force_login(User.objects.get(username="admin"))
    page = client.get(reverse("analytics:impact"), params)
    assert page.status_code == 400
    assert page.context["form"].errors[field]
    api = client.get("/api/v1/impact", params)
    assert api.status_code == 400
    assert api.json()["fields"][field] == [str(m) for m in page.context["form"].errors[field]]
    assert Estimate.objects.count() == 0


def test_an_office_outside_the_scope_is_not_found(client):
    client.force_login(User.objects.get(username="pgd.unghoa"))
    other = EducationOffice.objects.get(name__endswith="Sóc Sơn")
    assert client.get(reverse("analytics:impact"), {"office": other.pk}).status_code == 404
    assert client.get("/api/v1/impact", {"office": other.pk}).status_code == 404


@override_settings(TASKS=DUMMY_TASKS)
def test_the_worker_computes_while_the_page_says_so(client):
    """With a real queue the page answers 202 and reloads; the API says 'computing'; a second request
    queues nothing more; once the worker's task ran, both read the stored estimate."""
    from django_tasks import default_task_backend

    user = User.objects.get(username="pgd.unghoa")
    client.force_login(user)
    params = {"indicator": "DIEM_VAO10_TOAN", "control": "never"}
    page = client.get(reverse("analytics:impact"), params)
    assert page.status_code == 202
    assert 'http-equiv="refresh"' in page.content.decode()
    api = client.get("/api/v1/impact", params)
    assert api.status_code == 202 and api.json()["status"] == "computing"
    with mock.patch("chungtay.core.tasks.task_status", return_value="READY"):
        client.get(reverse("analytics:impact"), params)
    queued = default_task_backend.results
    assert len(queued) == 1  # the page and the API wait for the same task
    assert client.get(reverse("analytics:impact-chart"), params).status_code == 404
    args = queued[0].args
    assert compute_impact.call(*args) == "done"
    page = client.get(reverse("analytics:impact"), params)
    assert page.status_code == 200
    assert page.context["impact"].estimable
    assert client.get("/api/v1/impact", params).json()["status"] == "ready"


@override_settings(TASKS=DUMMY_TASKS)
def test_a_failed_computation_is_reported_and_asked_for_again(client):
    from django_tasks import default_task_backend

    client.force_login(User.objects.get(username="admin"))
    params = {"indicator": "DIEM_VAO10_TOAN"}
    client.get(reverse("analytics:impact"), params)
    with mock.patch("chungtay.core.tasks.task_status", return_value="FAILED"):
        page = client.get(reverse("analytics:impact"), params)
    assert page.status_code == 200
    assert "dừng trước khi xong" in page.content.decode()
    assert Estimate.objects.count() == 0
    again = client.get(reverse("analytics:impact"), {**params, "again": "1"})
    assert again.status_code == 202
    assert len(default_task_backend.results) == 2


def test_the_task_computes_in_the_language_of_the_page():
    user = User.objects.get(username="admin")
    form = ImpactForm({"indicator": "TL_TN_THPT"}, user=user)
    assert form.is_valid()
    compute_impact.call(user.pk, {"indicator": ["TL_TN_THPT"]}, "k-en", "en")
    compute_impact.call(user.pk, {"indicator": ["TL_TN_THPT"]}, "k-vi", "vi")
    from chungtay.analytics import estimates

    assert "ceiling" in estimates.read("k-en").reason
    assert "chạm trần" in estimates.read("k-vi").reason


# --- the public page: the gap of one indicator and every indicator's estimate, aggregates only ---------


def test_the_public_page_shows_the_gap_and_every_estimate(client):
    from chungtay.analytics import public
    from chungtay.analytics.gap import gap
    from chungtay.analytics.impact import impact
    from tests.analytics.test_public import _check, _html_tables

    department = public.public_department("so-hanoi")
    response = client.get("/cong-khai/so-hanoi/", {"indicator": "DIEM_VAO10_TOAN"})
    assert response.status_code == 200 and "max-age=3600" in response["Cache-Control"]
    body = response.content.decode()
    request = public.phase_request(department)
    toan = department.indicators.get(code="DIEM_VAO10_TOAN")
    # the gap table: the means the gap computes, each year with its numbers of schools
    computed = gap(request, toan, reference_day=request.area_day)
    for year in computed.years:
        inner, outer = year.groups
        assert min(inner.n, outer.n) >= public.MIN_SCHOOLS
        assert f"{inner.mean:.2f}".replace(".", ",") in body and f"{outer.mean:.2f}".replace(".", ",") in body
    # the estimates: the planted one, the placebo, the ceiling's reason
    estimate = impact(request, toan)
    assert f"{estimate.effect.att:.2f}".replace(".", ",") in body
    assert f"{estimate.treated:,}".replace(",", ".") in body
    assert "chạm trần" in body  # graduation rates
    for header, rows in _html_tables(body):
        _check(header, rows, "demo public page")
    assert (
        "public-gap-chart" not in body
        and "/cong-khai/so-hanoi/khoang-cach.svg?indicator=DIEM_VAO10_TOAN" in body
    )
    chart = client.get("/cong-khai/so-hanoi/khoang-cach.svg", {"indicator": "DIEM_VAO10_TOAN"})
    assert chart.status_code == 200 and chart["Content-Type"] == "image/svg+xml"
    for name in School.objects.filter(department=department).values_list("name", flat=True)[:500]:
        assert name not in body


def test_the_public_page_refuses_an_unknown_indicator(client):
    response = client.get("/cong-khai/so-hanoi/", {"indicator": "X" * 10_000})
    assert response.status_code == 400
    assert "Không có chỉ số" in response.content.decode()
    assert client.get("/cong-khai/so-hanoi/khoang-cach.svg", {"indicator": "KHONG"}).status_code == 404


@override_settings(TASKS=DUMMY_TASKS)
def test_the_public_page_is_not_kept_while_estimates_are_computed(client):
    from django_tasks import default_task_backend

    from chungtay.analytics.impact import compute_public_impact

    first = client.get("/cong-khai/so-hanoi/")
    assert first.status_code == 200 and first["Cache-Control"] == "max-age=0"
    assert "đang được tính" in first.content.decode()
    queued = list(default_task_backend.results)
    assert len(queued) == department_indicators()
    with mock.patch("chungtay.core.tasks.task_status", return_value="READY"):
        client.get("/cong-khai/so-hanoi/?year=2023-2024")  # queued once, not again while they wait
    assert len(default_task_backend.results) == len(queued)
    for result in queued:
        assert compute_public_impact.call(*result.args) == "done"
    ready = client.get("/cong-khai/so-hanoi/?year=2022-2023")
    assert "đang được tính" not in ready.content.decode()
    assert "max-age=3600" in ready["Cache-Control"]


def department_indicators() -> int:
    from chungtay.analytics import public
    from chungtay.analytics.gap import active_indicators

    return len(active_indicators(public.public_department("so-hanoi")))


@override_settings(TASKS=DUMMY_TASKS)
def test_the_public_estimates_stay_shown_while_the_data_keep_changing(client):
    """Every write moves the data's version, and with it the key of the public estimates. A department
    recording all day long must still show them: the last estimate, with the time it was computed, and one
    new computation per indicator at most every REFRESH, however many writes and visits come in between
    (before, every visit after a write queued one task per indicator and said 'being computed')."""
    from django_tasks import default_task_backend

    from chungtay.analytics import public
    from chungtay.analytics.impact import compute_public_impact

    department = public.public_department("so-hanoi")
    visits = iter(range(100))

    def visit(after_write: bool = True):  # noqa: ANN202
        if after_write:  # a write through the application (a history row) moves the data's version
            School.objects.filter(department=department).first().save()
        # the page itself is kept for an hour by its address: each visit asks for another one
        return client.get("/cong-khai/so-hanoi/", {"visit": next(visits)})

    indicators = department_indicators()
    before = data_version()
    visit(after_write=False)
    queued = list(default_task_backend.results)
    assert len(queued) == indicators
    for result in queued:
        assert compute_public_impact.call(*result.args) == "done"
    for _ in range(3):
        page = visit()
        body = page.content.decode()
        assert "đang được tính" not in body and "max-age=3600" in page["Cache-Control"]
        assert "Ước lượng tính lúc" in body
    assert data_version() != before
    assert len(default_task_backend.results) == indicators  # nothing queued while the last is recent
    # once the last estimates are older than REFRESH, one new computation per indicator, and only one
    Estimate.objects.filter(key__startswith="impact-public-latest:").update(
        computed_at=F("computed_at") - public.REFRESH - public.REFRESH
    )
    finished = {str(result.id) for result in queued}

    def status(_task, task_id: str) -> str:  # noqa: ANN001
        return "SUCCESSFUL" if task_id in finished else "READY"

    with mock.patch("chungtay.core.tasks.task_status", side_effect=status):
        for _ in range(3):
            body = visit().content.decode()
            assert "đang được tính" not in body
    refreshed = default_task_backend.results[indicators:]
    assert len(refreshed) == indicators
    for result in refreshed:
        assert compute_public_impact.call(*result.args) == "done"
    shown, pending = public.impact_rows(department)
    assert not pending and len(shown) == indicators
    assert all(row.computed_at > timezone.now() - public.REFRESH for row in shown)
