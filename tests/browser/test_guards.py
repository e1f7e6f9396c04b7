"""What cannot be undone asks first, at phone size: leaving a group opens a confirmation that states the
consequence, and closing it changes nothing; signing a memorandum is covered in the partnership path
(its name, position and confirmation)."""

import re

from playwright.sync_api import Page, expect


def test_leaving_a_group_asks_first_and_closing_it_changes_nothing(page: Page, app_url, log_in):  # noqa: ANN001
    page.set_viewport_size({"width": 390, "height": 844})
    log_in("pgd.unghoa")
    page.goto(f"{app_url}/partnerships/")
    page.get_by_test_id("partnership-row").first.get_by_role("link").first.click()
    members = page.get_by_test_id("members").locator("tbody tr")
    before = members.count()
    assert before >= 2
    leave = page.get_by_test_id("leave").first
    confirm = leave.get_by_test_id("leave-confirm")
    expect(confirm).to_be_hidden()  # no destructive button sits in the row itself
    leave.locator("summary").click()
    expect(confirm).to_be_visible()
    expect(leave).to_contain_text("rời nhóm")
    leave.locator("summary").click()  # changed their mind
    expect(confirm).to_be_hidden()
    page.reload()
    expect(members).to_have_count(before)
    expect(page.get_by_test_id("members")).not_to_contain_text("Đã rời")


def test_the_menu_holds_one_line_at_1366_px_in_both_languages(page: Page, app_url, log_in):  # noqa: ANN001
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in("admin")  # the account with the most entries
    for language in ("vi", "en"):
        menu = page.get_by_test_id("menu")
        box = menu.bounding_box()
        assert box is not None and box["height"] <= 64, (language, box)
        expect(page.get_by_test_id("menu-more")).to_be_visible()
        if language == "vi":
            page.get_by_role("button", name="English").click()
            expect(page.get_by_role("link", name="Schools", exact=True)).to_be_visible()
    page.get_by_role("button", name="Tiếng Việt").click()
    # the switch reloads the page: wait for the Vietnamese one before folding it (a CI run clicked the old)
    expect(page.get_by_role("button", name="English")).to_be_visible()
    # on a phone the bar folds behind its button and unfolds whole
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_load_state()  # Bootstrap (a deferred script) has read the reloaded page
    page.get_by_role("button", name="Trình đơn").click()
    # the bar has finished unfolding ("collapsing" while it moves): a CI run's click on "Thêm" during the
    # move opened nothing
    expect(page.locator("#nav")).to_have_class(re.compile(r"\bshow\b"))
    expect(page.get_by_test_id("menu-more")).to_be_visible()
    page.get_by_test_id("menu-more").click()
    expect(page.get_by_role("link", name="Bản đồ hành chính")).to_be_visible()
