"""Deliver stage: one print-ready PDF for a print run. A contents page, then each handout
exactly as built (its own footer and "Page X of Y"), each starting on a right-hand (odd)
page, with a bookmark tree per handout. Never changes a handout's pages.

Deterministic: the contents page is drawn by ReportLab in invariant mode and the pack is
saved by pikepdf with an ID computed from its content, so the same inputs give the same
bytes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pikepdf

from ..errors import HandoutError
from ..render.contents import CONTENTS_TITLE, draw_contents
from .batch import TIME_LIMIT, BatchResult, Progress, render_batch
from .files import write_atomic
from .packtree import PackTree

@dataclass(frozen=True)
class Entry:
    """One handout in a pack: its title, PDF and first page in the pack (1-based)."""

    title: str
    data: bytes
    pages: int
    start: int = 0


@dataclass
class PackResult:
    batch: BatchResult
    entries: tuple[Entry, ...] = ()
    pages: int = 0  # pages in the pack, contents and blanks included
    data: bytes = b""  # the pack itself, when every handout built


def build_pack(pages, inputs, target: Path, progress: Progress | None = None,
               jobs: int | None = 1, limit: float | None = TIME_LIMIT) -> PackResult:
    """Render every page, then write the pack atomically; nothing is written unless
    every handout built (a print run must not silently miss one)."""
    result = make_pack(pages, inputs, progress, jobs, limit=limit)
    if result.data:
        write_atomic(target, result.data)
    return result


def make_pack(pages, inputs, progress: Progress | None = None, jobs: int | None = 1,
              handover=None, limit: float | None = TIME_LIMIT) -> PackResult:
    """The pack in memory (no data unless every handout built). With `handover` its
    contents page carries the personalised box: those bytes go only to a printer."""
    made, batch = render_batch(pages, inputs, progress, jobs, limit)
    if batch.failed or batch.interrupted or not pages:
        return PackResult(batch)
    config, style = inputs.load()
    data, entries, total = assemble([(built.data, built.pages) for built in made],
                                    style, config, handover)
    return PackResult(batch, entries, total, data)


def assemble(handouts, style, config, handover=None) -> tuple[bytes, tuple[Entry, ...], int]:
    """(PDF bytes, page count) pairs -> the pack's bytes, its entries and page count."""
    sources = [pikepdf.open(io.BytesIO(data)) for data, _ in handouts]
    try:
        entries = [Entry(_title(src), data, len(src.pages))
                   for src, (data, _) in zip(sources, handouts)]
        contents, entries = _contents_fixed_point(entries, style, config, handover)
        pack = pikepdf.open(io.BytesIO(contents))
        size = tuple(float(v) for v in pack.pages[0].mediabox[2:])
        items = [pikepdf.OutlineItem(CONTENTS_TITLE, 0)]
        tree = PackTree(pack)
        for entry, src in zip(entries, sources):
            while len(pack.pages) < entry.start - 1:  # blank back of the previous sheet
                pack.add_blank_page(page_size=size)
            first = len(pack.pages)
            pack.pages.extend(src.pages)
            tree.add(src, first)
            items.extend(_outline(src, pack, first, entry.title))
        _finish(pack, items)
        tree.finish()
        out = io.BytesIO()
        pack.save(out, deterministic_id=True)
        return out.getvalue(), tuple(entries), len(pack.pages)
    finally:
        for src in sources:
            src.close()


def starts(page_counts: list[int], contents_pages: int) -> list[int]:
    """First page (1-based) of each handout: every one on an odd page, after the
    contents pages."""
    found, page = [], contents_pages + 1
    for count in page_counts:
        page += page % 2 == 0  # an even page is a left-hand page: leave it blank
        found.append(page)
        page += count
    return found


def _contents_fixed_point(entries: list[Entry], style, config, handover=None):
    """Draw the contents until its own length stops moving the start pages (the
    first draw usually settles it: a number's width does not change line breaks)."""
    contents_pages = 1
    for _ in range(5):
        placed = [Entry(e.title, e.data, e.pages, s) for e, s in
                  zip(entries, starts([e.pages for e in entries], contents_pages))]
        data, drawn = draw_contents([(e.title, e.start) for e in placed], style, config,
                                    handover)
        if drawn == contents_pages:
            return data, placed
        contents_pages = drawn
    raise HandoutError("the contents page did not settle")  # pragma: no cover


def _title(src) -> str:
    title = src.docinfo.get("/Title")
    return str(title) if title is not None else "(untitled)"


def _outline(src, pack, first: int, title: str) -> list:
    """The handout's own bookmarks, pointing at its pages in the pack; a single entry
    for its first page when it has none."""
    index = {page.obj.objgen: i for i, page in enumerate(src.pages)}
    with src.open_outline() as outline:
        items = [_copy_item(item, index, pack, first) for item in outline.root]
    return items or [pikepdf.OutlineItem(title, first)]


def _copy_item(item, index: dict, pack, first: int):
    dest = item.destination
    page = first
    position: list = [pikepdf.Name.Fit]
    if isinstance(dest, pikepdf.Array) and len(dest) >= 2:
        page = first + index.get(dest[0].objgen, 0)
        position = list(dest[1:])
    target = pikepdf.Array([pack.pages[page].obj, *position])
    copy = pikepdf.OutlineItem(item.title, target)
    copy.children = [_copy_item(child, index, pack, first) for child in item.children]
    return copy


def _finish(pack, items) -> None:
    with pack.open_outline() as outline:
        outline.root.extend(items)
    pack.Root.PageMode = pikepdf.Name.UseOutlines
