"""Run a script in a fresh Python process with the project's settings, as a server process would start."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_fresh(script: str, home: Path, drop: tuple[str, ...] = (), **environment: str) -> str:
    """The script's output; `home` takes the default settings' var folder (not the checkout), `drop`
    names variables of this process's environment the new one must not see."""
    env = {key: value for key, value in os.environ.items() if key not in drop}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "chungtay.settings",
            "PYTHONPATH": str(ROOT / "src"),
            "CHUNGTAY_HOME": str(home),
            **environment,
        }
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout
