import datetime as dt

import pytest

from chungtay.activities.services import ActivityDetails, add_teacher, record_activity
from chungtay.core.dates import today
from tests.partnerships.conftest import hm_uh, leaders_pair, public_school, user  # noqa: F401

HELD = today() - dt.timedelta(days=3)


def details(pair, **overrides) -> ActivityDetails:
    """A topical lesson hosted by the Hoàng Mai leader's school with the Ứng Hòa leader's school."""
    values = {
        "kind": "topic",
        "title": "Chuyên đề Ngữ văn lớp 6: đọc hiểu văn bản",
        "planned_on": HELD,
        "hosts": [user("ht.hoangmai").school],
        "participants": [user("ht.unghoa").school],
        "partnerships": [pair],
        "subject": "Ngữ văn",
        "grade": 6,
    }
    values.update(overrides)
    return ActivityDetails(**values)


@pytest.fixture
def pair(leaders_pair):  # noqa: F811
    return leaders_pair


@pytest.fixture
def topic(pair):
    """A topic held three days ago, recorded by the Hoàng Mai teacher."""
    return record_activity(acting_user=user("gv.hoangmai"), details=details(pair), held_on=HELD)


@pytest.fixture
def roster(pair):
    """Two teachers at the Hoàng Mai school, one at the Ứng Hòa school, one at another Ứng Hòa school."""
    hm, uh = user("ht.hoangmai").school, user("ht.unghoa").school
    other = public_school("pgd-unghoa", "th", 3)
    return {
        "hm1": add_teacher(
            acting_user=user("ht.hoangmai"), school=hm, full_name="Nguyễn Thị Lan", subject="Văn"
        ),
        "hm2": add_teacher(acting_user=user("ht.hoangmai"), school=hm, full_name="Trần Văn Minh"),
        "uh1": add_teacher(acting_user=user("ht.unghoa"), school=uh, full_name="Lê Thu Hà"),
        "other": add_teacher(acting_user=user("admin"), school=other, full_name="Phạm Quốc Bảo"),
    }
