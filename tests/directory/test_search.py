import datetime as dt

import pytest

from chungtay.access.scopes import own_schools
from chungtay.directory.selectors import SchoolFilter, count_by_area, search_schools
from tests.factories import DepartmentFactory, SchoolFactory, UserFactory


def _names(user, query, **kwargs):
    return list(
        search_schools(user, SchoolFilter(query=query, at=dt.date(2024, 1, 1), **kwargs)).values_list(
            "name", flat=True
        )
    )


@pytest.mark.parametrize("query", ["ung hoa", "UNG HOA", "Ứng Hòa", "ứng hoà"])
def test_search_ignores_accents_and_case(as_user, query):
    user = as_user("admin")
    results = _names(user, query)
    assert results == _names(user, "Ứng Hòa")
    assert "Trung tâm GDNN-GDTX Ứng Hòa" in results


def test_whole_word_hits_rank_before_prefixes_before_substrings(db):
    department = DepartmentFactory()
    for name in [
        "Trường Mầm non Khoa Học",
        "Trường Tiểu học Hoàng Long",
        "Trường THCS Thanh Hòa",
        "Trường THCS Bình Minh",
    ]:
        SchoolFactory(name=name, department=department)
    viewer = UserFactory(role="viewer", office=department)
    assert _names(viewer, "hoa") == [
        "Trường THCS Thanh Hòa",
        "Trường Tiểu học Hoàng Long",
        "Trường Mầm non Khoa Học",
    ]


def test_name_hits_rank_before_place_hits(as_user):
    user = as_user("admin")
    results = _names(user, "ung hoa")
    assert "Ứng Hòa" in results[0]


def test_every_word_must_match(as_user):
    user = as_user("admin")
    assert _names(user, "ung hoa zzzzqqq") == []


def test_search_never_leaves_the_scope(as_user):
    user = as_user("pgd.hoangmai")
    results = _names(user, "ung hoa")
    assert not [name for name in results if "Ứng Hòa" in name]
    assert "Trung tâm GDNN-GDTX Ứng Hòa" in _names(as_user("pgd.unghoa"), "ung hoa")


def test_level_filter_includes_multi_level_schools(as_user):
    user = as_user("admin")
    thcs = search_schools(user, SchoolFilter(level="thcs"))
    assert set(thcs.values_list("level", flat=True)) == {"thcs", "th_thcs", "thcs_thpt", "th_thcs_thpt"}


def test_factory_school_in_other_department_is_invisible_to_hanoi_admin(as_user):
    school = SchoolFactory(name="Trường Tiểu học Ứng Hòa Thử Nghiệm")
    user = as_user("admin")
    assert school.name not in _names(user, "ung hoa")


def test_a_place_asked_for_ranks_before_words_hidden_inside_other_words(as_user):
    """ "ung hoa": every school named for or located in Ứng Hòa comes before Trung Hòa (Cầu Giấy), where
    "ung" only hides inside "trung" (issue 19: it came first)."""
    from chungtay.core.text import padded_search_key
    from chungtay.directory.models import School

    user = as_user("admin")
    ranked = list(
        search_schools(user, SchoolFilter(query="ung hoa", at=dt.date(2024, 1, 1))).values_list(
            "name_key", "place_key"
        )
    )
    in_place = [" ung hoa " in name or " ung hoa " in place for name, place in ranked]
    assert sum(in_place) > 50 and not all(in_place), "the demo has both kinds of hits"
    first_other = in_place.index(False)
    assert all(in_place[:first_other]) and not any(in_place[first_other:])
    assert School.objects.filter(name_key__contains=padded_search_key("Trung Hòa").strip()).exists()


@pytest.mark.parametrize("username", ["admin", "pgd.unghoa", "pgd.hoangmai", "ht.unghoa", "xem.hanoi"])
@pytest.mark.parametrize("day", [dt.date(2024, 1, 1), dt.date(2025, 9, 1)])
def test_counts_by_area_agree_with_the_area_filter(as_user, username, day):
    """The home page's inner/outer counts (one read of the schools' units) select what the directory's
    area filter selects, on the old map and on the 2025 one."""
    user = as_user(username)
    counted = count_by_area(own_schools(user), day)
    for area in ("inner", "outer"):
        filtered = search_schools(user, SchoolFilter(area=area, at=day, own_only=True)).count()
        assert counted.get(area, 0) == filtered
    assert sum(counted.values()) > 0


def test_on_postgresql_a_search_word_can_be_found_through_the_trigram_indexes(as_user):
    """Every word of a search is matched anywhere in the name or the places (`LIKE '%word%'`), which a
    B-tree cannot serve: on PostgreSQL both columns have a trigram index that can (with plain scans
    forbidden, a word's match reads them), so a national directory need not be read whole for a search.
    SQLite has no such index (the migration leaves it alone) and still finds the schools."""
    from django.db import connection
    from django.db.models import Q

    from chungtay.directory.models import School

    found = search_schools(as_user("xem.hanoi"), SchoolFilter(query="nguyen trai", at=dt.date(2024, 1, 1)))
    assert found.exists()
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE '%trgm%'")
            assert cursor.fetchall() == []
            return
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'directory_school' AND indexdef LIKE %s",
            ["%USING gin%gin_trgm_ops%"],
        )
        assert {name for (name,) in cursor.fetchall()} == {
            "directory_school_name_trgm",
            "directory_school_place_trgm",
        }
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        plan = School.objects.filter(
            Q(name_key__contains="nguyen") | Q(place_key__contains="nguyen")
        ).explain()
    assert "directory_school_name_trgm" in plan and "directory_school_place_trgm" in plan, plan
