"""A teacher on a phone records an activity of their partnership and ticks the colleagues present."""

from PIL import Image
from playwright.sync_api import Page, expect

from chungtay.core.text import search_key
from tests.browser.test_officer_paths import _watch


def test_teacher_records_an_activity_and_its_attendance_on_a_phone(page: Page, app_url, log_in):
    page.set_viewport_size({"width": 390, "height": 844})
    problems = _watch(page, app_url)
    log_in("gv.hoangmai")
    page.goto(f"{app_url}/partnerships/")
    page.get_by_test_id("partnership-row").first.get_by_role("link").first.click()
    page.get_by_test_id("record-for-partnership").click()
    expect(page.get_by_test_id("form-partnership")).to_be_visible()
    # everything is pre-filled but the title: date today, held, own school hosting, partners ticked
    page.fill("#id_title", "Chuyên đề Ngữ văn lớp 7: viết bài văn nghị luận")
    page.get_by_test_id("save-activity").click()
    expect(page.get_by_test_id("activity-title")).to_have_text(
        "Chuyên đề Ngữ văn lớp 7: viết bài văn nghị luận"
    )
    expect(page.get_by_test_id("activity-status")).to_have_text("đã diễn ra")

    # the recorder was ticked present on the form; the attendance sheet adds two colleagues
    expect(page.get_by_test_id("figure-participations")).to_have_text("1")
    page.get_by_test_id("attendance-link").first.click()
    boxes = page.locator("input[name=teachers]:not(:checked)")
    boxes.first.check()
    boxes.first.check()
    page.fill("#id_pupils", "32")
    page.get_by_test_id("save-attendance").click()
    expect(page.get_by_test_id("figure-participations")).to_have_text("3")
    expect(page.get_by_test_id("figure-teachers")).to_have_text("3")
    expect(page.get_by_test_id("figure-pupils")).to_have_text("32")

    page.goto(f"{app_url}/activities/?q=nghi+luan")
    expect(page.get_by_test_id("activity-row")).to_have_count(1)
    assert problems == []


class Taps:
    """Counts what a user does: each tap, typed field or chosen file is one step."""

    def __init__(self) -> None:
        self.steps: list[str] = []

    def __call__(self, what: str) -> None:
        self.steps.append(what)


def test_one_screen_recording_with_five_colleagues_and_a_photo_takes_under_ten_taps(
    page: Page, app_url, log_in, tmp_path, quiet_teacher
):
    photo = tmp_path / "buoi-chuyen-de.png"
    Image.new("RGB", (3200, 2400), (60, 130, 90)).save(photo)
    page.set_viewport_size({"width": 390, "height": 844})
    problems = _watch(page, app_url)
    log_in(quiet_teacher)
    tap = Taps()

    page.get_by_test_id("home-record").click()
    tap("record")
    # one partnership: no "which partnership?" page; the recorder is already ticked present
    expect(page.get_by_test_id("form-partnership")).to_be_visible()
    page.wait_for_load_state()
    expect(page.get_by_test_id("ticked")).to_have_text("1")
    page.fill("#id_title", "Chuyên đề Toán 8: hình học trực quan (một màn hình)")
    tap("title")
    boxes = page.get_by_test_id("roster").locator("input:not(:checked)")
    for _ in range(5):
        boxes.first.check()
        tap("colleague")
    expect(page.get_by_test_id("ticked")).to_have_text("6")
    page.locator("input[name=photos]").set_input_files(photo)
    tap("photo")
    # made smaller on the phone before sending: a JPEG at most 1920 px
    expect(page.get_by_test_id("photo-state")).to_contain_text("1 ảnh")
    assert page.evaluate("document.querySelector('input[name=photos]').files[0].type") == "image/jpeg"
    page.get_by_test_id("save-activity").click()
    tap("save")

    expect(page.get_by_test_id("activity-title")).to_have_text(
        "Chuyên đề Toán 8: hình học trực quan (một màn hình)"
    )
    expect(page.get_by_test_id("figure-participations")).to_have_text("6")
    expect(page.get_by_test_id("evidence").locator("img")).to_have_count(1)
    assert len(tap.steps) < 10, tap.steps
    assert problems == []


def test_the_roster_is_searched_ticked_at_once_and_hidden_for_a_planned_activity(
    page: Page, app_url, log_in, quiet_teacher
):
    page.set_viewport_size({"width": 390, "height": 844})
    problems = _watch(page, app_url)
    log_in(quiet_teacher)
    page.goto(f"{app_url}/activities/new/")
    page.wait_for_load_state()
    roster = page.get_by_test_id("roster")
    everyone = roster.locator(".roster-item").count()
    subject = roster.locator(".roster-item").first.inner_text().split("·")[-1].strip()
    # accent-insensitive: the subject typed without its marks
    page.get_by_placeholder("Tìm tên hoặc môn").fill(search_key(subject))
    shown = roster.locator(".roster-item:visible")
    expect(shown.first).to_be_visible()
    assert 0 < shown.count() < everyone
    page.get_by_role("button", name="Đánh dấu tất cả đang hiện").click()
    assert roster.locator(".roster-item:visible input:not(:checked)").count() == 0
    ticked = int(page.get_by_test_id("ticked").inner_text())
    assert shown.count() <= ticked <= shown.count() + 1  # the recorder may sit outside the filter
    page.get_by_label("Dự kiến tổ chức").check()
    expect(page.get_by_test_id("record-attendance")).to_be_hidden()
    assert problems == []
