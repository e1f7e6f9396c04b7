"""Every row of an import is accounted for (read = created + updated + unchanged + rejected), each error
names its real column, and the preview lists the rows to be created and updated, page by page."""

import datetime as dt

from django.urls import reverse

from chungtay.activities import exceptions as e
from chungtay.imports.activities import COLUMNS
from tests.imports.test_activity_import import _csv, _pair_schools, _row, _upload
from tests.partnerships.conftest import hm_uh, leaders_pair, user  # noqa: F401

COLUMN = {name: names[0] for name, names in COLUMNS.items()}


def _rows(pair):
    supported, supporting = _pair_schools(pair)
    held = (dt.date.today() - dt.timedelta(days=3)).strftime("%d/%m/%Y")
    future = (dt.date.today() + dt.timedelta(days=5)).strftime("%d/%m/%Y")
    common = {
        "hosts": supporting.moet_id,
        "participants": supported.moet_id,
        "partnerships": str(pair.number),
    }
    return [
        _row(title="", kind="topic", planned_on=held, **common),  # no title
        _row(title="Chuyên đề lạ", kind="không có loại này", planned_on=held, **common),  # unknown kind
        _row(
            title="Chuyên đề tổ chức trong tương lai",
            kind="topic",
            planned_on=future,
            held_on=future,
            status="held",
            **common,
        ),  # fmt: skip
        _row(title="Chuyên đề hợp lệ", kind="topic", planned_on=held, held_on=held, status="held", **common),
    ], future


def test_every_row_is_accounted_for_with_its_real_column(client, leaders_pair):  # noqa: F811
    client.force_login(user("pgd.hoangmai"))
    rows, future = _rows(leaders_pair)
    batch = _upload(client, "activities", _csv(rows))
    s = batch.summary
    assert s["rows"] == 4
    assert s["rows"] == s["create"] + s["update"] + s["unchanged"] + s["rejected"]
    assert (s["create"], s["rejected"]) == (1, 3)
    errors = {(error["row"], error["column"]) for error in s["errors"]}
    assert errors == {(2, COLUMN["title"]), (3, COLUMN["kind"]), (4, COLUMN["held_on"])}
    future_error = next(error for error in s["errors"] if error["row"] == 4)
    assert future_error["message"] == str(e.HELD_IN_FUTURE % {"day": future})


def test_the_future_row_alone_names_the_date_column(client, leaders_pair):  # noqa: F811
    client.force_login(user("pgd.hoangmai"))
    rows, _ = _rows(leaders_pair)
    batch = _upload(client, "activities", _csv([rows[2]]))
    assert [(error["row"], error["column"]) for error in batch.summary["errors"]] == [(2, COLUMN["held_on"])]


def test_the_preview_lists_the_rows_to_be_created_page_by_page(client, leaders_pair):  # noqa: F811
    client.force_login(user("pgd.hoangmai"))
    supported, supporting = _pair_schools(leaders_pair)
    held = (dt.date.today() - dt.timedelta(days=3)).strftime("%d/%m/%Y")
    rows = [
        _row(
            title=f"Sinh hoạt chuyên môn liên trường số {n}",
            kind="topic",
            planned_on=held,
            held_on=held,
            status="held",
            hosts=supporting.moet_id,
            participants=supported.moet_id,
            partnerships=str(leaders_pair.number),
        )  # fmt: skip
        for n in range(1, 61)
    ]
    batch = _upload(client, "activities", _csv(rows))
    assert batch.summary["create"] == 60 and batch.summary["change_count"] == 60
    first = client.get(reverse("imports:preview", args=[batch.pk])).content.decode()
    assert "Sinh hoạt chuyên môn liên trường số 1<" in first
    assert "Sinh hoạt chuyên môn liên trường số 60<" not in first
    second = client.get(reverse("imports:preview", args=[batch.pk]), {"page": 2}).content.decode()
    assert "Sinh hoạt chuyên môn liên trường số 60<" in second
