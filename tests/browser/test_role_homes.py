"""Each role's home page at phone and desktop size, as its users see it: what it does next, its figures,
no sideways scrolling; a screenshot of each is written under var/screenshots/ (or CHUNGTAY_SCREENSHOTS)
for people to look at."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.conftest import ROOT, VISITS, sign_in
from tests.browser.test_officer_paths import _watch

SHOTS = Path(os.environ.get("CHUNGTAY_SCREENSHOTS", ROOT / "var" / "screenshots"))
ROLES = {
    "admin": "department",
    "pgd.unghoa": "office",
    "ht.unghoa": "leader",
    "gv.unghoa": "teacher",
    "xem.hanoi": "viewer",
}
SIZES = {"phone": (390, 844), "desktop": (1366, 900)}


def test_each_roles_home_at_both_sizes(page: Page, app_url) -> None:  # noqa: ANN001
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems = _watch(page, app_url)
    for username, role in ROLES.items():
        page.context.clear_cookies()
        VISITS.watch(page, username)
        for size, (width, height) in SIZES.items():
            page.set_viewport_size({"width": width, "height": height})
            if size == "phone":
                sign_in(page, app_url, username)
            else:
                page.goto(f"{app_url}/")
            expect(page.get_by_test_id("home-figures")).to_be_visible()
            if role == "viewer":
                expect(page.get_by_test_id("next-steps")).to_have_count(0)
                expect(page.get_by_test_id("home-record")).to_have_count(0)
            else:
                expect(page.get_by_test_id("next-steps")).to_be_visible()
                expect(page.get_by_test_id("home-record")).to_be_visible()
            if role in ("leader", "teacher"):
                expect(page.get_by_test_id("my-partnerships")).to_be_visible()
            # nothing runs off the side of a phone
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, (username, size, overflow)
            shot = SHOTS / f"home-{role}-{size}.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
    assert problems == []
