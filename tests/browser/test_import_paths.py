"""An officer corrects indicator values the way departments work: export, edit in a spreadsheet, import;
the file is checked and applied by the task worker while the page shows progress; then undone."""

import csv
import io

from playwright.sync_api import Page, expect

from tests.browser.test_officer_paths import _watch


def test_officer_exports_edits_imports_applies_and_undoes_indicator_values(page: Page, app_url, log_in):
    problems = _watch(page, app_url)
    log_in("pgd.unghoa")
    page.get_by_test_id("menu-more").click()  # the pages used less often are grouped under "Thêm"
    page.get_by_role("link", name="Chỉ số", exact=True).first.click()
    expect(page.get_by_test_id("indicators")).to_contain_text("DIEM_VAO10_TOAN")
    page.get_by_role("link", name="Số liệu theo trường").click()
    page.select_option("#id_indicator", label="DIEM_VAO10_TOAN – Điểm thi vào lớp 10 môn Toán")
    page.select_option("#id_year", label="2024-2025")
    page.get_by_role("button", name="Lọc").click()
    expect(page.get_by_test_id("figures")).to_contain_text("số liệu")

    exported = page.request.get(f"{page.url}&format=csv")
    assert exported.ok
    rows = list(csv.reader(io.StringIO(exported.text().lstrip("\ufeff"))))
    header, first = rows[0], rows[1]
    first[header.index("Giá trị")] = "9,5"
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, first])

    page.get_by_test_id("menu-more").click()
    page.get_by_role("link", name="Nhập dữ liệu", exact=True).click()
    page.get_by_role("link", name="Số liệu chỉ số").click()
    page.set_input_files(
        "input[type=file]",
        files=[{"name": "chi-so.csv", "mimeType": "text/csv", "buffer": buffer.getvalue().encode("utf-8")}],
    )
    page.get_by_role("button", name="Kiểm tra tệp").click()
    # checked by the worker: the page polls, then reloads with the preview
    expect(page.get_by_test_id("update")).to_have_text("1", timeout=20_000)
    expect(page.get_by_test_id("rejected")).to_have_text("0")
    page.get_by_role("button", name="Áp dụng").click()
    expect(page.get_by_test_id("batch-status")).to_have_text("đã nhập", timeout=20_000)

    page.get_by_test_id("undo").locator("summary").click()  # the undo asks first, saying what it does
    page.get_by_role("button", name="Hoàn tác lần nhập này").click()
    expect(page.get_by_test_id("batch-status")).to_have_text("đã hoàn tác")
    assert problems == []
