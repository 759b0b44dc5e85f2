"""Read stage: find the page a person means from what they typed at the counter.

One lookup serves every command (and the web front desk): exact file name, title
(case- and punctuation-insensitive), a path to a page under the content folder, an
`aliases:` entry (brand names), then names that start with or contain what was typed.
Spelling suggestions come last, are marked as such and are never chosen: a drug that
merely looks like the one asked for is how look-alike medication errors happen.
Never opens a file outside the content folder; never loads ReportLab.
"""

from __future__ import annotations

import bisect
import re
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from rapidfuzz import fuzz, process

from ..errors import HandoutError
from ..safefile import read_head as head_bytes
from ..text import for_terminal, suspect
from ..settings.yamlsafe import load_yaml
from .workspace import Page, find_pages

# How a page matched, best first. Only the exact kinds can choose a page.
NAME, TITLE, PATH, ALIAS = "name", "title", "path", "alias"
PREFIX, CONTAINS, SIMILAR = "prefix", "contains", "similar"
EXACT = (NAME, PATH, TITLE, ALIAS)
RANK = (*EXACT, PREFIX, CONTAINS, SIMILAR)
DESCRIBED = {NAME: "file name", TITLE: "title", PATH: "path", ALIAS: "alias",
             PREFIX: "starts with it", CONTAINS: "contains it",
             SIMILAR: "spelled similarly: check the name"}
MIN_CONTAINS = 3  # shorter text matches too much inside names; only starts count
SIMILAR_CUTOFF = 75  # rapidfuzz ratio (0-100) for a spelling suggestion
SIMILAR_LIMIT = 5
HEAD_BYTES = 16 * 1024  # front matter and first heading are read from the file's start
MAX_QUERY = 300
MAX_LISTED = 25  # an error lists this many matches; `handouts list QUERY` lists all
_FENCE = re.compile(r"\A---[ \t]*\n(.*?)^---[ \t]*$", re.S | re.M)
_H1 = re.compile(r"^#[ \t]+(.+?)[ \t#]*$", re.M)


