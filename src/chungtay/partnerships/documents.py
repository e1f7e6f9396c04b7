"""Agreements printed as Word documents in the administrative layout of `core.documents` (Decree
30/2020/NĐ-CP, Appendix I). A twinning memorandum is a bản ghi nhớ (symbol BGN), not a biên bản."""

from __future__ import annotations

import datetime as dt

from chungtay.core.dates import today
from chungtay.core.documents import AdministrativeDocument, Body, Heading, Issuer, Parts, Signer
from chungtay.directory.models import DevelopmentArea
from chungtay.partnerships.models import Agreement, AgreementKind

KIND_TITLES: dict[str, str] = {
    AgreementKind.MEMORANDUM: "BIÊN BẢN GHI NHỚ",
    AgreementKind.COVENANT: "GIAO ƯỚC THI ĐUA",
}
SIDE_WORDS: dict[str, str] = {"supporting": "bên hỗ trợ", "supported": "bên được hỗ trợ"}


def agreement_layout(agreement: Agreement) -> AdministrativeDocument:
    """The agreement in the built-in layout: every member school an issuing body under its office (each
    office named once), the parties, terms, commitments, one signature block per member side by side,
    and the recipients."""
    return agreement_parts(agreement).build()


def agreement_parts(agreement: Agreement) -> Parts:
    """The agreement's parts: the built-in layout or a department's memorandum template lays them out."""
    partnership = agreement.partnership
    members = list(
        partnership.members.filter(valid_to__isnull=True)
        .select_related("school")
        .order_by("side", "school__sort_key")
    )
    signatures = {s.school_id: s for s in agreement.signatures.all()}
    offices = {m.school_id: m.office for m in _managements(partnership)}
    subject = agreement.title
    if agreement.amendment_no:
        subject = f"{subject} (sửa đổi lần {agreement.amendment_no})"
    heading = Heading(
        issuers=[
            Issuer(member.school.name, offices[member.school_id].name if member.school_id in offices else "")
            for member in members
        ],
        kind=KIND_TITLES.get(agreement.kind, "VĂN BẢN"),
        subject=subject,
        place=agreement.place,
        day=agreement.activated_on or today(),
        number=agreement.number,
    )
    commitments = list(agreement.commitments.select_related("school").order_by("school__sort_key", "due_on"))
    validity = ""
    if agreement.valid_from or agreement.valid_to:
        start = f"{agreement.valid_from:%d/%m/%Y}" if agreement.valid_from else "ngày ký"
        end = f" đến ngày {agreement.valid_to:%d/%m/%Y}" if agreement.valid_to else ""
        validity = f"Văn bản có hiệu lực từ {start}{end}."

    def body(document: Body) -> None:
        document.paragraph(
            "Căn cứ Kế hoạch thực hiện phong trào “Nhà trường cùng chung tay phát triển – Thầy cô cùng sẻ "
            "chia trách nhiệm”; căn cứ nhu cầu và thế mạnh của mỗi bên, các bên gồm:"
        )
        for letter, member in zip("ABCDEFGHIK", members, strict=False):
            role = SIDE_WORDS.get(member.side, "bên cùng hỗ trợ")
            document.paragraph(
                f"Bên {letter} ({role}): {member.school.name}, mã định danh {member.school.moet_id}."
            )
        document.paragraph("thống nhất ký kết với các nội dung sau:")
        for line in filter(None, (t.strip() for t in agreement.terms.splitlines())):
            document.paragraph(line)
        if commitments:
            document.paragraph("Cam kết của các bên:", bold=True)
            for number, commitment in enumerate(commitments, start=1):
                target = ""
                if commitment.target_value is not None:
                    value = f"{commitment.target_value.normalize():f}".replace(".", ",")
                    target = f"; chỉ tiêu {value} {commitment.target_unit}".rstrip()
                due = f"; hạn {commitment.due_on:%d/%m/%Y}" if commitment.due_on else ""
                area = DevelopmentArea(commitment.area).label
                document.paragraph(
                    f"{number}. {commitment.school.name} ({area}): {commitment.description}{target}{due}."
                )
        if validity:
            document.paragraph(validity)

    signers = []
    for member in members:
        signature = signatures.get(member.school_id)
        signers.append(
            Signer(
                authority=f"ĐẠI DIỆN {member.school.name}",
                position=signature.position if signature else "HIỆU TRƯỞNG",
                name=signature.signer_name if signature else "",
            )
        )
    return Parts(
        heading,
        body,
        ["Các bên ký kết", *[o.name for o in _distinct_offices(offices.values())]],
        signers,
        extras={"so_nhom": str(partnership.number), "hieu_luc": validity},
    )


def _managements(partnership: object) -> list:
    from chungtay.directory.models import SchoolManagement

    schools = partnership.members.values("school_id")  # type: ignore[attr-defined]
    # the office that managed each school when the partnership started (district offices before 7/2025)
    start = partnership.starts_on  # type: ignore[attr-defined]
    rows = (
        SchoolManagement.objects.filter(school_id__in=schools).select_related("office").order_by("valid_from")
    )
    chosen = {}
    for row in rows:
        if row.is_valid_on(start) or row.school_id not in chosen:
            chosen[row.school_id] = row
    return list(chosen.values())


def _distinct_offices(offices: object) -> list:
    seen: dict[int, object] = {}
    for office in offices:  # type: ignore[attr-defined]
        seen.setdefault(office.pk, office)
    return list(seen.values())


def sample_agreement_parts() -> Parts:
    """A memorandum of a group of three schools under two offices, with a sample body: what a
    department's memorandum template is checked with (the widest heading and three signatures)."""
    schools = [
        Issuer("Trường Trung học cơ sở Trưng Vương", "Ủy ban nhân dân phường Hoàn Kiếm"),
        Issuer("Trường Trung học cơ sở Ứng Hòa", "Ủy ban nhân dân xã Ứng Hòa"),
        Issuer("Trường Trung học cơ sở Hòa Xá", "Ủy ban nhân dân xã Ứng Hòa"),
    ]
    heading = Heading(
        issuers=schools,
        kind=KIND_TITLES[AgreementKind.MEMORANDUM],
        subject="Về việc kết nghĩa giữa các nhà trường (mẫu để kiểm tra thể thức)",
        place="Hà Nội",
        day=dt.date(2025, 9, 5),
        number="01/BGN",
    )

    def body(document: Body) -> None:
        document.paragraph("Nội dung văn bản ghi nhớ (mẫu để kiểm tra thể thức).")

    signers = [Signer("HIỆU TRƯỞNG", "", f"ĐẠI DIỆN {school.name}") for school in schools]
    return Parts(
        heading,
        body,
        ["Các bên ký kết", "Ủy ban nhân dân phường Hoàn Kiếm", "Ủy ban nhân dân xã Ứng Hòa"],
        signers,
        extras={"so_nhom": "0", "hieu_luc": "Văn bản có hiệu lực từ ngày ký."},
    )
