"""`manage.py generate_scale` (issue 14): the demo's departments cloned into a national-size dataset. A
copy holds as much as the original, its figures' summaries agree with its records, its people see their
own copy and nothing of the original, its pages open, and new rows still get fresh ids."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from chungtay.access.scopes import partnerships_visible_to, schools_visible_to
from chungtay.accounts.models import User
from chungtay.activities import facts
from chungtay.demo import scale
from chungtay.directory.models import EducationOffice, Indicator
from tests.conftest import login

pytestmark = pytest.mark.django_db


def test_one_copy_doubles_the_data_with_exact_summaries_and_separate_scopes():
    before = scale.counts()
    out = io.StringIO()
    call_command("generate_scale", "--copies", "1", stdout=out)
    after = scale.counts()
    assert after == {name: 2 * count for name, count in before.items()}
    assert "1 copies" in out.getvalue()
    assert facts.drift() == {}  # the copied summaries match the copied records

    copy = EducationOffice.objects.get(code="so-hanoi-1")
    assert copy.kind == "department" and copy.name.startswith("Sở Giáo dục và Đào tạo ")
    assert copy.unit_id != EducationOffice.objects.get(code="so-hanoi").unit_id  # another province

    original, copied = User.objects.get(username="pgd.unghoa"), User.objects.get(username="pgd.unghoa-1")
    theirs, ours = schools_visible_to(original), schools_visible_to(copied)
    assert ours.count() == theirs.count() > 0
    assert not ours.filter(pk__in=theirs.values("pk")).exists()
    assert partnerships_visible_to(copied).count() == partnerships_visible_to(original).count()
    assert not partnerships_visible_to(copied).filter(pk__in=partnerships_visible_to(original)).exists()

    client = Client()
    login(client, "pgd.unghoa-1")
    pages = ("home", "directory:school-list", "activities:activity-list", "partnerships:partnership-list")
    for name in pages:
        assert client.get(reverse(name)).status_code == 200, name

    # ids move on past the copies (PostgreSQL's sequences were set)
    fresh = Indicator.objects.create(department=copy, code="MOI", name="Mới", value_type="percent")
    assert fresh.pk > Indicator.objects.exclude(pk=fresh.pk).order_by("-pk").first().pk

    with pytest.raises(CommandError, match="already holds copies"):
        call_command("generate_scale", "--copies", "1", stdout=io.StringIO())
