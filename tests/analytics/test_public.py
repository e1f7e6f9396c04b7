"""The public page: no login, aggregates only, small counts hidden. The crawl follows every public link
(each school year, each download) and fails on a hidden cell that leaks."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
from django.core.cache import cache
from django.test import Client

from chungtay.analytics import public
from chungtay.analytics.views import PUBLIC_CHARTS
from chungtay.directory.models import AdminUnit, School, SchoolLocation
from tests.analytics.test_gap import scores  # noqa: F401 - the gap's hand-counted indicator

HIDDEN = public.SUPPRESSED
PEOPLE_HEADINGS = ("Lượt giáo viên", "Số giáo viên", "Lượt học sinh")
SCHOOLS_HEADING = "Trường học"


@pytest.fixture
def lone_school(world):
    """A school alone in a third district of the test department: its unit's row must show nothing."""
    district = (
        AdminUnit.objects.filter(edition="pre2025", level="district", province__code="79", unit_type="huyen")
        .exclude(pk=world.district_y.pk)
        .order_by("code")
        .first()
    )
    ward = AdminUnit.objects.filter(parent=district, level="ward").order_by("code").first()
    school = School.objects.create(
        moet_id="79TLONE001",
        name="Trường một mình",
        level="th",
        ownership="public",
        department=world.department,
    )
    SchoolLocation.objects.create(school=school, unit=ward)
    return school


def _number(text: str) -> int | None:
    text = html.unescape(re.sub(r"<[^>]+>", "", text)).strip()
    if text == HIDDEN:
        return None
    return int(text.replace(".", "")) if text.replace(".", "").isdigit() else -1


def _html_tables(page: str) -> list[tuple[list[str], list[list[object]]]]:
    tables = []
    for table in re.findall(r"<table.*?</table>", page, flags=re.S):
        header = [
            html.unescape(h).strip() for h in re.findall(r'<th[^>]*scope="col"[^>]*>(.*?)</th>', table, re.S)
        ]
        rows = []
        for row in re.findall(r"<tbody>(.*?)</tbody>", table, re.S)[0].split("</tr>"):
            cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
            if cells:
                rows.append([html.unescape(cells[0]).strip(), *(_number(c) for c in cells[1:])])
        tables.append((header, rows))
    return tables


def _csv_tables(text: str) -> list[tuple[list[str], list[list[object]]]]:
    lines = list(csv.reader(io.StringIO(text)))
    tables, current = [], None
    for index, line in enumerate(lines):
        if not any(line):
            current = None
            continue
        if current is None and index + 1 < len(lines) and len(lines[index + 1]) > 2 and len(line) == 1:
            continue  # the table's title
        if current is None and len(line) > 2:
            current = (line, [])
            tables.append(current)
            continue
        if current is not None:
            current[1].append(
                [line[0], *(None if c == HIDDEN else int(c) if c.isdigit() else -1 for c in line[1:])]
            )
    return tables


def _check(header: list[str], rows: list[list[object]], where: str) -> int:
    """The suppression rules on one table; returns how many cells were hidden."""
    people = [i for i, h in enumerate(header) if h.startswith(PEOPLE_HEADINGS)]
    schools = [i for i, h in enumerate(header) if h == SCHOOLS_HEADING]
    hidden = 0
    for row in rows:
        for i in people:
            assert row[i] is None or row[i] == 0 or row[i] >= public.MIN_PEOPLE, (where, row)
        for i in schools:
            if row[i] is not None:
                assert row[i] >= public.MIN_SCHOOLS, (where, row)
            else:
                # a hidden group shows none of its figures... unless hidden only to protect another row
                pass
        hidden += sum(1 for cell in row[1:] if cell is None)
    for column in range(1, len(header)):
        cells = [row[column] for row in rows]
        assert sum(1 for cell in cells if cell is None) != 1 or len(cells) == 1, (
            where,
            header[column],
            cells,
        )
    return hidden


