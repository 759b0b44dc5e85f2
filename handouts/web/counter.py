"""Web layer: the ONE adapter between the front desk and issue 15's counter work
(lookup, per-patient copy, printing). Nothing else in handouts/web calls those.

INTERIM (issue 16, on main as it was): every function below is a stand-in that the
integrator swaps for issue 15's at merge time, keeping these signatures:
  search(content, text)        -> read/lookup.lookup(text, content), mapped to Results
  page_named(content, name)    -> the lookup's exact file-name match
  personal_pdf(page, ctx, who) -> issue 15's per-patient build (box on page 1)
  print_pdf(data, queue)       -> issue 15's `handouts print` (lp)
The stand-ins: titles and aliases from each page's first lines, refreshed in the
background at most every REFRESH seconds (so a keystroke never waits for a folder walk
over thousands of pages); rapidfuzz for the marked spelling suggestions.
"""

from __future__ import annotations

import re
import subprocess
import threading
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..errors import HandoutError
from ..read.workspace import Page, check_name, find_pages, page_title

# How a page matched, best first; only the first four name a page exactly.
HOW = ("file name", "title", "alias", "starts with it", "contains it")
SIMILAR = "spelled similarly: check the name"
MIN_CONTAINS, SIMILAR_CUTOFF, SIMILAR_LIMIT, MAX_QUERY = 3, 75, 5, 300
REFRESH = 2.0  # seconds an index is trusted before the folder is walked again
PRINT_TIMEOUT = 30


@dataclass(frozen=True)
class Hit:
    name: str  # the page's file name: /handouts/NAME
    title: str
    how: str  # one of HOW, or SIMILAR
    similar: bool = False  # a spelling suggestion: never an answer


@dataclass(frozen=True)
class Results:
    query: str
    hits: tuple[Hit, ...] = ()  # best first
    similar: tuple[Hit, ...] = ()  # shown last, marked
    problem: str = ""


def key(text: str) -> str:
    """Case, width forms and punctuation ignored: 'Levofloxacin + Azithromycin' is
    'levofloxacin azithromycin'."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


def search(content: Path, text: str) -> Results:
    text = " ".join(text.split())
    if len(text) > MAX_QUERY or any(unicodedata.category(c) == "Cc" for c in text):
        return Results(text[:60], problem="type a medicine name (at most 300 letters)")
    wanted = key(text)
    if not wanted:
        return Results(text)
    entries = _index(content).entries()
    ranked: dict[str, tuple[int, Hit]] = {}
    for page, title, keys in entries:
        for rank in _ranks(wanted, keys):
            best = ranked.get(page.name)
            if best is None or rank < best[0]:
                ranked[page.name] = (rank, Hit(page.name, title, HOW[rank]))
    hits = tuple(h for _, h in sorted(ranked.values(), key=lambda r: r[0]))
    return Results(text, hits, _similar(wanted, entries, set(ranked)))


def _ranks(wanted: str, keys: tuple[tuple[int, str], ...]):
    for kind, k in keys:  # kind: 0 file name, 1 title, 2 alias
        if k == wanted:
            yield kind
        elif k.startswith(wanted):
            yield 3
        elif len(wanted) >= MIN_CONTAINS and wanted in k:
            yield 4


def _similar(wanted: str, entries, taken: set) -> tuple[Hit, ...]:
    from rapidfuzz import fuzz, process

    choices = {(i, n): k for i, (page, _, keys) in enumerate(entries)
               if page.name not in taken for n, (_, k) in enumerate(keys)}
    best = process.extract(wanted, choices, scorer=fuzz.ratio, score_cutoff=SIMILAR_CUTOFF,
                           limit=SIMILAR_LIMIT * 3)
    found: dict[str, Hit] = {}
    for _, _, (i, _) in sorted(best, key=lambda b: (-b[1], b[2])):
        page, title, _ = entries[i]
        found.setdefault(page.name, Hit(page.name, title, SIMILAR, similar=True))
    return tuple(found.values())[:SIMILAR_LIMIT]


def page_named(content: Path, name: str) -> Page | None:
    """The page whose file name is `name` (any case); None for anything else."""
    try:
        check_name(name)
    except HandoutError:
        return None
    return _index(content).by_name().get(name.lower())


def personal_pdf(page: Page, context, patient) -> bytes:
    """One patient's copy, in memory only: the handout with their box on page 1."""
    from ..deliver.batch import render_one

    config, style = context
    return render_one(page.path, page.name, style, config, patient).data


