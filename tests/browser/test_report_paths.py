"""The department's administrator prepares the interim report for 2022-2023, edits its narrative,
generates it through the task worker (following the progress) and downloads the Word file, whose
heading is the decree's."""

import io

import docx
from playwright.sync_api import Page, expect

from chungtay.core import conformance


def test_admin_generates_the_interim_report_and_downloads_it(page: Page, app_url, log_in):
    log_in("admin")
    page.get_by_test_id("menu-more").click()
    page.get_by_role("link", name="Báo cáo", exact=True).click()
    page.get_by_test_id("new-report").click()
    page.select_option("#id_kind", "interim")
    page.select_option("#id_year", "2022-2023")
    page.get_by_test_id("start-report").click()
    expect(page.locator("h1")).to_have_text("Báo cáo sơ kết")
    achievements = page.locator("#id_achievements")
    expect(achievements).to_contain_text("hoạt động")
    achievements.fill("Các nhóm kết nghĩa duy trì sinh hoạt chuyên môn đều đặn.")
    page.fill("#id_number", "12/BC-SGDĐT")
    page.get_by_test_id("save-draft").click()
    expect(page.get_by_role("alert").first).to_contain_text("Đã lưu dự thảo")
    page.get_by_test_id("generate").click()
    expect(page.get_by_test_id("download-docx")).to_be_visible(timeout=120_000)
    expect(page.get_by_test_id("generations")).to_contain_text("đáp ứng mọi quy tắc thể thức")
    with page.expect_download() as download:
        page.get_by_test_id("download-docx").click()
    data = open(download.value.path(), "rb").read()  # noqa: PTH123, SIM115
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    assert "Các nhóm kết nghĩa duy trì sinh hoạt chuyên môn đều đặn." in text
    assert conformance.failures(conformance.check_docx(data, upward=True)) == []


def test_admin_puts_a_memorandum_template_in_use_after_a_refusal(page: Page, app_url, log_in):
    """The templates page: the memorandum's built-in template downloaded, refused as a report template
    with the reasons on the page, accepted as the memorandum's, shown in use, then the built-in layout
    chosen again (other browser tests download memoranda)."""
    log_in("admin")
    page.goto(f"{app_url}/reports/")
    page.get_by_role("link", name="Mẫu văn bản").click()
    page.locator('[data-kind="memorandum"]').click()
    expect(page.locator("h2")).to_have_text("Văn bản ghi nhớ, giao ước thi đua của các nhóm kết nghĩa")
    with page.expect_download() as download:
        page.get_by_test_id("default-template").click()
    path = download.value.path()
    page.locator('[data-kind="report"]').click()
    page.set_input_files("#id_file", path)
    page.get_by_role("button", name="Kiểm tra và dùng mẫu này").click()
    problems = page.get_by_test_id("template-problems")
    expect(problems).to_contain_text("Thẻ không có trong danh sách")
    expect(problems).to_contain_text("khoi_ban_hanh")
    page.locator('[data-kind="memorandum"]').click()
    page.set_input_files("#id_file", path)
    page.get_by_role("button", name="Kiểm tra và dùng mẫu này").click()
    expect(page.get_by_role("alert").first).to_contain_text("Đang dùng phiên bản 1 của mẫu")
    expect(page.locator('[data-kind="memorandum"] .badge')).to_have_text("v1")
    expect(page.locator('[data-kind="report"] .badge')).to_have_count(0)
    page.get_by_label("Thể thức có sẵn").check()
    page.get_by_role("button", name="Dùng mẫu đã chọn").click()
    expect(page.get_by_text("Đang dùng: thể thức có sẵn.")).to_be_visible()
    expect(page.locator('[data-kind="memorandum"] .badge')).to_have_count(0)
