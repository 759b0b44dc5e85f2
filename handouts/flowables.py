"""Layout stage helpers: the boxed flowable (warning and note boxes) and the canvas
that stamps "Page X of Y". Knows ReportLab, never Markdown or the drug model.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.colors import HexColor
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph


@dataclass(frozen=True)
class BoxLook:
    """Colours and spacing of a box; all values come from the style."""

    fill: str
    border: str
    border_width: float
    padding: float
    gap: float  # between items inside the box
    label_fill: str | None = None


class Box(Flowable):
    """Bordered, filled box with an optional label bar.

    It moves whole to the next page when it fits there; when it is taller than a page
    it splits between (or inside) its items and the rest repeats the label under
    `continued`, so an urgent list never loses its heading.
    """

    def __init__(self, items, look: BoxLook, label=None, continued=None, page_height=0.0,
                 tail=None):
        super().__init__()
        self.items = list(items)
        self.look = look
        self.label = label  # Paragraph or None
        self.continued = continued  # Paragraph used for the label of later parts
        self.page_height = page_height
        self.tail = tail  # Paragraph printed last (e.g. whom to call), repeated per part
        self._sizes: list[tuple[float, float]] = []

    # -- measuring -----------------------------------------------------------------
    def _inner(self, avail_width: float) -> float:
        return avail_width - 2 * (self.look.padding + self.look.border_width)

    def _label_height(self, inner: float) -> float:
        if self.label is None:
            return 0.0
        return self.label.wrap(inner, 1e6)[1] + 2 * self.look.padding * 0.6

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
        return [self._part(first, self.label), self._part(rest, self.continued or self.label)]

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

    def _part(self, items, label) -> "Box":
        return Box(items, self.look, label, self.continued, self.page_height, self.tail)

    # -- drawing ---------------------------------------------------------------------
    def draw(self):
        canv, look = self.canv, self.look
        bw, pad = look.border_width, look.padding
        inner = self._inner(self.width)
        canv.saveState()
        canv.setFillColor(HexColor(look.fill))
        canv.setStrokeColor(HexColor(look.border))
        canv.setLineWidth(bw)
        canv.rect(bw / 2, bw / 2, self.width - bw, self.height - bw, stroke=1, fill=1)
        y = self.height - bw
        if self.label is not None:
            bar = self._label_height(inner)
            if look.label_fill:
                canv.setFillColor(HexColor(look.label_fill))
                canv.rect(bw / 2, y - bar, self.width - bw, bar, stroke=0, fill=1)
            h = self.label.wrap(inner, 1e6)[1]
            self.label.drawOn(canv, bw + pad, y - bar + (bar - h) / 2)
            y -= bar
        canv.restoreState()
        y -= pad
        for item, (_, h) in zip(self.items, self._sizes):
            item.drawOn(canv, bw + pad, y - h)
            y -= h + look.gap
        if self.tail is not None:
            h = self.tail.wrap(inner, 1e6)[1]
            self.tail.drawOn(canv, bw + pad, y - h)


def numbered_canvas(draw_page_label):
    """A Canvas class that knows the page count when it stamps each page.

    Pages are kept until save() so "Page X of Y" can be drawn with the final Y.
    """

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._saved_pages: list[dict] = []

        def showPage(self):
            self._saved_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._saved_pages)
            for state in self._saved_pages:
                self.__dict__.update(state)
                draw_page_label(self, self._pageNumber, total)
                Canvas.showPage(self)
            Canvas.save(self)

    return NumberedCanvas


class BookmarkedParagraph(Paragraph):
    """A heading that adds an outline entry (bookmark) at the spot it is drawn."""

    def __init__(self, text, style, key: str = "", title: str = "", level: int = 0,
                 **paragraph_args):
        # Paragraph.split makes its pieces with Paragraph's own arguments.
        super().__init__(text, style, **paragraph_args)
        self.key, self.title, self.level = key, title, level

    def split(self, avail_width, avail_height):
        """A heading taller than the page splits; the bookmark goes with its start."""
        parts = super().split(avail_width, avail_height)
        if parts:
            parts[0].key, parts[0].title, parts[0].level = self.key, self.title, self.level
        return parts

    def draw(self):
        if self.key:  # pieces after the first carry none
            self.canv.bookmarkHorizontal(self.key, 0, self.height)
            self.canv.addOutlineEntry(self.title, self.key, level=self.level, closed=False)
        super().draw()
