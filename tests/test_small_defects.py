"""Smaller defects found by trying the platform as its users would (issue 19, item 7), each held here by
a test that failed before its fix."""

from __future__ import annotations

import re
from pathlib import Path

from django.test import Client
from django.urls import reverse

from chungtay.accounts.models import User
from chungtay.partnerships.models import Partnership

TEMPLATES = Path(__file__).resolve().parents[1] / "src" / "chungtay"


def test_no_template_carries_an_inline_style_the_csp_would_block():
    """The content security policy allows styles from the app's files only (and nonced blocks): an
    inline style= attribute is blocked, with a console error on every load of the page."""
    found = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in TEMPLATES.rglob("templates/**/*.html")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\sstyle=\"", line)
    ]
    assert found == []


def test_support_figures_write_thousands_with_a_separator(db, client: Client):  # noqa: ANN001
    client.force_login(User.objects.get(username="admin"))
    page = client.get(reverse("support:support-list")).content.decode()
    start = page.index('data-testid="support-by-kind"')
    table = page[start : page.index("</table>", start)]
    cells = re.findall(r"<td>(\d[\d.]*)</td>", table)
    assert cells, "the by-kind table lists numbers"
    assert not [cell for cell in cells if len(cell) >= 4 and "." not in cell], cells


def test_a_pilot_wave_reads_as_a_wave_not_a_school_number(db, client: Client):  # noqa: ANN001
    pilot = Partnership.objects.filter(is_pilot=True, pilot_wave__isnull=False).first()
    assert pilot is not None, "the demo has pilot partnerships with their wave"
    client.force_login(User.objects.get(username="admin"))
    page = client.get(reverse("partnerships:partnership-detail", args=[pilot.pk])).content.decode()
    assert f"trường điểm, đợt {pilot.pilot_wave}" in page
    assert f"trường điểm {pilot.pilot_wave}<" not in page


def test_the_matching_form_starts_on_the_officers_only_twinning(db, client: Client):  # noqa: ANN001
    officer = User.objects.get(username="pgd.unghoa")
    client.force_login(officer)
    page = client.get(reverse("matching:run-create")).content.decode()
    start = page.index('name="twinning"')
    options = re.findall(r'<option value="(\d+)"( selected)?>', page[start : page.index("</select>", start)])
    twinnings = [value for value, _selected in options]
    if len(twinnings) == 1:
        assert options[0][1] == " selected"
    else:  # the demo's Ứng Hòa officer has one twinning; keep the test honest if that changes
        raise AssertionError(f"expected one twinning for pgd.unghoa, found {twinnings}")
