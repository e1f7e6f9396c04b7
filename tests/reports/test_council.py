"""The emulation council's documents from a published review: every rule of the layout met (Word and
PDF), the list equal to the proposals in force, the minutes' figures read from the cycle, and the page's
rules (those who run the cycle, published results only, the meeting's counts checked)."""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest
from django.test import Client

from chungtay.core import conformance, conversion
from chungtay.directory.models import EducationOffice
from chungtay.reports import council
from chungtay.reviews.models import Appeal, Award, AwardKind, AwardStatus, Cycle, Stage
from tests.conftest import login

pytestmark = pytest.mark.django_db

MEETING = council.Meeting(
    day=dt.date(2025, 6, 25),
    place="Sở GD&ĐT Hà Nội",
    chair="Nguyễn Văn An",
    chair_position="Giám đốc Sở",
    secretary="Trần Thị Bình",
    members_total=11,
    members_present=10,
    votes_for=9,
    attendees=["Phó Giám đốc Sở"],
)


def _text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_the_council_documents_meet_every_layout_rule_and_read_the_cycle() -> None:
    cycle = Cycle.objects.get(kind="final")
    department = EducationOffice.objects.get(code="so-hanoi")
    kind = AwardKind.objects.get(cap=2)
    minutes = council.minutes(cycle, department, MEETING).build().bytes()
    proposal = council.proposal(cycle, department, MEETING, kind).build()
    award_list = council.award_list(cycle, department, MEETING, kind).build().bytes()
    assert conformance.failures(conformance.check_docx(minutes)) == []
    assert conformance.failures(conformance.check_docx(proposal.bytes(), upward=True)) == []
    assert conformance.failures(conformance.check_docx(award_list)) == []
    pdf = conversion.to_pdf(proposal.bytes())
    assert conformance.failures(conformance.check_pdf(conversion.pdf_pages(pdf), proposal.lines)) == []
    # the list is the proposals in force of that award, each with its frozen total
    awards = Award.objects.filter(cycle=cycle, kind=kind, status=AwardStatus.PROPOSED)
    tables = docx.Document(io.BytesIO(award_list)).tables
    table = next(t for t in tables if t.rows[0].cells[0].text == "STT")
    assert len(table.rows) - 1 == awards.count() > 0
    names = {row.cells[1].text for row in table.rows[1:]}
    assert names == {a.submission.unit_name for a in awards}
    # the final review also reviewed schools and offices: both kinds of unit are on the list
    assert {a.submission.unit for a in awards} >= {"partnership", "school"}
    text = _text(minutes)
    appeals = Appeal.objects.filter(submission__cycle=cycle).count()
    assert f"Phúc khảo: {appeals} đề nghị" in text
    units = cycle.submissions
    reviewed = (
        f"{units.filter(unit='partnership').count()} nhóm kết nghĩa, {units.filter(unit='school').count()} "
        f"trường, {units.filter(unit='office').count()} phòng giáo dục và đào tạo được đánh giá"
    )
    assert reviewed in text
    assert "9/10 thành viên có mặt" in text
    assert f"cho {awards.count()} tập thể" in _text(proposal.bytes())


def test_a_revoked_proposal_is_not_listed() -> None:
    revoked = Award.objects.filter(status=AwardStatus.REVOKED).select_related("cycle", "kind").first()
    assert revoked is not None
    listed = council.awards_of(revoked.cycle, revoked.kind)
    assert revoked.pk not in [a.pk for a in listed]


def test_the_council_page(client: Client) -> None:
    final = Cycle.objects.get(kind="final")
    login(client, "pgd.unghoa")
    assert client.get(f"/reports/council/{final.pk}/").status_code == 403
    login(client, "admin")
    assert client.get(f"/reports/council/{final.pk}/").status_code == 200
    open_cycle = Cycle.objects.get(stage=Stage.SELF_ASSESSMENT)
    assert client.get(f"/reports/council/{open_cycle.pk}/").status_code == 403
    fields = {
        "day": "25/06/2025",
        "place": "Sở GD&ĐT Hà Nội",
        "chair": "Nguyễn Văn An",
        "chair_position": "Giám đốc Sở",
        "secretary": "Trần Thị Bình",
        "members_total": "11",
        "members_present": "10",
        "votes_for": "10",
        "attendees": "",
        "minutes_number": "12/BB-HĐTĐKT",
        "proposal_number": "13/TTr-HĐTĐKT",
    }
    response = client.post(f"/reports/council/{final.pk}/", {**fields, "doc": "minutes-.docx"})
    assert response.status_code == 200 and response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml"
    )
    assert "Số: 12/BB-HĐTĐKT" in _text(response.content)
    kind = AwardKind.objects.get(cap=5)
    listed = client.post(f"/reports/council/{final.pk}/", {**fields, "doc": f"list-{kind.pk}.docx"})
    assert kind.name in _text(listed.content)
    too_many = client.post(
        f"/reports/council/{final.pk}/", {**fields, "votes_for": "12", "doc": "minutes-.docx"}
    )
    assert too_many.status_code == 400 and "không thể nhiều hơn" in too_many.content.decode()
    assert (
        client.post(f"/reports/council/{final.pk}/", {**fields, "doc": "decision-.docx"}).status_code == 404
    )
