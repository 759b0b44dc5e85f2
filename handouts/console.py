"""Console reporting for batches: one line per output on stdout, warnings and errors on
stderr, and on a terminal a progress bar (count, rate, ETA). Never builds anything.

The bar is drawn only when stderr is a terminal, so logs and pipes get plain lines.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from .text import for_terminal


def shown(path: Path) -> str:
    """A path as the user would type it: relative to the current folder when inside."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def say(line: str, err: bool = False) -> None:
    """Print one line; file names and titles in it can never drive the terminal."""
    click.echo(for_terminal(line), err=err)


def bar_text(done: int, total: int, elapsed: float, width: int = 24) -> str:
    """'[#####.....]  312/1071  29%  24.1/s  ETA 0:31'."""
    share = done / total if total else 1.0
    filled = int(width * share)
    rate = done / elapsed if elapsed > 0 and done else 0.0
    eta = _clock((total - done) / rate) if rate else "--:--"
    return (f"[{'#' * filled}{'.' * (width - filled)}] {done:>{len(str(total))}}/{total} "
            f"{share:4.0%}  {rate:5.1f}/s  ETA {eta}")


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"


class ProgressBar:
    """One self-rewriting line on `stream`; silent unless it is a terminal."""

    def __init__(self, stream=None, clock=time.monotonic, every: float = 0.1):
        self.stream = stream or sys.stderr
        self.clock, self.every = clock, every
        self.enabled = _is_terminal(self.stream)
        self.total = self.done = 0
        self.started = self.drawn_at = 0.0
        self.shown = False

    def start(self, total: int) -> None:
        self.total, self.done = total, 0
        self.started = self.clock()
        self.enabled = self.enabled and total > 1  # one page needs no bar
        self.draw(force=True)

    def advance(self) -> None:
        self.done += 1
        self.draw(force=self.done == self.total or not self.shown)

    def draw(self, force: bool = False) -> None:
        now = self.clock()
        if not self.enabled or (not force and now - self.drawn_at < self.every):
            return
        self.drawn_at = now
        self.stream.write("\r" + bar_text(self.done, self.total, now - self.started) + "\x1b[K")
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        """Wipe the bar so another line can be printed in its place."""
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False

    def close(self) -> None:
        self.clear()
        self.enabled = False


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class ConsoleProgress:
    """The CLI's batch Progress: lines for outputs, warnings and errors, bar below."""

    def __init__(self, bar: ProgressBar | None = None):
        self.bar = bar or ProgressBar()
        self.running = False  # failures found while planning come before the bar

    def start(self, total: int) -> None:
        self.running = True
        self.bar.start(total)

    def built(self, built) -> None:
        lines = [(f"warning: {w}", True) for w in built.warnings]
        if built.path is not None:
            pages = f"{built.pages} page{'s' * (built.pages != 1)}"
            lines.append((f"{shown(built.path)} ({pages})", False))
        self._lines(lines)

    def failed(self, message: str) -> None:
        self._lines([(f"error: {message}", True)])

    def skipped(self, path: Path) -> None:
        self._lines([(f"{shown(path)} (up to date)", False)])

    def close(self) -> None:
        self.bar.close()

    def __enter__(self) -> "ConsoleProgress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _lines(self, lines) -> None:
        self.bar.clear()
        for text, err in lines:
            say(text, err=err)
        if self.running:
            self.bar.advance()
