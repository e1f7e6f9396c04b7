"""What a review report says, read from the figures layer (`analytics`) for the report's scope and period:
every table of the report (one figure's breakdown each), the coverage and gap charts, the impact summary
with its honesty rules, the sentences that pre-fill the narrative, and the figures as data (JSON) that a
generation keeps so that the next one can show what changed since.

Nothing here counts anything: every number is a figure of `analytics.figures`, the same the dashboard and
the API give for the same scope and period (a test ties them out)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone, translation

from chungtay.analytics import figures as f
from chungtay.analytics.charts import chart_svg, gap_svg
from chungtay.analytics.gap import active_indicators, gap
from chungtay.analytics.impact import impact
from chungtay.analytics.query import FigureRequest
from chungtay.analytics.views import table_body
from chungtay.core.text import vietnamese_number

# The report's tables in the order of the seeds' reports: agreements, activities, people, support, how the
# partnerships work. (section number, figure kind, breakdown)
TABLES: tuple[tuple[int, str, str], ...] = (
    (2, "memorandum_schools", f.LEVEL),
    (2, "covenant_schools", f.LEVEL),
    (2, "agreement_schools", f.AREA),
    (2, "agreement_schools", f.UNIT),
    (3, "activities", f.KIND),
    (3, "activities", f.UNIT),
    (3, "topics", f.TIER),
    (3, "exchanges", f.MODE),
    (4, "participations", f.AREA),
    (4, "teachers", f.LEVEL),
    (4, "pupils", f.LEVEL),
    (5, "support", f.KIND),
    (6, "reciprocity", f.SIDE),
    (6, "commitments", f.STATUS),
)
COVERAGE = ("agreement_schools", f.UNIT)  # drawn as the coverage chart
QUIET_LISTED = 10
RECIPROCAL_SHARE = 40  # under this share of activities hosted by the supported side, a limitation is noted


@dataclass
class ReportTable:
    key: str  # "activities/kind"
    section: int
    title: str
    note: str
    rows: list[list[Any]]  # header first, total last


@dataclass
class Totals:
    """Every figure kind's total and parts for the report's scope and period."""

    request: FigureRequest
    totals: dict[str, f.Figure]

    @classmethod
    def of(cls, request: FigureRequest) -> Totals:
        return cls(request, {kind: f.figure(request, kind) for kind in f.KINDS})

    def total(self, kind: str) -> int:
        value = self.totals[kind].value
        return value if isinstance(value, int) else 0

    def part(self, kind: str, key: str) -> int:
        value = self.totals[kind].parts.get(key)
        return value if isinstance(value, int) else 0


@dataclass
class Content(Totals):
    read_at: dt.datetime
    tables: list[ReportTable]
    quiet: f.Figure
    coverage_png: bytes
    gap_png: bytes | None
    gap_sentence: str
    impact_rows: list[list[Any]]  # header first
    data: dict[str, Any] = field(default_factory=dict)  # the figures as JSON


def n(value: float | None) -> str:
    return "—" if value is None else vietnamese_number(value)


def collect(request: FigureRequest, progress: Callable[[int, str], None] | None = None) -> Content:
    """Every figure the report prints, in Vietnamese (a document is written in Vietnamese whatever the
    language of the page that asked for it)."""
    step = progress or (lambda _percent, _label: None)
    with translation.override("vi"):
        read_at = timezone.localtime()
        totals = Totals.of(request).totals
        step(25, "totals")
        tables = []
        data: dict[str, Any] = {"totals": {kind: value.as_dict() for kind, value in totals.items()}}
        breakdowns: dict[str, Any] = {}
        values: dict[tuple[str, str], f.Figure] = {}
        for section, kind, by in TABLES:
            value = values[kind, by] = f.figure(request, kind, by)
            key = f"{kind}/{by}"
            breakdowns[key] = value.as_dict()
            title = f"{value.label} theo {f.DIMENSION_LABELS[by]}"
            tables.append(ReportTable(key, section, title, value.note, table_body(value)))
        quiet = f.figure(request, "quiet", f.PARTNERSHIP)
        breakdowns["quiet/partnership"] = quiet.as_dict()
        data["breakdowns"] = breakdowns
        step(45, "tables")
        coverage = values[COVERAGE]  # one of the tables, drawn
        coverage_png = chart_svg(coverage, title=f"{coverage.label} theo đơn vị", fmt="png")
        step(55, "charts")
        gap_png, gap_sentence, gaps = _gap(request)
        data["gap"] = gaps
        step(65, "gap")
        impact_rows, impacts = _impacts(request)
        data["impact"] = impacts
        step(75, "impact")
    return Content(
        request=request,
        read_at=read_at,
        totals=totals,
        tables=tables,
        quiet=quiet,
        coverage_png=coverage_png,
        gap_png=gap_png,
        gap_sentence=gap_sentence,
        impact_rows=impact_rows,
        data=data,
    )


def _gap(request: FigureRequest) -> tuple[bytes | None, str, dict[str, Any]]:
    """The inner/outer gap of the department's first outcome indicator, or why there is none."""
    indicators = active_indicators(request.scope.department)
    if not indicators:
        return (
            None,
            "Chưa có chỉ số kết quả nào được ghi nhận, nên chưa thể mô tả khoảng cách chất lượng.",
            {},
        )
    indicator = indicators[0]
    result = gap(request, indicator, reference_day=request.area_day or request.period.start)
    data = result.as_dict()
    if not result.years:
        return None, f"{indicator.name}: {result.reason or 'chưa có số liệu trong phạm vi này.'}", data
    last = result.years[-1]
    inner, outer = last.groups[0], last.groups[1]
    sentence = (
        f"{indicator.name} năm học {last.label}: trung bình nhóm {inner.label} {n(inner.mean)} "
        f"({n(inner.n)} trường), nhóm {outer.label} {n(outer.mean)} ({n(outer.n)} trường)."
    )
    if result.trend is not None:
        direction = "thu hẹp" if result.trend < 0 else "nới rộng"
        sentence += (
            f" Qua các năm học, chênh lệch {direction} trung bình {n(abs(round(result.trend, 2)))} "
            f"{indicator.unit} mỗi năm (khoảng tin cậy 95 %: {n(_r(result.trend_low))} đến "
            f"{n(_r(result.trend_high))}). Đây là mô tả, không phải ước lượng tác động."
        )
    elif result.reason:
        sentence += f" {result.reason}"
    return gap_svg(result, distribution=False, fmt="png"), sentence, data


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _impacts(request: FigureRequest) -> tuple[list[list[Any]], dict[str, Any]]:
    """Each outcome indicator's estimate (`analytics.impact`), or "not estimable" with its reason: the
    honesty rules are the estimate's own."""
    rows: list[list[Any]] = [
        ["Chỉ số", "Trường được hỗ trợ / so sánh", "Thay đổi gắn với tham gia (KTC 95 %)"]
    ]
    data: dict[str, Any] = {}
    for indicator in active_indicators(request.scope.department):
        result = impact(request, indicator)
        data[indicator.code] = result.as_dict()
        if result.estimable and result.effect is not None:
            effect = result.effect
            shown = (
                f"{n(_r(effect.att))} ({n(_r(effect.low))} đến {n(_r(effect.high))}) {indicator.unit}".strip()
            )
        else:
            shown = f"Không ước lượng được: {result.reason}"
        rows.append([indicator.name, f"{n(result.treated)} / {n(result.controls)}", shown])
    return rows, data


