import io
from decimal import Decimal

from django.urls import reverse
from openpyxl import load_workbook

from chungtay.support import services
from chungtay.support.models import Beneficiary, SupportRecord
from tests.partnerships.conftest import user
from tests.support.conftest import GIVEN


def _form(**overrides):
    data = {
        "kind": "books",
        "quantity": "250",
        "unit": "cuốn",
        "value_vnd": "15.000.000",
        "given_on": GIVEN.strftime("%d/%m/%Y"),
        "receiving_school": user("ht.unghoa").school.moet_id,
        "giver_kind": "school",
        "giver_school": user("ht.hoangmai").school.moet_id,
    }
    data.update(overrides)
    return data


def test_a_leader_records_books_from_the_partnership_page(client, as_user, pair):
    as_user("ht.hoangmai")
    page = client.get(reverse("support:support-create"), {"partnership": pair.pk})
    assert page.status_code == 200
    assert page.context["form"].initial["receiving_school"] == user("ht.unghoa").school.moet_id
    response = client.post(reverse("support:support-create"), {**_form(), "partnership": pair.pk})
    assert response.status_code == 302
    record = SupportRecord.objects.get(partnership=pair)
    assert (record.quantity, record.value_vnd, record.donor.school) == (
        Decimal(250),
        15_000_000,
        user("ht.hoangmai").school,
    )
    timeline = client.get(reverse("partnerships:partnership-detail", args=[pair.pk]))
    shown = reverse("support:support-detail", args=[record.pk])
    assert any(e.kind == "support" and e.url == shown for e in timeline.context["timeline"])


def test_bad_input_re_renders_and_changes_nothing(client, as_user, pair):
    as_user("ht.hoangmai")
    url = reverse("support:support-create")
    for bad in ({"quantity": "-5"}, {"value_vnd": "mười triệu"}, {"receiving_school": "99999999"}):
        response = client.post(url, {**_form(**bad), "partnership": pair.pk})
        assert response.status_code == 400, bad
    assert not SupportRecord.objects.filter(partnership=pair).exists()


def test_pupils_are_codes_seen_only_by_their_leader(client, as_user, pair, hm_donor):
    as_user("ht.unghoa")
    before = Beneficiary.objects.filter(school=user("ht.unghoa").school).count()  # the demo's own pupils
    code = f"HS-{before + 1:04d}"
    assert (
        client.post(reverse("support:beneficiary-list"), {"grade": "8", "circumstance": "orphan"}).status_code
        == 302
    )
    pupil = Beneficiary.objects.filter(school=user("ht.unghoa").school).latest("pk")
    assert pupil.code == code
    response = client.post(
        reverse("support:support-create"),
        {**_form(kind="scholarship", quantity="1", unit="suất", pupils=[pupil.pk]), "partnership": pair.pk},
    )
    assert response.status_code == 302
    record = SupportRecord.objects.get(partnership=pair, kind="scholarship")
    mine = client.get(reverse("support:support-detail", args=[record.pk]))
    assert code in mine.content.decode()
    as_user("ht.hoangmai")
    theirs = client.get(reverse("support:support-detail", args=[record.pk])).content.decode()
    assert code not in theirs and "&lt; 5" in theirs
    # their own pupils page lists their own school's codes only
    assert list(client.get(reverse("support:beneficiary-list")).context["pupils"]) == []
    as_user("gv.unghoa")
    assert client.get(reverse("support:beneficiary-list")).status_code == 403
    as_user("ht.hoangmai")
    export = client.get(reverse("support:support-export"), {"partnership": pair.pk})
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[1][-1] == "<5"


def test_the_ledger_filters_by_partnership_with_figures(client, as_user, books, pair):
    services.record_support(
        acting_user=user("ht.unghoa"), kind="books", quantity=Decimal(50), unit="cuốn", given_on=GIVEN,
        donor=services.register_donor(acting_user=user("ht.unghoa"), kind="business", name="Nhà sách Hà Nội"),
        receiving_school=user("ht.unghoa").school, partnership=pair, value_vnd=None,
    )  # fmt: skip
    as_user("gv.unghoa")
    response = client.get(reverse("support:support-list"), {"partnership": pair.pk})
    figures = response.context["figures"]
    assert (figures.records, figures.value_vnd) == (2, 15_000_000)
    assert figures.by_kind[0]["quantity"] == Decimal(350)
    assert (
        client.get(reverse("support:support-list"), {"q": "nha sach ha noi"}).context["page"].paginator.count
        >= 1
    )


def test_a_record_is_corrected_and_a_stale_page_is_refused(client, as_user, books):
    as_user("ht.unghoa")
    url = reverse("support:support-edit", args=[books.pk])
    assert client.get(url).status_code == 200
    form = {
        "quantity": "280",
        "unit": "cuốn",
        "value_vnd": "14.000.000",
        "given_on": GIVEN.strftime("%d/%m/%Y"),
    }
    assert client.post(url, {**form, "version": "1"}).status_code == 302
    stale = client.post(url, {**form, "quantity": "999", "version": "1"})
    assert stale.status_code == 409
    books.refresh_from_db()
    assert (books.quantity, books.value_vnd, books.version) == (Decimal(280), 14_000_000, 2)
    assert books.history.first().history_user == user("ht.unghoa")
    as_user("xem.hanoi")
    assert client.get(url).status_code == 403
