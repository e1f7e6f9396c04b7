"""A web worker keeps the garbage collector's full passes short (chungtay.core.runtime)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_loading_the_wsgi_application_freezes_what_start_up_made_and_raises_the_threshold(tmp_path):
    """In a process of its own, as gunicorn loads it: after `import chungtay.wsgi` the objects made at
    start-up are out of the collector's sight and the youngest generation waits for 10,000 objects."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "chungtay.settings",
        "PYTHONPATH": str(ROOT / "src"),
        "CHUNGTAY_HOME": str(tmp_path),  # the default settings' var folder goes there, not into the checkout
    }
    script = (
        "import gc\n"
        "before = gc.get_freeze_count()\n"
        "import chungtay.wsgi\n"
        "print(before, gc.get_freeze_count(), gc.get_threshold()[0], gc.isenabled())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    before, frozen, threshold, enabled = done.stdout.split()
    assert int(before) == 0
    assert int(frozen) > 50_000  # Django and the app, loaded
    assert int(threshold) == 10_000
    assert enabled == "True"  # cycles are still collected
