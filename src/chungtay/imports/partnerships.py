"""Import partnerships and their membership: one row per member school. Rows with a group number add
their schools to that existing partnership; rows without one form new groups by their "new group" label.
Every write goes through the partnerships services, so the same rules hold as on the pages (scope, sides
and offices of the twinning, same level or a stated reason). The dry run runs those services inside a
savepoint that is always rolled back, so its verdict is the apply's. Keys: a new group whose schools
already form a current partnership, or a member already in its group, is unchanged (idempotent)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import IO

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chungtay.access.scopes import partnerships_visible_to, schools_visible_to
from chungtay.accounts.models import Role, User
from chungtay.core.errors import DomainError
from chungtay.core.text import search_key
from chungtay.directory.models import School
from chungtay.imports.base import (
    BAD_CHOICE,
    BAD_DATE,
    DUPLICATE,
    OUT_OF_SCOPE,
    REJECTED_ROWS,
    REQUIRED_VALUE,
    CountingPlan,
    ImportKind,
    RowErrors,
    checked_rows,
    day,
    dry_run,
    match_headers,
    may_import,
    text,
    whole,
    write_all,
)
from chungtay.imports.readers import FileRefused, read_rows
from chungtay.partnerships import services
from chungtay.partnerships.models import (
    OfficeTwinning,
    Partnership,
    PartnershipMember,
    PartnershipStatus,
    Side,
    TwinningStatus,
)
from chungtay.partnerships.sheets import PARTNERSHIP_COLUMNS

COLUMNS = PARTNERSHIP_COLUMNS
REQUIRED = ("moet_id", "side")
EXPLANATIONS = {
    "number": "Số của nhóm đã có trên hệ thống: các trường ở dòng này được thêm vào nhóm đó. "
    "Để trống khi tạo nhóm mới.",
    "group": "Nhãn tạm của nhóm mới (ví dụ A1): các dòng cùng nhãn tạo thành một nhóm. "
    "Bắt buộc khi không có số nhóm.",
    "moet_id": "Mã định danh của trường thành viên. Bắt buộc.",
    "school_name": "Tên trường, để dễ đọc; không dùng để đối chiếu.",
    "side": "Hỗ trợ, Được hỗ trợ hoặc Cùng hỗ trợ (supporting / supported / mutual). Bắt buộc.",
    "starts_on": "Ngày bắt đầu (dd/mm/yyyy): của nhóm mới, hoặc ngày trường vào nhóm đã có. Bắt buộc.",
    "pilot": "Có / Không: nhóm thí điểm (ghi ở dòng đầu của nhóm mới).",
    "wave": "Đợt thí điểm (số), nếu là nhóm thí điểm.",
    "reason": "Lý do ghép các trường khác cấp học (ít nhất 10 ký tự), nếu có.",
    "status": "Trạng thái của nhóm (chỉ để đọc khi xuất; không dùng khi nhập).",
}
EXAMPLE = ["", "A1", "01008XXXX", "Trường THCS Ví Dụ", "Hỗ trợ", "05/09/2024", "Có", "1", "", ""]

SIDES = {
    "ho tro": Side.SUPPORTING, "supporting": Side.SUPPORTING,
    "duoc ho tro": Side.SUPPORTED, "supported": Side.SUPPORTED,
    "cung ho tro": Side.MUTUAL, "mutual": Side.MUTUAL, "tuong ho": Side.MUTUAL,
}  # fmt: skip
CURRENT = (PartnershipStatus.PENDING, PartnershipStatus.ACTIVE)

NOT_ALLOWED = _("Only the city administrator and office officers can import partnerships.")
NEED_GROUP = _("Give the group number of an existing partnership, or a new group label.")
UNKNOWN_NUMBER = _("No partnership number %(value)s that you may see.")
MIXED_DATES = _("The rows of one new group give different start dates.")
NO_TWINNING = _("No twinning of your offices joins these schools: ask the department to create it.")


@dataclass
class Group:
    key: str  # the number of an existing partnership, or "new:<label>"
    number: int  # the group's first row, where a refusal of the whole group is reported
    members: list[tuple[int, School, str, dt.date]] = field(default_factory=list)
    pilot: bool = False
    wave: int | None = None
    reason: str = ""


@dataclass
class ImportPlan(CountingPlan):
    groups: dict[str, Group] = field(default_factory=dict)


def plan_import(user: User, handle: IO[bytes], name: str) -> ImportPlan:
    if not may_import(user):
        raise FileRefused(NOT_ALLOWED)
    header, rows = read_rows(handle, name)
    columns = match_headers(header, COLUMNS, REQUIRED)
    plan = ImportPlan()
    found = RowErrors(COLUMNS, plan.errors)
    lines = list(rows)  # a partnerships file is small: read it once to look schools and groups up in bulk
    wanted = {text(values[columns["moet_id"]]) for _, values in lines if columns["moet_id"] < len(values)}
    schools = {s.moet_id: s for s in schools_visible_to(user).filter(moet_id__in=wanted)}
    numbers = set(partnerships_visible_to(user).values_list("number", flat=True))
    seen: dict[tuple[str, str], int] = {}
    for number, cell in checked_rows(lines, columns, plan, found, ()):
        before = len(plan.errors)
        for column in (*REQUIRED, "starts_on"):
            if not text(cell(column)):
                found.add(number, column, REQUIRED_VALUE)
        key = ""
        if text(cell("number")):
            try:
                key = str(whole(cell("number")))
            except ValueError:
                found.add(number, "number", UNKNOWN_NUMBER % {"value": text(cell("number"))[:20]})
            else:
                if int(key) not in numbers:
                    found.add(number, "number", UNKNOWN_NUMBER % {"value": key})
        elif text(cell("group")):
            key = "new:" + text(cell("group"))[:40]
        else:
            found.add(number, "group", NEED_GROUP)
        side = SIDES.get(search_key(text(cell("side"))))
        if text(cell("side")) and side is None:
            found.add(number, "side", BAD_CHOICE % {"value": text(cell("side"))[:30]})
        starts_on = day(cell("starts_on")) if text(cell("starts_on")) else None
        if text(cell("starts_on")) and starts_on is None:
            found.add(number, "starts_on", BAD_DATE % {"value": text(cell("starts_on"))[:30]})
        moet_id = text(cell("moet_id"))
        school = schools.get(moet_id)
        if moet_id and school is None:
            found.add(number, "moet_id", OUT_OF_SCOPE % {"value": moet_id[:30]})
        if len(plan.errors) > before or school is None or side is None or starts_on is None or not key:
            continue
        if (key, moet_id) in seen:
            found.add(number, "moet_id", DUPLICATE % {"row": seen[(key, moet_id)]})
            continue
        seen[(key, moet_id)] = number
        group = plan.groups.setdefault(key, Group(key=key, number=number))
        if key.startswith("new:") and group.members and group.members[0][3] != starts_on:
            found.add(number, "starts_on", MIXED_DATES)
            continue
        group.members.append((number, school, side, starts_on))
        group.pilot = group.pilot or search_key(text(cell("pilot"))) in {"co", "x", "yes", "1"}
        if text(cell("wave")):
            try:
                group.wave = whole(cell("wave"))
            except ValueError:
                found.add(number, "wave", BAD_CHOICE % {"value": text(cell("wave"))[:20]})
        group.reason = group.reason or text(cell("reason"))[:300]
    if plan.errors:
        return plan
    dry_run(user, plan, plan.groups.values(), _write, found, "moet_id")
    return plan


def _existing_group(user: User, schools: set[int]) -> Partnership | None:
    """A current partnership whose current members are exactly these schools."""
    candidates = partnerships_visible_to(user).filter(
        status__in=CURRENT, members__school_id=next(iter(schools)), members__valid_to__isnull=True
    )
    for partnership in candidates.distinct():
        current = set(partnership.members.filter(valid_to__isnull=True).values_list("school_id", flat=True))
        if current == schools:
            return partnership
    return None


def _twinning_for(user: User, members: list[tuple[School, str]]) -> OfficeTwinning | None:
    twinnings = OfficeTwinning.objects.filter(status=TwinningStatus.ACTIVE).select_related(
        "supporting_office", "supported_office"
    )
    if not (user.is_superuser or user.role == Role.CITY_ADMIN):
        twinnings = twinnings.filter(
            Q(supporting_office_id=user.office_id) | Q(supported_office_id=user.office_id)
        )
    for twinning in twinnings.order_by("pk"):
        try:
            services.check_sides(twinning, members)
        except DomainError:
            continue
        return twinning
    return None


def _write(user: User, group: Group) -> str:
    """Create or extend one group through the services; what it did."""
    members = [(member[1], member[2]) for member in group.members]
    if group.key.startswith("new:"):
        if _existing_group(user, {school.pk for school, _ in members}) is not None:
            return "unchanged"
        twinning = _twinning_for(user, members)
        if twinning is None and not (user.is_superuser or user.role == Role.CITY_ADMIN):
            raise DomainError(NO_TWINNING)
        services.create_partnership(
            acting_user=user,
            twinning=twinning,
            members=members,
            starts_on=group.members[0][3],
            is_pilot=group.pilot or group.wave is not None,
            pilot_wave=group.wave,
            level_override_reason=group.reason,
        )
        return "create"
    partnership = partnerships_visible_to(user).get(number=int(group.key))
    current = set(partnership.members.filter(valid_to__isnull=True).values_list("school_id", flat=True))
    added = False
    for _row, school, side, joined_on in group.members:
        if school.pk in current:
            continue
        services.add_member(
            acting_user=user, partnership=partnership, school=school, side=side, joined_on=joined_on
        )
        added = True
    return "update" if added else "unchanged"


@transaction.atomic
def apply_plan(user: User, plan: ImportPlan, *, reason: str) -> None:
    """Write every group through the services, all or nothing; the history rows written are then marked
    with the import's reason (the services stamp the user), so the import can be undone."""
    if plan.errors:
        raise FileRefused(REJECTED_ROWS)
    write_all(user, plan.groups.values(), _write, models=(Partnership, PartnershipMember), reason=reason)


KIND = ImportKind(
    slug="partnerships",
    title=_("Partnerships and their member schools"),
    columns=COLUMNS,
    required=REQUIRED,
    explanations=EXPLANATIONS,
    example=EXAMPLE,
    file_stem="mau-nhap-nhom-ket-nghia",
    counts=(
        ("create", _("Partnerships to create"), _("Partnerships created")),
        ("update", _("Partnerships gaining members"), _("Partnerships that gained members")),
        ("unchanged", _("Partnerships unchanged"), _("Partnerships unchanged")),
    ),
    plan=plan_import,
    apply=apply_plan,
)
