"""Render stage helpers: tagged paragraphs, the boxed flowable (warning and note boxes),
rules, and the canvas that stamps "Page X of Y". Knows ReportLab, never Markdown or the
drug model. Everything here paints either tagged content or an artifact (tagging.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate

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


class _Measured:
    """A box's items, measured once per width: their heights and running sums, so any
    run of them is measured in constant time and a box of N items splits into pages in
    time linear in N (re-measuring the rest at every page was quadratic)."""

    def __init__(self, items: list, repeats: list):
        self.items, self.repeats = items, repeats
        self.width: float | None = None
        self.heights: list[float] = []
        self.sums: list[float] = [0.0]

    def measure(self, width: float) -> None:
        if width != self.width:
            self.heights = [item.wrap(width, 1e6)[1] for item in self.items]
            self.sums = list(accumulate(self.heights, initial=0.0))
            self.width = width

    def run_height(self, start: int, stop: int) -> float:
        """Heights of items [start, stop), without the gaps between them."""
        return self.sums[stop] - self.sums[start]


class Box(Flowable):
    """Bordered, filled box with an optional label bar.

    It moves whole to the next page when it fits there; when it is taller than a page
    it splits between (or inside) its items, and each later part repeats the label
    under `continued` and, above its first item, that item's entry in `repeats` (the
    current group's label, "(continued)"), so an urgent list never loses its heading.
    `tail` (whom to call) is printed once, at the end of the last part.
    """

    def __init__(self, items, look: BoxLook, label=None, continued=None, page_height=0.0,
                 tail=None, repeats=None):
        super().__init__()
        items = list(items)
        self.look, self.label, self.continued = look, label, continued
        self.page_height, self.tail = page_height, tail
        self.shared = _Measured(items, list(repeats or [None] * len(items)))
        self._part(0, len(items), [], None, first=True, last=True)

    def _part(self, start: int, stop: int, lead: list, repeat, first: bool, last: bool):
        """This box's slice: `repeat` (drawn as an artifact), `lead` (pieces of a split
        item), then shared items [start, stop). A reader hears the label in the first
        part and the tail in the last; repeated labels are artifacts."""
        self.start, self.stop, self.lead, self.repeat = start, stop, lead, repeat
        self.first, self.last = first, last
        return self

    def _copy(self, **changes) -> "Box":
        part = Box.__new__(Box)
        Flowable.__init__(part)
        part.look, part.label, part.continued = self.look, self.label, self.continued
        part.page_height, part.tail, part.shared = self.page_height, self.tail, self.shared
        for space in ("spaceBefore", "spaceAfter"):
            if hasattr(self, space):
                setattr(part, space, getattr(self, space))
        values = {k: getattr(self, k) for k in
                  ("start", "stop", "lead", "repeat", "first", "last")} | changes
        return part._part(**values)

    # -- measuring -----------------------------------------------------------------
    def _inner(self, avail_width: float) -> float:
        return avail_width - 2 * (self.look.padding + self.look.border_width)

    def _heading(self):
        return self.label if self.first else (self.continued or self.label)

    def _label_height(self, inner: float) -> float:
        heading = self._heading()
        if heading is None:
            return 0.0
        return heading.wrap(inner, 1e6)[1] + 2 * self.look.padding * self.look.label_padding

    def _tail_height(self, inner: float) -> float:
        return self.tail.wrap(inner, 1e6)[1] + self.look.gap if self.tail is not None else 0.0

    def _chrome(self, inner: float) -> float:
        """Height the box adds around its items (the tail only on the last part)."""
        tail = self._tail_height(inner) if self.last else 0.0
        return self._label_height(inner) + tail + 2 * (self.look.padding
                                                       + self.look.border_width)

    def _entries(self, inner: float):
        """(flowable, height, index of its item) of what this part holds, in order;
        shared items are read lazily, so taking a page's worth costs that page only."""
        for piece in self.lead:
            yield piece, piece.wrap(inner, 1e6)[1], self.start - 1
        for index in range(self.start, self.stop):
            yield self.shared.items[index], self.shared.heights[index], index

    def wrap(self, avail_width, avail_height):
        inner = self._inner(avail_width)
        self.shared.measure(inner)
        fixed = [p.wrap(inner, 1e6)[1] for p in self.lead]
        if self.repeat is not None:
            fixed.append(self.repeat.wrap(inner, 1e6)[1])
        count = len(fixed) + self.stop - self.start
        body = (sum(fixed) + self.shared.run_height(self.start, self.stop)
                + self.look.gap * max(count - 1, 0))
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
        tail = self._tail_height(inner) if self.last else 0.0
        room = avail_height - (self._chrome(inner) - tail)
        if self.repeat is not None:
            room -= self.repeat.wrap(inner, 1e6)[1]
        taken, rest = self._fill(inner, room)
        if rest is None and self.last:  # all fits but whom to call: it takes the last item
            taken, rest = self._fill(inner, room - tail)
        if rest is None:
            return [self]
        if not taken:
            return []
        return [self._copy(start=self.start, stop=self.start, lead=taken, last=False), rest]

    def _fill(self, inner: float, room: float):
        """(flowables that fit in `room`, the part holding the rest, or None if all fit)."""
        taken: list = []
        for at, (flowable, height, index) in enumerate(self._entries(inner)):
            gap = self.look.gap if at or self.repeat is not None else 0.0
            if height + gap <= room:
                taken.append(flowable)
                room -= height + gap
                continue
            parts = flowable.split(inner, room - gap) if room > gap else []
            if len(parts) >= 2:
                taken.append(parts[0])
            return taken, self._rest(at, index, parts[1:] if len(parts) >= 2 else [flowable])
        return taken, None

    def _rest(self, at: int, index: int, left: list) -> "Box":
        """The part after a page break at entry `at` (of item `index`): what is `left` of
        that entry, then what follows it, under the repeat of that item's group."""
        if at < len(self.lead):  # inside the pieces of an item split on an earlier page
            lead, start = left + self.lead[at + 1:], self.start
        elif left and left[0] is self.shared.items[index]:  # the item moves whole
            lead, start = [], index
        else:  # the item was split: its other pieces lead the next part
            lead, start = left, index + 1
        repeat = self.shared.repeats[index] if index >= 0 else None
        return self._copy(start=start, lead=lead, repeat=repeat, first=False)

    # -- drawing ---------------------------------------------------------------------
    def draw(self):
        canv, look, tags = self.canv, self.look, self.canv.tags
        bw, pad = look.border_width, look.padding
        inner = self._inner(self.width)
        y = self.height - bw
        bar = self._label_height(inner)
        heading = self._heading()
        with tags.artifact(canv, LAYOUT):
            canv.saveState()
            canv.setFillColor(HexColor(look.fill))
            canv.setStrokeColor(HexColor(look.border))
            canv.setLineWidth(bw)
            canv.rect(bw / 2, bw / 2, self.width - bw, self.height - bw, stroke=1, fill=1)
            if heading is not None and look.label_fill:
                canv.setFillColor(HexColor(look.label_fill))
                canv.rect(bw / 2, y - bar, self.width - bw, bar, stroke=0, fill=1)
            canv.restoreState()
        if heading is not None:
            h = heading.wrap(inner, 1e6)[1]
            with tags.once(canv, self.first):
                heading.drawOn(canv, bw + pad, y - bar + (bar - h) / 2)
            y -= bar
        y -= pad
        if self.repeat is not None:
            with tags.artifact(canv, LAYOUT):
                y = self._draw_one(self.repeat, inner, y)
        for flowable, height, _ in self._entries(inner):
            flowable.wrap(inner, 1e6)
            flowable.drawOn(canv, bw + pad, y - height)
            y -= height + look.gap
        if self.tail is not None and self.last:
            self._draw_one(self.tail, inner, y)

    def _draw_one(self, flowable, inner: float, y: float) -> float:
        h = flowable.wrap(inner, 1e6)[1]
        flowable.drawOn(self.canv, self.look.border_width + self.look.padding, y - h)
        return y - h - self.look.gap


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
