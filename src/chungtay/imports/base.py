"""What every kind of import shares: matching headers to columns, reading cell values, the plan's
counts and errors, the description of a kind (its columns, template, counts, plan and apply) that the
pages use, and the two ways a kind writes: its app's bulk service (`directory.bulk`, counted beforehand
by `count_changes`), or its app's services row by row (`dry_run`, `write_all`). A kind's own module
validates its rows."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, Protocol, TypeVar

import numpy as np
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from chungtay.access.roles import manages_offices
from chungtay.accounts.models import User
from chungtay.core.bulk import differs
from chungtay.core.dates import parse_date
from chungtay.core.errors import DomainError
from chungtay.core.text import search_key
from chungtay.imports.readers import FileRefused, _is_formula

MISSING_COLUMNS = _("Missing columns: %(columns)s.")
UNKNOWN_COLUMNS = _("Unknown columns: %(columns)s. Use the template's headers.")
MERGED_HEADER = _("A header cell is empty (merged cells?). Every column needs its own header.")
REQUIRED_VALUE = _("A value is required.")
FORMULA = _("A formula instead of a value: paste values only.")
BAD_CHOICE = _("“%(value)s” is not one of the allowed values.")
BAD_NUMBER = _("“%(value)s” is not a number.")
BAD_WHOLE = _("“%(value)s” is not a whole number ≥ 0.")
BAD_YEAR = _("“%(value)s” is not a school year (e.g. 2024-2025).")
UNKNOWN_YEAR = _("The school year %(value)s is not set up in the system.")
DUPLICATE = _("Duplicate of row %(row)d.")
BAD_DATE = _("“%(value)s” is not a date (dd/mm/yyyy).")
OUT_OF_SCOPE = _("School %(value)s is outside your scope or does not exist.")
REJECTED_ROWS = _("The file has rejected rows; correct them and upload it again.")


def match_headers(
    header: list[str], columns: dict[str, list[str]], required: tuple[str, ...]
) -> dict[str, int]:
    """Column name -> index in the row, from the file's header (Vietnamese or English names, compared
    without accents or case). Refuses unknown, missing and empty (merged) headers."""
    accepted = {search_key(name): column for column, names in columns.items() for name in names}
    found: dict[str, int] = {}
    unknown = []
    for index, raw in enumerate(header):
        key = search_key(raw)
        if not key:
            if any(search_key(h) for h in header[index + 1 :]):
                raise FileRefused(MERGED_HEADER)
            continue
        if key in accepted:
            found[accepted[key]] = index
        else:
            unknown.append(raw)
    if unknown:
        raise FileRefused(UNKNOWN_COLUMNS % {"columns": ", ".join(unknown)})
    missing = [columns[c][0] for c in required if c not in found]
    if missing:
        raise FileRefused(MISSING_COLUMNS % {"columns": ", ".join(missing)})
    return found


def text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def decimal(value: Any) -> float | None:
    if isinstance(value, int | float):
        return float(value)
    raw = text(value).replace(" ", "")
    if not raw:
        return None
    if re.fullmatch(r"-?\d+([.,]\d+)?", raw):
        return float(raw.replace(",", "."))
    raise ValueError


def whole(value: Any) -> int:
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        number = int(value)
    else:
        raw = text(value).replace(" ", "")
        if not re.fullmatch(r"\d{1,3}([.,]\d{3})+|\d+", raw):
            raise ValueError
        number = int(re.sub(r"[.,]", "", raw))
    if number < 0:
        raise ValueError
    return number


def day(value: Any) -> dt.date | None:
    """A date from a cell: a spreadsheet date, or text written dd/mm/yyyy or ISO; None if it is neither."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return parse_date(text(value))