# --- Sentences that pre-fill the narrative -------------------------------------------------------------


def achievements(content: Totals) -> str:
    c = content
    request = c.request
    lines = [
        (
            f"Trong {request.period.label}, trong phạm vi {request.scope.label}: "
            f"{n(c.total('memorandum_schools'))} trường mầm non, tiểu học, trung học cơ sở đã ký "
            f"biên bản ghi nhớ; {n(c.total('covenant_schools'))} trường trung học phổ thông và trung tâm "
            "đã ký giao ước; "
            f"{n(c.total('agreement_schools'))} cơ sở giáo dục có văn bản kết nghĩa còn hiệu lực."
        ),
        (
            f"Các nhóm kết nghĩa đã tổ chức {n(c.total('activities'))} hoạt động, trong đó "
            f"{n(c.total('topics'))} chuyên đề và {n(c.total('exchanges'))} buổi giao lưu "
            f"({n(c.part('exchanges', 'in_person'))} trực tiếp, "
            f"{n(c.part('exchanges', 'online'))} trực tuyến); "
            f"{n(c.total('participations'))} lượt giáo viên ({n(c.total('teachers'))} giáo viên) tham gia, "
            f"{n(c.total('pupils'))} lượt học sinh được tham gia hoặc hưởng lợi."
        ),
        f"Hỗ trợ: {n(c.total('support'))} lượt hỗ trợ được ghi nhận "
        "(học bổng, sách, thiết bị, lớp học miễn phí).",
    ]
    return "\n".join(lines)


