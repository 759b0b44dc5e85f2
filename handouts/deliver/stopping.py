"""Deliver stage helper: how stop signals (Ctrl-C, SIGTERM, SIGHUP) and a per-item time
limit reach the work running in this process. Knows nothing of pages; never writes.

The rule that keeps a batch from deadlocking: a handler raises only into a task (code
run under `guarded`), never into library code that may hold a lock (concurrent.futures
holds every pending future's lock inside `wait()`). Elsewhere it notes the signal and
the waiting code checks the note. A second stop signal in the main process ends it at
once; worker processes die with their parent (PR_SET_PDEATHSIG, else a watch thread).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from contextlib import contextmanager

STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                     if hasattr(signal, name))
REPEAT = 0.5  # seconds: an interrupt a library swallowed is raised again this often
_PR_SET_PDEATHSIG = 1


class TimeLimitExceeded(Exception):
    """A task ran longer than its time limit and was stopped (returned, not raised)."""


class _Alarm(BaseException):
    """Raised into a task at its time limit (BaseException: `except Exception` in a
    library must not swallow it)."""


class _Stopped:
    """Result of a task that a stop signal ended before it finished."""


STOPPED = _Stopped()

# Per process. role: "main" or "worker"; received: the first stop signal's number;
# busy: a guarded task is running (a signal raises into it); hit: what stopped it.
_state = {"role": "main", "received": None, "busy": False, "shielded": 0, "hit": None,
          "children": ()}


def received() -> int | None:
    """The stop signal this process got (its number), or None."""
    return _state["received"]


def _reset_in_child() -> None:
    _state.update(role="worker", received=None, busy=False, shielded=0, hit=None,
                  children=())


os.register_at_fork(after_in_child=_reset_in_child)


def _on_stop(signum, frame) -> None:
    first = _state["received"] is None
    if not first and _state["role"] == "main":
        _exit_now(_state["received"])  # pressed again: the user wants out, now
    if first:
        _state["received"] = signum
    if _state["shielded"]:
        return
    if _state["busy"]:
        _state["hit"] = "stop"
        signal.setitimer(signal.ITIMER_REAL, REPEAT, REPEAT)  # again if swallowed
        raise KeyboardInterrupt


def _on_alarm(signum, frame) -> None:
    if not _state["busy"] or _state["shielded"]:
        return  # a late tick after the task, or a write that must finish first
    if _state["hit"] == "stop":
        raise KeyboardInterrupt
    _state["hit"] = "time"
    raise _Alarm


def _exit_now(signum: int) -> None:
    """A second stop signal: kill the workers and leave without cleaning up."""
    for pid in _state["children"]:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    os.write(2, b"\nstopped at once (second interrupt)\n")
    os._exit(128 + signum)


def watch_children(pids) -> None:
    """Worker processes to kill if this process must stop at once."""
    _state["children"] = tuple(pids)


def _install() -> dict:
    previous = {sig: signal.signal(sig, _on_stop) for sig in STOP_SIGNALS}
    previous[signal.SIGALRM] = signal.signal(signal.SIGALRM, _on_alarm)
    return previous


def _restore(previous: dict) -> None:
    signal.setitimer(signal.ITIMER_REAL, 0)
    for sig, handler in previous.items():
        signal.signal(sig, handler)


def _ours() -> bool:
    return signal.getsignal(signal.SIGINT) is _on_stop


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextmanager
def watching():
    """Around a whole batch in the main process: SIGINT, SIGTERM and SIGHUP all stop it
    the same way; `received()` says which one came. Outside a task a signal is only
    noted, and the run checks for it before each item: raised anywhere else it could
    land in a library's bare `except:` (ReportLab's imports have them) and be lost.
    Restores the previous handlers after."""
    if not _main_thread() or _ours():
        yield
        return
    # Reset first: a signal that lands while the handlers go in must not be wiped out.
    _state.update(received=None, busy=False, hit=None)
    previous = _install()
    try:
        yield
    finally:
        _restore(previous)
        _state.update(received=None, children=())


def start_worker(parent: int) -> None:
    """In a new worker: die with the parent, and take stop signals the worker's way
    (drop the task in hand, start no other)."""
    _die_with(parent)
    _state["role"] = "worker"
    _install()


def guarded(call, limit: float | None = None):
    """call() as a task: a stop signal ends it (STOPPED), and past `limit` seconds it is
    stopped (a TimeLimitExceeded instance is returned). A task that returns an exception
    after being hit (a library turned the interrupt into another error) counts as hit."""
    if not _main_thread() or not (_ours() or _state["role"] == "worker"):
        return call()  # no handlers here (a thread, or outside a watched run)
    _state.update(busy=True, hit=None)
    try:
        try:
            if limit:
                signal.setitimer(signal.ITIMER_REAL, limit, REPEAT)
            result = call()
        finally:
            _state["busy"] = False
            signal.setitimer(signal.ITIMER_REAL, 0)
    except KeyboardInterrupt:
        return STOPPED
    except _Alarm:
        return _late(limit)
    if _state["hit"] == "stop" and isinstance(result, BaseException):
        return STOPPED
    if _state["hit"] == "time" and isinstance(result, BaseException):
        return _late(limit)
    return result


def _late(limit: float | None) -> TimeLimitExceeded:
    return TimeLimitExceeded(f"took longer than {limit:g} s and was stopped (the time "
                             "limit per page; see --time-limit)")


@contextmanager
def shield():
    """Let a short step (an atomic write) finish before a stop signal takes effect.

    Inside a watched batch the batch stops after the step (the run checks before its
    next item); elsewhere in the main thread the signal is delivered the usual way as
    soon as the step is done.
    """
    temporary = _main_thread() and not _ours() and _state["role"] == "main"
    if temporary:
        _state.update(received=None, hit=None)
        previous = _install()
    _state["shielded"] += 1
    try:
        yield
    finally:
        _state["shielded"] -= 1
        if temporary:
            _redeliver(previous)


def _redeliver(previous: dict) -> None:
    got = _state["received"]
    _state["received"] = None
    _restore(previous)
    if got is not None:
        signal.raise_signal(got)  # what would have happened without the shield


# -- dying with the parent ----------------------------------------------------------------

def _die_with(parent: int) -> None:
    """Ask the kernel to kill this worker when its parent dies (even by SIGKILL); where
    that does not exist, a thread watches for the parent to go."""
    armed = False
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
        except (OSError, AttributeError):
            armed = False
    if not armed:
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # it died before the kernel was asked
        os._exit(1)


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)