def print_pdf(data: bytes, queue: str) -> str:
    """Send a PDF to the CUPS queue on stdin (no file of ours on disk); the job title
    never names a patient. Returns lp's one-line answer."""
    try:
        done = subprocess.run(["lp", "-d", queue, "-t", "handout", "-"], input=data,
                              capture_output=True, timeout=PRINT_TIMEOUT, check=False)
    except FileNotFoundError:
        raise HandoutError("printing needs CUPS's lp command (apt-get install cups-client)")
    except subprocess.TimeoutExpired:
        raise HandoutError(f"the printer queue {queue!r} did not answer in {PRINT_TIMEOUT} s")
    said = " ".join(done.stdout.decode("utf-8", "replace").split())
    if done.returncode:
        why = " ".join(done.stderr.decode("utf-8", "replace").split())[:200]
        raise HandoutError(f"printer queue {queue!r} refused the job: {why or 'no reason'}")
    return said or f"sent to printer queue {queue}"


# -- the interim index ------------------------------------------------------------------

class _Index:
    """(page, title, keys) for every page of one folder; titles cached by file stat."""

    def __init__(self, content: Path):
        self.content = content
        self._entries: list | None = None
        self._names: dict[str, Page] = {}
        self._at = 0.0
        self._heads: dict[tuple, tuple] = {}
        self._lock = threading.Lock()
        self._refreshing = False

    def entries(self) -> list:
        if self._entries is None:
            with self._lock:
                if self._entries is None:
                    self._refresh()
        elif time.monotonic() - self._at > REFRESH and not self._refreshing:
            self._refreshing = True  # the current list answers meanwhile
            threading.Thread(target=self._refresh_quietly, daemon=True).start()
        return self._entries

    def by_name(self) -> dict[str, Page]:
        self.entries()
        return self._names

    def _refresh_quietly(self) -> None:
        try:
            self._refresh()
        except (HandoutError, OSError):
            self._at = time.monotonic()  # a vanished folder keeps the last list
        finally:
            self._refreshing = False

    def _refresh(self) -> None:
        entries, heads = [], {}
        for page in find_pages(self.content):
            stat = page.path.stat()
            sig = (str(page.path), stat.st_mtime_ns, stat.st_size)
            heads[sig] = head = self._heads.get(sig) or _head(page)
            keys = ((0, key(page.name)), (1, key(head[0])), *((2, key(a)) for a in head[1]))
            entries.append((page, head[0], tuple(k for k in keys if k[1])))
        names: dict[str, Page] = {}
        for page, _, _ in entries:
            names.setdefault(page.name.lower(), page)  # the first, as `build` takes it
        self._entries, self._names, self._heads = entries, names, heads
        self._at = time.monotonic()


_ALIASES = re.compile(r"^aliases:(.*)$", re.M)
_indexes: dict[Path, _Index] = {}


def _index(content: Path) -> _Index:
    return _indexes.setdefault(content.resolve(), _Index(content))


def _head(page: Page) -> tuple[str, tuple[str, ...]]:
    """(title, aliases) from the page's first lines: `aliases: [Cipro, Ciproxin]`."""
    title = page_title(page)
    try:
        with page.path.open(encoding="utf-8", errors="replace") as handle:
            head = handle.read(4096)
    except OSError:
        return title, ()
    found = _ALIASES.search(head.split("\n---", 1)[0])
    names = found.group(1).strip().strip("[]").split(",") if found else []
    return title, tuple(n.strip().strip("'\"") for n in names if n.strip())
