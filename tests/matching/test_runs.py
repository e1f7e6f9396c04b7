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
    # the demo's Hoàng Mai–Ứng Hòa schools are all grouped already: these runs match them afresh
    "existing": "replace",
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


def _open_memberships(twinning):
    from django.db.models import Count

    from chungtay.partnerships.models import PartnershipMember, PartnershipStatus

    return (
        PartnershipMember.objects.filter(
            partnership__twinning=twinning,
            partnership__status__in=(PartnershipStatus.PENDING, PartnershipStatus.ACTIVE),
            valid_to__isnull=True,
        )
        .values("school_id")
        .annotate(n=Count("partnership", distinct=True))
    )


def test_by_default_a_run_leaves_out_schools_already_grouped(hm_uh, django_capture_on_commit_callbacks):
    from chungtay.partnerships.services import end_partnerships

    grouped = Partnership.objects.filter(twinning=hm_uh, status__in=("pending", "active")).order_by("number")
    freed = list(grouped[:3])
    end_partnerships(acting_user=user("pgd.hoangmai"), partnerships=freed, ended_on=dt.date(2025, 12, 31))
    parameters = {key: value for key, value in PARAMETERS.items() if key != "existing"}
    with django_capture_on_commit_callbacks(execute=True):
        run = start_run(acting_user=user("pgd.hoangmai"), twinning=hm_uh, parameters=parameters)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE, run.error
    from chungtay.directory.models import School
    from chungtay.matching.services import _grouped_school_ids

    freed_ids = {m.school.moet_id for p in freed for m in p.members.all()}
    still_grouped = set(
        School.objects.filter(pk__in=_grouped_school_ids(hm_uh)).values_list("moet_id", flat=True)
    )
    inputs = {s["id"] for side in ("supporting", "supported") for s in run.inputs[side]}
    assert freed_ids <= inputs and not inputs & still_grouped
    assert run.result["already_grouped"] == len(still_grouped)
    accept_run(acting_user=user("pgd.hoangmai"), run=run, starts_on=dt.date(2026, 1, 5))
    assert all(row["n"] == 1 for row in _open_memberships(hm_uh))  # nobody sits in two open groups


def test_replacing_ends_the_old_groups_in_a_fixed_number_of_queries(
    hm_uh, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    with django_capture_on_commit_callbacks(execute=True):
        run = start_run(acting_user=user("pgd.hoangmai"), twinning=hm_uh, parameters=PARAMETERS)
    run.refresh_from_db()
    old = set(
        Partnership.objects.filter(twinning=hm_uh, status__in=("pending", "active")).values_list(
            "pk", flat=True
        )
    )
    with django_assert_max_num_queries(40):
        created = accept_run(acting_user=user("pgd.hoangmai"), run=run, starts_on=dt.date(2026, 1, 5))
    assert len(created) == run.result["groups"] >= 59
    rows = _open_memberships(hm_uh)
    assert len(rows) == 149 and all(row["n"] == 1 for row in rows)
    ended = Partnership.objects.filter(pk__in=old)
    assert all(p.status == "completed" and p.ends_on == dt.date(2026, 1, 4) for p in ended)
    assert created[0].history.latest().history_user == user("pgd.hoangmai")


def test_a_multi_level_school_leads_one_group_per_level():
    from chungtay.directory.models import common_basic_level
    from chungtay.matching.services import level_groups, proposed_groups

    groups = level_groups("th_thcs", [("T1", "th"), ("T2", "thcs"), ("T3", "th"), ("T4", "th_thcs")])
    assert groups == [("th", ["T1", "T3", "T4"]), ("thcs", ["T2"])]
    for _, members in groups:
        levels = {"T1": "th", "T2": "thcs", "T3": "th", "T4": "th_thcs"}
        assert common_basic_level(["th_thcs", *(levels[m] for m in members)]) is not None
    pairs = [{"supporting": "S", "supported": t} for t in ("T1", "T2")]
    assert proposed_groups(pairs, {"S": "th_thcs", "T1": "th", "T2": "thcs"}) == [
        ("S", ["T1"]),
        ("S", ["T2"]),
    ]
