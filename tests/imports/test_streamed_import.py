"""Indicator values are imported in flat memory: the file is read as it is decoded (never whole), the
plan keeps counts and the first errors rather than the rows, and applying reads the file again a chunk
at a time inside one transaction. Chunks are made tiny here so that every boundary is crossed."""

import codecs
import io

import pytest

from chungtay.accounts.models import User
from chungtay.directory.models import AdminUnit, Indicator, IndicatorValue
from chungtay.imports import indicators, readers
from chungtay.imports.readers import FileRefused, read_rows
from tests.imports.test_kinds import VALUE_HEADER, _thcs_school

YEARS = ["2018-2019", "2019-2020", "2020-2021", "2021-2022", "2022-2023", "2023-2024", "2024-2025"]


def _file(rows, header=VALUE_HEADER, encoding="utf-8-sig"):
    lines = [",".join(header), *(",".join(row) for row in rows)]
    return io.BytesIO(("\n".join(lines) + "\n").encode(encoding))


def _rows(schools, code="DIEM_VAO10_TOAN", value="6.5"):
    return [[school.moet_id, year, code, value, ""] for school in schools for year in YEARS]


@pytest.fixture
def tiny_chunks(monkeypatch):
    monkeypatch.setattr(indicators, "CHUNK_ROWS", 4)


def test_a_file_over_many_chunks_counts_and_writes_every_row_once(db, tiny_chunks):
    officer = User.objects.get(username="pgd.unghoa")
    schools = list(_thcs_school()[:5])
    rows = _rows(schools, value="6.5")  # 35 rows: 9 chunks
    IndicatorValue.objects.filter(school__in=schools, indicator__code="DIEM_VAO10_TOAN").delete()
    plan = indicators.plan_import(officer, _file(rows), "chi-so.csv")
    assert (plan.rows, plan.create, plan.update, plan.unchanged, plan.errors) == (35, 35, 0, 0, [])
    indicators.apply_plan(officer, plan, reason="import:test")
    values = IndicatorValue.objects.filter(school__in=schools, indicator__code="DIEM_VAO10_TOAN")
    assert values.count() == 35 and {float(v) for v in values.values_list("value", flat=True)} == {6.5}
    # the same file again changes nothing; a changed value in the last chunk is one update
    again = indicators.plan_import(officer, _file(rows), "chi-so.csv")
    assert (again.create, again.update, again.unchanged) == (0, 0, 35)
    rows[-1][3] = "8"
    changed = indicators.plan_import(officer, _file(rows), "chi-so.csv")
    assert (changed.create, changed.update, changed.unchanged) == (0, 1, 34)


def test_a_row_repeating_a_key_of_an_earlier_chunk_is_refused_with_the_first_row(db, tiny_chunks):
    officer = User.objects.get(username="pgd.unghoa")
    schools = list(_thcs_school()[:2])
    rows = _rows(schools)  # 14 rows, on lines 2–15
    rows.append(list(rows[0]))  # line 16 repeats line 2, three chunks later
    rows.insert(2, list(rows[1]))  # line 4 repeats line 3, in the same chunk
    rows += [list(rows[5]) for _ in range(5)] + [list(rows[0])]  # lines 18–22 repeat line 7, 23 line 2
    plan = indicators.plan_import(officer, _file(rows), "chi-so.csv")
    duplicates = {(e["row"], e["message"]) for e in plan.errors}
    assert duplicates == {
        (4, "Trùng với dòng 3."),
        (17, "Trùng với dòng 2."),
        (18, "Trùng với dòng 7."),
        (19, "Trùng với dòng 7."),  # 19–23 share a chunk: 20–22 name 19, the chunk's first
        *((line, "Trùng với dòng 19.") for line in (20, 21, 22)),
        (23, "Trùng với dòng 2."),  # the first row, not line 17 refused before it
    }
    assert plan.summary()["rejected"] == 8
    with pytest.raises(FileRefused):
        indicators.apply_plan(officer, plan, reason="import:test")


def test_errors_past_the_listed_ones_are_counted_not_kept(db, tiny_chunks, monkeypatch):
    monkeypatch.setattr(indicators, "MAX_LISTED_ERRORS", 5)
    officer = User.objects.get(username="pgd.unghoa")
    schools = list(_thcs_school()[:2])
    rows = _rows(schools, code="KHONG_CO")  # 14 rows, each with an unknown indicator
    summary = indicators.plan_import(officer, _file(rows), "chi-so.csv").summary()
    assert (summary["rejected"], summary["error_count"], len(summary["errors"])) == (14, 14, 5)
    assert [e["row"] for e in summary["errors"]] == [2, 3, 4, 5, 6]


def test_apply_is_all_or_nothing_across_chunks(db, tiny_chunks):
    """A row that turned invalid between the check and the apply, in the file's last chunk, refuses the
    whole file: the chunks written before it are rolled back."""
    officer = User.objects.get(username="pgd.unghoa")
    schools = list(_thcs_school()[:3])
    rows = _rows(schools, value="6.5") + [[schools[0].moet_id, "2024-2025", "TL_GV_TREN_CHUAN", "90", ""]]
    before = IndicatorValue.objects.count()
    values_before = set(IndicatorValue.objects.filter(school__in=schools).values_list("pk", "value"))
    plan = indicators.plan_import(officer, _file(rows), "chi-so.csv")
    assert plan.errors == []
    Indicator.objects.filter(code="TL_GV_TREN_CHUAN").update(is_active=False)  # no longer in use
    with pytest.raises(FileRefused):
        indicators.apply_plan(officer, plan, reason="import:test")
    assert IndicatorValue.objects.count() == before
    assert set(IndicatorValue.objects.filter(school__in=schools).values_list("pk", "value")) == values_before


