"""Read stage: find the page a person means from what they typed at the counter.

One lookup serves every command (and the web front desk): exact file name, title
(case- and punctuation-insensitive), a path to a page under the content folder, an
`aliases:` entry (brand names), then names that start with or contain what was typed.
Spelling suggestions come last, are marked as such and are never chosen: a drug that
merely looks like the one asked for is how look-alike medication errors happen.
Never opens a file outside the content folder; never loads ReportLab.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ..errors import HandoutError
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
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def key(text: str) -> str:
    """Text as compared: case, accents' width forms and punctuation ignored, so
    "Levofloxacin + Azithromycin", "levofloxacin-azithromycin" and
    "levofloxacin azithromycin" are one key."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


def shown(text: str) -> str:
    """A title or alias safe to print on a terminal (no escape or bidi characters)."""
    return _CONTROL.sub("?", text)


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

    def refusal(self, content: Path) -> str:
        """Why no page was chosen, and what to type instead (several lines)."""
        if self.problem:
            return self.problem
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
        return "\n".join(lines)


# -- the index -----------------------------------------------------------------------

@dataclass
class _Folder:
    signature: tuple = ()
    entries: list[Entry] = field(default_factory=list)


_entries: dict[tuple[str, int, int], Entry] = {}  # (path, mtime, size) -> its entry
_folders: dict[Path, _Folder] = {}


def index(content: Path) -> list[Entry]:
    """Every page of `content` with its title and aliases. Cached per folder and, for
    each page, by its size and mtime: only changed pages are read again."""
    pages = find_pages(content)
    stats = [(p, p.path.stat()) for p in pages]
    signature = tuple((str(p.path), s.st_mtime_ns, s.st_size) for p, s in stats)
    folder = _folders.setdefault(content.resolve(), _Folder())
    if folder.signature != signature:
        folder.entries = [_entry(p, sig) for (p, _), sig in zip(stats, signature)]
        folder.signature = signature
    return folder.entries


def _entry(page: Page, signature: tuple) -> Entry:
    cached = _entries.get(signature)
    if cached is None or cached.page != page:
        cached = _entries[signature] = Entry(page, *read_head(page.path))
    return cached


def read_head(path: Path) -> tuple[str, tuple[str, ...]]:
    """(title, aliases) from the start of a page. A page whose front matter is broken
    still answers to its file name; building it reports the problem."""
    try:
        with path.open("rb") as handle:
            text = handle.read(HEAD_BYTES).decode("utf-8", "replace").lstrip("\ufeff")
    except OSError:
        return "", ()
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

def lookup(query: str, content: Path) -> Lookup:
    """What `query` names in `content`: exact matches, partial ones, and apart from
    them the pages spelled similarly."""
    query = query.strip()
    if len(query) > MAX_QUERY or _CONTROL.search(query):
        return Lookup(query, problem=f"{shown(query[:60])!r} is not a page name: "
                                     "no control characters, at most 300 characters")
    entries = index(content)
    by_path = _by_path(query, content, entries)
    if isinstance(by_path, str):
        return Lookup(query, problem=by_path)
    if not by_path and query.endswith(".md"):
        query = query[:-3]  # `ixabepilone.md`: the file name, typed in full
    wanted = key(query)
    found = by_path + _exact(wanted, entries) + _partial(wanted, entries)
    matches = _first_per_page(sorted(found, key=lambda m: RANK.index(m.how)))
    taken = {m.page for m in matches}
    return Lookup(query, tuple(matches), tuple(_similar(wanted, entries, taken)))


def _exact(wanted: str, entries: list[Entry]) -> list[Match]:
    return [Match(e.page, e.title, how, text) for e in entries
            for how, k, text in e.keys if k == wanted]


def _partial(wanted: str, entries: list[Entry]) -> list[Match]:
    if not wanted:
        return []
    starts, inside = [], []
    for e in entries:
        for how, k, text in e.keys:
            if k.startswith(wanted):
                starts.append(Match(e.page, e.title, PREFIX, text))
            elif len(wanted) >= MIN_CONTAINS and wanted in k:
                inside.append(Match(e.page, e.title, CONTAINS, text))
    return starts + inside


def _similar(wanted: str, entries: list[Entry], taken: set) -> list[Match]:
    """Pages whose name, title or alias is spelled like `wanted`: suggestions only."""
    from rapidfuzz import fuzz, process

    choices = {(i, n): k for i, e in enumerate(entries) if e.page not in taken
               for n, (_, k, _) in enumerate(e.keys)}
    if not wanted or not choices:
        return []
    best = process.extract(wanted, choices, scorer=fuzz.ratio, score_cutoff=SIMILAR_CUTOFF,
                           limit=SIMILAR_LIMIT * 3)
    found = []
    for _, _, (i, n) in sorted(best, key=lambda b: (-b[1], b[2])):
        e = entries[i]
        found.append(Match(e.page, e.title, SIMILAR, e.keys[n][2]))
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
            raise HandoutError(result.refusal(content))
        found.append(result.chosen)
    return found
