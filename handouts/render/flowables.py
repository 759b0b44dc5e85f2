"""Render stage helpers: tagged paragraphs, the boxed flowable (warning and note boxes),
rules, and the canvas that stamps "Page X of Y". Knows ReportLab, never Markdown or the
drug model. Everything here paints either tagged content or an artifact (tagging.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.colors import HexColor
from reportlab.platypus import Flowable, Paragraph
from reportlab.platypus.flowables import HRFlowable

from .internals import start_page
from .tagging import LAYOUT, Element, TaggedCanvas


class TaggedParagraph(Paragraph):
    """A paragraph drawn as content of structure element `tag`, its bullet (if any) as
    content of `label` (a list item's Lbl). Both parts of a split paragraph keep `tag`:
    one element, marked content on two pages."""

    def __init__(self, text, style, tag: Element | None = None, label: Element | None = None,
                 **kwargs):
        super().__init__(text, style, **kwargs)
        self.tag, self.label = tag, label

    def split(self, availWidth, availHeight):
        parts = super().split(availWidth, availHeight)
        for n, part in enumerate(parts):
            part.tag, part.label = self.tag, self.label if n == 0 else None
            self._carry(part, n == 0)
        return parts

    def _carry(self, part, first: bool) -> None:
        """Copy subclass state to a split part (ReportLab makes parts with bare args)."""

    def draw(self):
        label = self.label if self.bulletText else None
        with self.canv.tags.text_objects([label, self.tag]):
            super().draw()


class Rule(HRFlowable):
    """A horizontal rule: a layout artifact."""

    def draw(self):
        with self.canv.tags.artifact(self.canv, LAYOUT):
            super().draw()


@dataclass(frozen=True)
class BoxLook:
    """Colours and spacing of a box; all values come from the style."""

    fill: str
    border: str
    border_width: float
    padding: float
    gap: float  # between items inside the box
    label_fill: str | None = None
    label_padding: float = 0.0  # above and below the label, as a share of padding


class Box(Flowable):
    """Bordered, filled box with an optional label bar.

    It moves whole to the next page when it fits there; when it is taller than a page
    it splits between (or inside) its items and the rest repeats the label under
    `continued`, so an urgent list never loses its heading.
    """

    def __init__(self, items, look: BoxLook, label=None, continued=None, page_height=0.0,
                 tail=None, first: bool = True, last: bool = True):
        super().__init__()
        self.items = list(items)
        self.look = look
        self.label = label  # Paragraph or None
        self.continued = continued  # Paragraph used for the label of later parts
        self.page_height = page_height
        self.tail = tail  # Paragraph printed last (e.g. whom to call), repeated per part
        # A split box repeats its label and tail on each part; a reader hears the label
        # in the first part and the tail in the last, the repeats are artifacts.
        self.first, self.last = first, last
        self._sizes: list[tuple[float, float]] = []

    # -- measuring -----------------------------------------------------------------
    def _inner(self, avail_width: float) -> float:
        return avail_width - 2 * (self.look.padding + self.look.border_width)

    def _label_height(self, inner: float) -> float:
        if self.label is None:
            return 0.0
        return self.label.wrap(inner, 1e6)[1] + 2 * self.look.padding * self.look.label_padding

    def _tail_height(self, inner: float) -> float:
        return self.tail.wrap(inner, 1e6)[1] + self.look.gap if self.tail is not None else 0.0

    def _chrome(self, inner: float) -> float:
        """Height the box adds around its items."""
        return (self._label_height(inner) + self._tail_height(inner)
                + 2 * (self.look.padding + self.look.border_width))

    def wrap(self, avail_width, avail_height):
        inner = self._inner(avail_width)
        self._sizes = [item.wrap(inner, 1e6) for item in self.items]
        body = sum(h for _, h in self._sizes) + self.look.gap * max(len(self.items) - 1, 0)
        self.width = avail_width
        self.height = body + self._chrome(inner)
        return self.width, self.height

    # -- splitting -------------------------------------------------------------------
    def split(self, avail_width, avail_height):
        self.wrap(avail_width, avail_height)
        if self.height <= avail_height:
            return [self]
        if self.height <= self.page_height and avail_height < self.page_height:
            return []  # fits on a fresh page: keep it together there
        inner = self._inner(avail_width)
        room = avail_height - self._chrome(inner)
        first, rest = self._fill(inner, room)
        if not first:
            return []
        return [self._part(first, self.label, self.first, False),
                self._part(rest, self.continued or self.label, False, self.last)]

    def _fill(self, inner: float, room: float):
        taken, items = [], list(self.items)
        while items:
            item = items[0]
            height = item.wrap(inner, 1e6)[1] + (self.look.gap if taken else 0)
            if height <= room:
                taken.append(items.pop(0))
                room -= height
                continue
            parts = item.split(inner, room - (self.look.gap if taken else 0))
            if len(parts) >= 2:
                taken.append(parts[0])
                items = list(parts[1:]) + items[1:]
            break
        return taken, items

    def _part(self, items, label, first: bool, last: bool) -> "Box":
        return Box(items, self.look, label, self.continued, self.page_height, self.tail,
                   first, last)

    # -- drawing ---------------------------------------------------------------------
    def draw(self):
        canv, look, tags = self.canv, self.look, self.canv.tags
        bw, pad = look.border_width, look.padding
        inner = self._inner(self.width)
        y = self.height - bw
        bar = self._label_height(inner)
        with tags.artifact(canv, LAYOUT):
            canv.saveState()
            canv.setFillColor(HexColor(look.fill))
            canv.setStrokeColor(HexColor(look.border))
            canv.setLineWidth(bw)
            canv.rect(bw / 2, bw / 2, self.width - bw, self.height - bw, stroke=1, fill=1)
            if self.label is not None and look.label_fill:
                canv.setFillColor(HexColor(look.label_fill))
                canv.rect(bw / 2, y - bar, self.width - bw, bar, stroke=0, fill=1)
            canv.restoreState()
        if self.label is not None:
            h = self.label.wrap(inner, 1e6)[1]
            with tags.once(canv, self.first):
                self.label.drawOn(canv, bw + pad, y - bar + (bar - h) / 2)
            y -= bar
        y -= pad
        for item, (_, h) in zip(self.items, self._sizes):
            item.drawOn(canv, bw + pad, y - h)
            y -= h + look.gap
        if self.tail is not None:
            h = self.tail.wrap(inner, 1e6)[1]
            with tags.once(canv, self.last):
                self.tail.drawOn(canv, bw + pad, y - h)


def numbered_canvas(draw_page_label, tags):
    """A tagged Canvas class that knows the page count when it stamps each page.

    Pages are kept until save() so "Page X of Y" can be drawn with the final Y;
    `draw_page_label` must draw it as an artifact.
    """

    class NumberedCanvas(TaggedCanvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, tags=tags, **kwargs)
            self._saved_pages: list[dict] = []
            self._bookmarks: list[tuple] = []

        def defer_bookmark(self, key: str, title: str, level: int, x: float, y: float):
            """A bookmark must point at its real page, which exists only at save()."""
            self._bookmarks.append((key, title, level, x, y))

        def showPage(self):
            self._saved_pages.append(dict(self.__dict__))
            self._bookmarks = []
            start_page(self)

        def save(self):
            total = len(self._saved_pages)
            for state in self._saved_pages:
                self.__dict__.update(state)
                for key, title, level, x, y in self._bookmarks:
                    self.bookmarkPage(key, fit="XYZ", left=x, top=y)
                    self.addOutlineEntry(title, key, level=level, closed=False)
                draw_page_label(self, self.getPageNumber(), total)
                TaggedCanvas.showPage(self)
            TaggedCanvas.save(self)

    return NumberedCanvas


class BookmarkedParagraph(TaggedParagraph):
    """A heading that adds an outline entry (bookmark) at the spot it is drawn."""

    def __init__(self, text, style, tag=None, key: str = "", title: str = "", level: int = 0,
                 **kwargs):
        super().__init__(text, style, tag, **kwargs)
        self.key, self.title, self.level = key, title, level

    def _carry(self, part, first: bool) -> None:
        # only the first part of a split heading adds the outline entry
        part.key, part.title, part.level = self.key if first else "", self.title, self.level

    def draw(self):
        if self.key:
            x, y = self.canv.absolutePosition(0, self.height)
            self.canv.defer_bookmark(self.key, self.title, self.level, x, y)
        super().draw()
