"""The department's figures page and the public page, in a real browser, at desktop and phone size."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

from tests.browser.test_officer_paths import _watch


def _chart_loads(chart: Locator) -> None:
    """The chart image scrolled into view has been fetched and decoded (a broken image has no width)."""
    chart.scroll_into_view_if_needed()
    chart.page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=chart.element_handle())


def _number(text: str) -> int:
    return int(text.split("/")[0].strip().replace(".", ""))


def test_the_department_reads_its_figures_charts_and_downloads(page: Page, app_url, log_in):
    problems = _watch(page, app_url)
    log_in("admin")
    expect(page.get_by_test_id("home-figures")).to_be_visible()
    page.get_by_test_id("all-figures").click()
    expect(page.get_by_role("heading", name="Số liệu phong trào")).to_be_visible()
    page.select_option("#id_period", "phase")
    page.get_by_role("button", name="Xem").click()
    expect(page.get_by_test_id("figures-about")).to_contain_text("Giai đoạn 2022–2025")
    shown = _number(page.locator('[data-figure="participations"]').inner_text())
    api = page.request.get(f"{app_url}/api/v1/figures?period=phase").json()["figures"]
    assert shown == api["participations"]["value"] > 0
    assert _number(page.locator('[data-figure="activities"]').inner_text()) == api["activities"]["value"]
    # the charts are images the server drew; the first one has loaded
    chart = page.locator('[data-testid="section-memorandum_schools-level"] img')
    _chart_loads(chart)
    expect(chart).to_be_visible()
    with page.expect_download() as download:
        page.get_by_test_id("download-participations-area").click()
    assert download.value.suggested_filename == "so-lieu-participations-area.xlsx"
    assert problems == []
    # a bad period is refused on the page, with the message under the field
    page.fill("#id_date_from", "05/03/2024")
    page.fill("#id_date_to", "01/01/2024")
    page.select_option("#id_period", "")
    page.get_by_role("button", name="Xem").click()
    expect(page.locator(".invalid-feedback")).to_contain_text("05/03/2024")


def test_the_figures_page_fits_a_phone(page: Page, app_url, log_in):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in("pgd.unghoa")
    page.goto(f"{app_url}/figures/")
    expect(page.locator('[data-figure="participations"]')).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"


def test_anyone_reads_the_public_page_from_the_login_page(page: Page, app_url):
    problems = _watch(page, app_url)
    page.goto(f"{app_url}/accounts/login/")
    expect(page.get_by_test_id("login-department")).to_have_text("Sở Giáo dục và Đào tạo Hà Nội")
    page.get_by_test_id("public-link").click()
    expect(page.get_by_role("heading", name="Phong trào qua số liệu")).to_be_visible()
    expect(page.get_by_test_id("release")).to_contain_text("Dữ liệu công bố ngày")
    page.select_option("#id_year", "2023-2024")
    page.get_by_role("button", name="Xem").first.click()
    tables = page.get_by_test_id("public-table")
    expect(tables).to_have_count(3)
    expect(tables.nth(2)).to_contain_text("Huyện Ứng Hòa")
    expect(page.get_by_test_id("footnote")).to_contain_text("dưới 10")
    with page.expect_download() as download:
        page.get_by_test_id("public-download").click()
    assert download.value.suggested_filename.startswith("chung-tay-so-hanoi-")
    # is the gap closing: one indicator's inner and outer means, and every indicator's estimate, which
    # the worker computes after the first visit (the page is not kept while it does)
    gap = page.get_by_test_id("public-gap")
    gap.locator("#id_indicator").select_option("DIEM_VAO10_TOAN")
    gap.get_by_role("button", name="Xem").click()
    expect(page.get_by_test_id("public-gap-table")).to_contain_text("2018-2019")
    _chart_loads(page.locator('img[src*="khoang-cach.svg"]'))
    for _attempt in range(60):
        if "đang được tính" not in page.get_by_test_id("public-impact").inner_text():
            break
        page.wait_for_timeout(1000)
        page.reload()
    expect(page.get_by_test_id("public-impact")).to_contain_text("khoảng tin cậy 95%")
    expect(page.get_by_test_id("public-impact")).to_contain_text("chạm trần")
    assert problems == []


def test_the_department_asks_whether_the_gap_is_closing(page: Page, app_url, log_in):
    problems = _watch(page, app_url)
    log_in("admin")
    page.goto(f"{app_url}/figures/")
    page.get_by_test_id("gap-link").click()
    expect(page.get_by_role("heading", name="Khoảng cách có đang thu hẹp?")).to_be_visible()
    page.select_option("#id_indicator", "DIEM_VAO10_TOAN")
    page.get_by_role("button", name="Xem").click()
    expect(page.get_by_test_id("gap-about")).to_contain_text("12/12/2022")
    api = page.request.get(f"{app_url}/api/v1/gap?indicator=DIEM_VAO10_TOAN").json()["gap"]
    first = api["years"][0]
    row = page.get_by_test_id("gap-table").locator("tbody tr").first
    expect(row).to_contain_text(first["school_year"])
    expect(row).to_contain_text(f"{first['difference']:.2f}".replace(".", ","))
    _chart_loads(page.locator('img[src*="gap.svg"]'))
    # the schools supported in the movement against the others
    page.select_option("#id_compare", "supported")
    page.get_by_role("button", name="Xem").click()
    expect(page.get_by_test_id("gap-table")).to_contain_text("được hỗ trợ trong phong trào")
    assert problems == []
    # a reference day whose map is not known is refused under its field (the page answers 400)
    page.fill("#id_reference", "01/01/2099")
    page.get_by_role("button", name="Xem").click()
    expect(page.locator(".invalid-feedback")).to_contain_text("01/01/2099")


def test_the_department_asks_whether_twinning_helped(page: Page, app_url, log_in):
    """The estimate is computed by the task worker: the page says so, reloads by itself, then shows the
    estimate the API gives, its cohorts, the event-study chart and the method."""
    problems = _watch(page, app_url)
    log_in("admin")
    page.goto(f"{app_url}/figures/gap/")
    page.get_by_test_id("impact-link").click()
    expect(page.get_by_role("heading", name="Kết nghĩa có giúp ích?")).to_be_visible()
    page.select_option("#id_indicator", "DIEM_VAO10_TOAN")
    page.get_by_role("button", name="Xem").click()
    expect(page.get_by_test_id("impact-headline")).to_contain_text("gắn với mức thay đổi", timeout=60_000)
    api = page.request.get(f"{app_url}/api/v1/impact?indicator=DIEM_VAO10_TOAN").json()
    assert api["status"] == "ready"
    effect = api["impact"]["effect"]
    expect(page.get_by_test_id("impact-headline")).to_contain_text(
        f"{effect['estimate']:.2f}".replace(".", ",")
    )
    expect(page.get_by_test_id("impact-cohorts")).to_contain_text("2022-2023")
    _chart_loads(page.locator('img[src*="impact.svg"]'))
    # graduation rates sit at their ceiling: no number, the reason instead
    page.select_option("#id_indicator", "TL_TN_THPT")
    page.get_by_role("button", name="Xem").click()
    expect(page.get_by_test_id("impact-reason")).to_contain_text("chạm trần", timeout=60_000)
    assert problems == []
