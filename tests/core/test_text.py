import datetime as dt

import pytest

from chungtay.core import schoolyears
from chungtay.core.dates import parse_date
from chungtay.core.text import padded_search_key, search_key, search_terms, vietnamese_sort_key


@pytest.mark.parametrize("text", ["Ứng Hòa", "ung hoa", "UNG HOA", "Ứng  Hoà", "ỨNG HÒA"])
def test_every_spelling_of_ung_hoa_has_the_same_search_key(text):
    assert search_key(text) == "ung hoa"


def test_d_with_stroke_folds_to_d():
    assert search_key("Đống Đa") == "dong da"


def test_punctuation_becomes_word_breaks():
    assert search_key("Trường TH&THCS Đoàn Thị Điểm - Ecopark") == "truong th thcs doan thi diem ecopark"
    assert padded_search_key("Ba Vì") == " ba vi "


def test_search_terms_are_distinct_and_capped():
    assert search_terms("hoa HOA Hòa mai") == ["hoa", "mai"]
    assert len(search_terms(" ".join(f"w{i}" for i in range(50)))) == 8


def test_vietnamese_order_puts_each_letter_in_its_place():
    names = [
        "Đống Đa",
        "Ba Vì",
        "Ba Đình",
        "Ân Thi",
        "An Khánh",
        "Ăn Uống",
        "Dương Nội",
        "Hai Bà Trưng",
        "Hà Đông",
        "Ơn",
    ]
    ordered = sorted(names, key=vietnamese_sort_key)
    assert ordered == [
        "An Khánh",
        "Ăn Uống",
        "Ân Thi",
        "Ba Đình",
        "Ba Vì",
        "Dương Nội",
        "Đống Đa",
        "Hà Đông",
        "Hai Bà Trưng",
        "Ơn",
    ]


def test_tones_break_ties_in_dictionary_order():
    syllables = ["mạ", "má", "mã", "mả", "mà", "ma"]
    assert sorted(syllables, key=vietnamese_sort_key) == ["ma", "mà", "mả", "mã", "má", "mạ"]


def test_sort_key_is_digits_only_so_any_collation_agrees():
    assert vietnamese_sort_key("Trường THCS Ứng Hòa A").isdigit()


def test_shorter_name_sorts_before_its_extension():
    assert vietnamese_sort_key("Vân Đình") < vietnamese_sort_key("Vân Đình A")


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("2022-2023", 2022),
        ("2022 – 2023", 2022),
        ("2022/2023", 2022),
        ("22-23", 2022),
        ("Năm học 2023-2024", 2023),
        ("2024", 2024),
    ],
)
def test_school_years_are_read_the_ways_people_write_them(text, start):
    assert schoolyears.parse(text) == start


@pytest.mark.parametrize("text", ["2022-2024", "abc", "", "2022-"])
def test_malformed_school_years_are_refused(text):
    with pytest.raises(schoolyears.SchoolYearFormatError):
        schoolyears.parse(text)


def test_school_year_of_a_date():
    assert schoolyears.start_year_of(dt.date(2023, 3, 25)) == 2022
    assert schoolyears.start_year_of(dt.date(2023, 9, 5)) == 2023
    assert schoolyears.label(2022) == "2022-2023"
    assert schoolyears.bounds(2022) == (dt.date(2022, 8, 1), dt.date(2023, 7, 31))


def test_dates_are_day_first_and_iso_is_accepted():
    assert parse_date("05/03/2023") == dt.date(2023, 3, 5)
    assert parse_date("2023-03-05") == dt.date(2023, 3, 5)
    assert parse_date("31/02/2023") is None
    assert parse_date("x" * 10000) is None
