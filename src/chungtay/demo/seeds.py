"""The seeds' headline figures beside the demo's, each computed by the figures layer for the same scope
and period (the demo department, the school year or day the seeds give). The demo is grown until each
lands within ±25 % of its seed (a figure the seeds give as "N+" is a floor: at least N); `manage.py
demo_figures` prints the table and a test holds the demo to it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from chungtay.accounts.models import User
from chungtay.analytics.figures import figure
from chungtay.analytics.query import read_figure_request

TOLERANCE = 0.25
Params = dict[str, str | list[str]]
Compute = Callable[[User, Params], int]


@dataclass(frozen=True)
class Seed:
    label: str
    when: str
    value: int
    low: int
    high: int | None  # None: a floor ("N+")
    params: Params
    compute: Compute


def about(value: int) -> tuple[int, int, int]:
    """About N: within ±25 %."""
    return value, round(value * (1 - TOLERANCE)), round(value * (1 + TOLERANCE))


def at_least(value: int) -> tuple[int, int, None]:
    """N+: at least N."""
    return value, value, None


def order_of(value: int) -> tuple[int, int, int]:
    """Hundreds (100) or thousands (1,000): from N up to ten times N, excluded."""
    return value, value, value * 10 - 1


def _seed(
    label: str, when: str, bounds: tuple[int, int, int | None], params: Params, compute: Compute
) -> Seed:
    return Seed(label, when, *bounds, params, compute)


@dataclass(frozen=True)
class Comparison:
    seed: Seed
    demo: int

    @property
    def within(self) -> bool:
        high = self.seed.high
        return self.demo >= self.seed.low and (high is None or self.demo <= high)


def _value(kind: str, part: str = "") -> Compute:
    def compute(user: User, params: Params) -> int:
        result = figure(read_figure_request(user, params), kind)
        value = result.parts[part] if part else result.value
        return int(value or 0)

    return compute


def _rows(kind: str, by: str, keys: tuple[str, ...]) -> Compute:
    def compute(user: User, params: Params) -> int:
        result = figure(read_figure_request(user, params), kind, by)
        return sum(row.value or 0 for row in result.rows if row.key in keys)

    return compute


def _signed_share(user: User, params: Params) -> int:
    result = figure(read_figure_request(user, params), "units_connected")
    offices = int(result.parts.get("offices") or 0)
    return round(100 * int(result.parts.get("signed") or 0) / offices) if offices else 0


def _support(kinds: tuple[str, ...], field: str) -> Compute:
    def compute(user: User, params: Params) -> int:
        result = figure(read_figure_request(user, params), "support", "kind")
        return int(sum(row.extra.get(field) or 0 for row in result.rows if row.key.split(":")[0] in kinds))

    return compute


YEAR_1: Params = {"year": "2022-2023"}
UPPER: Params = {"year": "2022-2023", "level": ["thpt", "gdnn_gdtx"]}
PHASE: Params = {"period": "phase"}
FINAL_REVIEW: Params = {"date_from": "01/09/2024", "date_to": "31/05/2025"}

SEEDS: list[Seed] = [
    _seed(
        "District-level units connected and signed (%)",
        "8-month review, 2023",
        about(100),
        {"date_from": "01/09/2022", "date_to": "30/04/2023"},
        _signed_share,
    ),
    _seed(
        "MN/TH/THCS schools that signed memoranda",
        "2022–2023",
        about(672),
        YEAR_1,
        _value("memorandum_schools"),
    ),
    _seed(
        "THPT schools and centres that signed covenants",
        "2022–2023",
        about(65),
        YEAR_1,
        _value("covenant_schools"),
    ),
    _seed(
        "Topics at city and district tier",
        "2022–2023",
        about(160),
        YEAR_1,
        _rows("topics", "tier", ("city", "office")),
    ),
    _seed("Topics at school tier", "2022–2023", about(628), YEAR_1, _rows("topics", "tier", ("school",))),
    _seed(
        "THPT and centre exchanges in person",
        "2022–2023",
        about(30),
        UPPER,
        _rows("exchanges", "mode", ("in_person",)),
    ),
    _seed(
        "THPT and centre exchanges online",
        "2022–2023",
        about(6),
        UPPER,
        _rows("exchanges", "mode", ("online",)),
    ),
    _seed(
        "Institutions with an agreement in force",
        "final review, 31/5/2025",
        at_least(1200),
        FINAL_REVIEW,
        _value("agreement_schools"),
    ),
    _seed("Activities held", "phase 2022–2025", at_least(2000), PHASE, _value("activities")),
    _seed(
        "Teacher participations (lượt)", "phase 2022–2025", about(150_000), PHASE, _value("participations")
    ),
    _seed(
        "Scholarships (suất)",
        "phase 2022–2025: hundreds",
        order_of(100),
        PHASE,
        _support(("scholarship",), "quantity"),
    ),
    _seed(
        "Books, notebooks, equipment, free classes",
        "phase 2022–2025: thousands",
        order_of(1000),
        PHASE,
        _support(("books", "notebooks", "equipment", "free_classes"), "quantity"),
    ),
]


def compare(user: User) -> list[Comparison]:
    return [Comparison(seed, seed.compute(user, dict(seed.params))) for seed in SEEDS]
