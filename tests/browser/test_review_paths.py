"""One review cycle walked end to end in the browser, as its people would: a school leader writes the
account of a criterion (saved as it is typed) and submits, and writes their school's own review; the
department closes self-assessment; the office scores the judgement criterion with its evidence file and
marks the partnership reviewed; the department publishes; the leader appeals; the department upholds it
with a reason; awards are proposed within the cap."""

import re

from playwright.sync_api import Page, expect

from tests.factories import pdf_bytes


def _as(page: Page, log_in, username: str) -> None:  # noqa: ANN001
    page.context.clear_cookies()
    log_in(username)


def _open_cycle(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/reviews/")
    page.get_by_role("link", name=re.compile("Sơ kết học kỳ I")).click()


def _advance(page: Page) -> None:
    page.get_by_test_id("advance").locator("summary").click()
    page.get_by_test_id("advance-confirm").click()
    expect(page.get_by_role("alert").first).to_contain_text("Đợt đánh giá đã chuyển sang")


def test_one_cycle_from_self_assessment_to_awards(page: Page, app_url, log_in, tmp_path):  # noqa: ANN001
    # the school leader: the menu, the cycle, the partnership's review
    _as(page, log_in, "ht.unghoa")
    page.get_by_role("link", name="Thi đua", exact=True).click()
    page.get_by_role("link", name=re.compile("Sơ kết học kỳ I")).click()
    page.get_by_test_id("my-review").first.click()
    review_url = page.url
    expect(page.get_by_test_id("score-TC1")).to_contain_text("Vì sao có điểm này")
    # the autosave listens once htmx has read the page (a deferred script): typing before it would only
    # be saved by the button, which is not what this step checks
    page.wait_for_load_state()
    account = page.get_by_test_id("narrative-TC1").locator("textarea")
    account.fill("Nhóm tổ chức chuyên đề Toán và dự giờ chéo hằng tháng; có biên bản kèm theo.")
    # saved by itself after a pause in typing (1.5 s, then the request: give a loaded CI machine time)
    expect(page.get_by_test_id("narrative-TC1").get_by_test_id("saved-state")).to_contain_text(
        "Đã lưu nháp", timeout=20_000
    )
    page.get_by_test_id("submit").locator("summary").click()
    page.get_by_test_id("submit-confirm").click()
    expect(page.get_by_role("alert").first).to_contain_text("Đã nộp bản tự đánh giá")
    expect(page.get_by_test_id("events")).to_contain_text("nộp tự đánh giá")

    # the school's own review beside it: scored on its partnerships pooled, its account saved as typed
    page.get_by_role("link", name=re.compile("Sơ kết học kỳ I")).first.click()
    page.get_by_test_id("my-review").filter(has_text=re.compile(r"^Trường THCS Bình Lưu Quang A$")).click()
    expect(page.get_by_test_id("pooled")).to_contain_text("Chấm trên dữ liệu gộp của")
    page.wait_for_load_state()
    school_account = page.get_by_test_id("narrative-TC1").locator("textarea")
    school_account.fill("Trường chủ trì hai chuyên đề liên trường trong học kỳ.")
    expect(page.get_by_test_id("narrative-TC1").get_by_test_id("saved-state")).to_contain_text(
        "Đã lưu nháp", timeout=20_000
    )

    # the department closes self-assessment
    _as(page, log_in, "admin")
    _open_cycle(page, app_url)
    _advance(page)

    # the office scores the judgement criterion with the council's minutes, then marks it reviewed
    _as(page, log_in, "pgd.unghoa")
    page.goto(review_url)
    minutes = tmp_path / "bien-ban.pdf"
    minutes.write_bytes(pdf_bytes("Biên bản chấm"))
    form = page.get_by_test_id("judge-TC8")
    form.get_by_label("Điểm tiêu chí (0–100)").fill("85,5")
    form.get_by_label("Nhận xét (lý do)").fill("Chuyên đề có sản phẩm cụ thể, lan tỏa tới cụm trường.")
    form.get_by_label("Minh chứng").set_input_files(str(minutes))
    form.get_by_role("button", name="Lưu điểm chấm").click()
    expect(page.get_by_role("alert").first).to_contain_text("Đã chấm tiêu chí")
    expect(page.get_by_test_id("score-TC8")).to_contain_text("85,50")
    page.get_by_test_id("complete-review").get_by_role("button").click()
    expect(page.get_by_role("alert").first).to_contain_text("Đã hoàn thành đánh giá đơn vị này")

    # the department reviews and publishes
    _as(page, log_in, "admin")
    _open_cycle(page, app_url)
    _advance(page)
    _advance(page)
    expect(page.get_by_test_id("stage")).to_have_text("đã công bố kết quả")
    expect(page.get_by_test_id("rollups")).to_be_visible()

    # the leader appeals the judged criterion within the window
    _as(page, log_in, "ht.unghoa")
    page.goto(review_url)
    appeal = page.get_by_test_id("appeal-form")
    appeal.get_by_label("Tiêu chí").select_option(
        label="TC8. Chất lượng và sức lan tỏa của hoạt động (hội đồng chấm)"
    )
    appeal.get_by_label("Lý do").fill("Hội đồng chưa xem xét buổi chuyên đề cấp quận tháng 11 (có biên bản).")
    appeal.get_by_role("button", name="Gửi đề nghị phúc khảo").click()
    expect(page.get_by_role("alert").first).to_contain_text("Đã gửi đề nghị phúc khảo")

    # the department upholds it with a reason and the new sub-score
    _as(page, log_in, "admin")
    page.goto(review_url)
    total_before = page.get_by_test_id("total").inner_text()
    decide = page.get_by_test_id("decide")
    decide.get_by_role("radio", name="Chấp nhận", exact=True).check()
    decide.get_by_label("Điểm mới (tiêu chí hội đồng chấm)").fill("95")
    decide.get_by_label("Lý do").fill("Chấp nhận: buổi chuyên đề có minh chứng đầy đủ.")
    decide.get_by_role("button", name="Trả lời").click()
    expect(page.get_by_role("alert").first).to_contain_text("Đã trả lời phúc khảo")
    expect(page.get_by_test_id("appeal")).to_contain_text("chấp nhận")
    expect(page.get_by_test_id("total")).not_to_have_text(total_before)

    # awards proposed from the ranking, within the cap of 2 per category
    _open_cycle(page, app_url)
    city = page.get_by_test_id("award-kind").filter(has_text="Bằng khen của Chủ tịch UBND Thành phố")
    city.locator("summary").click()
    city.get_by_test_id("propose-confirm").click()
    expect(page.get_by_role("alert").first).to_contain_text("Đã đề nghị")
    rows = page.get_by_test_id("awards").locator("tbody tr")
    # the cycle's page is long (every unit's rank): its alert shows before the table below has arrived
    page.wait_for_load_state()
    expect(rows.first).to_be_visible()
    categories = [rows.nth(i).locator("td").nth(1).inner_text() for i in range(rows.count())]
    assert categories and all(categories.count(c) <= 2 for c in set(categories))
