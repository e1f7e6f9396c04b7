"""A web worker keeps the garbage collector's full passes short (chungtay.core.runtime)."""

from tests.core.fresh_process import run_fresh


def test_loading_the_wsgi_application_freezes_what_start_up_made_and_raises_the_threshold(tmp_path):
    """In a process of its own, as gunicorn loads it: after `import chungtay.wsgi` the objects made at
    start-up are out of the collector's sight and the youngest generation waits for 10,000 objects."""
    script = (
        "import gc\n"
        "before = gc.get_freeze_count()\n"
        "import chungtay.wsgi\n"
        "print(before, gc.get_freeze_count(), gc.get_threshold()[0], gc.isenabled())\n"
    )
    before, frozen, threshold, enabled = run_fresh(script, tmp_path).split()
    assert int(before) == 0
    assert int(frozen) > 50_000  # Django and the app, loaded
    assert int(threshold) == 10_000
    assert enabled == "True"  # cycles are still collected
