"""The emulation council's documents for a published review cycle (issue 18, from issue 17's results), in
the administrative layout (`core.documents`): the minutes of the council's meeting (biên bản họp Hội đồng
Thi đua – Khen thưởng), and for each award the proposal to whoever grants it (tờ trình) with the list of
the collectives proposed (danh sách đề nghị khen thưởng). Every figure and name is read from the cycle:
the partnerships reviewed, the gates, the appeals and their decisions, the awards proposed and not
revoked, each with its frozen total and rank. What the meeting itself decides — when, where, who sat,
how they voted — is what the secretary types in (`Meeting`)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from chungtay.core.documents import Body, Heading, Issuer, Parts, Signer
from chungtay.core.text import vietnamese_number
from chungtay.directory.models import EducationOffice
from chungtay.reviews.models import Appeal, AppealStatus, Award, AwardKind, AwardStatus, Cycle, Stage, Unit
from chungtay.reviews.selectors import school_names
from chungtay.reviews.services import members_of_cycle

COUNCIL = "Hội đồng Thi đua – Khen thưởng"
MOVEMENT = "“Nhà trường cùng chung tay phát triển – Thầy cô cùng sẻ chia trách nhiệm”"
LIST_HEADER = ["STT", "Tập thể (nhóm kết nghĩa)", "Các trường", "Cấp học", "Tổng điểm", "Xếp hạng"]


DOCUMENTS = ("minutes", "proposal", "award_list")  # reports.models.DocumentKind's council documents


class NotPublished(Exception):
    """The council's documents are made from published results only."""


@dataclass
class Meeting:
    """What the council's secretary types in: the rest is read from the cycle."""

    day: dt.date
    place: str
    chair: str
    chair_position: str
    secretary: str
    members_total: int
    members_present: int
    votes_for: int
    attendees: list[str] = field(default_factory=list)
    minutes_number: str = "/BB-HĐTĐKT"
    proposal_number: str = "/TTr-HĐTĐKT"
    city: str = "Hà Nội"


def _issuer(department: EducationOffice) -> list[Issuer]:
    return [Issuer(COUNCIL, department.name)]


def _period(cycle: Cycle) -> str:
    return f"{cycle.period_start:%d/%m/%Y} – {cycle.period_end:%d/%m/%Y}"


def awards_of(cycle: Cycle, kind: AwardKind | None = None) -> list[Award]:
    """The proposals in force (revoked ones left out), by award, category and frozen rank."""
    rows = Award.objects.filter(cycle=cycle, status=AwardStatus.PROPOSED).select_related(
        "kind", "submission__partnership", "submission__school", "submission__office"
    )
    if kind is not None:
        rows = rows.filter(kind=kind)
    return sorted(rows, key=lambda a: (a.kind.position, a.submission.category, a.snapshot.get("rank") or 0))


def list_rows(cycle: Cycle, awards: list[Award]) -> list[list[object]]:
    members = members_of_cycle(cycle)
    names = school_names([school for schools in members.values() for school in schools])
    rows: list[list[object]] = []
    for position, award in enumerate(awards, start=1):
        submission = award.submission
        if submission.partnership_id is not None:
            schools = "; ".join(names.get(s, "") for s in members.get(submission.partnership_id, []))
        else:  # a school or an office reviewed as a unit: its own name says who
            schools = submission.get_unit_display()
        rows.append(
            [
                position,
                submission.unit_name,
                schools,
                submission.category_label,
                vietnamese_number(float(award.snapshot["total"]), 2),
                award.snapshot.get("rank") or "",
            ]
        )
    return rows


def _check(cycle: Cycle) -> None:
    if cycle.stage != Stage.PUBLISHED:
        raise NotPublished


