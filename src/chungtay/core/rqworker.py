"""RQ's workers with a prompt goodbye (`CHUNGTAY_TASK_BACKEND=redis`).

An RQ worker listens on a Redis channel in a thread of its own (for "stop this job" and "shut down"
commands). When it stops, RQ 3.0 sends UNSUBSCRIBE and then asks that thread to stop; redis-py 8.2's
`stop()` waits for the thread to end. If the thread has already read the UNSUBSCRIBE reply by then, it is
no longer subscribed and waits up to 60 s for a subscription that never comes, and the worker with it:
`run_worker --batch` (and every worker's shutdown) took a minute longer now and then, more often on a busy
machine. Here the thread is told to stop first, so the reply that wakes it ends its loop."""

from __future__ import annotations

from typing import Any

from rq import SimpleWorker as _SimpleWorker
from rq import Worker as _Worker
from rq.worker.base import BaseWorker

# how long the worker waits for the listening thread after unsubscribing (RQ's own bound)
THREAD_JOIN_SECONDS = 1.0


def _stop_listening(worker: BaseWorker) -> None:
    thread: Any = worker.pubsub_thread  # redis-py's PubSubWorkerThread (RQ leaves it untyped)
    pubsub = worker.pubsub
    if not thread or pubsub is None:
        return
    thread.stop(timeout=0)  # its loop ends at the next message it reads …
    pubsub.unsubscribe()  # … which the UNSUBSCRIBE reply is
    thread.join(timeout=THREAD_JOIN_SECONDS)
    pubsub.close()


class Worker(_Worker):
    """RQ's worker (each task in a forked process), as `run_worker` runs it."""

    def unsubscribe(self) -> None:
        _stop_listening(self)


class SimpleWorker(_SimpleWorker):
    """RQ's worker that runs each task in the worker's own process (no fork)."""

    def unsubscribe(self) -> None:
        _stop_listening(self)