def test_the_crawl_finds_no_leak_on_any_public_page_or_download(world, lone_school, client: Client):
    cache.clear()
    start = f"/cong-khai/{world.department.code}/"
    first = client.get(start)
    assert first.status_code == 200
    years = re.findall(r'<option value="([0-9-]+)"', first.content.decode())
    assert "2022-2023" in years
    pages = [start] + [f"{start}?year={year}" for year in years]
    hidden = 0
    downloads = set()
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        for header, rows in _html_tables(body):
            hidden += _check(header, rows, url)
        downloads.update(
            html.unescape(link) for link in re.findall(r'href="(/cong-khai/[^"]+\.(?:csv|xlsx)[^"]*)"', body)
        )
        for school in School.objects.filter(department=world.department):
            assert school.name not in body, "a public page names a school"
        for column in PUBLIC_CHARTS:
            assert f"/cong-khai/{world.department.code}/bieu-do-{column}.svg" in body
    assert hidden > 0, "the test department's small counts must be hidden somewhere"
    assert any(link.endswith("xlsx") or ".xlsx?" in link for link in downloads)
    for link in sorted(downloads):
        response = client.get(link)
        assert response.status_code == 200, link
        if ".csv" in link:
            tables = _csv_tables(response.content.decode("utf-8-sig"))
            assert len(tables) >= 1
            for header, rows in tables:
                _check(header, rows, link)


def test_small_counts_and_small_groups_are_hidden(world, lone_school):
    year = public.breakdown_table(world.department, 2022, "unit")
    rows = {row[0]: row for row in year.rows}
    lone = next(
        row
        for label, row in rows.items()
        if label not in (world.district_x.name, world.district_y.name, "Tổng", "Total")
    )
    assert all(cell is None for cell in lone[1:]), lone
    # district X: a1, a2, c1 — 3 schools shown; its 4 participations are under 10: hidden
    x = rows[world.district_x.name]
    assert x[1] == 3 and x[4] is None
    # the schools column has the lone school hidden: one more (the smallest) is hidden with it
    assert sum(1 for row in year.rows[:-1] if row[1] is None) >= 2
    per_year = public.years_table(world.department)
    first = per_year.rows[0]
    assert first[0] == "2022-2023"
    assert first[1] == 3  # activities are not people: shown
    assert first[5] is None and first[6] is None  # 5 participations, 4 teachers: hidden


def test_the_public_page_is_open_cached_and_refuses_bad_input(world, client: Client):
    cache.clear()
    url = f"/cong-khai/{world.department.code}/"
    response = client.get(url)
    assert response.status_code == 200 and "max-age" in response["Cache-Control"]
    assert "Dữ liệu công bố ngày" in response.content.decode() or "Data release" in response.content.decode()
    assert client.get(url, {"year": "2031-2032"}).status_code == 400
    assert client.get(url, {"year": "x" * 10_000}).status_code == 400
    assert client.get("/cong-khai/khong-co-so-nay/").status_code == 404
    assert client.get(f"{url}so-lieu.pdf").status_code == 404
    assert client.get(f"{url}bieu-do-99.svg").status_code == 404
    chart = client.get(f"{url}bieu-do-5.svg")
    assert chart.status_code == 200 and chart["Content-Type"] == "image/svg+xml"


def test_the_login_page_names_the_department_and_links_to_the_public_page(client: Client, db):
    page = client.get("/accounts/login/").content.decode()
    assert "Sở Giáo dục và Đào tạo Hà Nội" in page
    assert 'href="/cong-khai/"' in page


def test_a_school_year_with_a_group_under_three_schools_is_left_out_of_the_public_gap(world, scores):  # noqa: F811
    """The test indicator of test_gap.py: three inner and three outer schools each year; without c2's
    value in 2023-2024 the outer group has two schools that year, so the year is not published."""
    from chungtay.directory.models import IndicatorValue

    shown = public.gap_table(world.department, scores)
    assert [row[0] for row in shown.rows] == ["2022-2023", "2023-2024"] and shown.dropped == 0
    IndicatorValue.objects.filter(
        indicator=scores, school=world.schools["c2"], school_year__start_year=2023
    ).delete()
    cache.clear()
    shown = public.gap_table(world.department, scores)
    assert [row[0] for row in shown.rows] == ["2022-2023"] and shown.dropped == 1
    assert (shown.rows[0][1], shown.rows[0][3]) == (3, 3)
    assert all(group.values == [] for year in shown.result.years for group in year.groups)
