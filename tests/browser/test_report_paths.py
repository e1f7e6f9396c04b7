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
