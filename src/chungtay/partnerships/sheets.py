"""The partnerships' sheet: the columns of the partnerships file (one row per member school) and the rows
of its export in those same columns (the number keys each group), so that export → edit → import
round-trips. The import reads these columns; nobody else defines them."""

from __future__ import annotations

from typing import Any

from chungtay.partnerships.models import PartnershipMember, Side

PARTNERSHIP_COLUMNS: dict[str, list[str]] = {
    "number": ["Số nhóm", "Group number"],
    "group": ["Nhóm mới", "New group"],
    "moet_id": ["Mã định danh", "Mã trường", "MOET ID", "moet_id"],
    "school_name": ["Tên trường", "School name"],
    "side": ["Bên", "Side"],
    "starts_on": ["Ngày bắt đầu", "Start date"],
    "pilot": ["Thí điểm", "Pilot"],
    "wave": ["Đợt thí điểm", "Pilot wave"],
    "reason": ["Lý do khác cấp học", "Reason for different levels"],
    "status": ["Trạng thái", "Status"],
}

SIDE_WORDS: dict[str, str] = {
    Side.SUPPORTING: "Hỗ trợ",
    Side.SUPPORTED: "Được hỗ trợ",
    Side.MUTUAL: "Cùng hỗ trợ",
}


def partnership_rows(partnerships: Any) -> Any:
    """One row per current member, in the import's columns (the number keys each group)."""
    yield [names[0] for names in PARTNERSHIP_COLUMNS.values()]
    members = (
        PartnershipMember.objects.filter(partnership__in=partnerships, valid_to__isnull=True)
        .select_related("partnership", "school")
        .order_by("partnership__number", "side", "school__sort_key")
    )
    for m in members.iterator(chunk_size=2000):
        p = m.partnership
        yield [
            p.number, "", m.school.moet_id, m.school.name, SIDE_WORDS.get(m.side, m.side),
            m.valid_from or p.starts_on, "Có" if p.is_pilot else "Không", p.pilot_wave or "",
            p.level_override_reason, p.get_status_display(),
        ]  # fmt: skip
