from django.urls import reverse

from chungtay.matching.models import MatchingRun, RunStatus
from chungtay.partnerships.models import OfficeTwinning, Partnership


def _form(twinning, **changes):
    data = {
        "twinning": twinning.pk,
        "levels": ["th"],
        "school_year": "2024",
        "public_only": "on",
        "capacity": "2",
        "min_load": "1",
        "max_distance_km": "60",
        "distance_weight": "0,05",
        "pinned": "",
        "forbidden": "",
    }
    for area in (
        "governance",
        "facilities",
        "subject_teaching",
        "gifted_training",
        "digital",
        "national_standard",
        "arts_sports",
        "pupil_support",
    ):
        data[f"weight_{area}"] = "1"
    data.update(changes)
    return data


def _twinning():
    return OfficeTwinning.objects.get(
        supporting_office__code="pgd-hoangmai", supported_office__code="pgd-unghoa"
    )


def test_officer_runs_reads_and_accepts_a_proposal(client, as_user, django_capture_on_commit_callbacks):
    as_user("pgd.unghoa")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("matching:run-create"), _form(_twinning()))
    assert response.status_code == 302
    run = MatchingRun.objects.latest("pk")
    assert run.status == RunStatus.DONE
    page = client.get(response.url)
    body = page.content.decode()
    assert 'data-testid="run-map"' in body
    assert "20/20" not in body and f"{run.result['covered']}/{run.result['supported_total']}" in body
    before = Partnership.objects.count()
    assert client.post(reverse("matching:run-accept", args=[run.pk])).status_code == 302
    assert Partnership.objects.count() == before + run.result["groups"]


def test_a_pin_breaking_a_rule_shows_the_culprit(client, as_user, django_capture_on_commit_callbacks):
    from chungtay.directory.models import School

    as_user("pgd.hoangmai")
    preschool = School.objects.filter(
        managements__office__code="pgd-hoangmai", level="mn", ownership="public"
    ).first()
    primary = School.objects.filter(
        managements__office__code="pgd-unghoa", level="th", ownership="public"
    ).first()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("matching:run-create"),
            _form(_twinning(), levels=["th", "mn"], pinned=f"{preschool.moet_id}, {primary.moet_id}"),
        )
    run = MatchingRun.objects.latest("pk")
    assert run.status == RunStatus.FAILED
    body = client.get(response.url).content.decode()
    assert f"{preschool.moet_id}–{primary.moet_id}" in body


def test_malformed_rules_are_refused_on_the_form(client, as_user):
    as_user("pgd.hoangmai")
    before = MatchingRun.objects.count()
    for changes in (
        {"capacity": "-1"},
        {"levels": []},
        {"pinned": "only-one-id"},
        {"distance_weight": "abc"},
    ):
        assert client.post(reverse("matching:run-create"), _form(_twinning(), **changes)).status_code == 400
    assert MatchingRun.objects.count() == before


def test_a_twinning_the_officer_is_not_party_to_is_refused(client, as_user):
    as_user("pgd.bavi")
    assert (
        client.post(reverse("matching:run-create"), _form(_twinning())).status_code == 400
    )  # not in the choices
    assert not MatchingRun.objects.filter(created_by__username="pgd.bavi").exists()


def test_comparing_two_runs(client, as_user, django_capture_on_commit_callbacks):
    as_user("pgd.hoangmai")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("matching:run-create"), _form(_twinning()))
        client.post(reverse("matching:run-create"), _form(_twinning(), distance_weight="2"))
    a, b = MatchingRun.objects.order_by("-pk")[:2]
    response = client.get(reverse("matching:run-compare"), {"a": a.pk, "b": b.pk})
    assert response.status_code == 200
    assert 'data-testid="comparison"' in response.content.decode()
    assert client.get(reverse("matching:run-compare"), {"a": a.pk, "b": "x"}).status_code == 400


def test_zero_weights_are_explained_on_the_page(client, as_user, django_capture_on_commit_callbacks):
    as_user("pgd.hoangmai")
    zero = {
        f"weight_{a}": "0"
        for a in (
            "governance",
            "facilities",
            "subject_teaching",
            "gifted_training",
            "digital",
            "national_standard",
            "arts_sports",
            "pupil_support",
        )
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("matching:run-create"), _form(_twinning(), **zero))
    body = client.get(response.url).content.decode()
    assert "Mọi trọng số lĩnh vực đều bằng 0" in body
