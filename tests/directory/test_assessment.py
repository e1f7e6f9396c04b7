import pytest
from django.db.models import Avg
from django.test import Client
from django.urls import reverse

from chungtay.accounts.models import User
from chungtay.directory.models import DevelopmentArea, SchoolYear, SelfAssessment


def _url(school):
    return reverse("directory:school-assessment", args=[school.moet_id])


def _payload(year=2025, **scores):
    data = {"year": year}
    for area in DevelopmentArea.values:
        data[f"score_{area}"] = scores.get(area, "")
        data[f"note_{area}"] = ""
    return data


def test_leader_records_strengths_and_needs(client, as_user):
    leader = as_user("ht.unghoa")
    response = client.post(
        _url(leader.school),
        {**_payload(digital="2", subject_teaching="4"), "note_digital": "Thiếu máy chiếu"},
    )
    assert response.status_code == 302
    rows = {
        a.area: a for a in SelfAssessment.objects.filter(school=leader.school, school_year__start_year=2025)
    }
    assert (rows["digital"].score, rows["digital"].note) == (2, "Thiếu máy chiếu")
    assert rows["subject_teaching"].score == 4
    assert rows["digital"].history.latest().history_user == leader


def test_recording_again_replaces_that_years_answers(client, as_user):
    leader = as_user("ht.unghoa")
    client.post(_url(leader.school), _payload(digital="2"))
    client.post(_url(leader.school), _payload(digital="3"))
    assert (
        SelfAssessment.objects.get(school=leader.school, school_year__start_year=2025, area="digital").score
        == 3
    )


@pytest.mark.parametrize("value", ["6", "0", "abc", "-1"])
def test_a_score_out_of_range_is_refused_and_changes_nothing(client, as_user, value):
    leader = as_user("ht.unghoa")
    before = SelfAssessment.objects.filter(school=leader.school).count()
    response = client.post(_url(leader.school), _payload(digital=value))
    assert response.status_code == 400
    assert SelfAssessment.objects.filter(school=leader.school).count() == before


def test_an_unknown_year_is_refused(client, as_user):
    leader = as_user("ht.unghoa")
    assert client.post(_url(leader.school), _payload(year=1999, digital="3")).status_code == 400
    assert client.get(_url(leader.school), {"year": "abc"}).status_code == 400


@pytest.mark.parametrize(
    ("username", "status"), [("gv.unghoa", 403), ("xem.hanoi", 403), ("pgd.hoangmai", 403), ("pgd.bavi", 404)]
)
def test_others_cannot_assess_the_school(db, username, status):
    school = User.objects.get(username="ht.unghoa").school
    client = Client()
    client.force_login(User.objects.get(username=username))
    assert client.post(_url(school), _payload(digital="5")).status_code == status
    assert not SelfAssessment.objects.filter(school=school, school_year__start_year=2025).exists()


def test_partners_see_each_others_assessment(client, as_user):
    from chungtay.partnerships.models import PartnershipMember

    leader = User.objects.get(username="ht.hoangmai")
    group = PartnershipMember.objects.filter(school=leader.school).values("partnership_id")
    partners = PartnershipMember.objects.filter(partnership_id__in=group).exclude(school=leader.school)
    school = partners.first().school
    as_user("ht.hoangmai")
    body = client.get(reverse("directory:school-detail", args=[school.moet_id])).content.decode()
    assert 'data-testid="assessments"' in body
    assert "2024-2025" in body


def test_demo_assessments_show_the_inner_outer_gap(db):
    year = SchoolYear.objects.get(start_year=2022)
    rows = SelfAssessment.objects.filter(school_year=year, school__locations__valid_to="2025-06-30")
    inner = rows.filter(school__locations__unit__parent__unit_type="quan").aggregate(a=Avg("score"))["a"]
    outer = rows.filter(school__locations__unit__parent__unit_type="huyen").aggregate(a=Avg("score"))["a"]
    assert inner > outer + 0.5
