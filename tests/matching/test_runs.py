import datetime as dt

import pytest

from chungtay.core.errors import DomainError
from chungtay.matching.models import RunStatus
from chungtay.matching.services import ENGINE_ERRORS, accept_run, error_message, runs_visible_to, start_run
from chungtay.partnerships.models import OfficeTwinning, Partnership
from tests.partnerships.conftest import user

PARAMETERS = {
    "levels": ["mn", "th", "thcs"],
    "capacity": 2,
    "min_load": 1,
    "max_distance_km": 60,
    "school_year": 2022,
}


@pytest.fixture
def hm_uh(db):
    return OfficeTwinning.objects.get(
        supporting_office__code="pgd-hoangmai", supported_office__code="pgd-unghoa"
    )


def _run(actor, twinning, **changes):
    run = start_run(acting_user=user(actor), twinning=twinning, parameters={**PARAMETERS, **changes})
    run.refresh_from_db()
    return run


def test_the_hoang_mai_ung_hoa_run_reproduces_59_groups_covering_149_schools(
    hm_uh, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run = start_run(acting_user=user("pgd.hoangmai"), twinning=hm_uh, parameters=PARAMETERS)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE, run.error
    assert run.result["groups"] == 59
    assert run.result["covered"] == 90 == run.result["supported_total"]
    assert run.result["load_shortfall"] == 0
    assert len(run.inputs["supporting"]) == 59
    pairs = run.result["pairs"]
    assert len({p["supporting"] for p in pairs}) + len({p["supported"] for p in pairs}) == 149
    assert all(p["gains"] for p in pairs[:10])


def test_both_offices_see_the_run_and_an_outsider_does_not(hm_uh, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = start_run(acting_user=user("pgd.hoangmai"), twinning=hm_uh, parameters=PARAMETERS)
    assert runs_visible_to(user("pgd.unghoa")).filter(pk=run.pk).exists()
    assert runs_visible_to(user("admin")).filter(pk=run.pk).exists()
    assert not runs_visible_to(user("pgd.bavi")).filter(pk=run.pk).exists()
    assert not runs_visible_to(user("ht.hoangmai")).filter(pk=run.pk).exists()


def test_an_outsider_cannot_start_a_run(hm_uh):
    with pytest.raises(DomainError):
        start_run(acting_user=user("pgd.bavi"), twinning=hm_uh, parameters=PARAMETERS)


@pytest.mark.parametrize(
    "changes",
    [
        {"levels": []},
        {"capacity": -1},
        {"min_load": 3},
        {"max_distance_km": -5},
        {"school_year": 1999},
        {"weights": {"digital": -1}},
    ],
)
def test_bad_rules_are_refused(hm_uh, changes):
    with pytest.raises(DomainError):
        start_run(acting_user=user("pgd.hoangmai"), twinning=hm_uh, parameters={**PARAMETERS, **changes})


def test_a_capacity_too_small_fails_with_a_clear_error(hm_uh, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = start_run(
            acting_user=user("pgd.hoangmai"),
            twinning=hm_uh,
            parameters={**PARAMETERS, "capacity": 1, "min_load": 0},
        )
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert run.error == "capacity_short"
    assert error_message(run).startswith(str(ENGINE_ERRORS["capacity_short"]))
    assert "59 < 90" in error_message(run)


def test_accepting_creates_the_partnerships_in_one_go(hm_uh, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = start_run(
            acting_user=user("pgd.unghoa"), twinning=hm_uh, parameters={**PARAMETERS, "levels": ["thcs"]}
        )
    run.refresh_from_db()
    before = Partnership.objects.count()
    created = accept_run(acting_user=user("pgd.hoangmai"), run=run, starts_on=dt.date(2026, 1, 5))
    assert len(created) == run.result["groups"] == 19
    assert Partnership.objects.count() == before + 19
    run.refresh_from_db()
    assert run.status == RunStatus.ACCEPTED and run.accepted_by == user("pgd.hoangmai")
    with pytest.raises(DomainError):
        accept_run(acting_user=user("pgd.hoangmai"), run=run, starts_on=dt.date(2026, 1, 5))
    assert Partnership.objects.count() == before + 19
