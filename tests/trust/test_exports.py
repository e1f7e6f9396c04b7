"""No export writes a live formula: a text cell starting with =, +, - or @ comes out as text (.xlsx: a
string cell; .csv: behind an apostrophe, which the import reader takes off again)."""

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from chungtay.activities import services as activity_services
from chungtay.core.spreadsheets import FORMULA_STARTS, neutralised, unescaped
from chungtay.directory.models import School
from chungtay.support.services import record_support, register_donor
from tests.activities.conftest import details, pair  # noqa: F401
from tests.partnerships.conftest import hm_uh, leaders_pair, user  # noqa: F401

HOSTILE = {
    "activity": '=HYPERLINK("http://evil.example/","Bấm vào đây")',
    "support": "@SUM(1+1)*cmd|' /C calc'!A0",
    "address": "-2+3+cmd|' /C calc'!A0",
}


@pytest.fixture
def hostile_data(pair):  # noqa: F811
    activity_services.record_activity(
        acting_user=user("gv.hoangmai"), details=details(pair, title=HOSTILE["activity"])
    )
    leader = user("ht.hoangmai")
    record_support(
        acting_user=leader,
        kind="books",
        quantity=Decimal(10),
        unit="cuốn",
        given_on=dt.date(2024, 3, 1),
        donor=register_donor(acting_user=leader, kind="school", school=leader.school),
        receiving_school=user("ht.unghoa").school,
        partnership=pair,
        description=HOSTILE["support"],
    )
    School.objects.filter(pk=user("ht.unghoa").school.pk).update(address=HOSTILE["address"])
    return pair


def _cells(response, fmt):
    if fmt == "csv":
        text = response.content.decode("utf-8-sig")
        return [(cell, "csv") for row in csv.reader(io.StringIO(text)) for cell in row]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    return [(c.value, c.data_type) for row in book.active.iter_rows() for c in row]


EXPORTS = [
    ("activities:activity-export", "ht.hoangmai", HOSTILE["activity"]),
    ("support:support-export", "ht.hoangmai", HOSTILE["support"]),
    ("directory:school-export", "pgd.unghoa", HOSTILE["address"]),
]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize(("url_name", "username", "value"), EXPORTS)
def test_exports_write_text_never_formulas(client, hostile_data, url_name, username, value, fmt):
    client.force_login(user(username))
    response = client.get(reverse(url_name), {"format": fmt})
    assert response.status_code == 200
    cells = _cells(response, fmt)
    if fmt == "xlsx":
        assert (value, "s") in cells
        assert not [v for v, kind in cells if kind == "f"]
    else:
        assert ("'" + value, "csv") in cells
        assert not [v for v, _ in cells if isinstance(v, str) and v.startswith(FORMULA_STARTS)]


def test_the_csv_escape_round_trips():
    for value in [*HOSTILE.values(), "'quoted", "'=1+1", "plain", "-", "=", "Lê Văn A"]:
        assert unescaped(neutralised(value)) == value