def minutes(cycle: Cycle, department: EducationOffice, meeting: Meeting) -> Parts:
    """Biên bản họp Hội đồng Thi đua – Khen thưởng: the meeting, the results it considered, the appeals,
    the vote and the proposals it agreed, signed by the chair and the secretary."""
    _check(cycle)
    heading = Heading(
        issuers=_issuer(department),
        kind="Biên bản",
        subject=f"Họp Hội đồng Thi đua – Khen thưởng xét khen thưởng {cycle.name.lower()}",
        place=meeting.city,
        day=meeting.day,
        number=meeting.minutes_number,
    )
    submissions = cycle.submissions.all()
    units = Counter(submissions.values_list("unit", flat=True))
    reviewed = ", ".join(
        f"{units[unit]} {noun}"
        for unit, noun in (
            (Unit.PARTNERSHIP, "nhóm kết nghĩa"),
            (Unit.SCHOOL, "trường"),
            (Unit.OFFICE, "phòng giáo dục và đào tạo"),
        )
        if units[unit]
    )
    gates = submissions.filter(gates_met=True).count()
    appeals = Counter(Appeal.objects.filter(submission__cycle=cycle).values_list("status", flat=True))
    awards = awards_of(cycle)
    by_kind = Counter(a.kind.name for a in awards)

    def body(document: Body) -> None:
        document.paragraph(
            f"Hôm nay, ngày {meeting.day:%d/%m/%Y}, tại {meeting.place}, {COUNCIL} {department.name} họp "
            f"xét khen thưởng các tập thể có thành tích trong phong trào {MOVEMENT}, {cycle.name.lower()} "
            f"(kỳ đánh giá {_period(cycle)})."
        )
        document.section("I. THÀNH PHẦN")
        document.paragraph(
            f"Chủ trì: {meeting.chair}, {meeting.chair_position}. Thư ký: {meeting.secretary}. Có mặt "
            f"{meeting.members_present}/{meeting.members_total} thành viên Hội đồng."
        )
        for name in meeting.attendees:
            document.paragraph(f"- {name}")
        document.section("II. NỘI DUNG")
        basis = cycle.criteria_set
        document.paragraph(
            f"1. Hội đồng xem xét kết quả đánh giá theo {basis.name} (phiên bản {basis.version}), căn cứ "
            f"{basis.basis_number} ngày {basis.basis_date:%d/%m/%Y}"
            + (f", {basis.basis_article}" if basis.basis_article else "")
            + f": {reviewed} được đánh giá, {gates} đơn vị đạt mọi ngưỡng tiêu chí; điểm của từng "
            "tiêu chí tính từ dữ liệu đã ghi nhận trên nền tảng Chung Tay và tra cứu được tới từng bản ghi."
        )
        document.paragraph(
            f"2. Phúc khảo: {sum(appeals.values())} đề nghị, trong đó "
            f"{appeals.get(AppealStatus.UPHELD, 0)} được chấp nhận, "
            f"{appeals.get(AppealStatus.REJECTED, 0)} không được chấp nhận, "
            f"{appeals.get(AppealStatus.PENDING, 0)} đang chờ trả lời."
        )
        proposals = "; ".join(f"{name}: {count} tập thể" for name, count in by_kind.items()) or "không có"
        document.paragraph(
            f"3. Đề nghị khen thưởng theo thứ hạng, trong giới hạn số lượng của từng hình thức: {proposals} "
            "(danh sách kèm theo tờ trình)."
        )
        document.section("III. KẾT QUẢ BIỂU QUYẾT")
        document.paragraph(
            f"Số thành viên biểu quyết tán thành: {meeting.votes_for}/{meeting.members_present} thành viên "
            f"có mặt ({vietnamese_number(100 * meeting.votes_for / max(meeting.members_present, 1), 1)} %)."
        )
        if awards:
            document.caption("Danh sách tập thể Hội đồng thống nhất đề nghị khen thưởng")
            document.table(
                ["Hình thức", *LIST_HEADER[1:]],
                _with_kind(cycle, awards),
                widths=[1.9, 2.4, 2.8, 1.2, 1, 0.8],
            )
        document.paragraph("Cuộc họp kết thúc vào cùng ngày; biên bản đã được thông qua tại cuộc họp.")

    return Parts(
        heading,
        body,
        [],
        [Signer("Thư ký", meeting.secretary), Signer("Chủ tịch Hội đồng", meeting.chair)],
        extras=_extras(cycle, meeting),
    )


def _with_kind(cycle: Cycle, awards: list[Award]) -> list[list[object]]:
    rows = list_rows(cycle, awards)
    return [[award.kind.name, *row[1:]] for award, row in zip(awards, rows, strict=True)]


