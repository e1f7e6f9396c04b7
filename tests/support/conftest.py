import datetime as dt
from decimal import Decimal

import pytest

from chungtay.core.dates import today
from chungtay.support.services import record_support, register_donor
from tests.partnerships.conftest import hm_uh, leaders_pair, user  # noqa: F401

GIVEN = today() - dt.timedelta(days=10)


@pytest.fixture
def pair(leaders_pair):  # noqa: F811
    return leaders_pair


@pytest.fixture
def hm_donor(pair):
    return register_donor(acting_user=user("ht.hoangmai"), kind="school", school=user("ht.hoangmai").school)


@pytest.fixture
def books(pair, hm_donor):
    """300 books from the Hoàng Mai school to the Ứng Hòa school, recorded by the giver's leader."""
    return record_support(
        acting_user=user("ht.hoangmai"),
        kind="books",
        quantity=Decimal(300),
        unit="cuốn",
        value_vnd=15_000_000,
        given_on=GIVEN,
        donor=hm_donor,
        receiving_school=user("ht.unghoa").school,
        partnership=pair,
    )
