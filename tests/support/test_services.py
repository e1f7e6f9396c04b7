from decimal import Decimal

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from chungtay.core.datacache import data_version
from chungtay.core.dates import today
from chungtay.core.errors import ConflictError
from chungtay.support import exceptions as e
from chungtay.support import services
from chungtay.support.models import Beneficiary, SupportRecord
from chungtay.support.selectors import support_figures, support_for_user, support_visible_to
from tests.partnerships.conftest import public_school, user
from tests.support.conftest import GIVEN


def _message(excinfo) -> str:
    return str(excinfo.value.message)


def _scholarship(pair, donor, pupils, by="ht.unghoa"):
    return services.record_support(
        acting_user=user(by),
        kind="scholarship",
        quantity=Decimal(len(pupils) or 1),
        unit="suất",
        value_vnd=2_000_000 * max(len(pupils), 1),
        given_on=GIVEN,
        donor=donor,
        receiving_school=user("ht.unghoa").school,
        partnership=pair,
        beneficiaries=pupils,
    )


def _pupils(n):
    school = user("ht.unghoa").school
    return [
        services.register_beneficiary(
            acting_user=user("ht.unghoa"), school=school, grade=7, circumstance="poor"
        )
        for _ in range(n)
    ]


def test_the_giver_records_books_given_to_its_partner(books):
    assert (books.quantity, books.unit, books.value_vnd) == (Decimal(300), "cuốn", 15_000_000)
    assert books.history.first().history_user == user("ht.hoangmai")
    assert books in support_visible_to(user("gv.unghoa"))
    assert books in support_visible_to(user("pgd.hoangmai"))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("quantity", Decimal(-5), e.QUANTITY_POSITIVE),
        ("quantity", Decimal(0), e.QUANTITY_POSITIVE),
        ("value_vnd", -1, e.VALUE_NOT_NEGATIVE),
        ("unit", " ", e.UNIT_NEEDED),
    ],
)
def test_bad_figures_are_refused_and_nothing_is_written(pair, hm_donor, field, value, message):
    before = SupportRecord.objects.count()
    values = {"quantity": Decimal(10), "unit": "bộ", "value_vnd": None, field: value}
    with pytest.raises(e.SupportError) as excinfo:
        services.record_support(
            acting_user=user("ht.hoangmai"), kind="equipment", given_on=GIVEN, donor=hm_donor,
            receiving_school=user("ht.unghoa").school, partnership=pair, **values,
        )  # fmt: skip
    assert _message(excinfo) == str(message)
    assert SupportRecord.objects.count() == before


def test_support_given_in_the_future_is_refused(pair, hm_donor):
    import datetime as dt

    tomorrow = today() + dt.timedelta(days=1)
    with pytest.raises(e.SupportError) as excinfo:
        services.record_support(
            acting_user=user("ht.hoangmai"), kind="books", quantity=Decimal(1), unit="cuốn",
            given_on=tomorrow,
            donor=hm_donor, receiving_school=user("ht.unghoa").school,
        )  # fmt: skip
    assert _message(excinfo) == e.GIVEN_IN_FUTURE % {"day": tomorrow.strftime("%d/%m/%Y")}


def test_a_school_outside_the_scope_cannot_record(pair, hm_donor):
    with pytest.raises(e.NotAllowed):
        services.record_support(
            acting_user=user("xem.hanoi"), kind="books", quantity=Decimal(1), unit="cuốn", given_on=GIVEN,
            donor=hm_donor, receiving_school=user("ht.unghoa").school,
        )  # fmt: skip
    business = services.register_donor(
        acting_user=user("pgd.bavi"), kind="business", name="Công ty Sách Việt"
    )
    with pytest.raises((e.NotAllowed, e.SupportError)):
        services.record_support(
            acting_user=user("pgd.bavi"), kind="books", quantity=Decimal(1), unit="cuốn", given_on=GIVEN,
            donor=business, receiving_school=user("ht.unghoa").school,
        )  # fmt: skip


