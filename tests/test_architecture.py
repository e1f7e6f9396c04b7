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
        ("directory/models.py", "\n\ndef _hidden():\n    from chungtay.partnerships import services\n"),
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
