"""An officer runs the matching for Hoàng Mai – Ứng Hòa, follows it to the proposal, and accepts it."""

from playwright.sync_api import Page, expect


def test_officer_runs_the_matching_and_accepts_the_proposal(page: Page, app_url, log_in):
    log_in("pgd.unghoa")
    page.get_by_test_id("menu-more").click()
    page.get_by_role("link", name="Ghép nhóm", exact=True).click()
    page.get_by_role("link", name="Ghép nhóm mới").click()
    page.select_option("#id_twinning", label="Phòng GD&ĐT Hoàng Mai – Phòng GD&ĐT Ứng Hòa")
    page.uncheck("#id_levels_mn")
    page.uncheck("#id_levels_th")
    page.check("#id_levels_thcs")
    page.select_option("#id_existing", "replace")  # the demo's schools are all grouped: match them afresh
    page.get_by_role("button", name="Chạy ghép nhóm").click()
    expect(page.get_by_test_id("run-status")).to_have_text("đã có đề xuất", timeout=30_000)
    page.reload()
    expect(page.get_by_test_id("covered")).to_have_text("29/29")
    expect(page.get_by_test_id("replaces")).to_be_visible()
    expect(page.get_by_test_id("run-map")).to_be_visible()
    expect(page.get_by_test_id("groups").locator("tbody tr")).to_have_count(29)
    page.get_by_test_id("accept").locator("summary").click()  # accepting asks first, saying what it does
    page.get_by_role("button", name="Chấp nhận: lập các nhóm kết nghĩa này").click()
    expect(page.get_by_role("alert").first).to_contain_text("Đã lập 19 nhóm kết nghĩa")
