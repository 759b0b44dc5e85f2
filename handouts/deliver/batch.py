"""Deliver stage: build one page or a batch of pages (parallel, incremental).

A page that fails is reported and the rest still build; Ctrl-C stops cleanly, and a
write in progress finishes first (see parallel.shield), so every PDF is complete or
absent.
"""

from __future__ import annotations

import hashlib
import signal
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from ..errors import HandoutError
from ..read.gate import gate
from ..read.parse import read_page, read_page_bytes
from ..read.workspace import Page
from ..render.document import render
from ..render.look import look_for
from ..settings.config_schema import Config
from .files import check_folder, output_path, write_atomic
from .manifest import Manifest, page_fingerprint, shared_digest
from .parallel import Interrupted, TimeLimitExceeded, run_tasks, shield
from .stopping import received, watching


@dataclass
class Built:
    """What one page's build produced, for the CLI's one line per output."""

    path: Path | None  # None when the PDF was only kept in memory (for a pack)
    pages: int
    warnings: tuple[str, ...]
    sha256: str = ""
    data: bytes | None = None  # the PDF itself, when kept in memory


def render_one(page_path: Path, name: str, style, config=None, handover=None) -> Built:
    """Parse and lay out one page; the PDF stays in memory (a personalised copy, with
    `handover`, must never be written to out/)."""
    drug = read_page(page_path, name)
    refused, declined = gate(drug)  # nothing that is not a drug handout reaches a patient
    if refused:
        raise HandoutError(refused[0].message, drug.source, refused[0].line)
    rendered = render(drug, style, config or Config(), handover)
    warnings = (tuple(n.located(drug.source) for n in (*drug.warnings, *declined))
                + tuple(f"{drug.source}: {w}" for w in rendered.warnings))
    return Built(None, rendered.pages, warnings, hashlib.sha256(rendered.data).hexdigest(),
                 rendered.data)


def build_one(page_path: Path, name: str, style, out_dir: Path, config=None,
              variant: str = "") -> Built:
    """Parse, lay out and atomically write one page's handout."""
    target = output_path(out_dir, name, variant)
    made = render_one(page_path, name, style, config)
    with shield():  # once written, the page counts as built even if Ctrl-C came meanwhile
        write_atomic(target, made.data)
        return Built(target, made.pages, made.warnings, made.sha256)


class BatchResult:
    """Totals of a batch, for the one summary line."""

    def __init__(self):
        self.built: list[Built] = []
        self.skipped: list[Path] = []  # outputs already up to date
        self.outputs: dict[Path, Path] = {}  # page file -> its PDF, built or up to date
        self.failed: list[str] = []
        self.interrupted = False
        self.signal = 0  # the stop signal that interrupted it (SIGINT, SIGTERM, SIGHUP)

    @property
    def warnings(self) -> int:
        return sum(len(b.warnings) for b in self.built)

    def summary(self) -> str:
        return (f"built {len(self.built)}, skipped {len(self.skipped)} (up to date), "
                f"failed {len(self.failed)}, warnings {self.warnings}")


class Progress:
    """What a batch tells its caller as it goes (the CLI prints; tests may collect)."""

    def start(self, total: int) -> None:
        """`total` pages are about to be built (up-to-date ones are not counted)."""

    def built(self, built: Built) -> None:
        pass

    def failed(self, message: str) -> None:
        pass

    def skipped(self, path: Path) -> None:
        """`path` is up to date: not built again."""


@dataclass(frozen=True)
class Job:
    """One page to build: picklable, for a worker process."""

    page: Page
    out_dir: Path
    fingerprint: str = ""
    variant: str = ""  # the style's name in the file name, for a non-default style


# Seconds one page may take to lay out before it is stopped and counted as failed: a
# page inside the size limit must not stall a batch (the slowest corpus page takes 1 s).
TIME_LIMIT = 120.0


def build_batch(pages, inputs, out_dir: Path, progress: Progress | None = None,
                jobs: int | None = 1, force: bool = False,
                limit: float | None = TIME_LIMIT) -> BatchResult:
    """Build every page that is not up to date; a page that fails (or takes longer than
    `limit` seconds) is reported and the rest still build. A stop signal (Ctrl-C,
    SIGTERM, SIGHUP) stops cleanly (result.interrupted); the manifest keeps what was
    built, so the next run resumes."""
    with watching():
        return _build_batch(pages, inputs, out_dir, progress, jobs, force, limit)


