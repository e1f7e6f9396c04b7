"""The layer order of docs/architecture.md holds, covers every module, and catches an upward import."""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "chungtay"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
# Modules outside the layers: configuration and entry points that Django loads by name.
OUTSIDE = {"chungtay", "chungtay.settings", "chungtay.test_settings", "chungtay.wsgi", "chungtay.formats"}

pytestmark = pytest.mark.xdist_group("architecture")


def _layers() -> list[list[str]]:
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    raw = config["importlinter:contract:layers"]["layers"]
    return [re.split(r"\s*[|:]\s*", line.strip()) for line in raw.strip().splitlines() if line.strip()]


def _modules() -> list[str]:
    names = []
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append(".".join(parts))
    return sorted(names)


def _lint(source_root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(source_root)}
    return subprocess.run(  # the linter of `make lint`, on the configuration of the repository
        [str(LINT_IMPORTS), "--no-cache", str(ROOT / ".importlinter")],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )


def test_every_module_is_in_exactly_one_layer() -> None:
    entries = [entry for layer in _layers() for entry in layer]
    assert len(entries) == len(set(entries))
    unplaced, doubly = [], []
    for module in _modules():
        if any(module == name or module.startswith(name + ".") for name in OUTSIDE - {"chungtay"}):
            continue
        if any(entry.startswith(module + ".") for entry in entries):
            continue  # a package split across layers (its __init__ is empty): its modules are placed
        owners = [entry for entry in entries if module == entry or module.startswith(entry + ".")]
        if not owners:
            unplaced.append(module)
        elif len(owners) > 1:
            doubly.append(module)
    assert unplaced == [], f"modules without a layer in .importlinter: {unplaced}"
    assert doubly == []


def test_the_layer_contract_holds() -> None:
    result = _lint(ROOT / "src")
    assert result.returncode == 0, result.stdout[-3000:]
    assert "1 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line"),
    [
        # the access rules reading a page, at the top of the file
        ("access/roles.py", "from chungtay.pages import home  # noqa\n"),
        # the data of the map reaching for a service, hidden inside a function
        (
            "directory/models/schools.py",
            "\n\ndef _hidden():\n    from chungtay.partnerships import services\n",
        ),
        # one recording app importing another of the same layer (they are independent)
        ("matching/models.py", "\n\ndef _hidden():\n    from chungtay.activities import selectors\n"),
    ],
)
def test_an_upward_import_breaks_the_build(tmp_path: Path, module: str, line: str) -> None:
    copy = tmp_path / "chungtay"
    skipped = shutil.ignore_patterns("__pycache__", "locale", "static", "templates")
    shutil.copytree(PACKAGE, copy, ignore=skipped)
    target = copy / module
    source = target.read_text()
    if line.startswith("from"):
        head, _, rest = source.partition("\nfrom chungtay.")
        target.write_text(f"{head}\n{line}from chungtay.{rest}")
    else:
        target.write_text(source + line)
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout


# Model writes are allowed only in the services of each app (`services`, the bulk services `bulk`), the
# demo builders, the migrations and the write primitives the services call (core.bulk, core.versioning),
# plus the pieces that are their own write path: the task leases (core.tasks), the idempotency keys, the
# weekly digest log, the impact estimates the worker stores (analytics.estimates), the administrative map
# loader (a demo builder of the map), the reviews' scores computed from the records (reviews.scoring), and
# the import history
# (imports.base stamps the reason on the history rows a service wrote; imports.undo restores them).
WRITERS = re.compile(
    r"(^|/)(services|bulk|demo|migrations)(/|\.py$)"
    r"|^src/chungtay/(core/(versioning|tasks|bulk)|accounts/idempotency|directory/adminmap"
    r"|activities/(digests|facts)|analytics/estimates|reviews/scoring|imports/(base|undo))\.py$"
)
WRITE = re.compile(
    r"\.objects\b.*\.(create|bulk_create|bulk_update|get_or_create|update_or_create|update|delete)\("
    r"|_default_manager\b.*\.(update|delete)\("
    r"|\b(bulk_create_with_history|bulk_update_with_history|upsert|create_with_history|update_with_history|insert_rows|insert_select|update_rows)\("
    r"|^\s*(?!super\(\))\w+\.(save|delete)\((update_fields=.*)?\)"
)
# Saves that are not model writes: a workbook, a document, an image written to a buffer.
NOT_MODELS = re.compile(r"(workbook|document|image|copy)\.save\(")


def test_models_are_written_only_by_services_demo_builders_and_migrations() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if WRITERS.search(relative):
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if WRITE.search(line) and not NOT_MODELS.search(line):
                found.append(f"{relative}:{number}: {line.strip()}")
    assert found == [], "model writes outside the services:\n" + "\n".join(found)


def test_the_write_check_finds_a_write_in_a_page() -> None:
    for line in (
        "    School.objects.filter(pk=1).update(name='x')",
        "    school.save()",
        "    row.delete()",
        "    bulk_create_with_history(rows, School)",
        "    Indicator.objects.create(code='x')",
    ):
        assert WRITE.search(line) and not NOT_MODELS.search(line), line
    assert not WRITE.search("    workbook.save(buffer)") or NOT_MODELS.search("    workbook.save(buffer)")