def key(text: str) -> str:
    """Text as compared: case, accents' width forms and punctuation ignored, so
    "Levofloxacin + Azithromycin", "levofloxacin-azithromycin" and
    "levofloxacin azithromycin" are one key."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


def shown(text: str) -> str:
    """A title, alias or typed text safe to print on a terminal (text.for_terminal)."""
    return for_terminal(text)


@dataclass(frozen=True)
class Entry:
    """What the index knows of one page: its title and aliases, and their keys."""

    page: Page
    title: str
    aliases: tuple[str, ...] = ()

    @cached_property  # once per page and version: a keystroke must not redo them
    def keys(self) -> list[tuple[str, str, str]]:
        """(kind, key, text) for everything this page answers to."""
        found = [(NAME, key(self.page.name), self.page.name)]
        if self.title:
            found.append((TITLE, key(self.title), self.title))
        found += [(ALIAS, key(alias), alias) for alias in self.aliases]
        return [k for k in found if k[1]]


@dataclass(frozen=True)
class Match:
    page: Page
    title: str
    how: str  # NAME, TITLE, PATH, ALIAS, PREFIX, CONTAINS or SIMILAR
    text: str  # what matched: the name, the title or the alias

    def line(self, width: int = 0) -> str:
        """`NAME<tab>TITLE<tab>(how)`, or with `width` the name padded to it."""
        via = f"alias {shown(self.text)!r}" if self.how == ALIAS else DESCRIBED[self.how]
        if width:
            return f"{self.page.name:<{width}}  {shown(self.title)}  ({via})"
        return f"{self.page.name}\t{shown(self.title)}\t({via})"


@dataclass(frozen=True)
class Lookup:
    """Everything `query` matched: `matches` best first (exact kinds, then partial),
    `similar` apart (spelling suggestions, never chosen)."""

    query: str
    matches: tuple[Match, ...] = ()
    similar: tuple[Match, ...] = ()
    problem: str = ""  # a path outside the content folder, say

    @property
    def exact(self) -> tuple[Match, ...]:
        """The matches of the best exact kind (name before path, title, alias)."""
        for how in EXACT:
            found = tuple(m for m in self.matches if m.how == how)
            if found:
                return found
        return ()

    @property
    def chosen(self) -> Page | None:
        """The one page meant, or None: partial and similar matches never choose."""
        pages = {m.page for m in self.exact}
        return next(iter(pages)) if len(pages) == 1 else None

    def refusal(self, content: Path) -> list[str]:
        """Why no page was chosen, then what to type instead, a line each."""
        if self.problem:
            return [self.problem]
        q = shown(self.query)
        if self.exact:
            head = f"{q!r} names {len(self.exact)} pages; nothing was done. Type one NAME:"
            rows = self.exact
        elif self.matches:
            head = (f"no page is named {q!r}; {len(self.matches)} page"
                    f"{'s' * (len(self.matches) != 1)} match part of it; nothing was done. "
                    "Type the full NAME:")
            rows = self.matches
        else:
            head = f"no page named {q!r} in {content}"
            rows = ()
        listed = [*rows[:MAX_LISTED], *self.similar]
        width = min(max((len(m.page.name) for m in listed), default=0), 40)
        lines = [head, *(f"  {m.line(width)}" for m in rows[:MAX_LISTED])]
        if len(rows) > MAX_LISTED:
            lines.append(f"  ... and {len(rows) - MAX_LISTED} more (handouts list {q!r} "
                         "shows them all)")
        if self.similar:
            lines.append("  other medicines whose names are spelled similarly:")
            lines += [f"  {m.line(width)}" for m in self.similar]
        if not rows and not self.similar:
            lines[0] += " (handouts list shows the names)"
        return lines


# -- the index -----------------------------------------------------------------------

@dataclass(frozen=True)
class Snapshot:
    """One folder's entries as a lookup reads them; made whole, never changed.

    Every key of every page is one line of `text`, so the partial matches of a query
    are one C-speed regex scan rather than a Python loop over thousands of pages."""

    entries: tuple[Entry, ...] = ()
    exact: dict = field(default_factory=dict)  # key -> [(entry index, how, text)]
    text: str = ""  # every key, one per line, in entry order
    starts: tuple[int, ...] = ()  # where each line of `text` starts
    lines: tuple[tuple[int, str, str, str], ...] = ()  # (entry index, how, key, text)
    keys: tuple[str, ...] = ()  # the key of each line, for the spelling suggestions

    @classmethod
    def of(cls, entries) -> "Snapshot":
        lines = [(i, how, k, text) for i, e in enumerate(entries) for how, k, text in e.keys]
        exact: dict = {}
        for i, how, k, text in lines:
            exact.setdefault(k, []).append((i, how, text))
        starts, at = [], 0
        for _, _, k, _ in lines:
            starts.append(at)
            at += len(k) + 1
        keys = tuple(k for _, _, k, _ in lines)
        return cls(tuple(entries), exact, "\n".join(keys), tuple(starts), tuple(lines), keys)


@dataclass
class _Folder:
    signature: tuple = ()
    snapshot: Snapshot = field(default_factory=Snapshot)


_entries: dict[tuple[str, int, int], Entry] = {}  # (path, mtime, size) -> its entry
_folders: dict[Path, _Folder] = {}


def index(content: Path) -> list[Entry]:
    """Every page of `content` with its title and aliases, read now."""
    return list(snapshot(content).entries)


def snapshot(content: Path) -> Snapshot:
    """The folder as it is now. Cached per folder and, for each page, by its size and
    mtime: only changed pages are read again, and an unchanged folder reuses its
    snapshot."""
    pages = find_pages(content)
    stats = [(p, p.path.stat()) for p in pages]
    signature = tuple((str(p.path), s.st_mtime_ns, s.st_size) for p, s in stats)
    folder = _folders.setdefault(content.resolve(), _Folder())
    if folder.signature != signature:
        folder.snapshot = Snapshot.of([_entry(p, sig) for (p, _), sig in zip(stats, signature)])
        folder.signature = signature
    return folder.snapshot


class LiveIndex:
    """A folder's snapshot for a long-running server: answered at once from the last
    one, while a background thread makes a new one at most every `refresh` seconds, so
    a keystroke never waits for a walk over thousands of pages. A change shows within
    about `refresh` seconds (plus the walk)."""

    def __init__(self, content: Path, refresh: float = 2.0):
        self.content, self.refresh = content, refresh
        self._current: Snapshot | None = None
        self._made = 0.0
        self._lock = threading.Lock()
        self._busy = False

    def snapshot(self) -> Snapshot:
        with self._lock:
            if self._current is None:  # the first call waits: there is nothing yet
                self._current, self._made = snapshot(self.content), time.monotonic()
            elif time.monotonic() - self._made > self.refresh and not self._busy:
                self._busy = True
                threading.Thread(target=self._remake, daemon=True).start()
            return self._current

    def _remake(self) -> None:
        try:
            made = snapshot(self.content)
            with self._lock:
                self._current = made
        except (HandoutError, OSError):
            pass  # a vanished or unreadable folder: keep answering from the last one
        finally:
            with self._lock:
                self._made, self._busy = time.monotonic(), False


def _entry(page: Page, signature: tuple) -> Entry:
    cached = _entries.get(signature)
    if cached is None or cached.page != page:
        cached = _entries[signature] = Entry(page, *read_head(page.path))
    return cached


def read_head(path: Path) -> tuple[str, tuple[str, ...]]:
    """(title, aliases) from the start of a page. A page whose front matter is broken
    still answers to its file name; building it reports the problem."""
    # A bounded look that never blocks (a FIFO named like a page gives b"").
    text = head_bytes(path, HEAD_BYTES).decode("utf-8", "replace").lstrip("\ufeff")
    text = text.replace("\r\n", "\n")
    meta, body = {}, text
    fence = _FENCE.match(text)
    if fence:
        body = text[fence.end():]
        try:
            loaded = load_yaml(fence.group(1), path)
        except HandoutError:
            loaded = None
        meta = loaded if isinstance(loaded, dict) else {}
    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        h1 = _H1.search(body)
        title = h1.group(1) if h1 else ""
    return " ".join(title.split()), aliases_of(meta.get("aliases"))


def aliases_of(value) -> tuple[str, ...]:
    """`aliases:` as texts; anything else is none here (building the page says why)."""
    if not isinstance(value, list):
        return ()
    return tuple(" ".join(v.split()) for v in value if isinstance(v, str) and v.strip())


# -- the lookup ----------------------------------------------------------------------

def lookup(query: str, content: Path, live: LiveIndex | None = None) -> Lookup:
    """What `query` names in `content`: exact matches, partial ones, and apart from
    them the pages spelled similarly. `live`: answer from a server's LiveIndex of
    `content` instead of reading the folder now."""
    query = query.strip()
    if len(query) > MAX_QUERY or suspect(query) or re.search(r"[\n\t]", query):
        return Lookup(query, problem=f"{shown(query[:60])!r} is not a page name: "
                                     "no control characters, at most 300 characters")
    snap = live.snapshot() if live is not None else snapshot(content)
    by_path = _by_path(query, content, snap.entries)
    if isinstance(by_path, str):
        return Lookup(query, problem=by_path)
    if not by_path and query.endswith(".md"):
        query = query[:-3]  # `ixabepilone.md`: the file name, typed in full
    wanted = key(query)
    found = by_path + _exact(wanted, snap) + _partial(wanted, snap)
    matches = _first_per_page(sorted(found, key=lambda m: RANK.index(m.how)))
    taken = {m.page for m in matches}
    return Lookup(query, tuple(matches), tuple(_similar(wanted, snap, taken)))


def page_named(name: str, content: Path, live: LiveIndex | None = None) -> Page | None:
    """The page whose file name is `name` (case ignored), without a search: what a URL
    such as /handouts/NAME names. None for anything else."""
    snap = live.snapshot() if live is not None else snapshot(content)
    wanted = name.strip().lower()
    return next((snap.entries[i].page for i, how, _ in snap.exact.get(key(name), ())
                 if how == NAME and snap.entries[i].page.name.lower() == wanted), None)


def _exact(wanted: str, snap: Snapshot) -> list[Match]:
    entries = snap.entries
    return [Match(entries[i].page, entries[i].title, how, text)
            for i, how, text in snap.exact.get(wanted, ())]


def _partial(wanted: str, snap: Snapshot) -> list[Match]:
    """Keys that start with `wanted`, then keys that contain it (only from
    MIN_CONTAINS letters: shorter text matches too much inside names)."""
    if not wanted:
        return []
    pattern = ("" if len(wanted) >= MIN_CONTAINS else "^") + re.escape(wanted)
    starts, inside = [], []
    for found in re.finditer(pattern, snap.text, re.M):
        at = bisect.bisect_right(snap.starts, found.start()) - 1
        i, _, k, text = snap.lines[at]
        if k == wanted:
            continue  # an exact match, found already
        e = snap.entries[i]
        if found.start() == snap.starts[at]:
            starts.append(Match(e.page, e.title, PREFIX, text))
        else:
            inside.append(Match(e.page, e.title, CONTAINS, text))
    return starts + inside


def _similar(wanted: str, snap: Snapshot, taken: set) -> list[Match]:
    """Pages whose name, title or alias is spelled like `wanted`: suggestions only."""
    if not wanted or not snap.lines:
        return []
    best = process.extract(wanted, snap.keys, scorer=fuzz.ratio, score_cutoff=SIMILAR_CUTOFF,
                           limit=None)
    found = []
    for _, _, at in sorted(best, key=lambda b: (-b[1], b[2])):
        i, _, _, text = snap.lines[at]
        e = snap.entries[i]
        if e.page not in taken:
            found.append(Match(e.page, e.title, SIMILAR, text))
    return _first_per_page(found)[:SIMILAR_LIMIT]


def _first_per_page(matches: list[Match]) -> list[Match]:
    seen, out = set(), []
    for m in matches:
        if m.page not in seen:
            seen.add(m.page)
            out.append(m)
    return out


def _by_path(query: str, content: Path, entries: list[Entry]) -> list[Match] | str:
    """A path typed (or tab-completed) to a page: `content/a/abacavir.md`. It must be a
    page under the content folder; anything else is refused, never opened."""
    if not (query.endswith(".md") or "/" in query or "\\" in query):
        return []
    root = content.resolve()
    candidates = {Path(query).resolve(), (content / query).resolve()}
    pages = {e.page.path.resolve(): e for e in entries}
    found = [pages[c] for c in sorted(candidates) if c in pages]
    if found:
        return [Match(e.page, e.title, PATH, str(e.page.path)) for e in found[:1]]
    if not query.endswith(".md") or not any(c.is_relative_to(root) for c in candidates):
        return (f"{shown(query[:80])!r} is not a page under the content folder {content}: "
                "give a page NAME (handouts list shows them) or a path to a .md file in it")
    return []


def resolve(names, content: Path) -> list[Page]:
    """The page each NAME means, or HandoutError listing what it could mean: an
    ambiguous or partial name chooses nothing, so nothing is built from it."""
    found = []
    for name in names:
        result = lookup(name, content)
        if result.chosen is None:
            head, *rows = result.refusal(content)
            raise HandoutError(head, details=tuple(rows))
        found.append(result.chosen)
    return found
