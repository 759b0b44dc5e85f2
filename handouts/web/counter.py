"""Web layer: the front desk's view of the counter's functions: the medicine-safe lookup
(read/lookup.py), the per-patient copy (deliver/batch with a Handover) and printing on a
CUPS queue (deliver/cups.py), the same ones `handouts build`, `list` and `print` use.

The lookup answers from a LiveIndex per content folder, so a keystroke never waits for a
walk over thousands of pages; everything else here is a thin translation for templates.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..deliver import cups
from ..deliver.batch import render_one
from ..read.lookup import DESCRIBED, SIMILAR, LiveIndex, lookup, read_head
from ..read.lookup import page_named as named
from ..read.workspace import Page

MAX_QUERY = 300


@dataclass(frozen=True)
class Hit:
    name: str  # the page's file name: /handouts/NAME
    title: str
    how: str  # how it matched, in words ("title", "alias", "starts with it", ...)
    similar: bool = False  # a spelling suggestion: never an answer
    page: Page | None = None  # the page itself (its review status is shown beside it)


@dataclass(frozen=True)
class Results:
    query: str
    hits: tuple[Hit, ...] = ()  # best first
    similar: tuple[Hit, ...] = ()  # shown last, marked
    problem: str = ""


_live: dict[Path, LiveIndex] = {}


def _index(content: Path) -> LiveIndex:
    return _live.setdefault(content.resolve(), LiveIndex(content))


def _found(content: Path, text: str):
    return lookup(" ".join(text.split()), content, _index(content))


def search(content: Path, text: str) -> Results:
    """What the lookup finds for `text`, best first; spelling suggestions apart."""
    found = _found(content, text)
    if found.problem:
        return Results(found.query[:60], problem="type a medicine name (at most "
                                                 f"{MAX_QUERY} letters)")
    hits = tuple(Hit(m.page.name, m.title, DESCRIBED[m.how], page=m.page)
                 for m in found.matches)
    similar = tuple(Hit(m.page.name, m.title, DESCRIBED[SIMILAR], similar=True, page=m.page)
                    for m in found.similar)
    return Results(found.query, hits, similar)


def choose(content: Path, text: str) -> tuple[Page | None, Results]:
    """The one page `text` names exactly (file name, path, title or alias), else None
    with what it matched: partial and similar matches never choose."""
    return _found(content, text).chosen, search(content, text)


def page_named(content: Path, name: str) -> Page | None:
    """The page whose file name is `name` (any case); None for anything else."""
    return named(name, content, _index(content))


def personal_pdf(page: Page, context, handover) -> bytes:
    """One patient's copy, in memory only: the handout with their box on page 1."""
    config, style = context
    return render_one(page.path, page.name, style, config, handover).data


def print_pdf(data: bytes, queue: str, page: Page) -> str:
    """Send a PDF to the CUPS queue on lp's standard input (no file of ours on disk),
    as `handouts print` does; the job title is the drug's, never a patient's."""
    found = cups.find_queue(queue)
    job = cups.submit(found, data, read_head(page.path)[0] or page.name, 1)
    sides = "two-sided" if found.duplex else "one-sided"
    return f"sent to printer queue {found.name}: job {job}, {sides}"
