"""An officer creates a group, both leaders sign, the agreement comes into force — in a real browser."""

import re

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import VISITS, sign_in


def _session(browser: Browser, app_url: str, username: str) -> Page:
    page = browser.new_context().new_page()
    VISITS.watch(page, username)
    sign_in(page, app_url, username)
    return page


def _school_of(page: Page, app_url: str) -> str:
    page.goto(f"{app_url}/accounts/profile/")
    return page.locator("dd a[href^='/schools/']").inner_text()


def _option_value(page: Page, select: str, school: str) -> str:
    option = page.locator(f"{select} option", has_text=re.compile(rf"^{re.escape(school)} \("))
    return option.first.get_attribute("value") or ""


def test_officer_creates_a_group_both_leaders_sign_and_it_comes_into_force(browser: Browser, app_url: str):
    leader_hm = _session(browser, app_url, "ht.hoangmai")
    leader_uh = _session(browser, app_url, "ht.unghoa")
    school_hm = _school_of(leader_hm, app_url)
    school_uh = _school_of(leader_uh, app_url)

    officer = _session(browser, app_url, "pgd.hoangmai")
    officer.get_by_role("link", name="Kết nghĩa", exact=True).click()
    officer.get_by_role("link", name="Lập nhóm kết nghĩa").click()
    officer.get_by_role("link", name="Phòng GD&ĐT Hoàng Mai – Phòng GD&ĐT Ứng Hòa").click()
    officer.select_option("#id_supporting", value=_option_value(officer, "#id_supporting", school_hm))
    officer.select_option("#id_supported", value=_option_value(officer, "#id_supported", school_uh))
    officer.fill("#id_name", "Nhóm thử nghiệm trình duyệt")
    officer.get_by_role("button", name="Lập nhóm").click()
    expect(officer.get_by_test_id("partnership-name")).to_have_text("Nhóm thử nghiệm trình duyệt")
    expect(officer.get_by_test_id("partnership-status")).to_have_text("chờ ký kết")
    expect(officer.get_by_test_id("members")).to_contain_text(school_uh)

    officer.get_by_role("link", name="Soạn văn bản kết nghĩa").click()
    officer.fill("#id_terms", "Hai trường tổ chức 2 chuyên đề Toán mỗi năm học và dự giờ lẫn nhau.")
    officer.fill("#id_valid_to", "31/05/2030")
    officer.get_by_role("button", name="Lưu dự thảo").click()
    expect(officer.get_by_test_id("agreement-status")).to_have_text("dự thảo")
    officer.get_by_role("button", name="Gửi ký").click()
    expect(officer.get_by_test_id("agreement-status")).to_have_text("chờ ký")
    agreement_url = officer.url

    leader_hm.goto(agreement_url)
    leader_hm.get_by_test_id("sign").locator("summary").click()
    leader_hm.get_by_label("Chức vụ").fill("Phó Hiệu trưởng")
    leader_hm.get_by_test_id("sign-confirm").click()  # without the confirmation: refused, nothing signed
    expect(leader_hm.get_by_text("Hãy đánh dấu xác nhận để ký")).to_be_visible()
    expect(leader_hm.get_by_test_id("signatures")).not_to_contain_text("✔")
    leader_hm.get_by_label("Chức vụ").fill("Phó Hiệu trưởng")
    leader_hm.get_by_role("checkbox").check()
    leader_hm.get_by_test_id("sign-confirm").click()
    expect(leader_hm.get_by_test_id("agreement-status")).to_have_text("chờ ký")
    expect(leader_hm.get_by_test_id("signatures")).to_contain_text("✔")

    leader_uh.goto(agreement_url)
    leader_uh.get_by_test_id("sign").locator("summary").click()
    leader_uh.get_by_role("checkbox").check()
    leader_uh.get_by_test_id("sign-confirm").click()
    expect(leader_uh.get_by_test_id("agreement-status")).to_have_text("đang hiệu lực")
    expect(leader_uh.get_by_role("alert").first).to_contain_text("Tất cả thành viên đã ký")

    officer.goto(agreement_url)
    officer.get_by_role("link", name="Nhóm thử nghiệm trình duyệt").click()
    expect(officer.get_by_test_id("partnership-status")).to_have_text("đang hiệu lực")
