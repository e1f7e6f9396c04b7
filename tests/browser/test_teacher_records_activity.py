"""A teacher on a phone records an activity of their partnership and ticks the colleagues present."""

from playwright.sync_api import Page, expect

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

    page.get_by_test_id("attendance-link").first.click()
    boxes = page.locator("input[name=teachers]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.fill("#id_pupils", "32")
    page.get_by_test_id("save-attendance").click()
    expect(page.get_by_test_id("figure-participations")).to_have_text("2")
    expect(page.get_by_test_id("figure-teachers")).to_have_text("2")
    expect(page.get_by_test_id("figure-pupils")).to_have_text("32")

    page.goto(f"{app_url}/activities/?q=nghi+luan")
    expect(page.get_by_test_id("activity-row")).to_have_count(1)
    assert problems == []