def _build_batch(pages, inputs, out_dir, progress, jobs, force, limit) -> BatchResult:
    progress = progress or Progress()
    result = BatchResult()
    check_folder(out_dir, "--out")
    manifest = Manifest(out_dir)
    saved = [time.monotonic()]

    def on_result(job: Job, outcome) -> None:
        if isinstance(outcome, Built):
            manifest.record(outcome.path, job.fingerprint, outcome.sha256)
            result.built.append(outcome)
            progress.built(outcome)
        else:
            _fail(result, progress, _failure(job.page, outcome))
        if time.monotonic() - saved[0] > MANIFEST_EVERY:  # a killed run loses little
            manifest.save()
            saved[0] = time.monotonic()

    try:
        config, style = _preload(inputs)
        todo = _plan(pages, (out_dir, inputs.variant(config, style)),
                     shared_digest(config, style), manifest, force, result, progress)
        progress.start(len(todo))
        if todo:  # fonts parsed once, here, and shared by forked workers
            look_for(style)
        run_tasks(_build_task, todo, partial(_load, inputs), on_result, jobs, limit)
    except (Interrupted, KeyboardInterrupt):
        result.interrupted = True
    finally:
        _loaded.clear()
        _save(manifest, result, progress)
    if result.interrupted:
        result.signal = received() or signal.SIGINT
    return result


def _save(manifest: Manifest, result: BatchResult, progress: Progress) -> None:
    """Save the manifest; a failure (disk full) is one more error line, and the summary
    still follows (the next run rebuilds what it could not record)."""
    try:
        with shield():
            manifest.save()
    except KeyboardInterrupt:  # signalled while saving: saved all the same
        result.interrupted = True
    except HandoutError as exc:
        _fail(result, progress, f"{exc.format_message()} (manifest not saved: the next "
                                "run rebuilds these pages)")


def render_batch(pages, inputs, progress: Progress | None = None,
                 jobs: int | None = 1, limit: float | None = TIME_LIMIT):
    """Render every page in memory, in the order given: (Built or None per page,
    BatchResult). Used for packs, which must have every page or none."""
    with watching():
        return _render_batch(pages, inputs, progress, jobs, limit)


def _render_batch(pages, inputs, progress, jobs, limit):
    progress = progress or Progress()
    result = BatchResult()
    made: dict[Path, Built] = {}

    def on_result(page: Page, outcome) -> None:
        if isinstance(outcome, Built):
            made[page.path] = outcome
            result.built.append(outcome)
            progress.built(outcome)
        else:
            _fail(result, progress, _failure(page, outcome))

    progress.start(len(pages))
    try:
        run_tasks(_render_task, list(pages), partial(_load, inputs), on_result, jobs, limit)
    except (Interrupted, KeyboardInterrupt):
        result.interrupted = True
        result.signal = received() or signal.SIGINT
    return [made.get(page.path) for page in pages], result


MANIFEST_EVERY = 5.0  # seconds between manifest saves during a batch


def _plan(pages, where, digest, manifest, force, result, progress) -> list[Job]:
    """The pages to build: not up to date (or --force), and not a second page with
    a name already taken (two pages must never race for one PDF)."""
    (out_dir, variant), todo, taken, seen = where, [], {}, set()
    for page in pages:
        if page.path in seen:
            continue  # the same NAME given twice
        seen.add(page.path)
        first = taken.setdefault(page.name.lower(), page.path)
        try:
            if first != page.path:
                raise HandoutError(f"another page has the same name ({first}); rename one")
            target = output_path(out_dir, page.name, variant)
            fingerprint = page_fingerprint(digest, page.name, read_page_bytes(page.path))
        except HandoutError as exc:
            _fail(result, progress, _failure(page, exc))
            continue
        result.outputs[page.path] = target
        if not force and manifest.is_current(target, fingerprint):
            result.skipped.append(target)
            progress.skipped(target)
        else:
            todo.append(Job(page, out_dir, fingerprint, variant))
    return todo


# The batch's (config, style), loaded once in this process before any worker forks, so
# neither this process nor a forked worker parses the YAML or the fonts again. Cleared
# after each batch: a later batch in the same process must see edited files.
_loaded: dict = {}


def _preload(inputs):
    """Load config and style once for this batch (and its forked workers)."""
    _loaded[inputs] = context = inputs.load()
    return context


def _load(inputs):
    """A worker's context: the preloaded one (this process or forked), else loaded."""
    return _loaded.get(inputs) or inputs.load()


def _build_task(context, job: Job):
    config, style = context
    try:
        return build_one(job.page.path, job.page.name, style, job.out_dir, config,
                         job.variant)
    except Exception as exc:  # a bug on one page must not stop the batch
        return exc


def _render_task(context, page: Page):
    config, style = context
    try:
        return render_one(page.path, page.name, style, config)
    except Exception as exc:
        return exc


def _failure(page: Page, exc: BaseException) -> str:
    """One line naming the page's file (a batch log keeps one line per failure)."""
    if isinstance(exc, (HandoutError, TimeLimitExceeded)):
        message = exc.format_message() if isinstance(exc, HandoutError) else str(exc)
        if not message.startswith(str(page.path)):
            message = f"{page.path}: {message}"
    else:
        message = f"{page.path}: internal error ({type(exc).__name__}: {exc})"
    return " ".join(message.split())


def _fail(result: BatchResult, progress: Progress, message: str) -> None:
    result.failed.append(message)
    progress.failed(message)