def test_a_school_outside_the_partnership_is_refused(pair, hm_donor):
    stranger = public_school("pgd-hoangmai", "th", 2)
    with pytest.raises(e.SupportError) as excinfo:
        services.record_support(
            acting_user=user("pgd.hoangmai"), kind="books", quantity=Decimal(1), unit="cuốn", given_on=GIVEN,
            donor=hm_donor, receiving_school=stranger, partnership=pair,
        )  # fmt: skip
    assert _message(excinfo) == e.NOT_IN_PARTNERSHIP % {"school": stranger.name}


def test_pupils_have_codes_and_only_their_leader_names_them(pair, hm_donor):
    before = Beneficiary.objects.filter(school=user("ht.unghoa").school).count()  # the demo's own pupils
    pupils = _pupils(2)
    assert [p.code for p in pupils] == [f"HS-{before + 1:04d}", f"HS-{before + 2:04d}"]
    with pytest.raises(e.NotAllowed):
        services.register_beneficiary(
            acting_user=user("gv.unghoa"), school=user("ht.unghoa").school, grade=7, circumstance="poor"
        )
    with pytest.raises(e.NotAllowed):
        _scholarship(pair, hm_donor, pupils, by="ht.hoangmai")
    record = _scholarship(pair, hm_donor, pupils)
    assert set(record.beneficiaries.all()) == set(pupils)
    other = Beneficiary.objects.create(
        school=user("ht.hoangmai").school, code="HS-0001", circumstance="orphan"
    )
    with pytest.raises(e.SupportError) as excinfo:
        _scholarship(pair, hm_donor, [other])
    assert "HS-0001" in _message(excinfo)


def test_small_pupil_counts_are_suppressed_except_for_the_school_leader(pair, hm_donor):
    three = _scholarship(pair, hm_donor, _pupils(3))
    rows = SupportRecord.objects.filter(pk=three.pk)
    assert support_figures(rows).pupils is None
    assert support_figures(rows, reveal_small=True).pupils == 3
    five = _scholarship(pair, hm_donor, _pupils(2))
    both = SupportRecord.objects.filter(pk__in=[three.pk, five.pk])
    figures = support_figures(both)
    assert figures.pupils == 5
    assert figures.value_vnd == 2_000_000 * 5
    assert figures.by_kind == [
        {
            "kind": "scholarship",
            "unit": "suất",
            "records": 2,
            "quantity": Decimal(5),
            "value_vnd": 10_000_000,
            "pupils": 5,
        }
    ]


def test_outsiders_do_not_see_the_record(books):
    with pytest.raises(Http404):
        support_for_user(user("pgd.bavi"), books.pk)


def test_concurrent_corrections_do_not_overwrite(books):
    services.edit_support(
        acting_user=user("ht.unghoa"), record=books, expected_version=1, quantity=Decimal(280), unit="cuốn",
        value_vnd=14_000_000, given_on=GIVEN,
    )  # fmt: skip
    stale = SupportRecord.objects.get(pk=books.pk)
    with pytest.raises(ConflictError):
        services.edit_support(
            acting_user=user("ht.hoangmai"), record=stale, expected_version=1, quantity=Decimal(310),
            unit="cuốn", value_vnd=None, given_on=GIVEN,
        )  # fmt: skip
    assert SupportRecord.objects.get(pk=books.pk).quantity == Decimal(280)


def test_the_ledgers_figures_are_kept_until_a_write_and_follow_every_write(pair, hm_donor):
    rows = SupportRecord.objects.filter(partnership=pair)
    first = support_figures(rows)
    with CaptureQueriesContext(connection) as kept:
        again = support_figures(rows)
    assert again == first and len(kept) == 1  # the data's version alone; five queries when computed
    version = data_version()
    three = _scholarship(pair, hm_donor, _pupils(3))
    assert data_version() != version
    after = support_figures(rows)
    assert (after.records, after.value_vnd) == (first.records + 1, first.value_vnd + 6_000_000)
    # the pupils of a gift changed alone (its many-to-many): the version moves, the count follows
    five = _pupils(2)
    three.beneficiaries.add(*five)
    mine = support_figures(SupportRecord.objects.filter(pk=three.pk))
    assert mine.pupils == 5 and mine.by_kind[0]["quantity"] == Decimal(3)
