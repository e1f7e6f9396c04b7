"""Agreements printed as Word documents in the administrative layout of `core.documents` (Decree
30/2020/NĐ-CP, Appendix I). A twinning memorandum is a bản ghi nhớ (symbol BGN), not a biên bản."""

from __future__ import annotations

from chungtay.core.dates import today
from chungtay.core.documents import AdministrativeDocument, Heading, Issuer, Signer
from chungtay.directory.models import DevelopmentArea
from chungtay.partnerships.models import Agreement, AgreementKind

KIND_TITLES: dict[str, str] = {
    AgreementKind.MEMORANDUM: "BIÊN BẢN GHI NHỚ",
    AgreementKind.COVENANT: "GIAO ƯỚC THI ĐUA",
}
SIDE_WORDS: dict[str, str] = {"supporting": "bên hỗ trợ", "supported": "bên được hỗ trợ"}


def agreement_document(agreement: Agreement) -> bytes:
    """The agreement as a .docx file in the layout of `core.documents`: every member school an issuing
    body under its office (each office named once), the parties, terms, commitments, one signature block
    per member side by side, and the recipients."""
    return agreement_layout(agreement).bytes()


def agreement_layout(agreement: Agreement) -> AdministrativeDocument:
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
    document = AdministrativeDocument(
        Heading(
            issuers=[
                Issuer(
                    member.school.name, offices[member.school_id].name if member.school_id in offices else ""
                )
                for member in members
            ],
            kind=KIND_TITLES.get(agreement.kind, "VĂN BẢN"),
            subject=subject,
            place=agreement.place,
            day=agreement.activated_on or today(),
            number=agreement.number,
        )
    )
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
    commitments = list(agreement.commitments.select_related("school").order_by("school__sort_key", "due_on"))
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
    if agreement.valid_from or agreement.valid_to:
        start = f"{agreement.valid_from:%d/%m/%Y}" if agreement.valid_from else "ngày ký"
        end = f" đến ngày {agreement.valid_to:%d/%m/%Y}" if agreement.valid_to else ""
        document.paragraph(f"Văn bản có hiệu lực từ {start}{end}.")
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
    document.closing(
        ["Các bên ký kết", *[o.name for o in _distinct_offices(offices.values())]],
        signers,
    )
    return document


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