class _Spy(io.BytesIO):
    """A file that records how much each read asked for."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.asked: list[int] = []

    def read(self, size=-1):  # noqa: ANN001, ANN201
        self.asked.append(size)
        return super().read(size)

    def read1(self, size=-1):  # noqa: ANN001, ANN201
        self.asked.append(size)
        return super().read1(size)


def test_a_csv_is_decoded_as_it_is_read_never_read_whole():
    rows = [[f"0100{n:05d}", "2024-2025", "DIEM_VAO10_TOAN", "7", "ghi chú"] for n in range(60_000)]
    data = _file(rows).getvalue()  # 2.4 MB
    spy = _Spy(data)
    header, body = read_rows(spy, "chi-so.csv")
    assert header == VALUE_HEADER and sum(1 for _ in body) == 60_000
    assert all(0 < size <= 1024 * 1024 for size in spy.asked), sorted(set(spy.asked))[-3:]


def test_utf16_and_an_encoding_error_deep_in_the_file():
    rows = [["01001", "2024-2025", "DIEM_VAO10_TOAN", "7", "Trường Việt"]] * 3
    header, body = read_rows(_file(rows, encoding="utf-16"), "chi-so.csv")
    assert header == VALUE_HEADER and [values for _, values in body][2][4] == "Trường Việt"
    good = _file([["01001", "2024-2025", "DIEM_VAO10_TOAN", "7", "x" * 40]] * 500).getvalue()
    broken = good + b"01002,2024-2025,DIEM_VAO10_TOAN,7," + b"Tr\xff\xfeng\n"
    _header, body = read_rows(io.BytesIO(broken), "chi-so.csv")
    with pytest.raises(FileRefused) as refused:
        list(body)
    assert refused.value.message == readers.UNKNOWN_ENCODING
    nul = _file([["01001", "2024-2025", "DIEM_VAO10_TOAN", "7", "a\x00b"]]).getvalue()
    with pytest.raises(FileRefused) as refused:
        list(read_rows(io.BytesIO(codecs.BOM_UTF8 + nul[3:]), "chi-so.csv")[1])
    assert refused.value.message == readers.NOT_A_SPREADSHEET


def test_only_a_streamed_kind_takes_more_rows_than_a_kind_that_holds_them(db, monkeypatch):
    from chungtay.imports import offices as office_import
    from chungtay.imports import schools as school_import

    monkeypatch.setattr(readers, "MAX_ROWS", 5)
    monkeypatch.setattr(indicators, "MAX_STREAMED_ROWS", 20)
    monkeypatch.setattr(school_import, "MAX_STREAMED_ROWS", 20)
    officer, admin = User.objects.get(username="pgd.unghoa"), User.objects.get(username="admin")
    rows = _rows(list(_thcs_school()[:1]), value="7")  # 7 rows, on lines 2–8
    plan = indicators.plan_import(officer, _file(rows), "chi-so.csv")
    assert plan.rows == 7 and plan.errors == []
    with pytest.raises(FileRefused) as refused:
        indicators.plan_import(officer, _file(rows * 3), "chi-so.csv")  # 21 rows
    assert refused.value.message == readers.TOO_MANY_ROWS % {"limit": 20}
    header = ["Mã định danh", "Tên trường", "Cấp học", "Loại hình", "Mã xã/phường"]
    ward = AdminUnit.objects.filter(edition="2025", level="ward", province__code="01").first().code
    school_rows = [[f"0199{n:05d}", f"Trường {n}", "TH", "Công lập", ward] for n in range(21)]
    plan = school_import.plan_import(admin, _file(school_rows[:7], header), "truong.csv")
    assert (plan.rows, plan.create, plan.errors) == (7, 7, [])
    with pytest.raises(FileRefused) as refused:
        school_import.plan_import(admin, _file(school_rows, header), "truong.csv")
    assert refused.value.message == readers.TOO_MANY_ROWS % {"limit": 20}
    office_header = ["Mã phòng", "Tên phòng", "Tên ngắn", "Mã đơn vị hành chính", "Từ ngày", "Đến ngày"]
    office_rows = [[f"PGD{n}", f"Phòng {n}", "", "001", "", ""] for n in range(7)]
    with pytest.raises(FileRefused) as refused:
        office_import.plan_import(admin, _file(office_rows, office_header), "phong.csv")
    assert refused.value.message == readers.TOO_MANY_ROWS % {"limit": 5}


def test_a_chunk_that_only_repeats_earlier_rows_leaves_the_rest_of_the_file_checked(db, tiny_chunks):
    """A chunk whose every row repeats an earlier chunk's keys remembers nothing new; the rows after it
    are checked as any others (the check used to stop on an empty array: an internal error, no plan)."""
    officer = User.objects.get(username="pgd.unghoa")
    schools = list(_thcs_school()[:2])
    rows = _rows(schools)[:4]  # lines 2–5: the first chunk
    rows += [list(row) for row in rows]  # lines 6–9 repeat them: a chunk of duplicates only
    rows += _rows(schools)[4:9]  # lines 10–14: new keys, then a repeat of line 2 on line 15
    rows.append(list(rows[0]))
    plan = indicators.plan_import(officer, _file(rows), "chi-so.csv")
    assert {(e["row"], e["message"]) for e in plan.errors} == {
        *((line, f"Trùng với dòng {line - 4}.") for line in (6, 7, 8, 9)),
        (15, "Trùng với dòng 2."),
    }
    assert (plan.rows, plan.summary()["rejected"]) == (14, 5)
