"""The support ledger's sheet: the columns of the support file (canonical column -> the headers accepted)
and the export of records in those same columns, so that export → edit → import round-trips. Pupils are
counted, never named, and a count under five is shown as "<5"."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from chungtay.support.models import SupportRecord

SUPPORT_COLUMNS: dict[str, list[str]] = {
    "id": ["Mã bản ghi", "Record ID"],
    "kind": ["Loại hỗ trợ", "Kind"],
    "quantity": ["Số lượng", "Quantity"],
    "unit": ["Đơn vị", "Unit"],
    "value_vnd": ["Trị giá (đồng)", "Value (VND)"],
    "given_on": ["Ngày trao", "Given on"],
    "donor": ["Bên trao", "Donor"],
    "donor_kind": ["Loại bên trao", "Donor kind"],
    "donor_school": ["Trường trao (mã định danh)", "Giving school"],
    "receiving": ["Trường nhận (mã định danh)", "Receiving school"],
    "partnership": ["Nhóm kết nghĩa (số)", "Partnership number"],
    "programme": ["Chương trình", "Programme"],
    "description": ["Mô tả", "Description"],
    "pupils": ["Số học sinh", "Pupils"],
}


def support_rows(rows: QuerySet[SupportRecord]) -> Iterator[list[Any]]:
    yield [names[0] for names in SUPPORT_COLUMNS.values()]
    records = rows.select_related("donor__school", "receiving_school", "partnership")
    for r in records.prefetch_related("beneficiaries").iterator(chunk_size=1000):
        pupils = len(r.beneficiaries.all())
        yield [
            r.pk, r.kind, r.quantity, r.unit, r.value_vnd, r.given_on, r.donor.name, r.donor.kind,
            r.donor.school.moet_id if r.donor.school else "", r.receiving_school.moet_id,
            r.partnership.number if r.partnership else "", r.programme, r.description,
            pupils if pupils == 0 or pupils >= 5 else "<5",
        ]  # fmt: skip
