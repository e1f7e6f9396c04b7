"""The paths an office officer, a teacher and a phone user actually take, in a real browser."""

import re

from playwright.sync_api import Page, expect


def _watch(page: Page, app_url: str) -> list[str]:
    """Collect console errors (CSP violations included) and any request leaving the app's host."""
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(f"console: {msg.text}") if msg.type == "error" else None)
    page.on(
        "request",
        lambda request: (
            problems.append(f"external: {request.url}")
            if not request.url.startswith((app_url, "data:"))
            else None
        ),
    )
    return problems


def test_officer_searches_ung_hoa_opens_a_school_and_walks_the_map(page: Page, app_url, log_in):
    problems = _watch(page, app_url)
    log_in("pgd.unghoa")
    expect(page.get_by_test_id("current-user")).to_contain_text("Chuyên viên Phòng GD&ĐT Ứng Hòa")

    page.get_by_role("link", name="Trường học", exact=True).first.click()
    page.fill("#id_q", "ung hoa")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("result-count")).to_be_visible()
    # typing and Enter each ask htmx for the results: a late answer's pushState would cancel the click's
    # navigation (a CI run stayed on the search page), so both are let finish first
    page.wait_for_load_state("networkidle")
    first = page.get_by_test_id("school-row").first.get_by_role("link")
    expect(first).to_contain_text("Ứng Hòa")
    name = first.inner_text()
    first.click()
    expect(page.get_by_test_id("school-name")).to_have_text(name)
    expect(page.get_by_test_id("yearly")).to_contain_text("2024-2025")

    page.get_by_test_id("menu-more").click()
    page.get_by_role("link", name="Bản đồ hành chính").click()
    page.get_by_role("link", name="Thành phố Hà Nội").click()
    page.fill("#id_at", "01/01/2024")
    page.get_by_role("button", name="Xem").click()
    expect(page.get_by_test_id("unit-count")).to_have_text("30 đơn vị")
    expect(page.get_by_role("link", name="Huyện Ứng Hòa")).to_be_visible()
    page.fill("#id_at", "01/01/2026")
    page.get_by_role("button", name="Xem").click()
    expect(page.get_by_test_id("unit-count")).to_have_text("126 đơn vị")
    expect(page.get_by_test_id("map-edition")).to_contain_text("không còn cấp huyện")
    assert problems == []


def test_search_updates_results_as_the_officer_types(page: Page, app_url, log_in):
    log_in("pgd.unghoa")
    page.goto(f"{app_url}/schools/")
    total = page.get_by_test_id("result-count").inner_text()
    page.fill("#id_q", "VAN DINH")
    expect(page.get_by_test_id("result-count")).not_to_have_text(total)
    expect(page).to_have_url(re.compile(r"q=VAN(\+|%20)DINH"))


def test_teacher_sees_their_school_and_its_partners_only(page: Page, app_url, log_in):
    log_in("gv.hoangmai")
    page.goto(f"{app_url}/schools/")
    rows = page.get_by_test_id("school-row")
    expect(rows.first).to_be_visible()
    assert 2 <= rows.count() <= 5
    expect(page.get_by_test_id("school-row").filter(has_text="Trường THCS Đại Kim")).to_have_count(1)


def test_language_switch_to_english_and_back(page: Page, app_url, log_in):
    log_in("pgd.hoangmai")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("link", name="Schools", exact=True)).to_be_visible()
    page.get_by_role("button", name="Tiếng Việt").click()
    expect(page.get_by_role("link", name="Trường học", exact=True)).to_be_visible()


def test_directory_works_on_a_phone(browser, app_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{app_url}/accounts/login/")
    page.fill("#id_username", "ht.unghoa")
    page.fill("#id_password", "browser-pass-123")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{app_url}/")
    page.get_by_role("button", name="Trình đơn").click()
    page.get_by_role("link", name="Trường học", exact=True).click()
    expect(page.get_by_test_id("school-row").first).to_be_visible()
    row_link = page.get_by_test_id("school-row").first.get_by_role("link")
    box = row_link.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390
    context.close()
