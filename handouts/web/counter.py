"""Web layer: the ONE adapter between the front desk and issue 15's counter work
(lookup, per-patient copy, printing). Nothing else in handouts/web calls those.

INTERIM (issue 16, on main as it was): every function below is a stand-in that the
integrator swaps for issue 15's at merge time, keeping these signatures:
  search(content, text)        -> read/lookup.lookup(text, content), mapped to Results
  page_named(content, name)    -> the lookup's exact file-name match
  choose(content, text)        -> lookup(text, content).chosen (and the Lookup)
  personal_pdf(page, ctx, who) -> issue 15's per-patient build (box on page 1)
  print_pdf(data, queue)       -> issue 15's `handouts print` (lp)
The stand-ins: titles and aliases from each page's first lines, kept in a snapshot
made again in the background (so a keystroke never waits for a walk over thousands of
pages) and searched in one scan of all keys; rapidfuzz for the marked suggestions.
"""

from __future__ import annotations

import bisect
import os
import re
import subprocess
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import HandoutError
from ..read.workspace import Page, check_name, find_pages, page_title

# How a page matched, best first; only the first four name a page exactly.
HOW = ("file name", "title", "alias", "starts with it", "contains it")
SIMILAR = "spelled similarly: check the name"
MIN_CONTAINS, SIMILAR_CUTOFF, SIMILAR_LIMIT, MAX_QUERY = 3, 75, 5, 300
REFRESH, FULL_REFRESH = 2.0, 30.0  # seconds (see _Index)
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
    index = _index(content).snapshot()
    ranked: dict[int, tuple[int, Hit]] = {}
    for owner, rank in _ranks(wanted, index):
        best = ranked.get(owner)
        if best is None or rank < best[0]:
            page, title, _ = index.entries[owner]
            ranked[owner] = (rank, Hit(page.name, title, HOW[rank]))
    hits = tuple(h for _, h in sorted(ranked.values(), key=lambda r: r[0]))
    return Results(text, hits, _similar(wanted, index, set(ranked)))


def _ranks(wanted: str, index: "_Snapshot"):
    """(entry, rank) for every key that equals, starts with or contains `wanted`: one
    C-speed scan of all keys joined by line breaks, not a Python loop over pages."""
    short = len(wanted) < MIN_CONTAINS  # only names that start with it
    pattern = ("^" if short else "") + re.escape(wanted)
    for found in re.finditer(pattern, index.text, re.M):
        at = bisect.bisect_right(index.starts, found.start()) - 1
        kind, k = index.keys[at]
        if found.start() == index.starts[at]:
            yield index.owners[at], kind if len(k) == len(wanted) else 3
        else:
            yield index.owners[at], 4


def _similar(wanted: str, index: "_Snapshot", taken: set) -> tuple[Hit, ...]:
    from rapidfuzz import fuzz, process

    best = process.extract(wanted, index.words, scorer=fuzz.ratio,
                           score_cutoff=SIMILAR_CUTOFF, limit=None)
    found: dict[int, Hit] = {}
    for _, _, at in sorted(best, key=lambda b: (-b[1], b[2])):
        owner = index.owners[at]
        if owner not in taken and owner not in found:
            page, title, _ = index.entries[owner]
            found[owner] = Hit(page.name, title, SIMILAR, similar=True)
    return tuple(found.values())[:SIMILAR_LIMIT]


def choose(content: Path, text: str) -> tuple[Page | None, Results]:
    """The one page `text` names exactly (file name, title or alias), else None with
    what it matched: partial and similar matches never choose."""
    found = search(content, text)
    exact = {h.name for h in found.hits if h.how in HOW[:3]}
    page = page_named(content, exact.pop()) if len(exact) == 1 else None
    return page, found


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

@dataclass(frozen=True)
class _Snapshot:
    """One folder's pages as search reads them; replaced whole, never changed."""

    entries: tuple = ()  # (page, title, keys)
    names: dict = field(default_factory=dict)  # lower-case file name -> Page
    keys: tuple = ()  # (kind, key) for every key of every page, in entry order
    owners: tuple = ()  # the entry of each key
    starts: tuple = ()  # where each key starts in `text`
    text: str = ""  # every key, one per line
    words: tuple = ()  # the keys alone, for rapidfuzz

    @classmethod
    def of(cls, entries: list) -> "_Snapshot":
        keys, owners, starts, at = [], [], [], 0
        for owner, (_, _, page_keys) in enumerate(entries):
            for kind_key in page_keys:
                keys.append(kind_key)
                owners.append(owner)
                starts.append(at)
                at += len(kind_key[1]) + 1
        names: dict[str, Page] = {}
        for page, _, _ in entries:
            names.setdefault(page.name.lower(), page)  # the first, as `build` takes it
        words = tuple(k for _, k in keys)
        return cls(tuple(entries), names, tuple(keys), tuple(owners), tuple(starts),
                   "\n".join(words), words)


class _Index:
    """A folder's snapshot, made again in the background: when a folder's time changes
    (a page added, removed or renamed, or saved by an editor that renames) checked every
    REFRESH s, and at least every FULL_REFRESH s (a title edited in place)."""

    def __init__(self, content: Path):
        self.content = content
        self._snapshot: _Snapshot | None = None
        self._checked = self._built = 0.0
        self._folders: tuple = ()
        self._heads: dict[tuple, tuple] = {}
        self._lock = threading.Lock()
        self._busy = False

    def snapshot(self) -> _Snapshot:
        if self._snapshot is None:
            with self._lock:
                if self._snapshot is None:
                    self._refresh()
        elif time.monotonic() - self._checked > REFRESH and not self._busy:
            self._busy = True  # the current snapshot answers meanwhile
            threading.Thread(target=self._refresh_quietly, daemon=True).start()
        return self._snapshot

    def by_name(self) -> dict[str, Page]:
        return self.snapshot().names

    def _refresh_quietly(self) -> None:
        try:
            if self._folder_times() != self._folders or \
                    time.monotonic() - self._built > FULL_REFRESH:
                self._refresh()
        except (HandoutError, OSError):
            pass  # a vanished folder keeps the last snapshot
        finally:
            self._checked, self._busy = time.monotonic(), False

    def _folder_times(self) -> tuple:
        found, todo = [], [str(self.content)]
        while todo:
            folder = todo.pop()
            found.append((folder, os.stat(folder).st_mtime_ns))
            with os.scandir(folder) as listing:
                todo += [e.path for e in listing if e.is_dir(follow_symlinks=False)]
        return tuple(sorted(found))

    def _refresh(self) -> None:
        folders = self._folder_times()
        entries, heads = [], {}
        for page in find_pages(self.content):
            stat = page.path.stat()
            sig = (str(page.path), stat.st_mtime_ns, stat.st_size)
            heads[sig] = head = self._heads.get(sig) or _head(page)
            keys = ((0, key(page.name)), (1, key(head[0])), *((2, key(a)) for a in head[1]))
            entries.append((page, head[0], tuple(k for k in keys if k[1])))
        self._snapshot, self._heads, self._folders = _Snapshot.of(entries), heads, folders
        self._checked = self._built = time.monotonic()


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
