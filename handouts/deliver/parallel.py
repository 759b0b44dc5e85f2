"""Deliver stage helper: run one task per item, in this process or in worker processes,
and stop cleanly on Ctrl-C, SIGTERM or SIGHUP. Knows nothing of pages or PDFs; never
writes a file itself.

Tasks are module-level functions `task(context, item)`; `setup` (picklable, e.g. a
functools.partial of a module-level function) makes the context once per process, so
workers load style and config themselves instead of receiving unpicklable objects.

On a stop signal (to the whole process group from a terminal, or to this process alone)
no new item starts, items being worked on are dropped, and a step run under `shield()`
(an atomic write) finishes first, so every file is either complete or absent and every
item that finished is reported. The signal never raises inside concurrent.futures (see
stopping.py): this process waits with a timeout and checks for it.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from functools import partial

from . import stopping
from .stopping import STOPPED, TimeLimitExceeded, shield

__all__ = ["Interrupted", "TimeLimitExceeded", "default_jobs", "max_jobs", "run_tasks",
           "shield"]

POLL = 0.1  # seconds between checks for a stop signal while waiting on workers
STOP_GRACE = 10.0  # seconds busy workers get to drop their item before they are killed


class Interrupted(Exception):
    """The run stopped on a stop signal; every result that finished was reported first."""

    def __init__(self, signum: int = signal.SIGINT):
        super().__init__(signum)
        self.signum = signum


# Per worker process: the context `setup` made (or the error it raised), the stop event.
_process: dict = {"context": None, "error": None, "stop": None, "limit": None}


def default_jobs() -> int:
    """The cores this process may run on (its CPU affinity), else all cores."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def max_jobs() -> int:
    """The most worker processes a run may ask for: 4 per usable core (each worker holds
    its own copy of the layout engine, about 70 MB)."""
    return 4 * default_jobs()


def run_tasks(task, items: list, setup, on_result, jobs: int | None = 1,
              limit: float | None = None) -> None:
    """Call task(context, item) for every item and on_result(item, result) as each ends;
    `jobs` processes at once (None: default_jobs()); a task running longer than `limit`
    seconds is stopped and its result is a TimeLimitExceeded.

    `result` is an exception instance when the item failed outside the task (a worker
    process died). Raises Interrupted after a clean stop on a stop signal.
    """
    jobs = jobs or default_jobs()
    with stopping.watching():
        _check_stop()  # noted while the batch was planned
        if jobs <= 1 or len(items) <= 1:
            _run_here(task, items, setup, on_result, limit)
        else:
            _run_workers(task, items, setup, on_result, min(jobs, len(items)), limit)


def _check_stop(hit: bool = False) -> None:
    """Raise Interrupted if a stop signal came (`hit`: a task was stopped by one)."""
    if hit or stopping.received() is not None:
        raise Interrupted(stopping.received() or signal.SIGINT)


def _run_here(task, items, setup, on_result, limit) -> None:
    """In this process, with the same stop rules as a worker."""
    context = stopping.guarded(setup)
    _check_stop(context is STOPPED)
    for item in items:
        _check_stop()
        result = stopping.guarded(partial(task, context, item), limit)
        _check_stop(result is STOPPED)
        with shield():
            on_result(item, result)
    # a signal after the last item: nothing left to stop, every result reported


def _run_workers(task, items, setup, on_result, jobs: int, limit) -> None:
    # fork shares the already imported ReportLab with the workers (fast start); spawn
    # where fork does not exist.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    mp = multiprocessing.get_context(method)
    stop = mp.RawValue("b", 0)  # no lock: a worker killed mid-read cannot hold one
    pool = ProcessPoolExecutor(jobs, mp_context=mp, initializer=_start_worker,
                               initargs=(setup, stop, os.getpid(), limit))
    pending: dict = {}
    try:
        for item in items:
            if stopping.received() is not None:
                break
            pending[pool.submit(_run_item, task, item)] = item
        stopping.watch_children(p.pid for p in multiprocessing.active_children())
        while pending and stopping.received() is None:
            done, _ = wait(pending, timeout=POLL, return_when=FIRST_COMPLETED)
            _report(done, pending, on_result)
        if stopping.received() is not None:
            _stop_workers(stop, pending, on_result)
            _check_stop()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _report(done, pending: dict, on_result, stopping_now: bool = False) -> None:
    for future in done:
        item = pending.pop(future)
        if future.cancelled():
            continue
        try:
            result = future.result()
        except BrokenProcessPool as exc:  # a worker died (or was killed while stopping)
            if stopping_now:
                continue
            result = exc
        except Exception as exc:  # setup failed in the worker
            result = exc
        if not isinstance(result, type(STOPPED)):  # (pickled: a copy, not STOPPED)
            with shield():
                on_result(item, result)


def _stop_workers(stop, pending: dict, on_result) -> None:
    """Start nothing new, tell busy workers to drop their item, report what still
    finished, and kill any worker that has not let go after STOP_GRACE seconds."""
    stop.value = 1
    for future in pending:
        future.cancel()
    children = multiprocessing.active_children()  # a CLI process has only the pool's
    # From a terminal the signal reached the workers too; sent to this process alone,
    # it is passed on (as SIGINT: a worker treats every stop signal alike).
    _signal_all(children, signal.SIGINT)
    deadline = time.monotonic() + STOP_GRACE
    while pending and time.monotonic() < deadline:
        done, _ = wait(pending, timeout=POLL)
        _report(done, pending, on_result, stopping_now=True)
    if pending:
        _signal_all(children, signal.SIGKILL)
        done, _ = wait(pending, timeout=STOP_GRACE)
        _report(done, pending, on_result, stopping_now=True)


def _signal_all(children, signum: int) -> None:
    for child in children:
        try:
            os.kill(child.pid, signum)
        except (OSError, TypeError):
            pass


# -- in a worker ----------------------------------------------------------------------------

def _start_worker(setup, stop, parent: int, limit) -> None:
    stopping.start_worker(parent)
    _process.update(stop=stop, limit=limit)
    try:
        _process["context"] = setup()
    except Exception as exc:  # reported for each item rather than breaking the pool
        _process["error"] = exc


def _run_item(task, item):
    if stopping.received() is not None or _process["stop"].value:
        return STOPPED
    if _process["error"] is not None:
        raise _process["error"]
    return stopping.guarded(partial(task, _process["context"], item), _process["limit"])