def checksum(handle: IO[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: handle.read(1024 * 1024), b""):
        digest.update(chunk)
    handle.seek(0)
    return digest.hexdigest()


@dataclass
class RowErrors:
    """Rejected rows of a file: row number, column header and the reason, in the user's language. Every
    error is counted; with a `limit` only the first ones are kept (a file of a million bad rows must not
    hold a million messages)."""

    columns: dict[str, list[str]]
    errors: list[dict[str, Any]] = field(default_factory=list)
    limit: int | None = None
    count: int = 0
    rejected: int = 0  # rows with an error (a row's errors come together)
    _last_row: int = 0

    def add(self, row: int, column: str, message: Any) -> None:
        self.count += 1
        if row and row != self._last_row:
            self.rejected += 1
            self._last_row = row
        if self.limit is None or len(self.errors) < self.limit:
            self.errors.append({"row": row, "column": self.columns[column][0], "message": str(message)})

    def column_for(self, field: str, default: str) -> str:
        """The file's column for a service's input name (the kinds name their columns after the inputs
        they feed), else `default`."""
        return field if field and field in self.columns else default


class ImportPlan(Protocol):
    errors: list[dict[str, Any]]

    def summary(self) -> dict[str, Any]: ...


def may_import(user: User) -> bool:
    return manages_offices(user)


@dataclass(frozen=True)
class ImportKind:
    """One kind of file the platform imports, as the pages and the template download see it."""

    slug: str
    title: str | Promise
    columns: dict[str, list[str]]
    required: tuple[str, ...]
    explanations: dict[str, str]
    example: list[str]
    file_stem: str  # the template's file name, without extension
    # summary key, label before the apply ("Schools to create") and after it ("Schools created"), in order
    counts: tuple[tuple[str, str | Promise, str | Promise], ...]
    plan: Callable[[User, IO[bytes], str], ImportPlan]
    apply: Callable[..., None]  # (user, plan, *, reason)
    may_import: Callable[[User], bool] = may_import


def choice_map(choices: Any) -> dict[str, str]:
    """Accent- and case-free lookup of a TextChoices by its code or its label in Vietnamese or English."""
    from django.utils import translation

    names = {search_key(code): code for code in choices.values}
    for language in ("en", "vi"):
        with translation.override(language):
            names.update({search_key(str(label)): code for code, label in choices.choices})
    return names


def history_marks(models: tuple[Any, ...]) -> dict[Any, int]:
    """The last history row id of each model: what a service-driven apply writes comes after it."""
    marks = {}
    for model in models:
        rows = model.history.model.objects.order_by("-history_id")
        marks[model] = rows.values_list("history_id", flat=True).first() or 0
    return marks


def stamp_reason(marks: dict[Any, int], user: User, reason: str) -> None:
    """Give the history rows the services wrote since `marks` (they name the user) the import's reason,
    which is how an undo finds them."""
    for model, last in marks.items():
        model.history.model.objects.filter(history_id__gt=last, history_user=user).update(
            history_change_reason=reason
        )


WEAK_MATCH = _("Matched by the school's exact name (%(name)s), not by its MOET ID: check it.")
AMBIGUOUS_NAME = _("Several of your schools are named “%(value)s”: give the MOET ID.")
NO_SCHOOL_COLUMN = _("The file needs a “Mã định danh” column (or at least “Tên trường”).")


class OwnSchools:
    """The importer's own schools, found by MOET ID or, for a row without one, by exact name (accents,
    case and spacing aside) — a weaker match that the preview flags on the row."""

    def __init__(self, user: User, *fields: str) -> None:
        from chungtay.access.scopes import own_schools

        self.by_id: dict[str, tuple[Any, ...]] = {}
        self.by_name: dict[str, list[tuple[Any, ...]]] = {}
        self.names: dict[str, str] = {}
        for moet_id, name, *values in own_schools(user).values_list("moet_id", "name", *fields):
            self.by_id[moet_id] = (moet_id, *values)
            self.names[moet_id] = name
            self.by_name.setdefault(search_key(name), []).append((moet_id, *values))

    def find(self, moet_id: str, name: str) -> tuple[tuple[Any, ...] | None, Any]:
        """(moet_id, *fields) or None, and a warning or error message: by ID first, else by name."""
        if moet_id:
            return self.by_id.get(moet_id), None
        matches = self.by_name.get(search_key(name), [])
        if len(matches) > 1:
            return None, AMBIGUOUS_NAME % {"value": name[:80]}
        if matches:
            return matches[0], WEAK_MATCH % {"name": f"{self.names[matches[0][0]]}, {matches[0][0]}"}
        return None, None


def require_school_column(columns: dict[str, int]) -> None:
    if "moet_id" not in columns and "school_name" not in columns:
        raise FileRefused(NO_SCHOOL_COLUMN)


MAX_LISTED_CHANGES = 5000


def _what(item: Any) -> str:
    """A few words naming what a row writes, for the preview's list."""
    for path in ("details.title", "title", "name", "label"):
        value: Any = item
        for part in path.split("."):
            value = getattr(value, part, None)
        if isinstance(value, str) and value:
            return value[:120]
    return ""


@dataclass
class CountingPlan:
    """What applying a file would do, as every kind counts it; a kind adds what it will write."""

    rows: int = 0
    create: int = 0
    update: int = 0
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    # The rows a dry run found would create or update something: {"row", "action", "what"}.
    changes: list[dict[str, Any]] = field(default_factory=list)

    def extra(self) -> dict[str, Any]:
        return {}

    def summary(self) -> dict[str, Any]:
        return {
            "rows": self.rows, "create": self.create, "update": self.update, "unchanged": self.unchanged,
            "rejected": len({e["row"] for e in self.errors if e["row"]}), "errors": self.errors[:500],
            "error_count": len(self.errors), "warnings": self.warnings[:500],
            "changes": self.changes[:MAX_LISTED_CHANGES], "change_count": len(self.changes), **self.extra(),
        }  # fmt: skip


def checked_rows(
    lines: Any,
    columns: dict[str, int],
    plan: CountingPlan,
    found: RowErrors,
    required: tuple[str, ...],
    *,
    read_only: tuple[str, ...] = (),
) -> Iterator[tuple[int, Callable[[str], Any]]]:
    """The rows worth validating further, as (row number, cell by column name): every row is counted, and
    one with a formula or a missing required value is reported and left out."""
    for number, values in lines:
        plan.rows += 1
        before = found.count

        def cell(column: str, values: list[Any] = values) -> Any:
            index = columns.get(column)
            return values[index] if index is not None and index < len(values) else None

        for column in columns:
            if column not in read_only and _is_formula(cell(column)):
                found.add(number, column, FORMULA)
        if found.count > before:
            continue
        for column in required:
            if not text(cell(column)):
                found.add(number, column, REQUIRED_VALUE)
        if found.count > before:
            continue
        yield number, cell


# --- streamed kinds: a file checked and written a chunk at a time, in flat memory ---------------------------

MAX_LISTED_ERRORS = 1000  # a streamed kind's errors kept to show; every one is counted


@dataclass
class StreamedPlan(CountingPlan):
    """What a streamed file would do: counts and the first errors, not its rows, so memory stays flat
    whatever the file's size; applying reads the file again (`source`) a chunk at a time."""

    source: tuple[IO[bytes], str] | None = None
    found: RowErrors | None = None

    def summary(self) -> dict[str, Any]:
        summary = super().summary()
        if self.found is not None:  # errors past the listed ones are counted, not kept
            summary.update(rejected=self.found.rejected, error_count=self.found.count)
        # a chunk's rows that repeat earlier chunks are refused when the chunk ends: show them in order
        summary["errors"] = sorted(self.errors, key=lambda error: error["row"])[:500]
        return summary


Plan = TypeVar("Plan", bound=StreamedPlan)


def apply_streamed(
    plan: Plan,
    again: Plan,
    chunks: Callable[[IO[bytes], str, Plan], Iterator[Any]],
    write: Callable[[Any], None],
) -> None:
    """Apply a checked streamed file, all or nothing, a chunk at a time: the stored file is read and
    checked again (`chunks` counting into the fresh plan `again`) as each chunk is written (`write`), and
    a row that turned invalid since the check refuses the whole file. Refuses a plan with rejected rows."""
    if plan.errors or plan.source is None:
        raise FileRefused(REJECTED_ROWS)
    handle, name = plan.source
    handle.seek(0)
    with transaction.atomic():
        for chunk in chunks(handle, name, again):
            if again.errors:
                break
            write(chunk)
        if again.errors:
            raise FileRefused(REJECTED_ROWS)


class SeenKeys:
    """The keys earlier chunks of a streamed file held, each with values of its own (the first row that
    held it; a digest of what that row said), as sorted numpy arrays — a few bytes a key instead of a dict
    entry's hundred — merged as they grow so that a lookup searches a few of them. `dtypes`: the values'
    types, in the order `add` and `lookup` give them."""

    def __init__(self, *dtypes: Any) -> None:
        self.dtypes = dtypes
        self._parts: list[tuple[np.ndarray, ...]] = []

    def lookup(self, keys: np.ndarray) -> tuple[np.ndarray, ...]:
        """For each key, the values an earlier chunk gave it (0 where none held it)."""
        found = tuple(np.zeros(len(keys), dtype=dtype) for dtype in self.dtypes)
        for held, *values in self._parts:
            at = np.minimum(np.searchsorted(held, keys), len(held) - 1)
            hit = held[at] == keys
            for into, value in zip(found, values, strict=True):
                into[hit] = value[at[hit]]
        return found

    def add(self, keys: np.ndarray, *values: np.ndarray) -> None:
        if not len(keys):  # a chunk whose every key came before: nothing to remember
            return
        typed = (np.asarray(value, dtype=dtype) for value, dtype in zip(values, self.dtypes, strict=True))
        self._parts.append((keys, *typed))
        if len(self._parts) > 8:
            self._parts = [tuple(np.concatenate(column) for column in zip(*self._parts, strict=True))]
        order = np.argsort(self._parts[-1][0], kind="stable")
        self._parts[-1] = tuple(column[order] for column in self._parts[-1])


# --- counting what a keyed bulk upsert (through the owning app's bulk service) would do ------------------


def count_changes(plan: CountingPlan, wanted: dict[Any, dict[str, Any]], existing: dict[Any, Any]) -> None:
    """Count what applying `wanted` (key -> field values) over `existing` (key -> row) would do."""
    for key, values in wanted.items():
        row = existing.get(key)
        if row is None:
            plan.create += 1
        elif differs(row, values):
            plan.update += 1
        else:
            plan.unchanged += 1


# --- writing: through an app's services, row by row ---------------------------------------------------------


def dry_run(
    user: User,
    plan: CountingPlan,
    items: Any,
    write: Callable[[User, Any], str],
    found: RowErrors,
    column: str,
) -> None:
    """Run each item's writes (`write` answers "create", "update" or "unchanged", or raises DomainError)
    in a savepoint that is always rolled back: the preview's verdict is the apply's. A refusal is reported
    on the item's row (`item.number`), in the column of the input the error names (its `field`, when the
    file has that column), else in `column`."""
    with transaction.atomic():
        for item in items:
            savepoint = transaction.savepoint()
            try:
                outcome = write(user, item)
            except DomainError as error:
                found.add(item.number, found.column_for(error.field, column), error.message)
            else:
                plan.create += outcome == "create"
                plan.update += outcome == "update"
                plan.unchanged += outcome == "unchanged"
                if outcome in ("create", "update"):
                    plan.changes.append({"row": item.number, "action": outcome, "what": _what(item)})
            finally:
                transaction.savepoint_rollback(savepoint)


def write_all(
    user: User, items: Any, write: Callable[[User, Any], str], *, models: tuple[Any, ...], reason: str
) -> None:
    """Apply every item through the services (the caller's transaction makes it all or nothing), then mark
    the history rows they wrote with the import's reason."""
    marks = history_marks(models)
    for item in items:
        try:
            write(user, item)
        except DomainError as error:
            raise FileRefused(error.message) from error
    stamp_reason(marks, user, reason)
