"""Import support records: one row per record, the columns the support ledger exports. Writes go through
the support services (donors found or registered by name, the ledger's checks on dates, amounts and
partnerships); the dry run runs them in a savepoint that is always rolled back. Keys: a record by its ID,
or a new one by (receiving school, kind, date, donor, quantity, value): a second import changes nothing.
Pupils are never imported by name; individual pupils are attached by their school's leader on the page."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from chungtay.access.scopes import partnerships_visible_to, schools_visible_to
from chungtay.accounts.models import User
from chungtay.core.errors import DomainError
from chungtay.core.text import padded_search_key, search_key
from chungtay.imports.base import (
    BAD_CHOICE,
    BAD_DATE,
    BAD_NUMBER,
    BAD_WHOLE,
    DUPLICATE,
    OUT_OF_SCOPE,
    REJECTED_ROWS,
    CountingPlan,
    ImportKind,
    RowErrors,
    checked_rows,
    choice_map,
    day,
    dry_run,
    match_headers,
    may_import,
    text,
    whole,
    write_all,
)
from chungtay.imports.readers import FileRefused, read_rows
from chungtay.support import services
from chungtay.support.models import Donor, DonorKind, SupportKind, SupportRecord
from chungtay.support.selectors import support_for_user, support_visible_to
from chungtay.support.sheets import SUPPORT_COLUMNS

COLUMNS = SUPPORT_COLUMNS
REQUIRED = ("kind", "quantity", "unit", "given_on", "donor_kind", "receiving")
EXPLANATIONS = {
    "id": "Mã của bản ghi đã có (để sửa số lượng, trị giá, ngày, mô tả); để trống khi thêm mới.",
    "kind": "scholarship (học bổng), books, notebooks, equipment, free_classes, tutoring, facilities, "
    "mentoring (đỡ đầu), other — mã hoặc tên. Bắt buộc.",
    "quantity": "Số lượng (dấu phẩy thập phân được). Bắt buộc.",
    "unit": "Đơn vị: suất, cuốn, bộ… Bắt buộc.",
    "value_vnd": "Trị giá bằng đồng, ví dụ 15.000.000.",
    "given_on": "Ngày trao (dd/mm/yyyy), không sau hôm nay. Bắt buộc.",
    "donor": "Tên bên trao (doanh nghiệp, cơ quan, cá nhân); với trường trao, để trống.",
    "donor_kind": "school (trường), office (phòng), business (doanh nghiệp), agency (cơ quan, đoàn thể), "
    "individual (cá nhân), other. Bắt buộc.",
    "donor_school": "Mã định danh của trường trao, khi bên trao là một trường.",
    "receiving": "Mã định danh của trường nhận. Bắt buộc.",
    "partnership": "Số nhóm kết nghĩa, nếu hỗ trợ trong nhóm.",
    "programme": "Tên chương trình, nếu có.",
    "description": "Mô tả ngắn (tối đa 300 ký tự).",
    "pupils": "Chỉ để đọc khi xuất; học sinh nhận hỗ trợ được gắn trên trang, theo mã của trường.",
}
EXAMPLE = ["", "scholarship", "2", "suất", "4.000.000", "05/09/2025", "Công ty CP Ví Dụ", "business", "",
           "01008XXXX", "17", "Tiếp sức đến trường", "", ""]  # fmt: skip

UNKNOWN_PARTNERSHIP = _("No partnership number %(value)s that you may see.")
UNKNOWN_RECORD = _("No support record %(value)s that you may change.")
NOT_ALLOWED = _("Only the city administrator and office officers can import support records.")


@dataclass
class Item:
    number: int
    record_id: int | None
    values: dict[str, Any]
    record: SupportRecord | None = None


@dataclass
class ImportPlan(CountingPlan):
    items: list[Item] = field(default_factory=list)


def _quantity(value: Any) -> Decimal:
    raw = text(value).replace(" ", "").replace(",", ".")
    try:
        number = Decimal(raw)
    except InvalidOperation as error:
        raise ValueError from error
    if not number.is_finite() or number <= 0 or number >= Decimal("1e10"):
        raise ValueError
    return number.quantize(Decimal("0.01"))


def plan_import(user: User, handle: IO[bytes], name: str) -> ImportPlan:
    if not may_import(user):
        raise FileRefused(NOT_ALLOWED)
    header, rows = read_rows(handle, name)
    columns = match_headers(header, COLUMNS, REQUIRED)
    lines = list(rows)
    wanted = {
        text(values[columns[c]]) for _, values in lines for c in ("receiving", "donor_school")
        if c in columns and columns[c] < len(values)
    }  # fmt: skip
    schools = {s.moet_id: s for s in schools_visible_to(user).filter(moet_id__in=wanted)}
    partnerships = {p.number: p for p in partnerships_visible_to(user)}
    kinds, donor_kinds = choice_map(SupportKind), choice_map(DonorKind)
    plan = ImportPlan()
    found = RowErrors(COLUMNS, plan.errors)
    seen: dict[Any, int] = {}
    index = columns.get("id")
    ids = [
        int(text(v[index]))
        for _, v in lines
        if index is not None and index < len(v) and text(v[index]).isdigit()
    ]
    records = {r.pk: r for r in support_visible_to(user).filter(pk__in=ids).select_related("donor")}
    for number, cell in checked_rows(lines, columns, plan, found, REQUIRED, read_only=("pupils",)):
        before = len(plan.errors)
        kind = kinds.get(search_key(text(cell("kind"))))
        if kind is None:
            found.add(number, "kind", BAD_CHOICE % {"value": text(cell("kind"))[:40]})
        donor_kind = donor_kinds.get(search_key(text(cell("donor_kind"))))
        if donor_kind is None:
            found.add(number, "donor_kind", BAD_CHOICE % {"value": text(cell("donor_kind"))[:40]})
        try:
            quantity = _quantity(cell("quantity"))
        except ValueError:
            found.add(number, "quantity", BAD_NUMBER % {"value": text(cell("quantity"))[:20]})
        value_vnd = None
        if text(cell("value_vnd")):
            try:
                value_vnd = whole(cell("value_vnd"))
            except ValueError:
                found.add(number, "value_vnd", BAD_WHOLE % {"value": text(cell("value_vnd"))[:30]})
        given_on = day(cell("given_on"))
        if given_on is None:
            found.add(number, "given_on", BAD_DATE % {"value": text(cell("given_on"))[:30]})
        receiving = schools.get(text(cell("receiving")))
        if receiving is None:
            found.add(number, "receiving", OUT_OF_SCOPE % {"value": text(cell("receiving"))[:30]})
        giver = None
        if text(cell("donor_school")):
            giver = schools.get(text(cell("donor_school")))
            if giver is None:
                found.add(number, "donor_school", OUT_OF_SCOPE % {"value": text(cell("donor_school"))[:30]})
        partnership = None
        if text(cell("partnership")):
            raw = text(cell("partnership"))
            partnership = partnerships.get(int(raw)) if raw.isdigit() else None
            if partnership is None:
                found.add(number, "partnership", UNKNOWN_PARTNERSHIP % {"value": raw[:20]})
        record_id = None
        if text(cell("id")):
            record_id = int(text(cell("id"))) if text(cell("id")).isdigit() else None
            if record_id not in records:
                found.add(number, "id", UNKNOWN_RECORD % {"value": text(cell("id"))[:20]})
        if len(plan.errors) > before:
            continue
        values_: dict[str, Any] = {
            "kind": kind, "quantity": quantity, "unit": text(cell("unit"))[:40], "value_vnd": value_vnd,
            "given_on": given_on, "donor_kind": donor_kind, "donor": text(cell("donor"))[:200],
            "giver": giver,
            "receiving": receiving, "partnership": partnership, "programme": text(cell("programme"))[:200],
            "description": text(cell("description"))[:300],
        }  # fmt: skip
        key = record_id or (receiving.pk, kind, given_on, search_key(values_["donor"]), quantity, value_vnd)  # type: ignore[union-attr]
        if key in seen:
            found.add(number, "id" if record_id else "receiving", DUPLICATE % {"row": seen[key]})
            continue
        seen[key] = number
        plan.items.append(Item(number, record_id, values_, records.get(record_id) if record_id else None))
    dry_run(user, plan, plan.items, _write, found, "receiving")
    return plan


def _donor(user: User, v: dict[str, Any]) -> Donor:
    return services.register_donor(
        acting_user=user,
        kind=v["donor_kind"],
        name=v["donor"],
        school=v["giver"],
        office=user.office if v["donor_kind"] == DonorKind.OFFICE else None,
    )


def _write(user: User, item: Item) -> str:
    v = item.values
    if item.record_id is not None:
        read = item.record or _record(user, item.record_id)
        same = (read.quantity, read.unit, read.value_vnd, read.given_on, read.programme,
                read.description) == (v["quantity"], v["unit"], v["value_vnd"], v["given_on"],
                                      v["programme"], v["description"])  # fmt: skip
        if same:
            return "unchanged"
        # the service changes the record it is given: a fresh one, so what the file read stays as read
        record = _record(user, item.record_id)
        services.edit_support(
            acting_user=user, record=record, expected_version=record.version, quantity=v["quantity"],
            unit=v["unit"], value_vnd=v["value_vnd"], given_on=v["given_on"], description=v["description"],
            programme=v["programme"],
        )  # fmt: skip
        return "update"
    name = v["giver"].name if v["giver"] is not None else v["donor"]
    twin = support_visible_to(user).filter(
        receiving_school=v["receiving"], kind=v["kind"], given_on=v["given_on"], quantity=v["quantity"],
        value_vnd=v["value_vnd"], donor__name_key=padded_search_key(name),
    )  # fmt: skip
    if twin.exists():
        return "unchanged"
    services.record_support(
        acting_user=user, kind=v["kind"], quantity=v["quantity"], unit=v["unit"], given_on=v["given_on"],
        donor=_donor(user, v), receiving_school=v["receiving"], partnership=v["partnership"],
        value_vnd=v["value_vnd"], programme=v["programme"], description=v["description"],
    )  # fmt: skip
    return "create"


@transaction.atomic
def apply_plan(user: User, plan: ImportPlan, *, reason: str) -> None:
    if plan.errors:
        raise FileRefused(REJECTED_ROWS)
    write_all(user, plan.items, _write, models=(SupportRecord, Donor), reason=reason)


def _record(user: User, pk: int) -> SupportRecord:
    try:
        return support_for_user(user, pk)
    except (Http404, PermissionDenied) as error:
        raise DomainError(UNKNOWN_RECORD % {"value": pk}) from error


KIND = ImportKind(
    slug="support",
    title=_("Support records"),
    columns=COLUMNS,
    required=REQUIRED,
    explanations=EXPLANATIONS,
    example=EXAMPLE,
    file_stem="mau-nhap-ho-tro",
    counts=(
        ("create", _("Records to create"), _("Records created")),
        ("update", _("Records to update"), _("Records updated")),
        ("unchanged", _("Records unchanged"), _("Records unchanged")),
    ),
    plan=plan_import,
    apply=apply_plan,
)
