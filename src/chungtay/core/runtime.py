"""How a long-running web process keeps its garbage collector out of the way.

A worker holds about 300,000 objects once Django, the app and its translations are loaded, and the
collector's full pass walks all of them: at national size it paused a request for 100–280 ms about
every seventh request, most of a page's 95th percentile (`benchmarks/national_pages.py`). Objects
loaded at start-up live as long as the process, so they are moved out of the collector's sight
(`gc.freeze()`), and the youngest generation is collected after 10,000 new objects instead of 700 (a
page makes tens of thousands: most die by reference counting before any pass), so passes are rarer.
Memory freed by reference counting is unaffected; cycles are still collected."""

from __future__ import annotations

import gc

YOUNGEST_THRESHOLD = 10_000


def settle_collector() -> None:
    """Call once the application is loaded (wsgi.py; the page benchmarks, which measure as a worker)."""
    gc.collect()
    gc.freeze()
    _first, second, third = gc.get_threshold()
    gc.set_threshold(YOUNGEST_THRESHOLD, second, third)
