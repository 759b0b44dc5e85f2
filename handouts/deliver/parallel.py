"""Deliver stage helper: run one task per item, in this process or in worker processes,
and stop cleanly on Ctrl-C. Knows nothing of pages or PDFs; never writes a file itself.

Tasks are module-level functions `task(context, item)`; `setup` (picklable, e.g. a
functools.partial of a module-level function) makes the context once per process, so
workers load style and config themselves instead of receiving unpicklable objects.

On Ctrl-C (SIGINT to the whole process group from a terminal, or to this process alone)
no new item starts, items being worked on are abandoned, and a step run under
`shield()` (an atomic write) finishes first, so every file is either complete or absent
and every item that finished is reported.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import contextmanager


class Interrupted(Exception):
    """The run stopped on Ctrl-C; every result that finished was reported first."""


class _Stopped:
    """Result of an item that did not run to the end because of Ctrl-C."""


STOPPED = _Stopped()

# Per process: the context `setup` made, and the Ctrl-C state read by _on_sigint.
_process: dict = {"context": None, "error": None, "stop": None}
_signals = {"busy": False, "shielded": 0, "pending": False}


def default_jobs() -> int:
    """The cores this process may run on (its CPU affinity), else all cores."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def run_tasks(task, items: list, setup, on_result, jobs: int | None = 1) -> None:
    """Call task(context, item) for every item and on_result(item, result) as each ends;
    `jobs` processes at once (None: default_jobs()).

    `result` is an exception instance when the item failed outside the task (a worker
    process died). Raises Interrupted after a clean stop on Ctrl-C.
    """
    jobs = jobs or default_jobs()
    _signals["pending"] = False  # a Ctrl-C noted before this run is not for it
    if jobs <= 1 or len(items) <= 1:
        _run_here(task, items, setup, on_result)
    else:
        _run_workers(task, items, setup, on_result, min(jobs, len(items)))


def _run_here(task, items, setup, on_result) -> None:
    """In this process, with the same Ctrl-C rules as a worker."""
    with _catching_sigint():
        context = setup()
        for item in items:
            result = _run_item(task, item, context)
            if isinstance(result, _Stopped):
                raise Interrupted
            on_result(item, result)
        _signals["pending"] = False  # Ctrl-C after the last item: nothing left to stop


def _run_workers(task, items, setup, on_result, jobs: int) -> None:
    # fork shares the already imported ReportLab with the workers (fast start); spawn
    # where fork does not exist.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    mp = multiprocessing.get_context(method)
    stop = mp.Event()
    pool = ProcessPoolExecutor(jobs, mp_context=mp, initializer=_start_worker,
                               initargs=(setup, stop))
    pending: dict = {}
    try:
        for item in items:  # one by one: after a Ctrl-C here, what started is known
            pending[pool.submit(_run_item, task, item)] = item
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            _report(done, pending, on_result)
    except KeyboardInterrupt:
        with _ignoring_sigint():
            _stop_workers(stop, pending)
            _report(list(pending), pending, on_result)
        raise Interrupted from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _report(done, pending: dict, on_result) -> None:
    for future in done:
        item = pending.pop(future)
        if future.cancelled():
            continue
        try:
            result = future.result()
        except Exception as exc:  # the worker died (BrokenProcessPool) or setup failed
            result = exc
        if not isinstance(result, _Stopped):  # (pickled: a copy, not STOPPED)
            with shield():
                on_result(item, result)


def _stop_workers(stop, pending: dict) -> None:
    """Start nothing new, tell busy workers to drop their item, wait for them."""
    stop.set()
    for future in pending:
        future.cancel()
    # From a terminal SIGINT reached the workers too; sent to this process alone, it is
    # passed on. A CLI process has no child processes but the pool's.
    for child in multiprocessing.active_children():
        try:
            os.kill(child.pid, signal.SIGINT)
        except (OSError, TypeError):
            pass
    wait(pending)


# -- in a worker (or in this process for a serial run) ----------------------------------

def _start_worker(setup, stop) -> None:
    _process["stop"] = stop
    signal.signal(signal.SIGINT, _on_sigint)
    try:
        _process["context"] = setup()
    except Exception as exc:  # reported for each item rather than breaking the pool
        _process["error"] = exc


def _run_item(task, item, context=_process):
    stop = _process["stop"]
    if _signals["pending"] or (stop is not None and stop.is_set()):
        return STOPPED
    if context is _process:  # in a worker: what _start_worker made
        if _process["error"] is not None:
            raise _process["error"]
        context = _process["context"]
    try:
        _signals["busy"] = True
        return task(context, item)
    except KeyboardInterrupt:
        return STOPPED
    finally:
        _signals["busy"] = False


def _on_sigint(signum, frame) -> None:
    """Interrupt the item being worked on; when idle or inside shield(), only note it,
    so a worker never dies with a traceback while waiting for work."""
    if _signals["busy"] and not _signals["shielded"]:
        _signals["busy"] = False
        raise KeyboardInterrupt
    _signals["pending"] = True


@contextmanager
def _catching_sigint():
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, _on_sigint) if main else None
    try:
        yield
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
        _signals["pending"] = _signals["busy"] = False


@contextmanager
def _ignoring_sigint():
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
    try:
        yield
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


@contextmanager
def shield():
    """Let a short step (an atomic write) finish before Ctrl-C takes effect.

    Inside a run, the run stops before its next item; elsewhere in the main thread,
    KeyboardInterrupt is raised as soon as the step is done.
    """
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, _on_sigint) if main else None
    _signals["shielded"] += 1
    try:
        yield
    finally:
        _signals["shielded"] -= 1
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
        if previous is signal.default_int_handler and _signals["pending"]:
            _signals["pending"] = False
            raise KeyboardInterrupt