def limitations(content: Totals) -> str:
    c = content
    lines = []
    quiet = c.total("quiet")
    if quiet:
        lines.append(
            f"{n(quiet)} nhóm kết nghĩa chưa có hoạt động nào trong thời gian gần đây; cần đôn đốc duy trì."
        )
    hosted = c.total("reciprocity")
    if hosted:
        share = round(100 * c.part("reciprocity", "supported") / hosted, 1)
        if share < RECIPROCAL_SHARE:
            lines.append(
                f"Hoạt động do trường được hỗ trợ (ngoại thành) chủ trì mới chiếm {n(share)} %; "
                "sự chia sẻ cần hai chiều hơn."
            )
    overdue = c.part("commitments", "overdue")
    if overdue:
        lines.append(f"{n(overdue)} cam kết đã quá hạn mà chưa hoàn thành.")
    return "\n".join(lines) or "Chưa phát hiện hạn chế nào từ số liệu; đơn vị bổ sung nhận định của mình."


def tasks_ahead(content: Totals) -> str:
    c = content
    lines = [
        "Tiếp tục duy trì sinh hoạt chuyên môn, chuyên đề và giao lưu giữa các nhóm kết nghĩa theo kế hoạch.",
    ]
    if c.total("quiet"):
        lines.append(f"Hỗ trợ {n(c.total('quiet'))} nhóm chưa có hoạt động xây dựng lại kế hoạch phối hợp.")
    lines.append(
        "Cập nhật đầy đủ minh chứng hoạt động và chỉ số kết quả lên hệ thống để đánh giá khoảng cách."
    )
    return "\n".join(lines)


# --- What changed since the last generation -----------------------------------------------------------


def flatten(data: dict[str, Any]) -> dict[str, tuple[str, Any]]:
    """The figures of a generation as {key: (label, value)}: each total, each part of a breakdown."""
    flat: dict[str, tuple[str, Any]] = {}
    for kind, value in (data.get("totals") or {}).items():
        flat[f"{kind}"] = (value.get("label", kind), value.get("value"))
    for key, value in (data.get("breakdowns") or {}).items():
        for row in value.get("rows", []):
            flat[f"{key}/{row.get('key')}"] = (
                f"{value.get('label', key)} – {row.get('label')}",
                row.get("value"),
            )
    return flat


def changes(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(label, before, after) for every figure whose value differs between two generations."""
    old, new = flatten(before), flatten(after)
    found = []
    for key in sorted(set(old) | set(new)):
        was = old.get(key, ("", None))
        now = new.get(key, ("", None))
        if was[1] != now[1]:
            found.append((now[0] or was[0], was[1], now[1]))
    return found
