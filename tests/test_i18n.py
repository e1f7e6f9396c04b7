from pathlib import Path

import polib
from django.conf import settings
from django.urls import reverse

from chungtay.directory.models import SchoolYearFigures

CATALOGUE = Path(settings.LOCALE_PATHS[0]) / "vi" / "LC_MESSAGES" / "django.po"


def test_every_vietnamese_entry_is_translated_and_none_is_fuzzy():
    catalogue = polib.pofile(str(CATALOGUE))
    assert catalogue.untranslated_entries() == []
    assert catalogue.fuzzy_entries() == []
    assert len(catalogue.translated_entries()) > 200


def test_pages_speak_vietnamese_by_default(client, as_user):
    as_user("pgd.unghoa")
    body = client.get(reverse("directory:school-list")).content.decode()
    assert 'lang="vi"' in body
    assert "Danh bạ trường học" in body
    assert "Dữ liệu mẫu" in body


def test_the_language_switch_turns_pages_english(client, as_user):
    as_user("pgd.unghoa")
    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("directory:school-list")}
    )
    assert response.status_code == 302
    body = client.get(reverse("directory:school-list")).content.decode()
    assert 'lang="en"' in body
    assert "School directory" in body


def test_vietnamese_pages_use_day_first_dates_decimal_comma_and_dot_thousands(client, as_user):
    user = as_user("admin")
    figures = SchoolYearFigures.objects.filter(pupils__gte=1000, school__department=user.office).first()
    school = figures.school
    body = client.get(reverse("directory:school-detail", args=[school.moet_id])).content.decode()
    assert f"{figures.pupils // 1000}.{figures.pupils % 1000:03d}" in body
    whole, fraction = f"{school.latitude:.5f}".split(".")
    assert f"{whole},{fraction}" in body
    assert "30/06/2025" in body


def test_an_english_browser_still_gets_vietnamese_pages(client, as_user):
    as_user("pgd.unghoa")
    body = client.get(
        reverse("directory:school-list"), headers={"Accept-Language": "en-US,en;q=0.9"}
    ).content.decode()
    assert "Danh bạ trường học" in body


def test_api_clients_may_ask_for_english_errors(client, db):
    vietnamese = client.get("/api/v1/me").json()["message"]
    english = client.get("/api/v1/me", headers={"Accept-Language": "en"}).json()["message"]
    assert english == "Log in or send a valid API token."
    assert vietnamese == "Vui lòng đăng nhập hoặc gửi mã truy cập API hợp lệ."