def proposal(cycle: Cycle, department: EducationOffice, meeting: Meeting, kind: AwardKind) -> Parts:
    """Tờ trình đề nghị khen thưởng: to whoever grants this award, the basis, what the council agreed and
    how many collectives it proposes (the list is attached)."""
    _check(cycle)
    awards = awards_of(cycle, kind)
    heading = Heading(
        issuers=_issuer(department),
        kind="Tờ trình",
        subject=f"Về việc đề nghị tặng {kind.name} cho các tập thể có thành tích trong phong trào "
        f"{MOVEMENT}, {cycle.name.lower()}",
        place=meeting.city,
        day=meeting.day,
        number=meeting.proposal_number,
        addressees=[kind.issuer],
    )
    basis = cycle.criteria_set

    def body(document: Body) -> None:
        document.paragraph(
            f"Căn cứ {basis.basis_number} ngày {basis.basis_date:%d/%m/%Y} ({basis.basis_title})"
            + (f", {basis.basis_article}" if basis.basis_article else "")
            + ";"
        )
        document.paragraph(
            f"Căn cứ kết quả {cycle.name.lower()} được công bố ngày "
            f"{cycle.published_at:%d/%m/%Y} và biên bản họp {COUNCIL} ngày {meeting.day:%d/%m/%Y};"
            if cycle.published_at
            else f"Căn cứ kết quả {cycle.name.lower()} và biên bản họp {COUNCIL} ngày {meeting.day:%d/%m/%Y};"
        )
        document.paragraph(
            f"{COUNCIL} kính trình {kind.issuer} xem xét, tặng {kind.name} cho {len(awards)} tập thể có "
            "thành tích tiêu biểu trong phong trào (danh sách kèm theo). Các tập thể được đề nghị theo thứ "
            "hạng tổng điểm của từng cấp học, đạt mọi ngưỡng tiêu chí, tối đa "
            f"{kind.cap} tập thể mỗi cấp học; mỗi thành tích chỉ đề nghị một hình thức khen thưởng."
        )
        document.paragraph(f"Kính trình {kind.issuer} xem xét, quyết định./.")

    return Parts(
        heading,
        body,
        ["Như trên"],
        [Signer("Chủ tịch", meeting.chair, "TM. Hội đồng")],
        archive="HĐTĐKT",
        extras=_extras(cycle, meeting, kind),
    )


def award_list(cycle: Cycle, department: EducationOffice, meeting: Meeting, kind: AwardKind) -> Parts:
    """Danh sách tập thể đề nghị khen thưởng (kèm theo tờ trình): each collective with its schools, level,
    frozen total and rank."""
    _check(cycle)
    awards = awards_of(cycle, kind)
    heading = Heading(
        issuers=_issuer(department),
        kind="Danh sách",
        subject=f"Tập thể đề nghị tặng {kind.name}, {cycle.name.lower()} (kèm theo Tờ trình số "
        f"{meeting.proposal_number} ngày {meeting.day:%d/%m/%Y})",
        place=meeting.city,
        day=meeting.day,
        number=meeting.proposal_number,
    )
    rows = list_rows(cycle, awards) if awards else []

    def body(document: Body) -> None:
        if rows:
            document.table(LIST_HEADER, rows, widths=[0.6, 3, 3.8, 1.2, 1.1, 1])
        else:
            document.paragraph("Không có tập thể nào được đề nghị.")
        document.paragraph(f"Danh sách gồm {len(awards)} tập thể./.")

    return Parts(
        heading,
        body,
        [],
        [Signer("Chủ tịch", meeting.chair, "TM. Hội đồng")],
        extras=_extras(cycle, meeting, kind),
    )


def _extras(cycle: Cycle, meeting: Meeting, kind: AwardKind | None = None) -> dict[str, str]:
    """The council documents' own placeholders (`reports.templating`)."""
    return {
        "ky_danh_gia": cycle.name,
        "ngay_hop": f"{meeting.day:%d/%m/%Y}",
        "chu_tri": meeting.chair,
        "thu_ky": meeting.secretary,
        "hinh_thuc_khen_thuong": kind.name if kind else "",
    }


def sample(department: EducationOffice, document: str, *, chair: str) -> Parts:
    """A council document of `document`'s kind as this department would issue it, with a sample body
    (what a department's template of that kind is checked with)."""
    heading = Heading(
        issuers=_issuer(department),
        kind={"minutes": "Biên bản", "proposal": "Tờ trình"}.get(document, "Danh sách"),
        subject="Họp Hội đồng Thi đua – Khen thưởng (mẫu để kiểm tra thể thức)",
        place="Hà Nội",
        day=dt.date(2025, 5, 20),
        number="/TTr-HĐTĐKT" if document == "proposal" else "/BB-HĐTĐKT",
        addressees=["Ủy ban nhân dân Thành phố"] if document == "proposal" else [],
    )

    def body(text: Body) -> None:
        text.paragraph("Nội dung văn bản (mẫu để kiểm tra thể thức).")

    if document == "minutes":
        signers = [Signer("Thư ký", "Nguyễn Văn A"), Signer("Chủ tịch Hội đồng", chair)]
    else:
        signers = [Signer("Chủ tịch", chair, "TM. Hội đồng")]
    extras = {
        "ky_danh_gia": "Tổng kết giai đoạn 2022-2025",
        "ngay_hop": "20/05/2025",
        "chu_tri": chair,
        "thu_ky": "Nguyễn Văn A",
        "hinh_thuc_khen_thuong": "Giấy khen của Giám đốc Sở" if document != "minutes" else "",
    }
    recipients = ["Như trên"] if document == "proposal" else []
    return Parts(heading, body, recipients, signers, archive="HĐTĐKT", extras=extras)
