"""The figures page, its downloads and the API give the same numbers for the same scope × period, and
refuse bad parameters with a message, never a 500."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.test import Client
from django.utils.html import escape

from chungtay.analytics import figures as f
from chungtay.analytics.query import read_figure_request

SCOPES = [
    {"year": "2022-2023"},
    {"period": "phase"},
    {"year": "2023-2024", "level": ["thpt", "gdnn_gdtx"]},
    {"date_from": "01/09/2023", "date_to": "31/12/2023"},
]


def _page_figures(html: str) -> dict[str, int]:
    """The headline numbers of the page, by their data-figure attribute ("1.234" read as 1234)."""
    found = {}
    for key, text in re.findall(r'data-figure="([a-z_.]+)">([^<]*)<', html):
        number = text.split("/")[0].strip().replace(".", "")
        if number.isdigit():
            found[key] = int(number)
    return found


@pytest.mark.parametrize("params", SCOPES)
def test_page_api_and_download_agree(world, client: Client, params):
    client.force_login(world.admin)
    page = client.get("/figures/", params)
    assert page.status_code == 200
    api = client.get("/api/v1/figures", params).json()["figures"]
    direct = f.all_figures(read_figure_request(world.admin, params))
    shown = _page_figures(page.content.decode())
    for kind in (
        "memorandum_schools",
        "covenant_schools",
        "agreement_schools",
        "activities",
        "topics",
        "exchanges",
        "participations",
        "teachers",
        "pupils",
        "parents",
        "support",
        "commitments",
    ):
        assert shown[kind] == api[kind]["value"] == direct[kind].value, kind
    assert shown["exchanges.in_person"] == api["exchanges"]["parts"]["in_person"]
    assert shown["exchanges.online"] == api["exchanges"]["parts"]["online"]
    one = client.get("/api/v1/figures/participations", {**params, "by": "area"}).json()["figure"]
    download = client.get("/figures/participations/area.csv", params)
    assert download.status_code == 200
    table = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    body = {row[0]: int(row[1]) for row in table if len(row) >= 2 and row[1].isdigit()}
    for row in one["rows"]:
        assert body[row["label"]] == row["value"]
    assert body["Tổng" if "Tổng" in body else "Total"] == one["value"] == direct["participations"].value


def test_the_page_shows_every_section_with_its_chart_and_download(world, client: Client):
    from chungtay.analytics.views import SECTIONS

    client.force_login(world.admin)
    html = client.get("/figures/", {"year": "2022-2023"}).content.decode()
    for section in SECTIONS:
        assert f'data-testid="section-{section.kind}-{section.by}"' in html
        assert f"/figures/{section.kind}/{section.by}.xlsx" in html
    chart = client.get("/figures/activities/kind.svg", {"year": "2022-2023"})
    assert chart.status_code == 200 and chart["Content-Type"] == "image/svg+xml"
    svg = chart.content.decode()
    assert svg.startswith("<?xml") and "Chuyên đề" in svg  # Vietnamese labels, kept as text
    xlsx = client.get("/figures/support/kind.xlsx", {"year": "2022-2023"})
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert ["< 5" in row for row in cells if row[0] and "suất" in str(row[0])] == [True]


BAD = [
    ({"date_from": "05/03/2024", "date_to": "01/01/2024"}, "date_to"),
    ({"date_from": "05/03/2024"}, "date_to"),
    ({"date_from": "31/02/2024", "date_to": "01/03/2024"}, "date_from"),
    ({"year": "2031-2032"}, "year"),
    ({"year": "2022-2024"}, "year"),
    ({"year": "x" * 10_000}, "year"),
    ({"school": "7" * 10_000}, "school"),
    ({"office": "9" * 40}, "office"),
    ({"office": "abc"}, "office"),
    ({"level": "dai_hoc"}, "level"),
    ({"period": "forever"}, "period"),
    ({"office": "1", "unit": "2"}, "request"),
]


@pytest.mark.parametrize(("params", "field"), BAD)
def test_bad_parameters_are_refused_with_a_message(world, client: Client, params, field):
    client.force_login(world.admin)
    api = client.get("/api/v1/figures", params)
    assert api.status_code == 400
    body = api.json()
    assert body["code"] == "invalid" and body["fields"][field]
    page = client.get("/figures/", params)
    assert page.status_code == 400
    assert escape(body["fields"][field][0]) in page.content.decode()


def test_bad_input_messages_are_in_vietnamese(world, client: Client):
    client.force_login(world.admin)
    body = client.get("/api/v1/figures", {"date_from": "05/03/2024", "date_to": "01/01/2024"}).json()
    assert "05/03/2024" in body["fields"]["date_to"][0]
    assert "kết thúc" in body["fields"]["date_to"][0]
    body = client.get("/api/v1/figures", {"year": "2031-2032"}).json()
    assert "2031-2032" in body["fields"]["year"][0] and "Năm học" in body["fields"]["year"][0]


def test_a_breakdown_that_does_not_apply_and_an_unknown_kind(world, client: Client):
    client.force_login(world.admin)
    refused = client.get("/api/v1/figures/memorandum_schools", {"by": "tier"})
    assert refused.status_code == 400 and "level" in refused.json()["fields"]["by"][0]
    assert client.get("/api/v1/figures/memorandum_schools", {"by": "t" * 10_000}).status_code == 400
    assert client.get("/api/v1/figures/nothing").status_code == 404
    assert client.get("/figures/memorandum_schools/tier.svg").status_code == 404
    assert client.get("/figures/memorandum_schools/level.pdf").status_code == 404


def test_a_scope_outside_the_users_is_a_404_on_every_surface(world, client: Client, django_user_model):
    hanoi_office = django_user_model.objects.get(username="pgd.hoangmai").office
    client.force_login(world.officer_a)
    for params in (
        {"office": hanoi_office.pk},
        {"partnership": world.partnerships["p2"].pk},
        {"school": world.schools["c2"].moet_id},
        {"office": 2**31 - 1},
    ):
        assert client.get("/api/v1/figures", params).status_code == 404
        assert client.get("/figures/", params).status_code == 404
        assert client.get("/figures/activities/kind.svg", params).status_code == 404
        assert client.get("/figures/activities/kind.csv", params).status_code == 404
    # the twinned partner office is inside
    assert client.get("/figures/", {"office": world.office_b.pk}).status_code == 200


def test_the_home_pages_read_the_same_figures(world, client: Client):
    """Each role's home page shows its scope's figures for the current school year: the same numbers as
    the API; an office sees itself beside its twinned partner; a school its partnerships."""
    from chungtay.accounts.models import Role
    from chungtay.activities import facts
    from chungtay.activities.models import Activity, ActivitySchool
    from chungtay.core.dates import today
    from tests.factories import UserFactory

    # an activity held this school year, so the current year's figures are not all zero
    held = Activity.objects.create(
        department=world.department,
        kind="topic",
        title="Chuyên đề năm nay",
        planned_on=today(),
        held_on=today(),
        status="held",
        created_by=world.admin,
    )
    held.partnerships.set([world.partnerships["p1"]])
    ActivitySchool.objects.create(activity=held, school=world.schools["a1"], is_host=True, pupils=12)
    ActivitySchool.objects.create(activity=held, school=world.schools["b1"], pupils=7)
    facts.refresh([held.pk])
    for account in (world.admin, world.officer_a):
        client.force_login(account)
        html = client.get("/").content.decode()
        api = client.get("/api/v1/figures").json()["figures"]
        shown = _page_figures(html)
        for kind in ("activities", "participations", "agreement_schools", "support"):
            assert shown[kind] == api[kind]["value"], (account.username, kind)
        assert shown["activities"] == 1
    client.force_login(world.officer_a)
    html = client.get("/").content.decode()
    assert 'data-testid="side-by-side"' in html
    partner = client.get("/api/v1/figures", {"office": world.office_b.pk}).json()["figures"]
    own = client.get("/api/v1/figures", {"office": world.office_a.pk}).json()["figures"]
    # the pupils row: a1's 12 for office A, b1's 7 for office B
    assert (own["pupils"]["value"], partner["pupils"]["value"]) == (12, 7)
    assert re.search(r"<td>[^<]*</td><td class=\"text-end\">12</td><td class=\"text-end\">7</td>", html)
    leader = UserFactory(username="so79.ht.b1", role=Role.SCHOOL_LEADER, school=world.schools["b1"])
    leader.save()
    client.force_login(leader)
    html = client.get("/").content.decode()
    assert "Nhóm 1" in html and 'data-testid="recent"' in html and "Chuyên đề năm nay" in html
    assert "Nhóm 2" not in html


def test_the_overview_page_and_its_api_read_the_figures_layer(world, client: Client):
    client.force_login(world.admin)
    page = client.get("/partnerships/overview/").content.decode()
    figures = client.get("/api/v1/figures").json()["figures"]
    overview = client.get("/api/v1/overview").json()
    assert overview["memorandum_schools"] == figures["memorandum_schools"]["value"] == 2
    assert overview["covenant_schools"] == figures["covenant_schools"]["value"] == 2
    assert re.search(r'data-testid="memorandum-schools">2<', page)
    assert re.search(r'data-testid="covenant-schools">2<', page)


def test_the_activity_list_has_a_level_filter_that_agrees_with_the_figures(world, client: Client):
    client.force_login(world.admin)
    for level, expected in (("thpt", 1), ("th", 2), ("mn", 0)):
        listed = client.get("/api/v1/activities/figures", {"level": level, "school_year": 2022}).json()
        figures = client.get("/api/v1/figures", {"level": level, "year": "2022-2023"}).json()["figures"]
        assert listed["held"] == figures["activities"]["value"] == expected, level
    page = client.get("/activities/", {"level": "thpt", "year": "2022"}).content.decode()
    assert "exchange 2023-04-05" in page and "topic 2023-03-10" not in page
    assert client.get("/api/v1/activities", {"level": "dai_hoc"}).status_code == 400
    assert client.get("/activities/", {"level": "dai_hoc"}).status_code == 400
