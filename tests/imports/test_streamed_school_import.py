"""Schools and their yearly figures are imported in flat memory, as indicator values are: the plan keeps
counts and the first errors, the keys of earlier chunks are kept as packed arrays, and applying reads the
file again a chunk at a time inside one transaction. Chunks are made tiny here so that a school's rows
fall in several chunks and every boundary is crossed."""

import datetime as dt
import io

import pytest

from chungtay.accounts.models import User
from chungtay.directory.models import AdminUnit, School, SchoolYear, SchoolYearFigures
from chungtay.imports import schools as imp
from chungtay.imports.readers import FileRefused

HEADER = ["Mã định danh", "Tên trường", "Cấp học", "Loại hình", "Mã xã/phường", "Năm học", "Số học sinh",
          "Số giáo viên", "Số lớp"]  # fmt: skip
YEARS = ["2021-2022", "2022-2023", "2023-2024", "2024-2025"]


@pytest.fixture
def tiny_chunks(monkeypatch):
    monkeypatch.setattr(imp, "CHUNK_ROWS", 3)


def _ward():
    return (
        AdminUnit.objects.filter(edition="2025", level="ward", province__code="01").order_by("code").first()
    )


def _file(rows):
    lines = [",".join(HEADER), *(",".join(str(value) for value in row) for row in rows)]
    return io.BytesIO(("\n".join(lines) + "\n").encode("utf-8-sig"))


def _rows(count, ward, pupils=500):
    """`count` new schools, each with a row per school year, year by year (a school's rows are chunks
    apart)."""
    return [
        [f"0177{n:05d}", f"Trường Tiểu học Luồng {n}", "TH", "Công lập", ward.code, year, pupils + n, 30, 15]
        for year in YEARS
        for n in range(count)
    ]


def test_a_school_over_many_chunks_is_counted_once_and_written_once(db, tiny_chunks):
    admin, ward = User.objects.get(username="admin"), _ward()
    rows = _rows(5, ward)  # 20 rows: 7 chunks; each school in four of them
    plan = imp.plan_import(admin, _file(rows), "truong.csv")
    summary = plan.summary()
    assert (plan.rows, plan.errors) == (20, [])
    assert (summary["create"], summary["update"], summary["unchanged"]) == (5, 0, 0)
    assert (summary["figures_create"], summary["figures_update"]) == (20, 0)
    imp.apply_plan(admin, plan, reason="import:test")
    schools = School.objects.filter(moet_id__startswith="017700")
    assert schools.count() == 5 and {s.locations.get().unit_id for s in schools} == {ward.pk}
    figures = SchoolYearFigures.objects.filter(school__in=schools)
    assert figures.count() == 20
    assert sorted(figures.filter(school_year__start_year=2023).values_list("pupils", flat=True)) == [
        500, 501, 502, 503, 504
    ]  # fmt: skip
    # the same file again changes nothing; one changed figure in the last chunk is one update
    again = imp.plan_import(admin, _file(rows), "truong.csv").summary()
    assert (again["create"], again["unchanged"], again["figures_create"], again["figures_update"]) == (
        0,
        5,
        0,
        0,
    )
    rows[-1][6] = 999
    changed = imp.plan_import(admin, _file(rows), "truong.csv")
    assert (changed.summary()["figures_update"], changed.unchanged) == (1, 5)
    imp.apply_plan(admin, changed, reason="import:test")
    assert figures.get(school__moet_id="017700004", school_year__start_year=2024).pupils == 999


def test_repeats_and_conflicts_across_chunks_name_the_earlier_row(db, tiny_chunks):
    admin, ward = User.objects.get(username="admin"), _ward()
    rows = _rows(3, ward)[:6]  # lines 2–7: three schools, two years
    rows.append(list(rows[0]))  # line 8 repeats line 2 (two chunks earlier)
    renamed = list(rows[4])
    renamed[1], renamed[5] = "Tên khác", "2024-2025"
    rows.append(renamed)  # line 9: school 1 renamed in a year of its own, against line 3
    rows.append([*rows[2][:5], "2023-2024", 1, 1, 1])  # line 10: school 2's third year, same details
    rows.append(list(rows[1]))  # line 11 repeats line 3, in a chunk of its own
    before = School.objects.count()
    plan = imp.plan_import(admin, _file(rows), "truong.csv")
    assert [(e["row"], e["column"], e["message"]) for e in plan.summary()["errors"]] == [
        (8, "Mã định danh", "Trùng với dòng 2."),
        (9, "Tên trường", "Dòng 3 ghi thông tin khác cho trường này."),
        (11, "Mã định danh", "Trùng với dòng 3."),
    ]
    summary = plan.summary()
    assert (summary["rejected"], summary["create"], summary["figures_create"]) == (3, 3, 7)
    with pytest.raises(FileRefused):
        imp.apply_plan(admin, plan, reason="import:test")
    assert School.objects.count() == before


def test_errors_past_the_listed_ones_are_counted_not_kept(db, tiny_chunks, monkeypatch):
    monkeypatch.setattr(imp, "MAX_LISTED_ERRORS", 4)
    admin, ward = User.objects.get(username="admin"), _ward()
    rows = _rows(3, ward)
    for row in rows:
        row[2] = "Đại học"  # no such level
    summary = imp.plan_import(admin, _file(rows), "truong.csv").summary()
    assert (summary["rows"], summary["rejected"], summary["error_count"], len(summary["errors"])) == (
        12,
        12,
        12,
        4,
    )
    assert [e["row"] for e in summary["errors"]] == [2, 3, 4, 5]


def test_apply_is_all_or_nothing_across_chunks(db, tiny_chunks):
    """A row that turned invalid between the check and the apply, in the file's last chunk, refuses the
    whole file: the schools and figures written by the chunks before it are rolled back."""
    admin, ward = User.objects.get(username="admin"), _ward()
    SchoolYear.objects.create(start_year=2031, starts_on=dt.date(2031, 9, 5), ends_on=dt.date(2032, 5, 31))
    rows = _rows(4, ward)
    rows.append([*rows[0][:5], "2031-2032", 1, 1, 1])  # the last chunk: school 0 in a new school year
    schools, figures = School.objects.count(), SchoolYearFigures.objects.count()
    plan = imp.plan_import(admin, _file(rows), "truong.csv")
    assert plan.errors == [] and plan.create == 4
    SchoolYear.objects.filter(start_year=2031).delete()  # no longer set up
    with pytest.raises(FileRefused):
        imp.apply_plan(admin, plan, reason="import:test")
    assert (School.objects.count(), SchoolYearFigures.objects.count()) == (schools, figures)
